"""cnn101.plotting.pyramids: pyramid levels and dilated kernels."""

import numpy as np
import pytest

from cnn101 import plotting, pyramids


def _random(shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


def test_show_pyramid_places_levels_at_their_sizes():
    levels = pyramids.gaussian_pyramid(_random((16, 12)), max_layer=3)
    ax = plotting.show_pyramid(levels, title="pyramid")
    canvas = np.asarray(ax.images[0].get_array())
    assert canvas.shape == (16, 12 + 6)
    np.testing.assert_allclose(canvas[:16, :12], levels[0].numpy())
    np.testing.assert_allclose(canvas[8:12, 12:15], levels[2].numpy())
    assert ax.get_title() == "pyramid"


def test_show_pyramid_normalize_and_colour():
    levels = pyramids.laplacian_pyramid(_random((16, 16, 3)), max_layer=2)
    canvas = np.asarray(plotting.show_pyramid(levels, normalize=True).images[0].get_array())
    assert canvas.shape == (16, 24, 3) and canvas.min() >= 0 and canvas.max() <= 1
    with pytest.raises(ValueError, match="levels"):
        plotting.show_pyramid([])
    with pytest.raises(ValueError, match=r"`levels\[0\]` must be an image shaped \(H, W\)"):
        plotting.show_pyramid([np.zeros(5)])
    with pytest.raises(ValueError, match=r"`levels\[1\]`.*Received: array with shape \(4, 4, 3\)"):
        plotting.show_pyramid([np.zeros((8, 8)), np.zeros((4, 4, 3))])


def test_show_dilated_kernel():
    """A 3x3 kernel with dilation 4 has 9 taps, 4 pixels apart, in a 9x9 window."""
    ax = plotting.show_dilated_kernel(3, 4)
    taps = ax.images[0].get_array()
    assert taps.shape == (9, 9) and taps.sum() == 9
    assert np.array_equal(np.argwhere(taps), [(r, c) for r in (0, 4, 8) for c in (0, 4, 8)])
    assert ax.get_title() == "3x3 kernel, dilation 4: 9 weights span 9x9"
    with pytest.raises(ValueError, match="dilation"):
        plotting.show_dilated_kernel(3, 0)
