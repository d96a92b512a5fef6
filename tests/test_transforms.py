"""Tests for cnn101.transforms against SciPy, scikit-image and NumPy loops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage
from skimage import transform as sktf

from cnn101 import transforms as tr


def random_image(shape=(20, 24), seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


@given(dy=st.integers(-30, 30), dx=st.integers(-30, 30))
@settings(max_examples=40, deadline=None)
def test_translation_matches_scipy_shift(dy, dx):
    """An integer shift with zero fill is ndimage.shift with order 0 and cval 0."""
    image = random_image()
    expected = ndimage.shift(image, (dy, dx), order=0, mode="constant", cval=0.0)
    np.testing.assert_array_equal(tr.translation(dy, dx)(image), expected)


def test_translation_of_feature_map_moves_every_channel_alike():
    maps = random_image((10, 12, 3))
    moved = tr.translation(2, -3)(maps)
    for c in range(3):
        np.testing.assert_array_equal(moved[..., c], tr.translation(2, -3)(maps[..., c]))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_rotation_matches_skimage_rotate(k):
    """skimage.transform.rotate turns counter-clockwise about the centre; on a square image a
    quarter turn with nearest neighbour is exact."""
    image = random_image((16, 16))
    expected = sktf.rotate(image, 90 * k, order=0, preserve_range=True)
    np.testing.assert_allclose(tr.rotation90(k)(image), expected, atol=1e-6)


def test_rotation_of_non_square_map_swaps_height_and_width():
    assert tr.rotation90(1)(np.zeros((4, 7, 2))).shape == (7, 4, 2)


def test_reflection_matches_numpy_flip():
    image = random_image()
    np.testing.assert_array_equal(tr.reflection("left_right")(image), image[:, ::-1])
    np.testing.assert_array_equal(tr.reflection("up_down")(image), image[::-1])


def skimage_about_centre(image, matrix, order):
    """Warp with scikit-image: the picture moves by `matrix` (on (row, col)) about (H//2, W//2)."""
    row, col = image.shape[0] // 2, image.shape[1] // 2
    # scikit-image works on (x, y) = (col, row): swap the matrix's axes.
    linear = np.array([[matrix[1][1], matrix[1][0]], [matrix[0][1], matrix[0][0]]])
    forward = np.eye(3)
    forward[:2, :2] = linear
    forward[:2, 2] = np.array([col, row]) - linear @ np.array([col, row])
    mapping = sktf.AffineTransform(matrix=forward)
    return sktf.warp(
        image, mapping.inverse, order=order, mode="constant", cval=0.0, preserve_range=True
    )


@pytest.mark.parametrize("factor", [2.0, 0.5, 1.5])
@pytest.mark.parametrize("order", [0, 1])
def test_scaling_matches_skimage_warp(factor, order):
    image = random_image((21, 26), seed=1)
    ours = tr.scaling(factor, order=order)
    expected = skimage_about_centre(image, [[factor, 0.0], [0.0, factor]], order)
    valid = ours.valid(image.shape)
    assert valid.sum() > 100
    np.testing.assert_allclose(ours(image)[valid], expected[valid], atol=1e-5)


def test_shear_matches_skimage_warp():
    image = random_image((21, 26), seed=2)
    ours = tr.shear(0.5)
    expected = skimage_about_centre(image, [[1.0, 0.0], [0.5, 1.0]], 1)
    valid = ours.valid(image.shape)
    np.testing.assert_allclose(ours(image)[valid], expected[valid], atol=1e-5)


def test_integer_shear_shifts_each_row_by_whole_pixels():
    """Row r moves (r - H // 2) * amount pixels right: a loop of exact shifts."""
    image = random_image((9, 14), seed=3)
    expected = np.stack([tr.translation(0, 2 * (r - 4))(image[r : r + 1])[0] for r in range(9)])
    np.testing.assert_array_equal(tr.shear(2.0)(image), expected)


def test_scaling_by_two_keeps_the_centre_pixel():
    image = random_image((11, 12))
    assert tr.scaling(2.0)(image)[5, 6] == pytest.approx(image[5, 6])


@pytest.mark.parametrize(
    "name", ["translate", "rotate90", "rotate180", "flip_left_right", "scale2", "shear"]
)
def test_inverse_undoes_the_transform_on_surviving_pixels(name):
    """These maps send grid points to grid points (or read them back exactly), so T⁻¹(T f) = f
    wherever the pixel survived."""
    image = random_image((20, 20), seed=4)
    transform = tr.get_transform(name)
    back = transform.inverse()(transform(image))
    survived = transform.inverse()(transform(np.ones_like(image))) >= 1 - 1e-6
    assert survived.sum() >= 90
    np.testing.assert_allclose(back[survived], image[survived], atol=1e-6)


def test_zooming_out_then_in_loses_detail():
    image = random_image((20, 20), seed=5)
    transform = tr.scaling(0.5)
    back = transform.inverse()(transform(image))
    survived = transform.inverse()(transform(np.ones_like(image))) >= 1 - 1e-6
    assert np.abs(back[survived] - image[survived]).max() > 0.1


def test_valid_marks_exactly_the_pixels_from_inside():
    np.testing.assert_array_equal(
        tr.translation(2, -1).valid((5, 4)),
        np.pad(np.ones((3, 3), bool), ((2, 0), (0, 1))),
    )
    # Zooming out by 2 leaves a frame of zero fill around a half-size picture.
    assert tr.scaling(0.5).valid((20, 20)).sum() == pytest.approx(100, abs=25)


def test_names_all_build():
    for name in tr.transform_names():
        assert tr.get_transform(name)(np.ones((8, 8))).shape == (8, 8)
    transform = tr.rotation90(3)
    assert tr.get_transform(transform) is transform
    # the package's one case rule: names match without regard to case
    assert tr.get_transform("Rotate90").name == tr.get_transform("rotate90").name


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: tr.translation(1.5, 0), TypeError, "dy"),
        (lambda: tr.rotation90("1"), TypeError, "k"),
        (lambda: tr.reflection("diagonal"), ValueError, "axis"),
        (lambda: tr.scaling(0), ValueError, "factor"),
        (lambda: tr.scaling(2.0, order=3), ValueError, "order"),
        (lambda: tr.shear("a lot"), TypeError, "amount"),
        (lambda: tr.affine([[1, 2], [2, 4]]), ValueError, "matrix"),
        (lambda: tr.affine(np.eye(3)), ValueError, "matrix"),
        (lambda: tr.get_transform("zoom"), ValueError, "`name` must be one of"),
        (lambda: tr.get_transform(3), TypeError, "`name` must be a SpatialTransform"),
        (lambda: tr.rotation90(1)(np.zeros((2, 3, 4, 5))), ValueError, "array"),
        (lambda: tr.rotation90(1).valid(7), TypeError, "shape"),
        (lambda: tr.rotation90(1).valid((7,)), ValueError, "shape"),
    ],
)
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_an_infinite_factor_is_refused_by_name():
    with pytest.raises(ValueError, match="`factor`"):
        tr.scaling(float("inf"))


def test_valid_refuses_a_shape_too_large_for_memory_before_allocating():
    # 100000 x 100000 float32, twice: 75 GiB, refused by name and not attempted
    with pytest.raises(ValueError, match=r"`shape` asks for a mask .* GiB"):
        tr.scaling(2.0).valid((100000, 100000))
    with pytest.raises(TypeError, match="`shape`"):
        tr.scaling(2.0).valid(None)
    assert tr.scaling(2.0).valid((8, 8)).shape == (8, 8)
