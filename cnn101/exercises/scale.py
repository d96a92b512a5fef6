"""Checks for the exercises of tutorial 3, "Spatial resolution and scale".

Each check takes the student's answer, compares it with :mod:`cnn101.corners`,
:mod:`cnn101.layers.scale_channels` or an analytic answer, and returns a
:class:`~cnn101.exercises.Feedback`. A wrong answer, or one of the wrong type or
shape, gives a "Not yet" with a hint; the checks never raise for it.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101.corners import merge_level
from cnn101.exercises import Feedback, correct, not_yet

__all__ = [
    "check_merge_level",
    "check_pyramid",
    "check_scaled_size",
    "check_winning_channel",
]

# The square of `check_merge_level`: upper-left corner pixel (row, column) and side.
MERGE_SQUARE = (13, 22, 3)
# The digit of `check_scaled_size`: ink box (height, width) and the scale factor.
DIGIT_BOX = (20, 13)
DIGIT_SCALE = 0.7
# The pyramid of `check_pyramid`: scales of its levels.
PYRAMID_SCALES = (1.0, 0.5, 0.25)
# `check_winning_channel`: training scale, test scale and the channels' scales.
CHANNELS = (1.0, 0.5**0.5, 0.5)
TEST_SCALE = 2.0


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_merge_level(level: Any) -> Feedback:
    """Check the pooling level at which the two corners of ``MERGE_SQUARE`` share a cell.

    The square has its upper-left corner at row 13, column 22 and side 3 pixels;
    pooling is 2x2 with stride 2, the grid starting at pixel 0.

    Parameters
    ----------
    level : int
        The number of 2x2 poolings after which the square's corners share a cell.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_merge_level(4))
    True
    >>> bool(check_merge_level(2))
    False
    """
    top, left, size = MERGE_SQUARE
    rows, cols = merge_level(top, size), merge_level(left, size)
    expected = max(rows, cols)
    if not _is_int(level):
        return not_yet(
            f"The answer must be a whole number of pooling levels. Received: {check.describe(level)}.",
            hint="Write a number such as 2, not a string or a list.",
        )
    if level == expected:
        return correct(
            f"Rows {top}..{top + size - 1} share a cell from level {rows}, columns "
            f"{left}..{left + size - 1} from level {cols}; both at level {expected}."
        )
    if level == int(np.ceil(np.log2(size))):
        return not_yet(
            f"Level {level} would be right for a square sitting on the pooling grid, but this one does not.",
            hint="At level L pixel p is in cell p // 2**L. Check the first and last row, then the "
            "first and last column, for L = 1, 2, 3, ...",
        )
    return not_yet(
        f"At level {level} the corners are {'already merged' if level > expected else 'in different cells'}.",
        hint="At level L pixel p is in cell p // 2**L. The corners merge when both the rows "
        f"{top} and {top + size - 1} and the columns {left} and {left + size - 1} share a cell.",
    )


def check_scaled_size(size: Any) -> Feedback:
    """Check the (height, width) of a 20x13 ink box after scaling by 0.7.

    :func:`cnn101.digits.place_digits` rounds each side: ``round(0.7 * side)``.

    Parameters
    ----------
    size : (int, int)
        The predicted (height, width) of the scaled box, in whole pixels.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_scaled_size((14, 9)))
    True
    >>> bool(check_scaled_size((14, 13)))
    False
    """
    expected = tuple(max(1, round(DIGIT_SCALE * side)) for side in DIGIT_BOX)
    if not isinstance(size, tuple | list) or len(size) != 2 or not all(_is_int(s) for s in size):
        return not_yet(
            f"The answer must be a pair of integers (height, width). Received: {check.describe(size)}.",
            hint="Something like (10, 7): pixels are whole numbers, so round.",
        )
    if tuple(size) == expected:
        return correct(f"0.7 x 20 = 14 and 0.7 x 13 = 9.1, which rounds to 9: {expected}.")
    if tuple(size) == expected[::-1]:
        return not_yet("Height and width are swapped.", hint="The box is 20 tall and 13 wide.")
    return not_yet(
        f"{tuple(size)} is not the scaled box.",
        hint="Multiply each side by the scale and round to the nearest whole pixel.",
    )


def check_pyramid(levels: Any, image: Any) -> Feedback:
    """Check a 3-level pyramid of ``image`` at scales (1, 1/2, 1/4).

    Each level must have ``round(s * H)`` by ``round(s * W)`` pixels and match the
    pyramid of :class:`cnn101.layers.ScaleChannels` (bilinear, anti-aliased
    resizing) to within 1e-3.

    Parameters
    ----------
    levels : list of 3 array_like
        The pyramid, finest level first; each (H', W') or (1, H', W', 1).
    image : array_like of shape (H, W)
        The image it was built from.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> from cnn101._tf import tensorflow
    >>> img = np.random.default_rng(0).uniform(size=(16, 12)).astype("float32")
    >>> x = img[None, :, :, None]
    >>> good = [tensorflow().image.resize(x, (16 // f, 12 // f), antialias=True) for f in (1, 2, 4)]
    >>> bool(check_pyramid(good, img)), bool(check_pyramid(good[:2], img))
    (True, False)
    """
    import keras

    from cnn101.layers.scale_channels import ScaleChannels

    try:
        image = check.as_float_array(image, "image")
        if image.ndim != 2 or min(image.shape) < 4:
            raise ValueError(
                f"`image` must be a 2-D image of at least 4x4 pixels. Received: shape {image.shape}"
            )
    except (ValueError, TypeError) as error:
        return not_yet(
            f"The image to build the pyramid of is not usable: {error}",
            hint="Pass the 2-D image the pyramid was built from.",
        )
    if not isinstance(levels, list | tuple) or len(levels) != len(PYRAMID_SCALES):
        return not_yet(
            f"The pyramid must be a list of {len(PYRAMID_SCALES)} images. Received: {type(levels).__name__}"
            f"{f' of length {len(levels)}' if isinstance(levels, list | tuple) else ''}.",
            hint="One image per scale 1, 1/2 and 1/4, finest first.",
        )
    layer = ScaleChannels(keras.layers.GlobalMaxPooling2D(), scales=PYRAMID_SCALES)
    expected = [np.asarray(level)[0, :, :, 0] for level in layer.pyramid(image[None, :, :, None])]
    for index, (got, want) in enumerate(zip(levels, expected, strict=True)):
        try:
            array = check.as_float_array(got, f"levels[{index}]")
        except (TypeError, ValueError):
            return not_yet(
                f"Level {index} is not an array of numbers.", hint="Use tf.image.resize."
            )
        array = (
            array.reshape(array.shape[1:3])
            if array.ndim == 4 and array.shape[::3] == (1, 1)
            else array
        )
        if array.shape != want.shape:
            return not_yet(
                f"Level {index} (scale {PYRAMID_SCALES[index]}) has shape {array.shape}, which is "
                f"not round(scale * H) x round(scale * W) for this image.",
                hint="Each level has round(scale * H) rows and round(scale * W) columns.",
            )
        if not np.allclose(array, want, atol=1e-3):
            return not_yet(
                f"Level {index} has the right shape but different values.",
                hint="Use bilinear resizing with antialias=True, each level made from the original image.",
            )
    return correct(f"Shapes {[w.shape for w in expected]}, values as in ScaleChannels.pyramid.")


def check_winning_channel(scale: Any) -> Feedback:
    """Check which scale channel shows a 2x digit at the training size.

    The network was trained on digits at scale 1 and has channels at scales
    (1, 1/sqrt(2), 1/2). A test digit drawn at scale 2 appears in channel ``s``
    at size ``2 * s``.

    Parameters
    ----------
    scale : float
        One of the channels' scales.

    Returns
    -------
    Feedback

    References
    ----------
    .. [1] Y. Jansson and T. Lindeberg, "Scale-invariant scale-channel networks: deep
       networks that generalise to previously unseen scales", Journal of Mathematical
       Imaging and Vision 64, 2022. arXiv:2106.06418

    Examples
    --------
    >>> bool(check_winning_channel(0.5)), bool(check_winning_channel(1.0))
    (True, False)
    """
    if not isinstance(scale, numbers.Real) or isinstance(scale, bool):
        return not_yet(
            f"The answer must be a number. Received: {check.describe(scale)}.",
            hint="For example 0.71.",
        )
    sizes = {s: TEST_SCALE * s for s in CHANNELS}
    best = min(CHANNELS, key=lambda s: abs(np.log(sizes[s])))
    if abs(scale - best) < 0.01:
        return correct(
            f"In the channel at scale {best:g}, the 2x digit is 2 x {best:g} = {sizes[best]:g} times the training size."
        )
    if not any(abs(scale - s) < 0.01 for s in CHANNELS):
        return not_yet(
            f"{check.describe(scale)} is not one of the channels' scales {tuple(round(s, 2) for s in CHANNELS)}.",
            hint="Pick one of the scales the network resizes its input to.",
        )
    return not_yet(
        f"In the channel at scale {scale:g}, the digit is {TEST_SCALE * scale:.2g} times the training size.",
        hint="A digit drawn at scale 2 shown at scale s has size 2 * s. Which s makes that 1?",
    )
