"""Anti-aliased pooling: blur with a binomial filter before subsampling.

Zhang (2019), "Making Convolutional Networks Shift-Invariant Again" (ICML), notes
that a stride-2 max pool is two steps in one: a dense max (stride 1), which is
shift-equivariant, and a subsampling, which aliases. Putting a low-pass blur
between them gives *MaxBlurPool*:

    max (pool_size, stride 1)  ->  blur (binomial filter)  ->  subsample (stride pool_size)

and *BlurPool* is the last two steps alone (it can follow a strided convolution
or an average pool). The blur is a depthwise ``tf.nn`` convolution with a
normalised binomial filter, the outer product of a row of Pascal's triangle with
itself divided by its sum: [1, 2, 1], [1, 3, 3, 1], [1, 4, 6, 4, 1], ...

Padding: like Zhang's reference code, the blur pads by reflection (``"reflect"``,
NumPy's ``mode="reflect"``, which does not repeat the edge pixel), so the border is
not darkened; ``"zero"`` pads with zeros instead. The padding is
``(filter_size - 1) // 2`` before and the rest after, so the output keeps
``ceil(H / pool_size)`` rows for BlurPool and ``ceil((H - pool_size + 1) / pool_size)``
(the size of a VALID max pool) for MaxBlurPool.

Images are NHWC, as in :mod:`cnn101.ops`; the functions accept (H, W), (H, W, C)
or (N, H, W, C) NumPy arrays or tensors, the layers take NHWC batches.
"""

from __future__ import annotations

from math import comb
from typing import Any, ClassVar, Literal

import numpy as np

from cnn101 import _validation as check
from cnn101._tf import device_scope, keras, tf
from cnn101._validation import Device
from cnn101.kernels import to_filter
from cnn101.layers._base import NHWCLayer

BlurPadding = Literal["reflect", "zero"]
PADDING_MODES = ("reflect", "zero")

__all__ = ["BlurPool2D", "MaxBlurPool2D", "binomial_filter", "blur_pool2d", "max_blur_pool2d"]


def binomial_filter(size: int = 3) -> np.ndarray:
    """Return the normalised 2-D binomial (blur) filter of shape (size, size).

    Row ``size - 1`` of Pascal's triangle, divided by ``2 ** (size - 1)`` so that it
    sums to 1, gives a 1-D filter ``b``; the 2-D filter is the outer product
    ``b[:, None] * b[None, :]``. Size 1 is no blur, 2 is a box filter, and larger
    sizes approach a Gaussian with variance ``(size - 1) / 4`` along each axis.

    Parameters
    ----------
    size : int, default 3
        Taps along each axis (Zhang 2019 uses 2 to 7; 3 is "Tri-3", 5 is "Bin-5").

    Returns
    -------
    ndarray of shape (size, size), float32
        Non-negative and summing to 1.

    References
    ----------
    .. [1] R. Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
       arXiv:1904.11486

    Examples
    --------
    >>> (binomial_filter(3) * 16).tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    >>> float(binomial_filter(5).sum())
    1.0
    """
    size = check.positive_int(size, "size")
    row = np.array([comb(size - 1, k) for k in range(size)], dtype=np.float64) / 2.0 ** (size - 1)
    return np.outer(row, row).astype(np.float32)


def _padding_mode(padding: Any) -> str:
    return check.choice(padding, "padding", PADDING_MODES)


def _pads(filter_size: int) -> tuple[int, int]:
    before = (filter_size - 1) // 2
    return before, filter_size - 1 - before


def _check_reflect_fits(
    hw: tuple[Any, Any], filter_size: int, padding: str, what: str, argument: str = "images"
) -> None:
    """Reflection cannot pad by more than size - 1 pixels: refuse maps that small."""
    need = max(_pads(filter_size))
    if padding == "reflect" and any(s is not None and s <= need for s in hw):
        raise ValueError(
            f"The {what} {tuple(hw)} (`{argument}`) is too small for reflect padding of {need} pixel(s) "
            f"(filter_size={filter_size}): each side must be larger than {need}. "
            "Use a larger input, a smaller filter_size or padding='zero'."
        )


def _blur_subsample(x: Any, strides: tuple[int, int], filter_size: int, padding: str) -> Any:
    """Blur an NHWC tensor channel by channel and keep every ``strides``-th pixel."""
    kernel = tf.constant(to_filter(binomial_filter(filter_size), x.shape[-1]), dtype=x.dtype)
    (top, bottom) = (left, right) = _pads(filter_size)
    mode = "REFLECT" if padding == "reflect" else "CONSTANT"
    x = tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]], mode=mode)
    if strides[0] == strides[1]:  # depthwise_conv2d supports equal strides only
        return tf.nn.depthwise_conv2d(x, kernel, strides=(1, *strides, 1), padding="VALID")
    x = tf.nn.depthwise_conv2d(x, kernel, strides=(1, 1, 1, 1), padding="VALID")
    return x[:, :: strides[0], :: strides[1], :]


def _max_blur(x: Any, pool: tuple[int, int], filter_size: int, padding: str) -> Any:
    x = tf.nn.max_pool2d(x, ksize=pool, strides=1, padding="VALID")
    return _blur_subsample(x, pool, filter_size, padding)


def _prepare(images: Any, pool_size: Any, filter_size: Any, padding: Any) -> tuple:
    batch, rank = check.as_image_batch(images)
    pool = check.positive_pair(pool_size, "pool_size")
    filter_size = check.positive_int(filter_size, "filter_size")
    return batch, rank, pool, filter_size, _padding_mode(padding)


def blur_pool2d(
    images: Any,
    pool_size: int | tuple[int, int] = 2,
    filter_size: int = 3,
    padding: BlurPadding = "reflect",
    *,
    device: Device = "auto",
) -> Any:
    """Blur with a binomial filter, then keep every ``pool_size``-th pixel (Zhang's BlurPool).

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    pool_size : int or (int, int), default 2
        Subsampling stride along (height, width).
    filter_size : int, default 3
        Size of the :func:`binomial_filter`; 1 means no blur (plain subsampling).
    padding : {"reflect", "zero"}, default "reflect"
        How the blur treats the border (see the module docstring).
    device : {"auto", "cpu", "gpu"}, default "auto"

    Returns
    -------
    tf.Tensor, float32
        ``ceil(H / s_h)`` by ``ceil(W / s_w)``, with the layout of ``images``.

    References
    ----------
    .. [1] R. Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
       arXiv:1904.11486

    Examples
    --------
    >>> out = blur_pool2d(np.ones((6, 6)), pool_size=2)
    >>> tuple(out.shape), float(out.numpy().min())
    ((3, 3), 1.0)
    >>> blur_pool2d(np.ones((6, 6)), padding="zero").numpy()[0].tolist()
    [0.5625, 0.75, 0.75]
    """
    batch, rank, pool, filter_size, padding = _prepare(images, pool_size, filter_size, padding)
    _check_reflect_fits(batch.shape[1:3], filter_size, padding, "image")
    with device_scope(device):
        out = _blur_subsample(tf.constant(batch), pool, filter_size, padding)
    return check.restore_rank(out, rank)


def max_blur_pool2d(
    images: Any,
    pool_size: int | tuple[int, int] = 2,
    filter_size: int = 3,
    padding: BlurPadding = "reflect",
    *,
    device: Device = "auto",
) -> Any:
    """Anti-aliased max pooling: dense max (stride 1), binomial blur, subsample.

    A drop-in for ``max_pool2d(images, pool_size, padding="VALID")``: same output
    size, but a one-pixel shift of the input changes the output smoothly instead
    of flipping between "unchanged" and "jumped by a whole window".

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    pool_size : int or (int, int), default 2
        Window of the max and stride of the subsampling.
    filter_size : int, default 3
        Size of the :func:`binomial_filter` (1 gives back plain max pooling).
    padding : {"reflect", "zero"}, default "reflect"
        How the blur treats the border; the max itself does not pad.
    device : {"auto", "cpu", "gpu"}, default "auto"

    Returns
    -------
    tf.Tensor, float32
        ``ceil((H - p_h + 1) / p_h)`` by ``ceil((W - p_w + 1) / p_w)``, with the layout
        of ``images``.

    References
    ----------
    .. [1] R. Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
       arXiv:1904.11486

    Examples
    --------
    >>> image = np.zeros((4, 4))
    >>> image[:, 1] = 1.0  # plain 2x2 max pooling gives [[1, 0], [1, 0]]
    >>> max_blur_pool2d(image).numpy().tolist()
    [[1.0, 0.5], [1.0, 0.5]]
    """
    batch, rank, pool, filter_size, padding = _prepare(images, pool_size, filter_size, padding)
    check.check_window_fits(batch.shape[1:3], pool, "VALID", "pool window")
    dense = tuple(s - p + 1 for s, p in zip(batch.shape[1:3], pool, strict=True))
    _check_reflect_fits(dense, filter_size, padding, "max-pooled map")
    with device_scope(device):
        out = _max_blur(tf.constant(batch), pool, filter_size, padding)
    return check.restore_rank(out, rank)


class _BlurBase(NHWCLayer):
    _config_args: ClassVar[dict[str, str]] = {
        "pool_size": "value",
        "filter_size": "value",
        "padding": "value",
    }

    def __init__(
        self,
        pool_size: int | tuple[int, int] = 2,
        filter_size: int = 3,
        padding: BlurPadding = "reflect",
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.pool_size = check.positive_pair(pool_size, "pool_size")
        self.filter_size = check.positive_int(filter_size, "filter_size")
        self.padding = _padding_mode(padding)

    def _dense_size(self, size: int, axis: int) -> int:
        return size

    def _settings(self) -> str:
        # no quotes: a traced graph's error message escapes them
        return f"pool_size={self.pool_size}, filter_size={self.filter_size}, padding={self.padding}"

    def _reflect_pixels(self) -> int:
        """Pixels the blur reflects on a side (0 with zero padding: it takes any map)."""
        return max(_pads(self.filter_size)) if self.padding == "reflect" else 0

    def _minimum(self) -> tuple[tuple[int, int], str]:
        """Smallest (height, width) the layer can work with, and what needs it.

        :meth:`NHWCLayer.build` checks it for a known size, the call in a traced graph
        for one known only then: both with this message.
        """
        need = self._reflect_pixels()
        if not need:
            return (1, 1), self._settings()
        why = f"reflect padding of {need} pixel(s) needs a map larger than {need} on each side"
        return (need + 1, need + 1), f"{why}; {self._settings()}"

    def _output_size(self, size: int, axis: int) -> int:
        return -(-self._dense_size(size, axis) // self.pool_size[axis])


@keras.saving.register_keras_serializable(package="cnn101")
class BlurPool2D(_BlurBase):
    """Blur with a fixed binomial filter, then subsample (Zhang 2019's BlurPool).

    Put it after a stride-1 layer to make anti-aliased downsampling, e.g.
    ``Conv2D(strides=1) -> ReLU -> BlurPool2D(2)`` in place of a stride-2 convolution.
    The layer has no weights. It runs on the TensorFlow backend.

    Args:
        pool_size: int or tuple of 2 ints, the subsampling stride. Default 2.
        filter_size: int, size of the binomial filter (1 = no blur). Default 3.
        padding: ``"reflect"`` (default, as in Zhang's code) or ``"zero"``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        4-D tensor ``(batch, height, width, channels)``.

    Output shape:
        4-D tensor ``(batch, ceil(height / s_h), ceil(width / s_w), channels)``.

    References
    ----------
    .. [1] R. Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
       arXiv:1904.11486

    Examples
    --------
    >>> layer = BlurPool2D(pool_size=2)
    >>> tuple(layer(np.ones((1, 6, 6, 3), "float32")).shape)
    (1, 3, 3, 3)
    """

    def call(self, inputs: Any) -> Any:
        """Blur and subsample an NHWC batch."""
        return _blur_subsample(
            self._nhwc_inputs(inputs), self.pool_size, self.filter_size, self.padding
        )


@keras.saving.register_keras_serializable(package="cnn101")
class MaxBlurPool2D(_BlurBase):
    """Anti-aliased max pooling (Zhang 2019): dense max, binomial blur, subsample.

    A drop-in replacement for ``keras.layers.MaxPooling2D(pool_size)`` with
    ``padding="valid"``: same output shape, no weights. It runs on the
    TensorFlow backend.

    Args:
        pool_size: int or tuple of 2 ints, the max window and subsampling stride. Default 2.
        filter_size: int, size of the binomial filter (1 = plain max pooling). Default 3.
        padding: border handling of the blur, ``"reflect"`` (default) or ``"zero"``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        4-D tensor ``(batch, height, width, channels)``.

    Output shape:
        4-D tensor ``(batch, ceil((height - p_h + 1) / p_h), ceil((width - p_w + 1) / p_w),
        channels)``, the shape ``MaxPooling2D(pool_size)`` gives.

    References
    ----------
    .. [1] R. Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
       arXiv:1904.11486

    Examples
    --------
    >>> layer = MaxBlurPool2D(pool_size=2)
    >>> tuple(layer(np.ones((1, 7, 7, 3), "float32")).shape)
    (1, 3, 3, 3)
    """

    def _dense_size(self, size: int, axis: int) -> int:
        return size - self.pool_size[axis] + 1

    def _minimum(self) -> tuple[tuple[int, int], str]:
        """Return the smallest map: the max window, then the blur's reflect padding."""
        need = self._reflect_pixels()
        window = "a {}x{} max window".format(*self.pool_size)
        if need:
            why = (
                f"{window}, then reflect padding of {need} pixel(s), which needs a max-pooled "
                f"map larger than {need} on each side"
            )
        else:
            why = f"{window}, which leaves no output on a smaller map"
        return tuple(p + need for p in self.pool_size), f"{why}; {self._settings()}"

    def call(self, inputs: Any) -> Any:
        """Dense max, blur and subsample an NHWC batch."""
        return _max_blur(self._nhwc_inputs(inputs), self.pool_size, self.filter_size, self.padding)
