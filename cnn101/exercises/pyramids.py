"""Checks for the exercises of tutorial 4, "Image pyramids and pyramid pooling".

Each check compares the answer with the library (:mod:`cnn101.pyramids`,
:mod:`cnn101.layers.pyramid_pooling`, :mod:`cnn101.receptive_field`) and returns a
:class:`~cnn101.exercises.Feedback`; a wrong or malformed answer gets "Not yet" and
a hint, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cnn101 import _validation as check
from cnn101.exercises import Feedback, correct, not_yet

__all__ = [
    "DILATED_STACK",
    "check_receptive_field",
    "check_spp_length",
    "check_storage_overhead",
]

# The exercise's dilated stack: 3x3 conv, 2x2 pool (stride 2), then 3x3 convs at rates 2 and 4.
DILATED_STACK = ((3, 1, 1), (2, 2, 1), (3, 1, 2), (3, 1, 4))


def _is_number(value: Any) -> bool:
    """Return whether ``value`` is a finite real number (Python or NumPy; not a boolean)."""
    return check.is_finite_number(value)


def _is_whole(value: Any) -> bool:
    return _is_number(value) and float(value).is_integer()


def check_storage_overhead(overhead: Callable[[int], float]) -> Feedback:
    """Check a function ``overhead(n)``: extra storage of an n-level pyramid, as a fraction.

    The image is square with a power-of-two side, so level k holds ``1 / 4**k`` of
    its pixels; the answer for n levels (besides the image) is ``1/4 + ... + 1/4**n``.
    The blog this tutorial tests says the storage grows by at most 1/3.

    Parameters
    ----------
    overhead : callable
        ``overhead(n: int) -> float``, the student's formula; called for n = 1 ... 8 and
        compared with :func:`cnn101.pyramids.storage_overhead` of a 1024 x 1024 image.

    Returns
    -------
    Feedback

    References
    ----------
    .. [1] L. Mao, "Image pyramids and its applications in deep learning", blog post, 2018.
       https://leimao.github.io/blog/Image-Pyramids-In-Deep-Learning/

    Examples
    --------
    >>> print(check_storage_overhead(lambda n: sum(0.25**k for k in range(1, n + 1))))
    Correct! overhead(n) matches the measured pyramid for n = 1 ... 8, and stays below 1/3.
    >>> bool(check_storage_overhead(lambda n: n / 4))
    False
    """
    from cnn101.pyramids import storage_overhead

    hint = (
        "Each level halves both sides, so it keeps a quarter of the pixels of the level "
        "above: add 1/4, 1/16, ... for n terms."
    )
    if not callable(overhead):
        return not_yet(
            f"`overhead` should be a function of n. Received: {overhead!r:.60}", hint=hint
        )
    for n in range(1, 9):
        expected = storage_overhead((2**10, 2**10), max_layer=n)
        try:
            answer = overhead(n)
        except Exception as error:  # the student's code may raise anything
            return not_yet(f"overhead({n}) raised {type(error).__name__}: {error}", hint=hint)
        if not _is_number(answer):
            return not_yet(
                f"overhead({n}) should return a number. Received: {answer!r:.60}", hint=hint
            )
        if abs(answer - expected) > 1e-9:
            return not_yet(
                f"overhead({n}) returned {answer:.6g}, "
                f"{'more' if answer > expected else 'less'} than a pyramid of {n} levels costs.",
                hint=hint,
            )
    return correct("overhead(n) matches the measured pyramid for n = 1 ... 8, and stays below 1/3.")


def check_spp_length(
    answer: Any, channels: int = 256, levels: Sequence[int] = (6, 3, 2, 1)
) -> Feedback:
    """Check the length of the vector that SPP with ``levels`` makes from ``channels`` maps.

    The defaults are He et al.'s detection network: (6, 3, 2, 1) bins on 256 maps.

    Parameters
    ----------
    answer : int
        The predicted length.
    channels : int, default 256
        Channels of the feature map that is pooled.
    levels : sequence of int, default (6, 3, 2, 1)
        Bins per side at each level of :class:`cnn101.layers.pyramid_pooling.SpatialPyramidPooling`.

    Returns
    -------
    Feedback

    References
    ----------
    .. [1] K. He, X. Zhang, S. Ren and J. Sun, "Spatial pyramid pooling in deep
       convolutional networks for visual recognition", ECCV, 2014; extended in IEEE
       TPAMI 37(9), 2015. arXiv:1406.4729

    Examples
    --------
    >>> print(check_spp_length(256 * (36 + 9 + 4 + 1)))
    Correct! SpatialPyramidPooling((6, 3, 2, 1)) on 256 channels gives 12800 numbers, for any input size.
    >>> bool(check_spp_length(256 * 4))
    False
    """
    from cnn101.layers.pyramid_pooling import SpatialPyramidPooling

    channels = check.positive_int(channels, "channels")
    expected = SpatialPyramidPooling(levels).compute_output_shape((None, None, None, channels))[-1]
    hint = "A level with n bins per side gives n * n bins, each holding one number per channel."
    if not _is_whole(answer):
        return not_yet(f"The answer should be a whole number. Received: {answer!r:.60}", hint=hint)
    if int(answer) != expected:
        return not_yet(f"{answer} is not the length of the SPP vector.", hint=hint)
    return correct(
        f"SpatialPyramidPooling({tuple(levels)}) on {channels} channels gives {expected} numbers, "
        "for any input size."
    )


def check_receptive_field(
    answer: Any, layers: Sequence[tuple[int, ...]] = DILATED_STACK
) -> Feedback:
    """Check the receptive field (pixels along one side) of a stack of layers.

    Compared with :func:`cnn101.receptive_field.receptive_field`; a right answer is
    also measured with a gradient through the real convolutions.

    Parameters
    ----------
    answer : int
        The predicted receptive field, in input pixels along one side.
    layers : sequence of (kernel, stride, dilation), default DILATED_STACK
        The stack, first layer first: by default a 3x3 convolution, a 2x2 pool with
        stride 2, then 3x3 convolutions with dilation 2 and 4.

    Returns
    -------
    Feedback

    References
    ----------
    .. [1] F. Yu and V. Koltun, "Multi-scale context aggregation by dilated
       convolutions", ICLR, 2016. arXiv:1511.07122

    Examples
    --------
    >>> print(check_receptive_field(28))
    Correct! The last layer sees 28 x 28 pixels; a gradient through the real convolutions agrees.
    >>> print(check_receptive_field(15).message)
    15 is not the receptive field of this stack.
    """
    from cnn101.receptive_field import empirical_receptive_field, receptive_field

    expected = receptive_field(layers)
    hint = (
        "Track the field and the jump (distance between neighbouring outputs, in input pixels): "
        "a layer adds dilation * (kernel - 1) * jump to the field, then multiplies the jump by "
        "its stride. The pool comes before the dilated convolutions."
    )
    if not _is_whole(answer):
        return not_yet(
            f"The answer should be a whole number of pixels. Received: {answer!r:.60}", hint=hint
        )
    if int(answer) != expected:
        return not_yet(f"{answer} is not the receptive field of this stack.", hint=hint)
    measured, _ = empirical_receptive_field(layers, size=2 * expected + 8)
    return correct(
        f"The last layer sees {expected} x {expected} pixels"
        + ("; a gradient through the real convolutions agrees." if measured == expected else ".")
    )
