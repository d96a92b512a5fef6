"""Gaussian and Laplacian pyramids against scikit-image and SciPy.

Tolerance: our pyramids run in float32 (TensorFlow), scikit-image's in float64. A
7-tap separable blur of values in [0, 1] followed by a bilinear resize rounds to
about 1e-7 per level; 1e-5 leaves room for ten levels without hiding a real
mismatch (a wrong sigma, border mode or resize rule changes pixels by >1e-3).
"""

import itertools
import math

import numpy as np
import pytest
from scipy import ndimage
from skimage import filters, transform

from cnn101 import pyramids
from cnn101.images import load_photo

ATOL = 1e-5


def _random(shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


@pytest.mark.parametrize("shape", [(64, 64), (37, 50), (5, 3), (33, 40, 3)])
def test_gaussian_pyramid_matches_skimage(shape):
    image = _random(shape)
    channel_axis = -1 if len(shape) == 3 else None
    expected = list(transform.pyramid_gaussian(image.astype(np.float64), channel_axis=channel_axis))
    ours = pyramids.gaussian_pyramid(image)
    assert [tuple(level.shape) for level in ours] == [level.shape for level in expected]
    for level, reference in zip(ours, expected, strict=True):
        np.testing.assert_allclose(level.numpy(), reference, atol=ATOL)


def test_gaussian_pyramid_on_a_photo_with_max_layer():
    image = load_photo("chelsea", size=(120, 181))
    expected = list(transform.pyramid_gaussian(image.astype(np.float64), max_layer=3))
    ours = pyramids.gaussian_pyramid(image, max_layer=3)
    assert len(ours) == 4
    for level, reference in zip(ours, expected, strict=True):
        np.testing.assert_allclose(level.numpy(), reference, atol=ATOL)


def test_batch_layout_is_kept():
    batch = _random((2, 16, 12, 3))
    levels = pyramids.gaussian_pyramid(batch, max_layer=2)
    assert [tuple(level.shape) for level in levels] == [(2, 16, 12, 3), (2, 8, 6, 3), (2, 4, 3, 3)]
    single = pyramids.gaussian_pyramid(batch[1], max_layer=2)[2]
    np.testing.assert_allclose(levels[2][1].numpy(), single.numpy(), atol=1e-6)


@pytest.mark.parametrize("shape", [(9, 9), (2, 2), (1, 5), (6, 11, 2)])
def test_gaussian_blur_matches_scipy_reflect(shape):
    """Also for maps smaller than the kernel radius, where the border mirrors again and again."""
    image = _random(shape, seed=1)
    sigma = (2 / 3, 2 / 3, 0) if len(shape) == 3 else 2 / 3
    expected = ndimage.gaussian_filter(
        image.astype(np.float64), sigma, mode="reflect", truncate=4.0
    )
    np.testing.assert_allclose(pyramids.gaussian_blur(image).numpy(), expected, atol=ATOL)


def test_blur_keeps_a_constant_image():
    """A normalised kernel with mirrored borders maps a constant image to itself."""
    np.testing.assert_allclose(
        pyramids.gaussian_blur(np.full((7, 9), 0.3), sigma=1.5), 0.3, atol=1e-6
    )


def test_kernel_is_scipys():
    for sigma in (0.5, 2 / 3, 1.7):
        weights = pyramids.gaussian_kernel1d(sigma)
        impulse = np.zeros(41)
        impulse[20] = 1.0
        radius = len(weights) // 2
        expected = ndimage.gaussian_filter1d(impulse, sigma, truncate=4.0)[
            20 - radius : 21 + radius
        ]
        np.testing.assert_allclose(weights, expected, atol=1e-12)


def test_pyramid_expand_matches_skimage():
    image = _random((12, 9))
    for upscale, shape in ((2, (24, 18)), (2.5, (30, 23))):
        expected = transform.pyramid_expand(image.astype(np.float64), upscale=upscale)
        ours = pyramids.pyramid_expand(image, shape, sigma=2 * upscale / 6).numpy()
        np.testing.assert_allclose(ours, expected, atol=ATOL)


@pytest.mark.parametrize(("shape", "new"), [((12, 9), (5, 17)), ((1, 4), (3, 8)), ((7, 7), (7, 7))])
def test_resize_matches_skimage_bilinear(shape, new):
    """Down, up, from a single row, and the identity; borders mirror like skimage's "reflect"."""
    image = _random(shape, seed=4).astype(np.float64)
    expected = transform.resize(image, new, order=1, mode="reflect", anti_aliasing=False)
    ours = pyramids._resize(image[None, :, :, None].astype(np.float32), new).numpy()[0, :, :, 0]
    np.testing.assert_allclose(ours, expected, atol=1e-6)


def _skimage_expand(image, shape):
    channel_axis = -1 if image.ndim == 3 else None
    up = transform.resize(image, shape, order=1, mode="reflect", anti_aliasing=False)
    return filters.gaussian(
        up,
        sigma=2 / 3,
        mode="reflect",
        truncate=4.0,
        preserve_range=True,
        channel_axis=channel_axis,
    )


@pytest.mark.parametrize("shape", [(32, 32), (37, 50), (19, 24, 3)])
def test_laplacian_levels_match_skimage_reduce_and_expand(shape):
    """Burt-Adelson: L_k = G_k - expand(G_{k+1}) to G_k's size; the last level is G_top."""
    image = _random(shape, seed=2)
    channel_axis = -1 if len(shape) == 3 else None
    gaussians = list(
        transform.pyramid_gaussian(image.astype(np.float64), channel_axis=channel_axis)
    )
    ours = pyramids.laplacian_pyramid(image)
    assert len(ours) == len(gaussians)
    for k in range(len(gaussians) - 1):
        expected = gaussians[k] - _skimage_expand(gaussians[k + 1], gaussians[k].shape)
        np.testing.assert_allclose(ours[k].numpy(), expected, atol=ATOL)
    np.testing.assert_allclose(ours[-1].numpy(), gaussians[-1], atol=ATOL)


def test_skimage_laplacian_is_a_difference_of_gaussians():
    """skimage's pyramid_laplacian level k is G_k - blur(G_k), built from our ops."""
    image = _random((40, 28), seed=3)
    expected = list(transform.pyramid_laplacian(image.astype(np.float64)))
    gaussians = pyramids.gaussian_pyramid(image)
    for level, reference in zip(gaussians, expected, strict=False):
        dog = level - pyramids.gaussian_blur(level)
        np.testing.assert_allclose(dog.numpy(), reference, atol=ATOL)


@pytest.mark.parametrize(
    "image",
    [_random((37, 50)), _random((64, 64, 3)), load_photo("coffee", size=(100, 150))],
    ids=["odd", "colour", "photo"],
)
def test_laplacian_reconstruction_is_exact(image):
    rebuilt = pyramids.reconstruct_from_laplacian(pyramids.laplacian_pyramid(image))
    assert np.abs(rebuilt.numpy() - image).max() < 1e-6


def test_reconstruction_with_a_partial_pyramid_and_other_sigma():
    image = _random((30, 20))
    levels = pyramids.laplacian_pyramid(image, max_layer=2, sigma=1.0)
    assert len(levels) == 3
    rebuilt = pyramids.reconstruct_from_laplacian(levels, sigma=1.0)
    assert np.abs(rebuilt.numpy() - image).max() < 1e-6


def test_shapes_halve_rounding_up():
    shapes = pyramids.pyramid_shapes((300, 451))
    assert shapes[0] == (300, 451) and shapes[-1] == (1, 1)
    for (h, w), (h2, w2) in itertools.pairwise(shapes):
        assert (h2, w2) == (math.ceil(h / 2), math.ceil(w / 2))
    assert pyramids.pyramid_shapes((300, 451), max_layer=2) == shapes[:3]


def test_storage_overhead_power_of_two_is_geometric():
    """For a 2^n x 2^n image down to 1x1 the extra is 1/4 + ... + 1/4^n = (1 - 4^-n) / 3 < 1/3."""
    for n in range(1, 11):
        overhead = pyramids.storage_overhead((2**n, 2**n))
        assert overhead == pytest.approx((1 - 4.0**-n) / 3, rel=1e-12)
        assert overhead < 1 / 3


def test_storage_overhead_is_measured_on_real_levels():
    image = load_photo("camera", size=(75, 113))
    levels = pyramids.gaussian_pyramid(image)
    measured = sum(int(np.prod(level.shape)) for level in levels[1:]) / image.size
    assert measured == pytest.approx(pyramids.storage_overhead(image.shape))


def test_odd_sides_can_exceed_one_third():
    """Rounding up: 3x3 -> 2x2 -> 1x1 stores 4/9 + 1/9 extra."""
    assert pyramids.storage_overhead((3, 3)) == pytest.approx(5 / 9)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: pyramids.gaussian_pyramid(np.zeros((8, 8)), max_layer=-1),
            ValueError,
            "max_layer",
        ),
        (
            lambda: pyramids.gaussian_pyramid(np.zeros((8, 8)), max_layer=1.5),
            TypeError,
            "max_layer",
        ),
        (lambda: pyramids.gaussian_pyramid(np.zeros((8, 8)), sigma=0), ValueError, "sigma"),
        (lambda: pyramids.gaussian_blur(np.zeros((8, 8)), sigma="big"), TypeError, "sigma"),
        (
            lambda: pyramids.gaussian_pyramid(np.zeros((1, 2, 8, 8, 1))),
            ValueError,
            "`image` must be",
        ),
        (lambda: pyramids.pyramid_expand(np.zeros((4, 4)), (0, 8)), ValueError, "shape"),
        (lambda: pyramids.pyramid_shapes((8, -1)), ValueError, "shape"),
        (lambda: pyramids.reconstruct_from_laplacian([]), ValueError, "pyramid"),
        (lambda: pyramids.gaussian_kernel1d(-1.0), ValueError, "sigma"),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(
        error, match=match
    ):  # TypeError for a wrong type, ValueError for a bad value
        call()


def test_non_numeric_image_is_a_type_error():
    with pytest.raises(TypeError, match="image"):
        pyramids.gaussian_pyramid(np.array([["a", "b"]]))


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: pyramids.gaussian_kernel1d(float("inf")), ValueError, "`sigma`"),
        (lambda: pyramids.gaussian_kernel1d(1e300), ValueError, "`sigma` and `truncate`"),
    ],
)
def test_bad_values_are_refused_by_name(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_mismatched_pyramid_levels_are_named():
    """Levels of other channels, or a finer level after a coarser one, used to reach tf.add."""
    with pytest.raises(ValueError, match=r"`pyramid\[1\]` does not fit"):
        pyramids.reconstruct_from_laplacian([np.zeros((8, 8, 3)), np.ones((4, 4))])
    with pytest.raises(ValueError, match=r"`pyramid\[1\]` does not fit"):
        pyramids.reconstruct_from_laplacian([np.zeros((8, 8, 3)), np.ones((4, 4, 2))])
    with pytest.raises(ValueError, match=r"`pyramid\[1\]` does not fit"):
        pyramids.reconstruct_from_laplacian([np.zeros((4, 4)), np.ones((8, 8))])
