"""Scale-normalised LoG banks, DoG fits (cnn101.scale_space) and the alignment measures
that go with them (cnn101.alignment.channel_pair_error, candidate_warp_errors).

Oracles: the continuous Laplacian of Gaussian integrated numerically over each pixel
(scipy.integrate.dblquad); scipy.ndimage.gaussian_laplace at large sigma; Lindeberg's analytic result
that the scale-normalised LoG at the centre of a Gaussian blob of scale t is extreme at
sigma = t; sampled DoG kernels built here by hand; scipy.ndimage.gaussian_filter for the
difference of Gaussians as one convolution.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter, gaussian_laplace

from cnn101 import alignment, scale_space, transforms
from cnn101 import feature_extractors as fe
from cnn101.images import load_photo
from cnn101.kernels import get_kernel


def _continuous_log(y, x, sigma):
    """sigma^2 times the Laplacian of the unit-mass Gaussian G_sigma, at (y, x)."""
    r2 = x**2 + y**2
    return (r2 - 2 * sigma**2) / sigma**2 * np.exp(-r2 / (2 * sigma**2)) / (2 * np.pi * sigma**2)


@pytest.mark.parametrize("sigma", [0.3, 0.5, 1.0, 2.5])
def test_log_kernel_is_the_continuous_log_integrated_over_each_pixel(sigma):
    """Oracle: scipy.integrate.dblquad of the continuous sigma^2 LoG over each pixel (along
    the centre row and the diagonal), up to the border flux spread evenly over the taps."""
    from scipy.integrate import dblquad

    kernel = scale_space.log_kernel(sigma).astype(np.float64)
    r = kernel.shape[0] // 2
    taps = {(r, c) for c in range(2 * r + 1)} | {(i, i) for i in range(2 * r + 1)}
    for i, j in sorted(taps):
        y, x = i - r, j - r
        expected, _ = dblquad(
            lambda v, u: _continuous_log(v, u, sigma), x - 0.5, x + 0.5, y - 0.5, y + 0.5
        )
        assert kernel[i, j] == pytest.approx(expected, abs=1e-4 * np.abs(kernel).max())


@pytest.mark.parametrize("sigma", [0.3, 0.5, 0.7, 1.0, 2.0, 4.0])
def test_log_kernel_is_zero_sum_at_every_scale(sigma):
    """The continuous LoG integrates to 0; sampled at pixel centres (scipy) it does not at
    small sigma (13 % of the absolute sum at sigma 0.5). A flat image, even far from 0,
    gives no response."""
    kernel = scale_space.log_kernel(sigma).astype(np.float64)
    assert abs(kernel.sum()) < 1e-6 * np.abs(kernel).sum()
    flat = scale_space.log_features((sigma,))(np.full((24, 24), 100.0))[..., 0]
    r = kernel.shape[0] // 2
    inner = flat[r:-r, r:-r] if r < 12 else flat[:0]
    assert np.all(np.abs(inner) < 1e-4)


def test_log_kernel_agrees_with_scipy_gaussian_laplace_at_large_sigma():
    """Integrating over a pixel and sampling at its centre differ by O(1 / sigma^2)."""
    image = load_photo("camera", size=64).astype(np.float64)
    sigma, r = 3.0, 12
    ours = scale_space.log_features((sigma,))(image)[..., 0]
    expected = sigma**2 * gaussian_laplace(image, sigma, mode="constant", truncate=4.0)
    scale = np.abs(expected[r:-r, r:-r]).max()
    np.testing.assert_allclose(ours[r:-r, r:-r], expected[r:-r, r:-r], atol=0.03 * scale)


def test_normalised_log_of_a_blob_is_extreme_at_the_blob_scale():
    """For f = G_t, sigma^2 (LoG_sigma * f)(0) = -sigma^2 / (pi (sigma^2 + t^2)^2): extreme at sigma = t."""
    x = np.arange(-40, 41)
    t = 3.0
    blob = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * t**2))
    sigmas = np.linspace(1.5, 6.0, 19)
    bank = scale_space.log_features(tuple(sigmas))
    centre = bank(blob)[40, 40]
    assert abs(sigmas[np.argmin(centre)] - t) < 0.13
    analytic = -(sigmas**2) / (np.pi * (sigmas**2 + t**2) ** 2) * (2 * np.pi * t**2)
    np.testing.assert_allclose(centre, analytic, rtol=0.02)


def test_zoom_is_undone_by_moving_one_scale_up_not_by_warping_alone():
    photo = load_photo("camera", size=64)
    bank = scale_space.log_features((1.5, 3.0))
    shifted = alignment.channel_pair_error(photo, bank, "scale2", [(1, 0)]).error
    same = alignment.channel_pair_error(photo, bank, "scale2", [(1, 1)]).error
    assert shifted < 0.1 < 0.5 < same
    # A translation needs no channel move: the same channel aligns exactly.
    assert alignment.channel_pair_error(photo, bank, "translate", [(0, 0), (1, 1)]).error < 1e-5
    with pytest.raises(ValueError, match="`pairs`"):
        alignment.channel_pair_error(photo, bank, "scale2", [(2, 0)])


def test_candidate_warps_include_the_exact_one_for_a_translation():
    photo = load_photo("camera", size=48)
    sobel = fe.conv_features("sobel_left")
    errors = alignment.candidate_warp_errors(
        photo,
        sobel,
        "translate",
        {
            "identity": transforms.translation(0, 0),
            "T": "translate",
            "zoom": transforms.scaling(1.2),
        },
    )
    assert list(errors) == ["identity", "T", "zoom"]
    assert errors["T"] < 1e-5 < 0.1 < errors["identity"]
    with pytest.raises(ValueError, match="`candidates`"):
        alignment.candidate_warp_errors(photo, sobel, "translate", {})


def _dog(s1, s2, a=1.0, b=-1.0, radius=2):
    x = np.arange(-radius, radius + 1)
    g = [np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * s**2)) for s in (s1, s2)]
    return a * g[0] / g[0].sum() + b * g[1] / g[1].sum()


def test_dog_fit_recovers_a_dog_and_rejects_oriented_kernels():
    fit = scale_space.fit_difference_of_gaussians(_dog(0.7, 1.6))
    assert fit.explained > 0.999
    assert fit.weights[0] * fit.weights[1] < 0  # centre-surround: opposite signs
    assert scale_space.fit_difference_of_gaussians(get_kernel("sobel_left")).explained < 0.01
    rng = np.random.default_rng(0)
    random = [scale_space.fit_difference_of_gaussians(rng.standard_normal((3, 3))).explained
              for _ in range(200)]  # fmt: skip
    # DoGs span at most the 3 isotropic directions of the 9: a random kernel keeps about 1/3.
    assert 0.2 < np.mean(random) < 0.4


@pytest.mark.parametrize(("sigma", "ratio"), [(0.8, 2 ** (1 / 3)), (1.0, 2.0), (1.6, 1.5)])
def test_one_dog_image_is_one_convolution_with_the_dog_kernel(sigma, ratio):
    """Convolution is linear: G(k s) * f - G(s) * f = (G(k s) - G(s)) * f, SciPy as the oracle."""
    from cnn101 import ops

    image = load_photo("camera", size=48).astype(np.float64)
    kernel = scale_space.dog_kernel(sigma, ratio)
    two_blurs = gaussian_filter(image, ratio * sigma, mode="constant") - gaussian_filter(
        image, sigma, mode="constant"
    )
    one_filter = ops.conv2d(image, kernel, padding="SAME").numpy()  # zeros past the border
    assert np.abs(one_filter - two_blurs).max() < 1e-6
    assert (
        abs(kernel.sum()) < 1e-12 and kernel[kernel.shape[0] // 2].argmin() == kernel.shape[0] // 2
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: scale_space.log_kernel(0), ValueError, "sigma"),
        (lambda: scale_space.log_kernel("2"), TypeError, "sigma"),
        (lambda: scale_space.log_features(["1.0"]), TypeError, "sigmas"),
        (lambda: scale_space.log_features([]), ValueError, "sigmas"),
        (lambda: scale_space.dog_kernel(1.0, 1.0), ValueError, "scale_ratio"),
        (lambda: scale_space.dog_kernel("1"), TypeError, "sigma"),
        (lambda: scale_space.fit_difference_of_gaussians(np.ones((2, 2))), ValueError, "kernel"),
        (lambda: scale_space.fit_difference_of_gaussians(np.zeros((3, 3))), ValueError, "kernel"),
        (
            lambda: scale_space.fit_difference_of_gaussians(np.ones((3, 3)), [1.0]),
            ValueError,
            "sigmas",
        ),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_log_kernel_refuses_sizes_before_allocating_and_sub_pixel_sigmas():
    # 2**30 pixels either side: 32 EiB of float64, refused by name before any array exists
    with pytest.raises(ValueError, match=r"`radius` asks for a kernel .* GiB"):
        scale_space.log_kernel(1.0, radius=2**30)
    # a sigma far below a pixel gives a kernel of zeros (or NaN at 1e-200): refused
    for sigma in (1e-200, 0.01):
        with pytest.raises(ValueError, match="`sigma` must be at least"):
            scale_space.log_kernel(sigma)
    assert scale_space.log_kernel(0.1).shape == (3, 3)
