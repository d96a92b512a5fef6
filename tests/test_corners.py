"""cnn101.corners against SciPy, scikit-image and analytic facts about the pooling grid."""

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from skimage.measure import block_reduce, label, regionprops

from cnn101 import corners
from cnn101.images import squares_image, two_cats_image

# --- corner detectors and pooling -------------------------------------------------


@pytest.mark.parametrize("image", [squares_image(), squares_image(offset=3), two_cats_image()])
def test_level_zero_matches_scipy_correlate2d(image):
    """Level 0 is ReLU(cross-correlation, zero padding, centred), per kernel."""
    maps = corners.pooled_responses(image, levels=0)
    for channel, kernel in enumerate([corners.UPPER_LEFT_CORNER, corners.BOTTOM_RIGHT_CORNER]):
        expected = np.maximum(scipy.signal.correlate2d(image, kernel, mode="same"), 0)
        np.testing.assert_allclose(maps[0][:, :, channel], expected, atol=1e-6)


@pytest.mark.parametrize("shape", [(16, 16), (13, 22), (9, 5)])
def test_pooled_levels_match_block_reduce(rng, shape):
    """Level L+1 is a 2x2 max of level L, the grid starting at pixel 0 (skimage pads at the end)."""
    image = rng.uniform(size=shape).astype(np.float32)
    maps = corners.pooled_responses(image, ["sobel_left", "laplacian"], levels=3)
    for level in range(3):
        expected = block_reduce(maps[level], (2, 2, 1), np.max, cval=0.0)
        np.testing.assert_allclose(maps[level + 1], expected, atol=1e-6)


@pytest.mark.parametrize("size", [1, 2, 5])
def test_corner_detectors_fire_only_on_their_corner(size):
    """On a solid square, each detector is positive on exactly one pixel: its corner."""
    image = np.zeros((12, 12), np.float32)
    image[3 : 3 + size, 4 : 4 + size] = 0.5
    level0 = corners.pooled_responses(image, levels=0)[0]
    assert np.argwhere(level0[:, :, 0] > 0).tolist() == [[3, 4]]
    assert np.argwhere(level0[:, :, 1] > 0).tolist() == [[3 + size - 1, 4 + size - 1]]
    np.testing.assert_allclose(level0.max(axis=(0, 1)), [0.5, 0.5])


def test_square_layout_matches_drawn_squares():
    """The layout equals the bounding boxes that skimage.measure finds in squares_image."""
    for offset in (0, 1, 5):
        image = squares_image((2, 4, 8, 16), gap=8, offset=offset)
        boxes = sorted(r.bbox for r in regionprops(label(image > 0)))
        layout = corners.square_layout((2, 4, 8, 16), gap=8, offset=offset)
        got = sorted((t, left, t + s, left + s) for t, left, s in layout.tolist())
        assert got == [tuple(b) for b in boxes]


@given(start=st.integers(0, 200), size=st.integers(1, 70))
def test_merge_level_is_the_first_shared_cell(start, size):
    """merge_level is the smallest L where first and last pixel share a cell (brute force)."""
    level = corners.merge_level(start, size)
    assert start >> level == (start + size - 1) >> level
    assert level == 0 or start >> (level - 1) != (start + size - 1) >> (level - 1)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 8, 9, 16])
def test_aligned_runs_merge_at_ceil_log2(size):
    """A run starting on a cell border merges at ceil(log2(size)); misaligned ones never earlier."""
    assert corners.merge_level(64, size) == int(np.ceil(np.log2(size)))
    for start in range(64):
        assert corners.merge_level(start, size) >= int(np.ceil(np.log2(size)))


@pytest.mark.parametrize("offset", [0, 1, 3, 6])
def test_measured_corner_cells_follow_the_grid(offset):
    """Measured cells are pixel // 2**L, and corners merge exactly from merge_level on."""
    sizes = (2, 4, 8, 16)
    cells = corners.square_corner_cells(sizes, gap=8, offset=offset, levels=5)
    layout = corners.square_layout(sizes, gap=8, offset=offset)
    for level in range(6):
        for k, (top, left, size) in enumerate(layout.tolist()):
            assert cells[level, k, 0].tolist() == [top >> level, left >> level]
            last = size - 1
            assert cells[level, k, 1].tolist() == [(top + last) >> level, (left + last) >> level]
            merged = bool((cells[level, k, 0] == cells[level, k, 1]).all())
            first = max(corners.merge_level(top, size), corners.merge_level(left, size))
            assert merged == (level >= first)


def test_all_squares_image_is_max_of_single_squares():
    """Squares more than a kernel apart: the joint pooled maps are the max of the single ones."""
    sizes, gap = (2, 4, 8), 5
    joint = corners.pooled_responses(squares_image(sizes, gap=gap), levels=3)
    singles = []
    for top, left, size in corners.square_layout(sizes, gap=gap).tolist():
        alone = np.zeros_like(squares_image(sizes, gap=gap))
        alone[top : top + size, left : left + size] = 1
        singles.append(corners.pooled_responses(alone, levels=3))
    for level in range(4):
        np.testing.assert_array_equal(joint[level], np.max([s[level] for s in singles], axis=0))


def test_octave_correlation_is_one_for_a_blown_up_image_under_max_pooling(rng):
    """With the identity kernel, pooling kron(x, 2x2) once gives x back, so r = 1 at every level."""
    far = rng.uniform(size=(12, 10))
    near = np.kron(far, np.ones((2, 2)))
    np.testing.assert_allclose(
        corners.octave_correlation(near, far, ["identity"], levels=3), 1.0, atol=1e-6
    )


def test_octave_correlation_matches_numpy_corrcoef(rng):
    near = rng.uniform(size=(32, 24))
    far = block_reduce(near, (2, 2), np.mean)
    kernels = ["sobel_left", "sobel_top"]
    got = corners.octave_correlation(near, far, kernels, levels=2)
    near_maps = corners.pooled_responses(near, kernels, levels=2)
    far_maps = corners.pooled_responses(far, kernels, levels=1)
    for level in range(2):
        expected = np.corrcoef(near_maps[level + 1].ravel(), far_maps[level].ravel())[0, 1]
        assert got[level] == pytest.approx(expected, abs=1e-9)


def test_octave_correlation_border_drops_the_frame(rng):
    """border=b correlates the maps without b cells at each edge (manual crop)."""
    near = rng.uniform(size=(32, 40))
    far = block_reduce(near, (2, 2), np.mean)
    got = corners.octave_correlation(near, far, ["sobel_left"], levels=2, border=2)
    near_maps = corners.pooled_responses(near, ["sobel_left"], levels=2)
    far_maps = corners.pooled_responses(far, ["sobel_left"], levels=1)
    for level in range(2):
        a, b = near_maps[level + 1][2:-2, 2:-2], far_maps[level][2:-2, 2:-2]
        assert got[level] == pytest.approx(np.corrcoef(a.ravel(), b.ravel())[0, 1], abs=1e-9)


def test_octave_correlation_is_nan_for_constant_maps():
    assert np.isnan(corners.octave_correlation(np.zeros((8, 8)), np.zeros((4, 4)), levels=1)).all()


# --- validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: corners.pooled_responses(np.ones((2, 3, 3))), ValueError, "image"),
        (lambda: corners.pooled_responses(np.ones((4, 4)), levels=-1), ValueError, "levels"),
        (lambda: corners.merge_level(-1, 3), ValueError, "start"),
        (lambda: corners.merge_level(2, 0), ValueError, "size"),
        (lambda: corners.square_corner_cells(levels=1.5), TypeError, "levels"),
        (lambda: corners.square_layout(sizes=()), ValueError, "sizes"),
        (lambda: corners.octave_correlation(np.ones((8, 8)), np.ones((5, 4))), ValueError, "twice"),
        (
            lambda: corners.octave_correlation(np.ones((8, 8)), np.ones((4, 4)), levels=0),
            ValueError,
            "levels",
        ),
        (
            lambda: corners.octave_correlation(np.ones((8, 8)), np.ones((4, 4)), border=-1),
            ValueError,
            "border",
        ),
        (
            lambda: corners.octave_correlation(
                np.ones((8, 8)), np.ones((4, 4)), levels=2, border=1
            ),
            ValueError,
            "border",
        ),
    ],
)
def test_bad_arguments_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
