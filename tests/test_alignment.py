"""Tests for cnn101.alignment: can transforming feature maps undo a transformation of the image?

Oracles: SciPy's correlate2d for the features, NumPy's rot90/flip for the kernels (a kernel
commutes with T exactly when T leaves it unchanged), and analytic facts stated per test.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.signal import correlate2d

from cnn101 import alignment as al
from cnn101 import feature_extractors as fe
from cnn101 import kernels
from cnn101 import transforms as tr
from cnn101.images import load_photo

EXACT = 1e-5


@pytest.fixture(scope="module")
def photo():
    return load_photo("camera", size=48)


@pytest.fixture(scope="module")
def table(photo):
    extractors = {
        "identity 1x1": fe.conv_features([[1.0]], name="identity 1x1"),
        "gaussian": fe.conv_features("gaussian_blur"),
        "laplacian": fe.conv_features("laplacian"),
        "sobel_left": fe.conv_features("sobel_left"),
        "vertical_line": fe.conv_features("vertical_line"),
        "random CNN": fe.random_cnn_features(seed=0),
    }
    return al.alignment_table(photo, extractors)


# --- the table: transformation x feature type ----------------------------------------------------


def test_translation_aligns_every_convolutional_extractor(table):
    """Convolution commutes with shifts, so away from borders Λ(T f) = T(Λ f) exactly."""
    for feature in table.features:
        assert table.error(feature, "translate") < EXACT


@pytest.mark.parametrize("feature", ["identity 1x1", "gaussian", "laplacian"])
@pytest.mark.parametrize("transform", ["rotate90", "rotate180", "flip_left_right"])
def test_rotation_and_reflection_align_isotropic_features(table, feature, transform):
    """These kernels equal their own quarter turns and mirror images."""
    assert table.error(feature, transform) < EXACT


@pytest.mark.parametrize("feature", ["sobel_left", "vertical_line", "random CNN"])
@pytest.mark.parametrize("transform", ["rotate90", "rotate180"])
def test_rotation_does_not_align_oriented_features(table, feature, transform):
    assert table.error(feature, transform) > 0.3


@pytest.mark.parametrize("transform", ["scale2", "scale0.5", "shear"])
def test_scaling_and_shear_never_align_features_with_extent(table, transform):
    """Only a pointwise (1x1) feature commutes with a zoom; any kernel with extent sees a
    different part of the zoomed picture. A blur changes little on a smooth image, so its
    error is small but still far from float rounding."""
    assert table.error("identity 1x1", transform) < EXACT
    assert table.error("gaussian", transform) > 0.01
    for feature in ("laplacian", "sobel_left", "vertical_line", "random CNN"):
        assert table.error(feature, transform) > 0.1


def test_sobel_left_turned_half_way_gives_exactly_the_negative(photo):
    """rot180(SOBEL_LEFT) = -SOBEL_LEFT, so Λ(T f) = -T(Λ f) and the relative error is 2."""
    result = al.alignment_error(photo, fe.conv_features("sobel_left"), "rotate180")
    assert result.error == pytest.approx(2.0, abs=1e-5)


def test_target_is_the_features_of_the_transformed_image(photo):
    """Λ(T f) computed by the library matches SciPy's correlate2d of the rotated photo."""
    result = al.alignment_error(photo, fe.conv_features("sobel_left"), "rotate90")
    expected = correlate2d(np.rot90(photo), kernels.SOBEL_LEFT, mode="same")
    np.testing.assert_allclose(result.target[..., 0], expected, atol=1e-4)
    np.testing.assert_allclose(
        result.aligned[..., 0],
        np.rot90(correlate2d(photo, kernels.SOBEL_LEFT, mode="same")),
        atol=1e-4,
    )


def test_quarter_turn_aligns_the_sobel_bank_after_a_channel_permutation(photo):
    """Convolving R f with k equals R of convolving f with rot90(k, -1): the channel showing k
    after the turn is the one whose kernel is rot90(k, -1). Exactly one of the 24 orders works."""
    names = ["sobel_left", "sobel_top", "sobel_right", "sobel_bottom"]
    bank = fe.conv_features(names)
    found = [
        list(order)
        for order in itertools.permutations(range(4))
        if al.alignment_error(photo, bank, "rotate90", channels=list(order)).error < EXACT
    ]
    predicted = [
        next(
            j
            for j, other in enumerate(names)
            if np.array_equal(kernels.get_kernel(other), np.rot90(kernels.get_kernel(name), -1))
        )
        for name in names
    ]
    assert found == [predicted]


def test_letters_swap_channels_under_half_turn():
    """The paper's Figure 2: turned over, a W is an M; the [W, M] maps align only when swapped."""
    image = fe.letters_image(seed=0)
    wm = fe.conv_features([fe.W_KERNEL, fe.M_KERNEL], relu=True)
    assert al.alignment_error(image, wm, "rotate180").error > 0.3
    assert al.alignment_error(image, wm, "rotate180", channels=[1, 0]).error < EXACT
    assert al.alignment_error(image, wm, "rotate180", channels="best_linear").error < 1e-3


def test_no_linear_channel_mix_aligns_a_zoom(photo):
    """Least squares over all channel mixes (plus a constant) includes the identity, so it is
    never worse than plain alignment, yet a zoom still leaves a large residual."""
    cnn = fe.random_cnn_features(seed=0)
    for name in ("scale2", "scale0.5", "rotate90"):
        plain = al.alignment_error(photo, cnn, name).error
        mixed = al.alignment_error(photo, cnn, name, channels="best_linear").error
        assert mixed <= plain + 1e-6
        assert mixed > 0.1


@pytest.mark.parametrize(
    "name", ["translate", "rotate90", "rotate180", "flip_left_right", "scale2", "shear"]
)
def test_aligning_the_input_works_where_feature_maps_fail(photo, name):
    """The spatial-transformer route: T⁻¹(T f) = f on the surviving pixels, so the features
    agree there, for every extractor."""
    cnn = fe.random_cnn_features(seed=0)
    assert al.input_alignment_error(photo, cnn, name).error < EXACT


def test_aligning_a_zoomed_out_input_cannot_restore_lost_pixels(photo):
    result = al.input_alignment_error(photo, fe.conv_features("sobel_left"), "scale0.5")
    assert result.error > 0.1


# --- the mask --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dy", "dx", "radius"), [(3, -5, 1), (0, 2, 2), (-4, 0, 0)])
def test_mask_of_a_translation_is_the_analytic_rectangle(dy, dx, radius):
    """Pixels from inside, minus the zero fill and the border, each eroded by the radius."""
    mask = al.alignment_mask((20, 30), tr.translation(dy, dx), radius)
    assert mask.sum() == (20 - abs(dy) - 2 * radius) * (30 - abs(dx) - 2 * radius)


def test_pixels_outside_the_mask_do_differ_for_a_translation(photo):
    """The mask is not too generous (inside: exact) nor pointless (just outside: border effects)."""
    result = al.alignment_error(photo, fe.conv_features("sobel_left"), "translate")
    difference = np.abs(result.target - result.aligned)[..., 0]
    assert difference[result.mask].max() < 1e-5
    assert difference[~result.mask].max() > 0.01


def test_mask_for_a_zoom_excludes_pixels_read_from_the_border():
    mask = al.alignment_mask((40, 40), "scale2", 1)
    # Zooming in by 2 about (20, 20) reads Λ f rows 10..29.5; rows 0 and 39 of the output read
    # Λ f rows 10 and 29.5, inside the interior, so the mask is the whole output minus the
    # receptive-field frame of T f.
    assert mask[1:-1, 1:-1].all() and not mask[0].any()


# --- the result and table objects ---------------------------------------------------------------


def test_result_and_table_objects(table, photo):
    assert table.errors.shape == (6, len(tr.transform_names()))
    frame = table.to_frame()
    assert list(frame.columns) == tr.transform_names()
    assert frame.loc["sobel_left", "rotate180"] == pytest.approx(2.0, abs=1e-5)
    assert not hasattr(table, "show")  # removed in 0.3.0: plotting.show_alignment_table draws it
    result = al.alignment_error(photo, fe.conv_features(["sobel_left", "sobel_top"]), "rotate90")
    assert float(result) == result.error


def test_input_route_table(photo):
    table = al.alignment_table(
        photo, {"sobel": fe.conv_features("sobel_left")}, ["rotate90", "scale0.5"], route="input"
    )
    assert table.errors[0, 0] < EXACT < table.errors[0, 1]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda p: al.alignment_error(p, "sobel_left", "rotate90"), TypeError, "extractor"),
        (
            lambda p: al.alignment_error(
                np.stack([p] * 3, -1), fe.conv_features("laplacian"), "rotate90"
            ),
            ValueError,
            "image",
        ),
        (
            lambda p: al.alignment_error(p, fe.conv_features("laplacian"), "twist"),
            ValueError,
            "transform",
        ),
        (
            lambda p: al.alignment_error(
                p, fe.conv_features("laplacian"), "rotate90", channels=[1]
            ),
            ValueError,
            "channels",
        ),
        (
            lambda p: al.alignment_error(
                p, fe.conv_features("laplacian"), "rotate90", channels="best"
            ),
            ValueError,
            "channels",
        ),
        (
            lambda p: al.alignment_error(
                np.zeros((48, 48)), fe.conv_features("laplacian"), "rotate90"
            ),
            ValueError,
            "all zero",
        ),
        (
            lambda p: al.alignment_error(p[:4, :4], fe.random_cnn_features(seed=0), "translate"),
            ValueError,
            "larger image",
        ),
        (lambda p: al.alignment_mask((8, 8), "rotate90", -1), ValueError, "radius"),
        (lambda p: al.alignment_table(p, {}), ValueError, "extractors"),
        (
            lambda p: al.alignment_table(p, {"l": fe.conv_features("laplacian")}, route="both"),
            ValueError,
            "route",
        ),
    ],
)
def test_bad_arguments_are_named(photo, call, error, match):
    with pytest.raises(error, match=match):
        call(photo)


def test_table_lookup_names_the_bad_label(table):
    with pytest.raises(ValueError, match="feature"):
        table.error("sobel", "rotate90")
    with pytest.raises(ValueError, match="transform"):
        table.error("laplacian", "rotate45")
