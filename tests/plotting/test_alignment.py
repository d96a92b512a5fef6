"""cnn101.plotting.alignment: feature-map alignment figures (moved from alignment)."""

import numpy as np
import pytest

from cnn101 import alignment, feature_extractors, plotting
from cnn101.images import load_photo


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
