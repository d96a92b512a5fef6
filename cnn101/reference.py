"""Slow, obviously correct NumPy loops for the ops in :mod:`cnn101.ops`.

Read these to see what convolution and pooling do, one window at a time; the
tests use them as an oracle. They follow TensorFlow's conventions exactly:
cross-correlation (no kernel flip), and SAME padding that puts
``total // 2`` zeros before and the rest after.

All functions take and return NumPy arrays with the layouts of :mod:`cnn101.ops`
(2-D (H, W), 3-D (H, W, C) or 4-D (N, H, W, C)).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101.kernels import filter_bank


def same_padding(size: int, window: int, stride: int) -> tuple[int, int]:
    """Return (before, after) zeros that TensorFlow's SAME padding adds on one axis.

    The output has ``ceil(size / stride)`` positions; the padding they need,
    ``max((out - 1) * stride + window - size, 0)``, is split with the smaller half
    before the first pixel.

    Parameters
    ----------
    size : int
        Pixels along the axis.
    window : int
        Window (kernel or pool) extent along the axis; for a dilated kernel its
        effective extent ``dilation * (k - 1) + 1``.
    stride : int

    Returns
    -------
    (int, int)
        Zeros before the first pixel and after the last.

    References
    ----------
    .. [1] V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep
       learning", arXiv preprint, 2016. arXiv:1603.07285

    Examples
    --------
    >>> same_padding(7, 2, 1)
    (0, 1)
    >>> same_padding(5, 3, 2)
    (1, 1)
    """
    size = check.positive_int(size, "size")
    window = check.positive_int(window, "window")
    stride = check.positive_int(stride, "stride")
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def _prepare(images: Any, strides: Any, padding: Any) -> tuple[np.ndarray, int, tuple, str]:
    batch, rank = check.as_image_batch(images)
    return (
        batch.astype(np.float64),
        rank,
        check.positive_pair(strides, "strides"),
        check.padding_mode(padding),
    )


def _restore(batch: np.ndarray, rank: int) -> np.ndarray:
    return np.asarray(check.restore_rank(batch, rank), dtype=np.float32)


def conv2d(
    images: Any, kernel: Any, strides: Any = 1, padding: str = "SAME", dilation: Any = 1
) -> np.ndarray:
    """Cross-correlate ``images`` with ``kernel`` using explicit loops.

    Parameters and output layout are those of :func:`cnn101.ops.conv2d` (without
    ``device``).

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    kernel : array_like of shape (kh, kw) or (kh, kw, C, C_out), or str
        A 2-D kernel (applied to every channel and summed, giving one output channel),
        an HWIO filter bank, or a name from :func:`cnn101.kernels.kernel_names`.
    strides : int or (int, int), default 1
    padding : {"SAME", "VALID"}, default "SAME"
        SAME pads with zeros (see :func:`same_padding`) so the output has
        ``ceil(H / stride)`` rows; VALID does not pad.
    dilation : int or (int, int), default 1
        Spacing between kernel taps (atrous convolution).

    Returns
    -------
    ndarray, float32
        (H', W') for a 2-D input with one output channel, else (H', W', C_out) or
        (N, H', W', C_out), following the input's layout.

    References
    ----------
    .. [1] V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep
       learning", arXiv preprint, 2016. arXiv:1603.07285

    Examples
    --------
    >>> conv2d(np.eye(3), [[1.0, 0.0], [0.0, 1.0]], padding="VALID").tolist()
    [[2.0, 0.0], [0.0, 2.0]]
    """
    batch, rank, (sh, sw), padding = _prepare(images, strides, padding)
    dh, dw = check.positive_pair(dilation, "dilation")
    filters = filter_bank(kernel, batch.shape[3], stack=False, argument="kernel")
    filters = filters.astype(np.float64)
    kh, kw, cin, cout = filters.shape
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    n, h, w, _ = batch.shape
    check.check_window_fits((h, w), (eh, ew), padding, "kernel", window_name="kernel")
    if padding == "SAME":
        (top, bottom), (left, right) = same_padding(h, eh, sh), same_padding(w, ew, sw)
        batch = np.pad(batch, ((0, 0), (top, bottom), (left, right), (0, 0)))
    out_h = (batch.shape[1] - eh) // sh + 1
    out_w = (batch.shape[2] - ew) // sw + 1
    out = np.zeros((n, out_h, out_w, cout))
    for b in range(n):
        for i in range(out_h):
            for j in range(out_w):
                for o in range(cout):
                    total = 0.0
                    for u in range(kh):
                        for v in range(kw):
                            for c in range(cin):
                                total += (
                                    batch[b, i * sh + u * dh, j * sw + v * dw, c]
                                    * filters[u, v, c, o]
                                )
                    out[b, i, j, o] = total
    return _restore(out, rank)


def _pool(images: Any, pool_size: Any, strides: Any, padding: str, reduce: str) -> np.ndarray:
    pool = check.positive_pair(pool_size, "pool_size")
    batch, rank, (sh, sw), padding = _prepare(images, pool if strides is None else strides, padding)
    n, h, w, c = batch.shape
    check.check_window_fits((h, w), pool, padding, "pool window")
    if padding == "SAME":
        (top, _), (left, _) = same_padding(h, pool[0], sh), same_padding(w, pool[1], sw)
        out_h, out_w = -(-h // sh), -(-w // sw)
    else:
        top = left = 0
        out_h, out_w = (h - pool[0]) // sh + 1, (w - pool[1]) // sw + 1
    out = np.zeros((n, out_h, out_w, c))
    for b in range(n):
        for i in range(out_h):
            for j in range(out_w):
                for k in range(c):
                    values = []  # only pixels inside the image: padding never wins or counts
                    for u in range(pool[0]):
                        for v in range(pool[1]):
                            y, x = i * sh + u - top, j * sw + v - left
                            if 0 <= y < h and 0 <= x < w:
                                values.append(batch[b, y, x, k])
                    out[b, i, j, k] = max(values) if reduce == "max" else sum(values) / len(values)
    return _restore(out, rank)


def max_pool2d(
    images: Any, pool_size: Any = 2, strides: Any = None, padding: str = "VALID"
) -> np.ndarray:
    """Max pooling with explicit loops (see :func:`cnn101.ops.max_pool2d`).

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    pool_size : int or (int, int), default 2
        Window height and width.
    strides : int or (int, int), optional
        Defaults to ``pool_size`` (windows that do not overlap).
    padding : {"SAME", "VALID"}, default "VALID"
        SAME gives ``ceil(H / stride)`` rows; padded positions are never read (they
        neither win a max nor count in a mean), as in TensorFlow.

    Returns
    -------
    ndarray, float32, with the layout of ``images``
        (H', W'), (H', W', C) or (N, H', W', C).

    References
    ----------
    .. [1] V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep
       learning", arXiv preprint, 2016. arXiv:1603.07285 (its pooling arithmetic)

    Examples
    --------
    >>> max_pool2d(np.arange(16.0).reshape(4, 4)).tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """
    return _pool(images, pool_size, strides, padding, "max")


def avg_pool2d(
    images: Any, pool_size: Any = 2, strides: Any = None, padding: str = "VALID"
) -> np.ndarray:
    """Average pooling with explicit loops (see :func:`cnn101.ops.avg_pool2d`).

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    pool_size : int or (int, int), default 2
        Window height and width.
    strides : int or (int, int), optional
        Defaults to ``pool_size`` (windows that do not overlap).
    padding : {"SAME", "VALID"}, default "VALID"
        SAME gives ``ceil(H / stride)`` rows; padded positions are never read (they
        neither win a max nor count in a mean), as in TensorFlow.

    Returns
    -------
    ndarray, float32, with the layout of ``images``
        (H', W'), (H', W', C) or (N, H', W', C).

    References
    ----------
    .. [1] V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep
       learning", arXiv preprint, 2016. arXiv:1603.07285 (its pooling arithmetic)

    Examples
    --------
    >>> avg_pool2d([[1.0, 2.0, 3.0]], pool_size=(1, 2), padding="SAME").tolist()
    [[1.5, 3.0]]
    """
    return _pool(images, pool_size, strides, padding, "avg")


def relu(features: Any) -> np.ndarray:
    """Elementwise ``max(x, 0)``, the rectified linear unit.

    Parameters
    ----------
    features : array_like of any shape

    Returns
    -------
    ndarray, float32, same shape as ``features``

    References
    ----------
    .. [1] V. Nair and G. E. Hinton, "Rectified linear units improve restricted
       Boltzmann machines", ICML, 2010.

    Examples
    --------
    >>> relu([-1.0, 2.0]).tolist()
    [0.0, 2.0]
    """
    array = check.as_float_array(features, "features")
    return np.where(array > 0, array, 0.0).astype(np.float32)


def global_max_pool2d(images: Any) -> np.ndarray:
    """Largest value per channel (see :func:`cnn101.ops.global_max_pool2d`).

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)

    Returns
    -------
    ndarray, float32
        A scalar for (H, W), shape (C,) for (H, W, C), (N, C) for a batch.

    References
    ----------
    .. [1] M. Oquab, L. Bottou, I. Laptev and J. Sivic, "Is object localization for free?
       Weakly-supervised learning with convolutional neural networks", CVPR, 2015.

    Examples
    --------
    >>> float(global_max_pool2d([[1.0, 5.0], [2.0, 0.0]]))
    5.0
    """
    return _global(images, "max")


def global_avg_pool2d(images: Any) -> np.ndarray:
    """Mean per channel (see :func:`cnn101.ops.global_avg_pool2d`).

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)

    Returns
    -------
    ndarray, float32
        A scalar for (H, W), shape (C,) for (H, W, C), (N, C) for a batch.

    References
    ----------
    .. [1] M. Lin, Q. Chen and S. Yan, "Network in network", ICLR, 2014. arXiv:1312.4400

    Examples
    --------
    >>> float(global_avg_pool2d([[1.0, 5.0], [2.0, 0.0]]))
    2.0
    """
    return _global(images, "avg")


def _global(images: Any, reduce: str) -> np.ndarray:
    batch, rank = check.as_image_batch(images)
    n, h, w, c = batch.shape
    out = np.zeros((n, c))
    for b in range(n):
        for k in range(c):
            best, total = -np.inf, 0.0
            for y in range(h):
                for x in range(w):
                    best = max(best, batch[b, y, x, k])
                    total += batch[b, y, x, k]
            out[b, k] = best if reduce == "max" else total / (h * w)
    out = out.astype(np.float32)
    return out if rank == 4 else (out[0, 0] if rank == 2 else out[0])
