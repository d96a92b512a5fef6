import importlib

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.pylabtools import select_figure_formats
from matplotlib.figure import Figure

from cnn101 import alignment, feature_extractors, ops, plotting, pyramids
from cnn101.images import load_photo, vertical_line_image
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
        (lambda: show_feature_maps(np.zeros((2, 2, 2)), titles="ab"), ValueError, "`titles`"),
        (lambda: show_pipeline("abc"), ValueError, "`stages`"),
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


# --- the figures of the topic modules (moved here from pyramids, receptive_field, alignment) ---


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


def test_show_alignment_draws_the_difference_inside_the_mask():
    photo = load_photo("camera", size=48)
    result = alignment.alignment_error(
        photo, feature_extractors.conv_features(["sobel_left", "sobel_top"]), "rotate90"
    )
    fig = plotting.show_alignment(result, channel=1)
    assert len(fig.axes) == 5 and "error" in fig.axes[4].get_title()
    drawn = fig.axes[4].images[0].get_array()
    np.testing.assert_array_equal(np.ma.getmaskarray(drawn), ~result.mask)
    expected = np.abs(result.target[..., 1] - result.aligned[..., 1])[result.mask]
    np.testing.assert_allclose(drawn[result.mask], expected)
    with pytest.raises(TypeError, match="result"):
        plotting.show_alignment(0.5)
    one_channel = alignment.alignment_error(
        photo, feature_extractors.conv_features("laplacian"), "rotate90"
    )
    with pytest.raises(ValueError, match="channel"):
        plotting.show_alignment(one_channel, channel=1)


def test_show_alignment_table_writes_every_error_in_its_cell():
    photo = load_photo("camera", size=48)
    extractors = {"sobel": feature_extractors.conv_features("sobel_left")}
    table = alignment.alignment_table(photo, extractors, ["rotate90", "rotate180"])
    ax = plotting.show_alignment_table(table, vmax=0.5)
    drawn = ax.images[0].get_array()
    np.testing.assert_array_equal(drawn, table.errors)
    cells = {(t.get_position(), t.get_text()) for t in ax.texts}
    expected = {((c, r), f"{v:.2f}") for (r, c), v in np.ndenumerate(table.errors)}
    assert cells == expected
    assert [t.get_text() for t in ax.get_xticklabels()] == ["rotate90", "rotate180"]
    with pytest.raises(TypeError, match="`table`"):
        plotting.show_alignment_table(table.errors)
    with pytest.raises(ValueError, match="`vmax`"):
        plotting.show_alignment_table(table, vmax=-1.0)


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("pyramids", "show_pyramid"),
        ("receptive_field", "show_dilated_kernel"),
        ("alignment", "show_alignment"),
    ],
)
def test_old_paths_warn_and_give_the_plotting_function(module, name):
    old = importlib.import_module(f"cnn101.{module}")
    with pytest.warns(DeprecationWarning, match=rf"moved to cnn101\.plotting\.{name}\b"):
        moved = getattr(old, name)
    assert moved is getattr(plotting, name)
    assert name not in old.__all__ and name in plotting.__all__
    with pytest.raises(AttributeError, match="no attribute 'show_nothing'"):
        old.show_nothing  # noqa: B018


def test_plotting_all_lists_its_public_names():
    public = {
        n
        for n, obj in vars(plotting).items()
        if not n.startswith("_")
        and callable(obj)
        and getattr(obj, "__module__", None) == plotting.__name__
    }
    assert public | {"MAX_FIGURE_WIDTH"} == set(plotting.__all__)


# --- figure descriptions (alt text) and the page width --------------------------------------


def test_describe_figure_uses_caption_suptitle_titles_and_labels():
    fig = plotting.show_feature_maps(np.zeros((4, 4, 3)), titles=["a", "b", "c"], suptitle="S")
    assert plotting.describe_figure(fig) == "S: 3 panels: a; b; c."
    plotting.caption(fig, "Three  empty\nmaps.")
    assert plotting.describe_figure(fig) == "Three empty maps. S: 3 panels: a; b; c."
    ax = Figure().add_subplot(title="loss", xlabel="epoch", ylabel="value")
    assert plotting.describe_figure(ax.figure) == "loss (value against epoch)."
    assert plotting.describe_figure(Figure()) == ""
    with pytest.raises(ValueError, match="text"):
        plotting.caption(fig, "  ")
    with pytest.raises(TypeError, match="fig"):
        plotting.describe_figure(ax)


def test_register_alt_text_puts_the_description_in_ipython_display_metadata():
    shell = InteractiveShell.instance()
    formatters = shell.display_formatter
    formatters.mimebundle_formatter.pop(Figure, None)
    select_figure_formats(shell, {"png"})  # what %matplotlib inline does
    fig = plotting.show_pipeline([("image", np.eye(4)), ("pool", np.eye(2))])
    assert "alt" not in formatters.format(fig)[1].get("image/png", {})
    assert plotting.register_alt_text(shell) is True
    try:
        data, metadata = formatters.format(fig)
        assert "image/png" in data, "the figure itself is still rendered"
        assert metadata["image/png"]["alt"] == "2 panels: image 4x4; pool 2x2."
        assert formatters.format(Figure())[1] == {}, "nothing to say: no alt"
    finally:
        formatters.mimebundle_formatter.pop(Figure, None)
        formatters.formatters["image/png"].pop(Figure, None)


def test_wide_grids_wrap_instead_of_growing_past_the_column():
    seven = plotting.show_feature_maps(np.zeros((4, 4, 7)), ncols=7)
    assert seven.get_figwidth() <= plotting.MAX_FIGURE_WIDTH
    rows = {round(ax.get_position().y0, 2) for ax in seven.axes}
    assert len(rows) == 2 and len(seven.axes) == 7
    five = plotting.show_pipeline([(str(i), np.eye(3)) for i in range(5)])
    assert five.get_figwidth() <= plotting.MAX_FIGURE_WIDTH and len(five.axes) == 5
    four = plotting.show_feature_maps(np.zeros((4, 4, 4)))
    assert len({round(ax.get_position().y0, 2) for ax in four.axes}) == 1, "4 fit in a row"
