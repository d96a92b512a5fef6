"""cnn101.plotting.alt_text: captions, figure descriptions and IPython's alt text."""

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.pylabtools import select_figure_formats
from matplotlib.figure import Figure

from cnn101 import plotting


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
