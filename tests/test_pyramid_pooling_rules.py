"""He et al.'s SPP bin rule and the valid taps of dilated kernels (cnn101.pyramid_pooling).

Oracles: an explicit NumPy loop over He et al.'s windows (window ceil(a/n), stride
floor(a/n), Section 2.3 of arXiv:1406.4729) and SciPy's correlate2d of an all-ones map
with a zero-inserted (dilated) all-ones kernel, which counts the taps inside the map.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from scipy.signal import correlate2d

from cnn101.pyramid_pooling import SpatialPyramidPooling, bin_edges, valid_taps


def he_spp_numpy(x: np.ndarray, levels, pooling="max") -> np.ndarray:
    """SPP of one (H, W, C) map with sliding windows of ceil(a/n) at stride floor(a/n)."""
    reduce = np.max if pooling == "max" else np.mean
    out = []
    for n in levels:
        wh, sh = math.ceil(x.shape[0] / n), x.shape[0] // n
        ww, sw = math.ceil(x.shape[1] / n), x.shape[1] // n
        for i in range(n):
            for j in range(n):
                out.append(reduce(x[i * sh : i * sh + wh, j * sw : j * sw + ww], axis=(0, 1)))
    return np.concatenate(out)


@pytest.mark.parametrize("size", [(13, 13), (10, 10), (7, 9), (6, 17)])
@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_he_rule_matches_a_numpy_loop(size, pooling):
    x = np.random.default_rng(0).standard_normal((2, *size, 3)).astype("float32")
    layer = SpatialPyramidPooling((4, 2, 1), pooling=pooling, bin_rule="he")
    ours = layer(x).numpy()
    for k in range(2):
        expected = he_spp_numpy(x[k], (4, 2, 1), pooling)
        # the layer flattens each level as (n, n, C) row by row: same order as the loop
        np.testing.assert_allclose(ours[k], expected, rtol=1e-6, atol=1e-6)


def test_he_rule_leaves_pixels_out_where_adaptive_covers_them():
    """10 rows into 4 bins: windows of 3 at stride 2 end at row 9, so row 9 is never read."""
    covered = set().union(*(range(a, b) for a, b in bin_edges(10, 4, "he")))
    assert covered == set(range(9))
    covered = set().union(*(range(a, b) for a, b in bin_edges(10, 4)))
    assert covered == set(range(10))
    x = np.zeros((1, 10, 10, 1), "float32")
    x[0, 9, 9, 0] = 5.0  # only in the uncovered corner
    he = SpatialPyramidPooling((4,), bin_rule="he")(x).numpy()
    adaptive = SpatialPyramidPooling((4,))(x).numpy()
    assert he.max() == 0.0 and adaptive.max() == 5.0
    # On the paper's 13 x 13 conv5 map both rules cover every pixel.
    for n in (1, 2, 3, 6):
        assert set().union(*(range(a, b) for a, b in bin_edges(13, n, "he"))) == set(range(13))


def test_he_rule_refuses_maps_smaller_than_the_level_and_round_trips():
    with pytest.raises(ValueError, match="bin_rule"):
        SpatialPyramidPooling(bin_rule="paper")
    with pytest.raises(ValueError, match="at least 4 pixels"):
        SpatialPyramidPooling((4, 1), bin_rule="he")(np.zeros((1, 3, 8, 2), "float32"))
    with pytest.raises(ValueError, match="size=3, bins=4"):
        bin_edges(3, 4, "he")
    layer = SpatialPyramidPooling((3, 1), bin_rule="he")
    clone = SpatialPyramidPooling.from_config(layer.get_config())
    assert clone.bin_rule == "he" and clone.levels == (3, 1)
    model = keras.Sequential([keras.Input((None, None, 2)), clone])
    assert model(np.ones((1, 11, 5, 2), "float32")).shape == (1, 2 * 10)


@pytest.mark.parametrize("size", [(32, 32), (65, 65), (9, 20)])
@pytest.mark.parametrize("rate", [1, 2, 6, 12, 18, 40])
def test_valid_taps_match_scipy_correlation_of_ones(size, rate):
    kernel = np.zeros((2 * rate + 1, 2 * rate + 1))
    kernel[::rate, ::rate] = 1.0  # a 3x3 kernel with rate - 1 zeros between taps
    expected = correlate2d(np.ones(size), kernel, mode="same")
    np.testing.assert_array_equal(valid_taps(size, rate), expected.round().astype(int))


def test_rate_18_on_a_32_map_never_sees_all_nine_taps():
    counts = valid_taps(32, 18)
    assert counts.max() == 4 and abs(counts.mean() - (1 + 28 / 32) ** 2) < 1e-12
    assert (valid_taps(32, 6) == 9).mean() == (20 / 32) ** 2
