"""Adaptive polyphase sampling: subsampling that a circular shift cannot fool.

Keeping every second pixel (a stride-2 convolution, or the subsampling inside a
pooling layer) keeps one of the four *polyphase components* of a map: the pixels
at (even, even), (even, odd), (odd, even) or (odd, odd) positions, always the
same one. Shift the input by one pixel and the same grid now holds other pixels:
the output changes. Chaman & Dokmanic (2021) pick the grid from the input instead:
*adaptive polyphase sampling* (APS) keeps, for each image, the component with the
largest norm (the l2 norm by default here; `norm=1` picks by the l1 norm).
A circular shift of the input permutes and circularly shifts the components, so
APS keeps the same pixels, circularly shifted by a whole output pixel or not at
all. Stacked with circularly padded convolutions (circular shifts commute with
them) and followed by global pooling, the network's output is then *exactly*
invariant to every circular shift of its input, up to ties between components'
norms.

This holds for circular shifts only. A shift that fills the uncovered strip with
zeros equals a circular shift only while no content leaves the frame; convolutions
with zero padding are equivariant only away from the border.

Images are NHWC. The layers run on the TensorFlow backend and follow the Keras
dtype policy (their computations run in the layer's compute dtype).

References
----------
.. [1] A. Chaman and I. Dokmanić, "Truly shift-invariant convolutional neural networks",
   CVPR, 2021. arXiv:2011.14214
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from cnn101 import _validation as check
from cnn101._tf import keras, tf
from cnn101.layers._base import NHWCLayer

__all__ = [
    "NORMS",
    "AdaptivePolyphaseSampling2D",
    "CircularPad2D",
    "aps_downsample",
    "polyphase_components",
]

NORMS = (1, 2)
DOWNSAMPLINGS = ("aps", "stride")
PADDINGS = ("circular", "zero")


def _stride(stride: Any) -> int:
    if isinstance(stride, bool) or not isinstance(stride, int | np.integer):
        raise TypeError(
            f"`stride` must be a positive integer. Received: stride={check.describe(stride)}"
        )
    return check.positive_int(stride, "stride")


def _norm(norm: Any) -> int:
    if not check.is_integer(norm):  # a float, even 2.0, is the wrong type: 1 or 2
        raise TypeError(f"`norm` must be 1 or 2. Received: norm={check.describe(norm)}")
    if norm not in NORMS:
        raise ValueError(f"`norm` must be 1 or 2. Received: norm={check.describe(norm)}")
    return int(norm)


def _tiling_message(name: str, axis: str, stride: int) -> str:
    """Return the message for a map the components cannot tile (``{}`` for its size)."""
    return (
        f"`{name}` must have a nonzero {axis} divisible by the stride {stride} (the "
        f"polyphase components must tile the map). Received: {name} of spatial size ({{}}, {{}})"
    )


def _check_divisible(shape: Sequence[Any], stride: int, name: str) -> None:
    for axis, size in zip(("height", "width"), shape, strict=True):
        if size is not None and (size == 0 or size % stride):
            raise ValueError(_tiling_message(name, axis, stride).format(*shape))


def _tiled(x: Any, stride: int, name: str) -> Any:
    """Return ``x`` after checking that its height and width are nonzero multiples of ``stride``.

    A size known when traced is checked in Python (``ValueError``); a size still
    unknown gets a graph assertion that stops the graph with the same message.
    """
    static = tuple(x.shape[1:3])
    _check_divisible(static, stride, name)
    if all(size is not None for size in static):
        return x
    size = tf.shape(x)[1:3]
    assertions = [
        tf.debugging.Assert(
            tf.logical_and(size[i] > 0, tf.equal(size[i] % stride, 0)),
            [tf.strings.format(_tiling_message(name, axis, stride), [size[0], size[1]])],
        )
        for i, axis in enumerate(("height", "width"))
    ]
    with tf.control_dependencies(assertions):
        return tf.identity(x)


def _components(x: Any, stride: int) -> Any:
    """(N, H, W, C) -> (N, stride**2, H / stride, W / stride, C), row-major phases."""
    return tf.stack(
        [x[:, i::stride, j::stride, :] for i in range(stride) for j in range(stride)], axis=1
    )


def _aps(x: Any, stride: int, norm: int) -> Any:
    components = _components(x, stride)
    size = tf.abs(components) if norm == 1 else tf.square(components)  # l2: its square
    chosen = tf.argmax(tf.reduce_sum(size, axis=[2, 3, 4]), axis=1)  # first of a tie
    return tf.gather(components, chosen, batch_dims=1)


def _batch(images: Any, stride: int) -> tuple[np.ndarray, int]:
    batch, rank = check.as_image_batch(images, "images")
    _check_divisible(batch.shape[1:3], stride, "images")
    return batch, rank


def polyphase_components(images: Any, stride: int = 2) -> np.ndarray:
    """Return the ``stride**2`` polyphase components of each image.

    Component ``i * stride + j`` holds the pixels at rows ``i, i + stride, ...``
    and columns ``j, j + stride, ...``: ``images[:, i::stride, j::stride]``.

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
        Height and width divisible by ``stride``.
    stride : int, default 2
        Subsampling factor along each axis.

    Returns
    -------
    ndarray of shape (N, stride**2, H / stride, W / stride, C), float32
        Always a batch, with channels.

    References
    ----------
    .. [1] A. Chaman and I. Dokmanić, "Truly shift-invariant convolutional neural
       networks", CVPR, 2021. arXiv:2011.14214

    Examples
    --------
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> polyphase_components(image)[0, :, :, :, 0].tolist()[1]  # odd columns of even rows
    [[1.0, 3.0], [9.0, 11.0]]
    """
    stride = _stride(stride)
    batch, _ = _batch(images, stride)
    return _components(tf.constant(batch), stride).numpy()


def aps_downsample(images: Any, stride: int = 2, *, norm: int = 2) -> np.ndarray:
    """Subsample each image by ``stride``, keeping its polyphase component of largest norm.

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
        Height and width divisible by ``stride``.
    stride : int, default 2
        Subsampling factor along each axis.
    norm : {2, 1}, default 2
        The norm that ranks the components (over rows, columns and channels); a tie
        goes to the first component in row-major order of the phases.

    Returns
    -------
    ndarray of shape (..., H / stride, W / stride[, C]), float32
        The rank of ``images``.

    References
    ----------
    .. [1] A. Chaman and I. Dokmanić, "Truly shift-invariant convolutional neural
       networks", CVPR, 2021. arXiv:2011.14214

    Examples
    --------
    A one-pixel circular shift makes stride-2 subsampling lose a dot; APS keeps it
    (its output moves by a whole pixel or not at all):

    >>> image = np.zeros((4, 4)); image[0, 0] = 1.0
    >>> moved = np.roll(image, 1, axis=1)
    >>> float(image[::2, ::2].max()), float(moved[::2, ::2].max())
    (1.0, 0.0)
    >>> aps_downsample(image).tolist(), aps_downsample(moved).tolist()
    ([[1.0, 0.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]])
    """
    stride, norm = _stride(stride), _norm(norm)
    batch, rank = _batch(images, stride)
    return check.restore_rank(_aps(tf.constant(batch), stride, norm).numpy(), rank)


@keras.saving.register_keras_serializable(package="cnn101")
class AdaptivePolyphaseSampling2D(NHWCLayer):
    """Stride-``s`` subsampling that keeps, per image, the polyphase component of largest norm.

    Adaptive polyphase sampling (APS) of Chaman & Dokmanić (2021).

    Use it where a network keeps every ``s``-th pixel: after a stride-1
    convolution in place of a stride-2 one, or in place of the subsampling of a
    pooling layer. Under a circular shift of its input, its output is a circular
    shift of its unshifted output (by whole output pixels), unless two components
    tie. No weights; gradients flow through the chosen component.

    Parameters
    ----------
    stride : int, default 2
        Subsampling factor along each axis.
    norm : {2, 1}, default 2
        The norm that ranks the components (l2 by default here).
    **kwargs
        Base layer arguments (``name``, ``dtype``, ...).

    Notes
    -----
    Input shape: ``(batch, height, width, channels)``, height and width divisible
    by ``stride``. Output shape: ``(batch, height / stride, width / stride,
    channels)``, in the layer's compute dtype.

    References
    ----------
    .. [1] A. Chaman and I. Dokmanić, "Truly shift-invariant convolutional neural
       networks", CVPR, 2021. arXiv:2011.14214

    Examples
    --------
    >>> layer = AdaptivePolyphaseSampling2D(2)
    >>> x = np.zeros((1, 4, 4, 1), "float32"); x[0, 3, 1, 0] = 5.0
    >>> layer(x)[0, :, :, 0].numpy().tolist()  # the (odd, odd) component
    [[0.0, 0.0], [5.0, 0.0]]
    """

    _config_args: ClassVar[dict[str, str]] = {"stride": "value", "norm": "value"}

    def __init__(self, stride: int = 2, norm: int = 2, **kwargs: Any):
        super().__init__(**kwargs)
        self.stride, self.norm = _stride(stride), _norm(norm)

    def build(self, input_shape: tuple) -> None:
        """Check the input shape and that the components tile the map."""
        super().build(input_shape)
        _check_divisible(tuple(input_shape[1:3]), self.stride, "inputs")

    def call(self, inputs: Any) -> Any:
        """Subsample an NHWC batch."""
        inputs = _tiled(self._nhwc_inputs(inputs), self.stride, "inputs")
        return _aps(tf.cast(inputs, self.compute_dtype), self.stride, self.norm)

    def _output_size(self, size: int, axis: int) -> int:
        return size // self.stride


@keras.saving.register_keras_serializable(package="cnn101")
class CircularPad2D(NHWCLayer):
    """Pad a map by wrapping it around (a torus), so a VALID convolution after it is circular.

    A circular convolution commutes with every circular shift, border included.

    Parameters
    ----------
    padding : int, default 1
        Rows and columns added on each side (``kernel_size // 2`` for an odd kernel).
    **kwargs
        Base layer arguments (``name``, ``dtype``, ...).

    Notes
    -----
    Input shape ``(batch, height, width, channels)`` with ``padding`` at most
    height and width; output shape ``(batch, height + 2 * padding, width + 2 *
    padding, channels)``. The exact invariance of adaptive polyphase sampling (see
    the reference) holds for convolutions that commute with circular shifts: this padding.

    References
    ----------
    .. [1] A. Chaman and I. Dokmanić, "Truly shift-invariant convolutional neural
       networks", CVPR, 2021. arXiv:2011.14214

    Examples
    --------
    >>> row = np.arange(3.0).reshape(1, 1, 3, 1)
    >>> CircularPad2D(1)(row)[0, 1, :, 0].numpy().tolist()
    [2.0, 0.0, 1.0, 2.0, 0.0]
    """

    _config_args: ClassVar[dict[str, str]] = {"padding": "value"}

    def __init__(self, padding: int = 1, **kwargs: Any):
        super().__init__(**kwargs)
        self.padding = check.non_negative_int(padding, "padding")

    def _minimum(self) -> tuple[tuple[int, int], str]:
        """Return the smallest map: ``padding`` (at least 1) pixels high and wide."""
        side = max(1, self.padding)
        return (side, side), f"the wrap copies padding={self.padding} rows and columns across"

    def call(self, inputs: Any) -> Any:
        """Wrap-pad an NHWC batch."""
        x = tf.cast(self._nhwc_inputs(inputs), self.compute_dtype)
        p = self.padding
        if p == 0:
            return x
        x = tf.concat([x[:, -p:], x, x[:, :p]], axis=1)
        return tf.concat([x[:, :, -p:], x, x[:, :, :p]], axis=2)

    def _output_size(self, size: int, axis: int) -> int:
        return size + 2 * self.padding
