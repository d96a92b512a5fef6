"""Gaussian and Laplacian image pyramids on TensorFlow ops.

A Gaussian pyramid blurs an image with a Gaussian kernel and keeps every second
pixel, again and again (the blog "Image Pyramids and Its Applications in Deep
Learning"). We follow ``skimage.transform.pyramid_gaussian`` exactly, so it can
serve as the test oracle: sigma ``2 * downscale / 6 = 2/3`` truncated at 4 sigma
(a 7-tap kernel), borders mirrored like SciPy's ``mode="reflect"`` (``d c b a | a b
c d``), and a bilinear resize to ``ceil(H / 2) x ceil(W / 2)`` (for an even side this
averages each pair of blurred pixels; samples past the border are mirrored, which
``tf.image.resize`` does not do, so we interpolate with ``tf.gather``). The Laplacian pyramid is Burt and Adelson's:
each level keeps what the next, coarser level cannot predict, so the image comes
back exactly. (scikit-image's ``pyramid_laplacian`` is a different thing: a
difference of Gaussians ``G_k - blur(G_k)`` per level, which drops the low-pass
residual and cannot rebuild the image.)

Images are 2-D (H, W), 3-D (H, W, C) or NHWC batches; each channel is blurred on its
own. :mod:`cnn101.coarse_to_fine` uses these pyramids to search for a template;
:func:`cnn101.plotting.show_pyramid` draws them.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101._tf import tensorflow
from cnn101.ops import conv2d

__all__ = [
    "DEFAULT_SIGMA",
    "gaussian_blur",
    "gaussian_kernel1d",
    "gaussian_pyramid",
    "laplacian_pyramid",
    "pyramid_expand",
    "pyramid_reduce",
    "pyramid_shapes",
    "reconstruct_from_laplacian",
    "storage_overhead",
]

# scikit-image's default for downscale 2: a kernel twice the scale factor wide covers >99% of it.
DEFAULT_SIGMA = 2 * 2 / 6.0


def gaussian_kernel1d(sigma: float = DEFAULT_SIGMA, truncate: float = 4.0) -> np.ndarray:
    """Return SciPy's normalised 1-D Gaussian kernel (radius ``int(truncate * sigma + 0.5)``).

    Parameters
    ----------
    sigma : float, default 2/3
    truncate : float, default 4.0

    Returns
    -------
    ndarray of shape (2 * radius + 1,), float64, summing to 1

    Examples
    --------
    >>> gaussian_kernel1d().round(3).tolist()
    [0.0, 0.007, 0.194, 0.598, 0.194, 0.007, 0.0]
    """
    sigma = check.positive_number(sigma, "sigma")
    truncate = check.positive_number(truncate, "truncate")
    if truncate * sigma > 1000:
        raise ValueError(
            "`sigma` and `truncate` make a kernel wider than 2001 taps (radius "
            f"truncate * sigma > 1000). Received: sigma={sigma!r}, truncate={truncate!r}"
        )
    radius = int(truncate * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    weights = np.exp(-0.5 * (x / sigma) ** 2)
    return weights / weights.sum()


def _reflect_indices(size: int, pad: int) -> np.ndarray:
    """Return the indices of SciPy's "reflect" border (``d c b a | a b c d``) for any ``pad``."""
    index = np.mod(np.arange(-pad, size + pad), 2 * size)
    return np.where(index >= size, 2 * size - 1 - index, index)


def _blur_batch(batch: Any, sigma: float) -> Any:
    """Blur an NHWC float32 batch channel by channel with reflected borders."""
    tf = tensorflow()
    weights = gaussian_kernel1d(sigma)
    radius = len(weights) // 2
    n, h, w, c = batch.shape
    planes = tf.reshape(tf.transpose(batch, (0, 3, 1, 2)), (n * c, h, w, 1))
    planes = tf.gather(planes, _reflect_indices(h, radius), axis=1)
    planes = tf.gather(planes, _reflect_indices(w, radius), axis=2)
    out = conv2d(planes, np.outer(weights, weights), padding="VALID")
    return tf.transpose(tf.reshape(out, (n, c, h, w)), (0, 2, 3, 1))


def _linear_taps(size: int, new_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the two source indices and the weight of the second, for each output pixel.

    Pixel centres line up (output i samples input ``(i + 0.5) * size / new_size - 0.5``),
    and a sample that falls past the first or last centre is mirrored back, as in
    ``skimage.transform.resize(order=1, mode="reflect")``.
    """
    x = (np.arange(new_size) + 0.5) * size / new_size - 0.5
    x = np.abs(x)
    x = np.where(x > size - 1, 2 * (size - 1) - x, x).clip(0, size - 1)
    first = np.floor(x).astype(np.int64)
    second = np.minimum(first + 1, size - 1)
    return first, second, (x - first).astype(np.float32)


def _resize(batch: Any, shape: tuple[int, int]) -> Any:
    """Bilinear resize of an NHWC batch, one axis at a time, with mirrored borders.

    ``tf.image.resize`` clamps samples past the border instead of mirroring them;
    the two agree when shrinking by 2 but not on the outer pixels when enlarging.
    """
    tf = tensorflow()
    for axis, new_size in ((1, shape[0]), (2, shape[1])):
        first, second, weight = _linear_taps(batch.shape[axis], new_size)
        weight = weight.reshape((-1, 1, 1) if axis == 1 else (-1, 1))
        a, b = tf.gather(batch, first, axis=axis), tf.gather(batch, second, axis=axis)
        batch = a + (b - a) * weight
    return batch


def _sigma(sigma: float | None) -> float:
    return DEFAULT_SIGMA if sigma is None else check.positive_number(sigma, "sigma")


def gaussian_blur(images: Any, sigma: float = DEFAULT_SIGMA) -> Any:
    """Blur each channel with a Gaussian kernel, mirroring the borders.

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    sigma : float, default 2/3

    Returns
    -------
    tf.Tensor, float32, with the layout of ``images``

    Examples
    --------
    >>> float(gaussian_blur(np.ones((5, 5)))[2, 2])
    1.0
    """
    batch, rank = check.as_image_batch(images)
    return check.restore_rank(_blur_batch(batch, _sigma(sigma)), rank)


def pyramid_reduce(images: Any, sigma: float | None = None) -> Any:
    """Blur, then resize to half the size (``ceil(H / 2) x ceil(W / 2)``).

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    sigma : float, optional
        Defaults to :data:`DEFAULT_SIGMA` (2/3).

    Returns
    -------
    tf.Tensor, float32, of shape (ceil(H / 2), ceil(W / 2)) in the layout of ``images``

    References
    ----------
    .. [1] P. J. Burt and E. H. Adelson, "The Laplacian pyramid as a compact image code",
       IEEE Transactions on Communications 31(4), 1983. doi:10.1109/TCOM.1983.1095851
       (their REDUCE, here with scikit-image's Gaussian in place of their five-tap kernel)

    Examples
    --------
    >>> tuple(pyramid_reduce(np.zeros((7, 8))).shape)
    (4, 4)
    """
    batch, rank = check.as_image_batch(images)
    h, w = batch.shape[1:3]
    out = _resize(_blur_batch(batch, _sigma(sigma)), (math.ceil(h / 2), math.ceil(w / 2)))
    return check.restore_rank(out, rank)


def pyramid_expand(images: Any, shape: int | tuple[int, int], sigma: float | None = None) -> Any:
    """Resize up to ``shape`` with bilinear interpolation, then blur.

    Parameters
    ----------
    images : array_like of shape (h, w), (h, w, C) or (N, h, w, C)
    shape : int or (int, int)
        The (H, W) to expand to, usually the finer level's size.
    sigma : float, optional
        Defaults to :data:`DEFAULT_SIGMA` (2/3).

    Returns
    -------
    tf.Tensor, float32, of shape (H, W) in the layout of ``images``

    References
    ----------
    .. [1] P. J. Burt and E. H. Adelson, "The Laplacian pyramid as a compact image code",
       IEEE Transactions on Communications 31(4), 1983. doi:10.1109/TCOM.1983.1095851
       (their EXPAND, here with scikit-image's Gaussian in place of their five-tap kernel)

    Examples
    --------
    >>> tuple(pyramid_expand(np.zeros((4, 4)), (7, 8)).shape)
    (7, 8)
    """
    batch, rank = check.as_image_batch(images)
    shape = check.positive_pair(shape, "shape")
    return check.restore_rank(_blur_batch(_resize(batch, shape), _sigma(sigma)), rank)


def pyramid_shapes(shape: tuple[int, int], max_layer: int | None = None) -> list[tuple[int, int]]:
    """Return the (H, W) of each pyramid level: each side is halved, rounding up.

    Parameters
    ----------
    shape : (int, int)
        Size of the image (level 0).
    max_layer : int, optional
        Index of the coarsest level; by default levels go down to 1 x 1.

    Returns
    -------
    list of (int, int), level 0 first

    Examples
    --------
    >>> pyramid_shapes((7, 8))
    [(7, 8), (4, 4), (2, 2), (1, 1)]
    """
    shapes = [check.positive_pair(shape, "shape")]
    if max_layer is not None:
        check.non_negative_int(max_layer, "max_layer")
    while shapes[-1] != (1, 1) and (max_layer is None or len(shapes) <= max_layer):
        h, w = shapes[-1]
        shapes.append((math.ceil(h / 2), math.ceil(w / 2)))
    return shapes


def storage_overhead(shape: tuple[int, int], max_layer: int | None = None) -> float:
    """Return the pixels of levels 1, 2, ... as a fraction of the image's pixels.

    Halving each side keeps a quarter of the pixels, so the extra storage is
    ``1/4 + 1/16 + ... < 1/3`` when the sides are powers of two; rounding odd sides
    up can add a little more.

    Parameters
    ----------
    shape : (int, int)
        Size of the image (level 0).
    max_layer : int, optional
        Index of the coarsest level; by default levels go down to 1 x 1.

    Returns
    -------
    float
        Pixels of levels 1 to ``max_layer`` over the pixels of level 0.

    References
    ----------
    .. [1] L. Mao, "Image pyramids and its applications in deep learning", blog post, 2018.
       https://leimao.github.io/blog/Image-Pyramids-In-Deep-Learning/

    Examples
    --------
    >>> storage_overhead((256, 256), max_layer=1)
    0.25
    """
    sizes = [h * w for h, w in pyramid_shapes(shape, max_layer)]
    return sum(sizes[1:]) / sizes[0]


def gaussian_pyramid(image: Any, max_layer: int | None = None, sigma: float | None = None) -> list:
    """Return the Gaussian pyramid: the image, then ever smaller blurred copies.

    Matches ``skimage.transform.pyramid_gaussian(image, max_layer)`` to float32 precision.

    Parameters
    ----------
    image : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    max_layer : int, optional
        Index of the coarsest level; by default levels go down to 1 x 1.
    sigma : float, optional
        Defaults to :data:`DEFAULT_SIGMA` (2/3).

    Returns
    -------
    list of tf.Tensor, float32
        Level k has the shape ``pyramid_shapes((H, W))[k]`` in the layout of ``image``.

    References
    ----------
    .. [1] P. J. Burt and E. H. Adelson, "The Laplacian pyramid as a compact image code",
       IEEE Transactions on Communications 31(4), 1983. doi:10.1109/TCOM.1983.1095851
    .. [2] L. Mao, "Image pyramids and its applications in deep learning", blog post, 2018.
       https://leimao.github.io/blog/Image-Pyramids-In-Deep-Learning/

    Examples
    --------
    >>> [tuple(level.shape) for level in gaussian_pyramid(np.zeros((8, 6)), max_layer=2)]
    [(8, 6), (4, 3), (2, 2)]
    """
    batch, rank = check.as_image_batch(image, "image")
    sigma = _sigma(sigma)
    tf = tensorflow()
    levels = [tf.constant(batch)]
    for shape in pyramid_shapes(batch.shape[1:3], max_layer)[1:]:
        levels.append(_resize(_blur_batch(levels[-1], sigma), shape))
    return [check.restore_rank(level, rank) for level in levels]


def laplacian_pyramid(image: Any, max_layer: int | None = None, sigma: float | None = None) -> list:
    """Return Burt and Adelson's Laplacian pyramid: band-pass details plus a small low-pass.

    Level k is ``G_k - pyramid_expand(G_{k+1}, shape of G_k)``; the last level is the
    coarsest Gaussian level itself, so :func:`reconstruct_from_laplacian` gives the image back.

    Parameters
    ----------
    image : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    max_layer : int, optional
        Index of the coarsest level; by default levels go down to 1 x 1.
    sigma : float, optional
        Defaults to :data:`DEFAULT_SIGMA` (2/3).

    Returns
    -------
    list of tf.Tensor, float32, with the shapes of :func:`gaussian_pyramid`

    References
    ----------
    .. [1] P. J. Burt and E. H. Adelson, "The Laplacian pyramid as a compact image code",
       IEEE Transactions on Communications 31(4), 1983. doi:10.1109/TCOM.1983.1095851

    Examples
    --------
    >>> levels = laplacian_pyramid(np.ones((8, 8)), max_layer=2)
    >>> [round(float(abs(level).numpy().max()), 4) for level in levels]
    [0.0, 0.0, 1.0]
    """
    sigma = _sigma(sigma)
    gaussians = gaussian_pyramid(image, max_layer, sigma)
    details = [
        fine - _expand_like(coarse, fine, sigma) for fine, coarse in itertools.pairwise(gaussians)
    ]
    return [*details, gaussians[-1]]


def _expand_like(coarse: Any, fine: Any, sigma: float) -> Any:
    rank = len(fine.shape)
    target = tuple(fine.shape[:2] if rank in (2, 3) else fine.shape[1:3])
    return pyramid_expand(coarse, target, sigma)


def reconstruct_from_laplacian(pyramid: list, sigma: float | None = None) -> Any:
    """Rebuild the image from its Laplacian pyramid: expand, add the detail, repeat.

    Parameters
    ----------
    pyramid : list of array_like
        The output of :func:`laplacian_pyramid` (finest level first).
    sigma : float, optional
        The sigma the pyramid was built with.

    Returns
    -------
    tf.Tensor, float32, with the shape of ``pyramid[0]``

    References
    ----------
    .. [1] P. J. Burt and E. H. Adelson, "The Laplacian pyramid as a compact image code",
       IEEE Transactions on Communications 31(4), 1983. doi:10.1109/TCOM.1983.1095851

    Examples
    --------
    >>> image = np.arange(48.0).reshape(6, 8) / 48
    >>> rebuilt = reconstruct_from_laplacian(laplacian_pyramid(image))
    >>> bool(np.abs(rebuilt.numpy() - image).max() < 1e-5)
    True
    """
    check.instance(pyramid, "pyramid", list | tuple, "a list of levels from laplacian_pyramid")
    if len(pyramid) == 0:
        raise ValueError(
            "`pyramid` must be a non-empty list of levels from laplacian_pyramid. "
            f"Received: {check.summarize(pyramid)}"
        )
    sigma = _sigma(sigma)
    levels = [check.as_float_array(level, f"pyramid[{k}]") for k, level in enumerate(pyramid)]
    _check_levels(levels)
    tf = tensorflow()
    image = tf.constant(levels[-1])
    for index in range(len(levels) - 2, -1, -1):
        detail = levels[index]
        image = detail + _expand_like(image, detail, sigma)
    return image


def _check_levels(levels: list[np.ndarray]) -> None:
    """Levels of one pyramid: one layout, the same channels (and batch), coarser and coarser."""
    first = levels[0]
    if first.ndim not in (2, 3, 4):
        raise ValueError(
            "`pyramid[0]` must be (H, W), (H, W, C) or (N, H, W, C). "
            f"Received: array with shape {first.shape}"
        )
    spatial = slice(1, 3) if first.ndim == 4 else slice(0, 2)
    other = [i for i in range(first.ndim) if i not in range(first.ndim)[spatial]]
    for k in range(1, len(levels)):
        level, finer = levels[k], levels[k - 1]
        if (
            level.ndim != first.ndim
            or [level.shape[i] for i in other] != [first.shape[i] for i in other]
            or any(c > f for c, f in zip(level.shape[spatial], finer.shape[spatial], strict=True))
        ):
            raise ValueError(
                f"`pyramid[{k}]` does not fit the pyramid: levels must share the layout and "
                "channels of pyramid[0] and get no larger from one level to the next. "
                f"Received: pyramid[{k - 1}] with shape {finer.shape}, pyramid[{k}] with shape {level.shape}"
            )
