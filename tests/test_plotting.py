import numpy as np
import pytest
from matplotlib.figure import Figure

from cnn101 import ops, plotting
from cnn101.images import vertical_line_image


def test_show_image_draws_values_and_returns_axes():
    ax = plotting.show_image(vertical_line_image(), values=True, title="line", colorbar=True)
    assert ax.get_title() == "line"
    assert len(ax.texts) == 7 * 8
    assert ax.images[0].get_array().shape == (7, 8)


def test_show_image_into_given_axes_and_tensor_input():
    fig = Figure()
    ax = fig.add_subplot()
    out = plotting.show_image(ops.conv2d(vertical_line_image(), "vertical_line"), ax=ax)
    assert out is ax and fig.axes == [ax]
    rgb = plotting.show_image(np.zeros((1, 4, 4, 3)))
    assert rgb.images[0].get_array().shape == (4, 4, 3)


def test_show_kernel_numbers_and_symmetric_colours():
    ax = plotting.show_kernel(np.array([[1, -3], [2, 0]]))
    assert [t.get_text() for t in ax.texts] == ["1", "-3", "2", "0"]
    assert ax.images[0].get_clim() == (-3, 3)


def test_feature_maps_grid_and_pipeline_titles():
    fig = plotting.show_feature_maps(np.zeros((5, 5, 6)), ncols=4, suptitle="maps")
    assert len(fig.axes) == 6
    fig = plotting.show_feature_maps([np.zeros((4, 4)), np.ones((2, 2))], titles=["a", "b"])
    assert [a.get_title() for a in fig.axes] == ["a", "b"]
    fig = plotting.show_pipeline(
        [("in", np.zeros((8, 8))), ("pool", ops.max_pool2d(np.zeros((8, 8))))]
    )
    assert [a.get_title() for a in fig.axes] == ["in\n8x8", "pool\n4x4"]


def test_plotting_leaves_pyplot_alone():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plotting.show_feature_maps(np.zeros((4, 4, 2)))
    plotting.show_image(np.zeros((3, 3)))
    assert plt.get_fignums() == before


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: plotting.show_image(np.zeros((2, 3, 4, 5))), "`image` must be"),
        (lambda: plotting.show_kernel(np.zeros(3)), "`kernel` must be 2-D"),
        (lambda: plotting.show_feature_maps(np.zeros(3)), "`maps` must be"),
        (lambda: plotting.show_feature_maps(np.zeros((3, 3, 2)), titles=["x"]), "`titles`"),
        (lambda: plotting.show_pipeline([]), "`stages`"),
    ],
)
def test_plotting_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
