"""Convolution, ReLU and pooling on ``tf.nn`` ops, with checked inputs.

Every function accepts a NumPy array, a nested list or a tensor that is 2-D
(H, W), 3-D (H, W, C) or a 4-D NHWC batch (N, H, W, C) and returns a float32
``tf.Tensor`` with the same layout: a whole batch runs in one ``tf.nn`` call.
The ``device`` keyword chooses where: ``"auto"`` (TensorFlow's choice, a GPU
when one is visible), ``"cpu"`` or ``"gpu"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np  # noqa: F401  (the Examples use it)

from cnn101 import _validation as check
from cnn101._tf import device_scope, tensorflow
from cnn101._validation import Device, Padding
from cnn101.kernels import filter_bank

# Load TensorFlow now, quietly, so a later `import keras` or `import tensorflow` prints nothing.
tensorflow()

__all__ = [
    "avg_pool2d",
    "conv2d",
    "global_avg_pool2d",
    "global_max_pool2d",
    "max_pool2d",
    "output_size",
    "relu",
]


def output_size(size: int, window: int, stride: int = 1, padding: Padding = "SAME") -> int:
    """Return the output length along one axis, with TensorFlow's rule.

    Parameters
    ----------
    size : int
        Input length (height or width).
    window : int
        Effective window length: kernel or pool size (``dilation * (k - 1) + 1``).
    stride : int, default 1
    padding : {"SAME", "VALID"}, default "SAME"

    Returns
    -------
    int
        ``ceil(size / stride)`` for SAME, ``ceil((size - window + 1) / stride)`` for VALID.

    References
    ----------
    .. [1] V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep
       learning", arXiv preprint, 2016. arXiv:1603.07285

    Examples
    --------
    >>> output_size(7, 2, 2, "SAME"), output_size(7, 2, 2, "VALID")
    (4, 3)
    """
    size = check.positive_int(size, "size")
    window = check.positive_int(window, "window")
    stride = check.positive_int(stride, "stride")
    padding = check.padding_mode(padding)
    if padding == "SAME":
        return -(-size // stride)
    return max(0, -(-(size - window + 1) // stride))


def conv2d(
    images: Any,
    kernel: Any,
    strides: int | tuple[int, int] = 1,
    padding: Padding = "SAME",
    dilation: int | tuple[int, int] = 1,
    *,
    device: Device = "auto",
) -> Any:
    """Slide ``kernel`` over ``images`` with ``tf.nn.conv2d`` (a cross-correlation).

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    kernel : array_like of shape (kh, kw) or (kh, kw, C, C_out), or str
        A 2-D kernel (applied to every channel and summed, giving one output
        channel), an HWIO filter bank, or a name from :func:`cnn101.kernels.kernel_names`;
        turned into a bank once, by :func:`cnn101.kernels.filter_bank` (a bank is
        checked and used as it is).
    strides : int or (int, int), default 1
    padding : {"SAME", "VALID"}, default "SAME"
        SAME pads with zeros so the output has ``ceil(H / stride)`` rows
        (extra padding goes at the bottom and right); VALID does not pad.
    dilation : int or (int, int), default 1
        Spacing between kernel taps (atrous convolution). Strides and dilation
        cannot both exceed 1, as in ``tf.nn.conv2d``.
    device : {"auto", "cpu", "gpu"}, default "auto"

    Returns
    -------
    tf.Tensor, float32
        (H', W') for a 2-D input with one output channel, else (H', W', C_out)
        or (N, H', W', C_out), following the input's layout.

    References
    ----------
    .. [1] V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep
       learning", arXiv preprint, 2016. arXiv:1603.07285

    Examples
    --------
    >>> from cnn101.images import vertical_line_image
    >>> out = conv2d(vertical_line_image(), "vertical_line", padding="SAME")
    >>> tuple(out.shape)
    (7, 8)
    >>> out.numpy()[0].tolist()
    [0.0, 0.0, -2.0, 2.0, 0.0, 0.0, 0.0, 0.0]
    """
    batch, rank = check.as_image_batch(images)
    filters = filter_bank(kernel, batch.shape[3], stack=False, argument="kernel")
    strides = check.positive_pair(strides, "strides")
    dilation = check.positive_pair(dilation, "dilation")
    padding = check.padding_mode(padding)
    if max(strides) > 1 and max(dilation) > 1:
        raise ValueError(
            "`strides` and `dilation` cannot both be larger than 1 (tf.nn.conv2d does not "
            f"support it). Received: strides={strides}, dilation={dilation}"
        )
    effective = tuple(d * (k - 1) + 1 for d, k in zip(dilation, filters.shape[:2], strict=True))
    check.check_window_fits(batch.shape[1:3], effective, padding, "kernel", window_name="kernel")
    tf = tensorflow()
    with device_scope(device):
        out = tf.nn.conv2d(batch, filters, strides=strides, padding=padding, dilations=dilation)
    return check.restore_rank(out, rank)


def relu(features: Any, *, device: Device = "auto") -> Any:
    """Return ``max(features, 0)`` elementwise with ``tf.nn.relu``.

    ReLU keeps the positive responses of a kernel (the pattern it looks for) and
    zeroes the rest.

    Parameters
    ----------
    features : array_like of any shape
    device : {"auto", "cpu", "gpu"}, default "auto"

    Returns
    -------
    tf.Tensor, float32, same shape as ``features``

    References
    ----------
    .. [1] V. Nair and G. E. Hinton, "Rectified linear units improve restricted
       Boltzmann machines", ICML, 2010.

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.0]).numpy().tolist()
    [0.0, 0.0, 3.0]
    """
    array = check.as_float_array(features, "features")
    tf = tensorflow()
    with device_scope(device):
        return tf.nn.relu(array)


def _pool(images: Any, pool_size: Any, strides: Any, padding: Any, device: str, kind: str) -> Any:
    batch, rank = check.as_image_batch(images)
    pool = check.positive_pair(pool_size, "pool_size")
    strides = pool if strides is None else check.positive_pair(strides, "strides")
    padding = check.padding_mode(padding)
    check.check_window_fits(batch.shape[1:3], pool, padding, "pool window")
    tf = tensorflow()
    op = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
    with device_scope(device):
        out = op(batch, ksize=pool, strides=strides, padding=padding)
    return check.restore_rank(out, rank)


def max_pool2d(
    images: Any,
    pool_size: int | tuple[int, int] = 2,
    strides: int | tuple[int, int] | None = None,
    padding: Padding = "VALID",
    *,
    device: Device = "auto",
) -> Any:
    """Keep the largest value of each pooling window with ``tf.nn.max_pool2d``.

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    pool_size : int or (int, int), default 2
    strides : int or (int, int), optional
        Defaults to ``pool_size`` (windows that do not overlap).
    padding : {"SAME", "VALID"}, default "VALID"
    device : {"auto", "cpu", "gpu"}, default "auto"

    Returns
    -------
    tf.Tensor, float32, with the layout of ``images``

    References
    ----------
    .. [1] V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep
       learning", arXiv preprint, 2016. arXiv:1603.07285 (its pooling arithmetic)

    Examples
    --------
    >>> out = max_pool2d(np.arange(16.0).reshape(4, 4), pool_size=2)
    >>> out.numpy().tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """
    return _pool(images, pool_size, strides, padding, device, "max")


def avg_pool2d(
    images: Any,
    pool_size: int | tuple[int, int] = 2,
    strides: int | tuple[int, int] | None = None,
    padding: Padding = "VALID",
    *,
    device: Device = "auto",
) -> Any:
    """Average each pooling window with ``tf.nn.avg_pool2d``.

    With SAME padding the padded zeros are not counted: a window that hangs over
    the border averages only the pixels inside the image (TensorFlow's rule).

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    pool_size : int or (int, int), default 2
    strides : int or (int, int), optional
        Defaults to ``pool_size``.
    padding : {"SAME", "VALID"}, default "VALID"
    device : {"auto", "cpu", "gpu"}, default "auto"

    Returns
    -------
    tf.Tensor, float32, with the layout of ``images``

    References
    ----------
    .. [1] V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep
       learning", arXiv preprint, 2016. arXiv:1603.07285 (its pooling arithmetic)

    Examples
    --------
    >>> avg_pool2d(np.arange(16.0).reshape(4, 4), pool_size=2).numpy().tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    return _pool(images, pool_size, strides, padding, device, "avg")


def _global(images: Any, device: str, kind: str) -> Any:
    batch, rank = check.as_image_batch(images)
    tf = tensorflow()
    reduce = tf.reduce_max if kind == "max" else tf.reduce_mean
    # Reducing over the batch axis of a single image too returns (C,) or a scalar
    # directly, without slicing the result.
    axes = {2: (0, 1, 2, 3), 3: (0, 1, 2), 4: (1, 2)}[rank]
    with device_scope(device):
        return reduce(batch, axis=axes)


def global_max_pool2d(images: Any, *, device: Device = "auto") -> Any:
    """Return the largest value of each channel over the whole image.

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    device : {"auto", "cpu", "gpu"}, default "auto"

    Returns
    -------
    tf.Tensor, float32
        A scalar for (H, W), shape (C,) for (H, W, C), shape (N, C) for a batch.

    References
    ----------
    .. [1] M. Oquab, L. Bottou, I. Laptev and J. Sivic, "Is object localization for free?
       Weakly-supervised learning with convolutional neural networks", CVPR, 2015.

    Examples
    --------
    >>> float(global_max_pool2d([[1.0, 5.0], [2.0, 0.0]]))
    5.0
    """
    return _global(images, device, "max")


def global_avg_pool2d(images: Any, *, device: Device = "auto") -> Any:
    """Return the mean of each channel over the whole image.

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    device : {"auto", "cpu", "gpu"}, default "auto"

    Returns
    -------
    tf.Tensor, float32
        A scalar for (H, W), shape (C,) for (H, W, C), shape (N, C) for a batch.

    References
    ----------
    .. [1] M. Lin, Q. Chen and S. Yan, "Network in network", ICLR, 2014. arXiv:1312.4400

    Examples
    --------
    >>> float(global_avg_pool2d([[1.0, 5.0], [2.0, 0.0]]))
    2.0
    """
    return _global(images, device, "avg")
