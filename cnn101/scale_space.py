"""Features at several scales: Laplacian-of-Gaussian banks and difference-of-Gaussian fits.

A feature extractor that computes the *same* feature at several scales turns a zoom of
the image into a move along its channels. With the scale-normalised Laplacian of
Gaussian (Lindeberg's σ² ∇²G_σ), zooming in by 2, (S f)(x) = f(x / 2), maps the
response at scale σ onto the response at 2σ:

    (2σ)² ∇²G_2σ * (S f) = S(σ² ∇²G_σ * f).

So a bank at σ and 2σ (:func:`log_features`) is aligned after a zoom by warping its
maps *and* moving each channel one scale up; a purely spatial warp (Jansson et al.,
arXiv:2004.14716) cannot do it. Scale-channel networks get their scale covariance
this way.

:func:`dog_kernel` is the difference of Gaussians at one pair of scales as one kernel:
by linearity, G_kσ * f - G_σ * f = (G_kσ - G_σ) * f, so SIFT's DoG image at one pair
of scales is one convolution with a centre-surround filter. What one filter cannot do is
the rest of SIFT's keypoint detector (Lowe 2004): the search for extrema over space *and*
scale, which compares each DoG value with its neighbours at the adjacent scales and so
needs the stack of DoG images. :func:`fit_difference_of_gaussians` fits a kernel with the
best difference of two sampled Gaussians, to ask how DoG-like (blob-like) a learnt filter is.

References
----------
.. [1] T. Lindeberg, "Feature detection with automatic scale selection", International
   Journal of Computer Vision 30(2), 79-116, 1998. doi:10.1023/A:1008045108935
.. [2] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of spatial
   transformations of CNN feature maps to support invariant recognition", arXiv
   preprint, 2020. arXiv:2004.14716
.. [3] D. G. Lowe, "Distinctive image features from scale-invariant keypoints",
   International Journal of Computer Vision 60(2), 2004.
   doi:10.1023/B:VISI.0000029664.99615.94
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101.feature_extractors import FeatureExtractor, conv_features

__all__ = ["DogFit", "dog_kernel", "fit_difference_of_gaussians", "log_features", "log_kernel"]


_MAX_SIGMA = 256.0
# Below a tenth of a pixel every tap of the kernel is 0 to float precision.
_MIN_SIGMA = 0.1


def log_kernel(sigma: float, *, radius: int | None = None) -> np.ndarray:
    """Return the scale-normalised Laplacian of Gaussian σ² ∇²G_σ as a kernel.

    Each tap is the continuous σ² ∇²G_σ integrated over its pixel, in closed form:
    with G_σ(x, y) = g(x) g(y), the integral of ∂²G/∂x² over a pixel is
    [g'(x)] over its two vertical edges times [Φ(y)] over its two horizontal ones
    (Φ the Gaussian's cumulative distribution). The taps therefore sum to the flux of
    ∇G_σ through the kernel's border, of the order of exp(-(radius + 1/2)² / 2σ²), which
    is then spread evenly over the taps: the kernel is zero-sum at every σ (up to float32
    rounding), so a flat image gives no response. Sampling the
    derivative at pixel centres instead (what :func:`scipy.ndimage.gaussian_laplace`
    does) is far from zero-sum at small σ: at σ = 0.5 its taps sum to 13 % of their
    absolute sum. At large σ the two agree.

    Parameters
    ----------
    sigma : float
        Scale (standard deviation, in pixels), at most 256.
    radius : int, optional
        Half-width of the kernel; ``ceil(4 * sigma)`` by default.

    Returns
    -------
    ndarray of shape (2 * radius + 1, 2 * radius + 1), float32

    References
    ----------
    .. [1] T. Lindeberg, "Feature detection with automatic scale selection", International
       Journal of Computer Vision 30(2), 79-116, 1998. doi:10.1023/A:1008045108935

    Examples
    --------
    >>> k = log_kernel(1.0)
    >>> k.shape, bool(k[4, 4] < 0), round(float(k.sum()), 6)
    ((9, 9), True, 0.0)
    >>> round(float(log_kernel(0.5).sum()), 6)
    0.0
    """
    from scipy.special import ndtr

    sigma = check.positive_number(sigma, "sigma")
    if sigma > _MAX_SIGMA:
        raise ValueError(
            f"`sigma` must be at most {_MAX_SIGMA} (the kernel is 8 sigma wide). Received: sigma={check.describe(sigma)}"
        )
    if sigma < _MIN_SIGMA:
        raise ValueError(
            f"`sigma` must be at least {_MIN_SIGMA} pixel: a narrower Laplacian of Gaussian is "
            f"zero at every tap (or NaN). Received: sigma={check.describe(sigma)}"
        )
    radius = math.ceil(4 * sigma) if radius is None else check.positive_int(radius, "radius")
    check.array_size((2 * radius + 1, 2 * radius + 1), "radius", radius, itemsize=8, what="kernel")
    edges = np.arange(-radius, radius + 2, dtype=np.float64) - 0.5  # pixel borders
    gauss = np.exp(-(edges**2) / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))
    slope = np.diff(-edges / sigma**2 * gauss)  # [g'] across each pixel
    mass = np.diff(ndtr(edges / sigma))  # [Φ] across each pixel
    kernel = sigma**2 * (slope[:, None] * mass[None, :] + mass[:, None] * slope[None, :])
    kernel -= kernel.mean()  # the flux cut off at the border, spread evenly: exactly zero-sum
    return kernel.astype(np.float32)


def dog_kernel(
    sigma: float, scale_ratio: float = 2 ** (1 / 3), *, truncate: float = 4.0
) -> np.ndarray:
    """Return the difference of Gaussians ``G(scale_ratio * sigma) - G(sigma)`` as one kernel.

    Each Gaussian is SciPy's: the outer product of the normalised 1-D kernel of
    :func:`scipy.ndimage.gaussian_filter` (radius ``int(truncate * s + 0.5)``,
    :func:`cnn101.pyramids.gaussian_kernel1d`); the narrower one is padded with zeros to
    the wider one's size. Convolution is linear, so convolving an image with this kernel
    gives exactly ``gaussian_filter(f, k * sigma) - gaussian_filter(f, sigma)`` (with the
    same border handling): one DoG image of SIFT's scale space is one filter. The taps
    sum to 0 (a flat image gives no response) and the centre is negative, the surround
    positive: ``-D`` is a centre-surround blob detector.

    Parameters
    ----------
    sigma : float
        The smaller scale (standard deviation, in pixels), at most 256.
    scale_ratio : float, default 2 ** (1 / 3)
        k > 1, the ratio of the two scales (Lowe's k for three scales per octave).
    truncate : float, default 4.0
        Radius of each Gaussian in standard deviations, as in SciPy.

    Returns
    -------
    ndarray of shape (2 * r + 1, 2 * r + 1), float64
        ``r = int(truncate * scale_ratio * sigma + 0.5)``.

    References
    ----------
    .. [1] D. G. Lowe, "Distinctive image features from scale-invariant keypoints",
       International Journal of Computer Vision 60(2), 2004.
       doi:10.1023/B:VISI.0000029664.99615.94

    Examples
    --------
    >>> k = dog_kernel(1.0, 2.0)
    >>> k.shape, round(float(k.sum()), 12), bool(k[8, 8] < 0 < k[8, 5])
    ((17, 17), 0.0, True)
    """
    from cnn101.pyramids import gaussian_kernel1d

    sigma = check.positive_number(sigma, "sigma")
    if sigma > _MAX_SIGMA:
        raise ValueError(
            f"`sigma` must be at most {_MAX_SIGMA}. Received: sigma={check.describe(sigma)}"
        )
    scale_ratio = check.positive_number(scale_ratio, "scale_ratio")
    if scale_ratio <= 1:
        raise ValueError(
            "`scale_ratio` must be greater than 1 (the second scale is the larger). "
            f"Received: scale_ratio={check.describe(scale_ratio)}"
        )
    truncate = check.positive_number(truncate, "truncate")
    if truncate * scale_ratio * sigma > 1000:
        raise ValueError(
            "`sigma`, `scale_ratio` and `truncate` make a kernel wider than 2001 taps "
            f"(truncate * scale_ratio * sigma > 1000). Received: sigma={sigma!r}, "
            f"scale_ratio={scale_ratio!r}, truncate={truncate!r}"
        )
    wide, narrow = (gaussian_kernel1d(s, truncate) for s in (scale_ratio * sigma, sigma))
    pad = (wide.size - narrow.size) // 2
    narrow = np.pad(narrow, pad)
    return np.outer(wide, wide) - np.outer(narrow, narrow)


def log_features(sigmas: Sequence[float], *, name: str | None = None) -> FeatureExtractor:
    """Return a bank of scale-normalised LoG filters, channel i at ``sigmas[i]``.

    Parameters
    ----------
    sigmas : sequence of float
        Scales, one channel each (kernels are padded with zeros to the largest).
    name : str, optional
        Label of the extractor; by default "LoG at sigma ..." with the scales.

    Returns
    -------
    FeatureExtractor
        One convolution (SAME padding); radius ``ceil(4 * max(sigmas))``. Maps an
        (H, W) image to (H, W, len(sigmas)).

    References
    ----------
    .. [1] T. Lindeberg, "Feature detection with automatic scale selection", International
       Journal of Computer Vision 30(2), 79-116, 1998. doi:10.1023/A:1008045108935

    Examples
    --------
    >>> bank = log_features((1.0, 2.0))
    >>> bank(np.zeros((20, 20))).shape, bank.radius
    ((20, 20, 2), 8)
    """
    check.sequence(sigmas, "sigmas", "a non-empty sequence of positive numbers")
    scales = [check.positive_number(s, "sigmas") for s in sigmas]
    label = name or "LoG at sigma " + ", ".join(f"{s:g}" for s in scales)
    return conv_features([log_kernel(s) for s in scales], name=label)


def _gaussian(sigma: float, radius: int) -> np.ndarray:
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma**2))
    return g / g.sum()


@dataclass(frozen=True)
class DogFit:
    """The best fit ``a * G(sigma1) + b * G(sigma2)`` of a kernel (sampled, unit-sum Gaussians).

    Attributes
    ----------
    explained : float
        Fraction of the kernel's energy (sum of squares) the fit explains, in [0, 1].
    sigmas : (float, float)
    weights : (float, float)
        ``a`` and ``b``; a centre-surround DoG has them of opposite signs.
    fit : ndarray of shape (k, k)
        The fitted kernel, the shape of the kernel that was fitted.

    Examples
    --------
    >>> from cnn101.kernels import get_kernel
    >>> result = fit_difference_of_gaussians(get_kernel("laplacian"))
    >>> result.fit.shape, result.weights[0] * result.weights[1] < 0  # centre-surround
    ((3, 3), True)
    """

    explained: float
    sigmas: tuple[float, float]
    weights: tuple[float, float]
    fit: np.ndarray


def fit_difference_of_gaussians(kernel: Any, sigmas: Sequence[float] | None = None) -> DogFit:
    """Fit a square, odd-sized kernel with the best difference of two Gaussians.

    For every pair of scales from ``sigmas`` the two amplitudes come from least
    squares; the pair that explains most of the kernel's energy wins. Any isotropic
    centre-surround (DoG or LoG-like) kernel is fitted closely; an oriented one (an
    edge or line detector) is not, since every DoG is rotation symmetric.

    Parameters
    ----------
    kernel : array_like of shape (k, k), k odd
    sigmas : sequence of float, optional
        Candidate scales; 32 from 0.2 to 4 (geometric) by default.

    Returns
    -------
    DogFit
        The best pair of scales, their amplitudes and the fraction of the kernel's
        energy explained.

    References
    ----------
    .. [1] D. G. Lowe, "Distinctive image features from scale-invariant keypoints",
       International Journal of Computer Vision 60(2), 2004.
       doi:10.1023/B:VISI.0000029664.99615.94

    Examples
    --------
    >>> from cnn101.kernels import get_kernel
    >>> round(fit_difference_of_gaussians(get_kernel("laplacian")).explained, 3)
    1.0
    >>> fit_difference_of_gaussians(get_kernel("sobel_left")).explained < 0.01
    True
    """
    array = check.as_float_array(kernel, "kernel").astype(np.float64)
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] % 2 == 0:
        raise ValueError(
            f"`kernel` must be a square kernel of odd size (k, k). Received: {check.describe(kernel)}"
        )
    energy = float((array**2).sum())
    if energy == 0.0:
        raise ValueError("`kernel` is all zeros: there is nothing to fit.")
    if sigmas is not None and not isinstance(sigmas, np.ndarray):
        check.sequence(sigmas, "sigmas", "a sequence of positive numbers, or None", empty=True)
    grid = (
        np.geomspace(0.2, 4.0, 32)
        if sigmas is None
        else np.asarray([check.positive_number(s, "sigmas") for s in sigmas], dtype=float)
    )
    if np.unique(grid).size < 2:
        raise ValueError(
            f"`sigmas` must hold at least two different positive numbers. Received: sigmas={check.describe(sigmas)}"
        )
    radius = array.shape[0] // 2
    basis = {s: _gaussian(float(s), radius).ravel() for s in grid}
    best = None
    for s1, s2 in itertools.combinations(sorted(basis), 2):
        design = np.stack([basis[s1], basis[s2]], axis=1)
        weights, *_ = np.linalg.lstsq(design, array.ravel(), rcond=None)
        residual = float(((design @ weights - array.ravel()) ** 2).sum())
        if best is None or residual < best[0]:
            best = (residual, (float(s1), float(s2)), (float(weights[0]), float(weights[1])))
    residual, pair, weights = best
    fit = (weights[0] * basis[pair[0]] + weights[1] * basis[pair[1]]).reshape(array.shape)
    return DogFit(max(0.0, 1.0 - residual / energy), pair, weights, fit)
