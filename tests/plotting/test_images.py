"""cnn101.plotting.images: images, kernels, feature-map grids and pipelines."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from cnn101 import ops, plotting
from cnn101.images import vertical_line_image
from cnn101.plotting import show_feature_maps, show_image, show_kernel, show_pipeline


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


def test_show_image_values_with_one_colour_limit():
    """The documented call with only vmin set used to fail on float + None."""
    ax = show_image(np.eye(3), values=True, vmin=0.0)
    assert [t.get_color() for t in ax.texts[:2]] == ["black", "white"]  # 1 is bright, 0 dark
    ax = show_image(np.eye(3), values=True, vmax=4.0)  # midpoint 2: every value reads dark
    assert {t.get_color() for t in ax.texts} == {"white"}


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: show_image(np.zeros((0, 3))), ValueError, "`image` must not be empty"),
        (lambda: show_image(np.full((2, 2), np.nan)), ValueError, "`image` must hold"),
        (lambda: show_image(np.full((2, 2), np.inf)), ValueError, "`image` must contain only"),
        (lambda: show_image([["a"]]), TypeError, "`image` must hold real numbers"),
        (lambda: show_image(np.eye(2), cmap="nope"), ValueError, "`cmap`"),
        (lambda: show_image(np.eye(2), vmin=1.0, vmax=0.0), ValueError, "`vmin` must be below"),
        (lambda: show_image(np.eye(2), vmin=float("nan")), ValueError, "`vmin`"),
        (lambda: show_image(np.eye(2), title=3), TypeError, "`title`"),
        (lambda: show_image(np.eye(2), ax="axes"), TypeError, "`ax`"),
        (lambda: show_image(np.eye(2), values="yes"), TypeError, "`values`"),
        (lambda: show_feature_maps([]), ValueError, "`maps`"),
        (lambda: show_feature_maps(np.zeros((2, 2, 2)), ncols=0), ValueError, "`ncols`"),
        (lambda: show_feature_maps(np.zeros((2, 2, 2)), titles="ab"), TypeError, "`titles`"),
        (lambda: show_pipeline("abc"), TypeError, "`stages`"),
        (lambda: show_pipeline([]), ValueError, "`stages`"),
        (lambda: show_image(np.eye(2), cmap=3), TypeError, "`cmap`"),
        (lambda: show_pipeline([("a", np.eye(2), 3)]), ValueError, r"`stages\[0\]`"),
        (lambda: show_kernel(np.full((2, 2), np.nan)), ValueError, "`kernel`"),
    ],
)
def test_plot_helpers_check_their_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_masked_pixels_draw_blank():
    """NaN marks pixels left out of a comparison (cnn101.alignment): drawn, not refused."""
    image = np.eye(3)
    image[0, 0] = np.nan
    assert show_image(image).images[0].get_array().mask[0, 0]


def test_colour_bars_and_captions():
    fig = show_pipeline([("a", np.eye(3)), ("b", -np.eye(3))], colorbar=True, caption="Look.")
    assert len(fig.axes) == 4 and fig.get_supxlabel() == "Look."
    fig = show_feature_maps(np.zeros((3, 3, 2)), colorbar=True, caption="Two maps.")
    assert len(fig.axes) == 4 and fig.get_supxlabel() == "Two maps."


def test_wide_grids_wrap_instead_of_growing_past_the_column():
    seven = plotting.show_feature_maps(np.zeros((4, 4, 7)), ncols=7)
    assert seven.get_figwidth() <= plotting.MAX_FIGURE_WIDTH
    rows = {round(ax.get_position().y0, 2) for ax in seven.axes}
    assert len(rows) == 2 and len(seven.axes) == 7
    five = plotting.show_pipeline([(str(i), np.eye(3)) for i in range(5)])
    assert five.get_figwidth() <= plotting.MAX_FIGURE_WIDTH and len(five.axes) == 5
    four = plotting.show_feature_maps(np.zeros((4, 4, 4)))
    assert len({round(ax.get_position().y0, 2) for ax in four.axes}) == 1, "4 fit in a row"
