"""Tests for the tutorial 5 exercise checks (cnn101.exercises.alignment).

Right answers are derived independently of the library: a kernel commutes with a quarter turn
or a mirror exactly when NumPy's rot90/fliplr leaves it unchanged (and it has odd size, so SAME
padding is centred); the channel permutation from turning each kernel with np.rot90; the
template score with SciPy's correlate2d on a scikit-image warp. Wrong answers must fail with a
hint; malformed ones give "Not yet", never an exception.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_not_yet
from scipy.signal import correlate2d
from skimage import transform as sktf

from cnn101 import kernels
from cnn101.exercises import alignment as ex
from cnn101.feature_extractors import M_KERNEL, W_KERNEL
from cnn101.images import CAT_TEMPLATE


def symmetric_kernels(turn):
    return [
        name
        for name in kernels.kernel_names()
        if all(s % 2 for s in kernels.get_kernel(name).shape)
        and np.array_equal(turn(kernels.get_kernel(name)), kernels.get_kernel(name))
    ]


# --- (1) kernels that commute with a transformation ------------------------------------------


@pytest.mark.parametrize(
    ("transform", "turn"), [("rotate90", np.rot90), ("flip_left_right", np.fliplr)]
)
def test_commuting_kernels_accepts_the_symmetric_ones(transform, turn):
    answer = symmetric_kernels(turn)
    assert "laplacian" in answer and "sobel_left" not in answer
    assert ex.check_commuting_kernels(answer, transform)
    assert ex.check_commuting_kernels(set(answer), transform)


def test_commuting_kernels_rejects_oriented_and_incomplete_answers():
    answer = symmetric_kernels(np.rot90)
    feedback = ex.check_commuting_kernels([*answer, "sobel_left"])
    assert_not_yet(feedback, hint="np.rot90")
    assert "sobel_left" in feedback.message
    assert_not_yet(ex.check_commuting_kernels(answer[:-1]))
    # horizontal_line equals its mirror image but is 2x2: SAME padding shifts it by a pixel.
    mirror = symmetric_kernels(np.fliplr)
    assert "horizontal_line" not in mirror
    assert_not_yet(
        ex.check_commuting_kernels([*mirror, "horizontal_line"], "flip_left_right"), hint="2x2"
    )


@pytest.mark.parametrize("answer", ["laplacian", None, 5, ["laplacian", 3], ["sobel"]])
def test_commuting_kernels_malformed_answers_say_not_yet(answer):
    assert_not_yet(ex.check_commuting_kernels(answer))


# --- (2) the channel permutation of a half turn -----------------------------------------------


def bank_kernels():
    sobel = [np.pad(kernels.get_kernel(n), 1) for n in ex.PERMUTATION_CHANNELS[2:]]
    return [W_KERNEL, M_KERNEL, *sobel]


def test_channel_permutation_accepts_the_kernel_turned_over():
    bank = bank_kernels()
    answer = [
        next(j for j, b in enumerate(bank) if np.array_equal(np.rot90(a, 2), b)) for a in bank
    ]
    assert answer == [1, 0, 4, 5, 2, 3]
    assert ex.check_channel_permutation(answer)
    assert ex.check_channel_permutation(np.array(answer))


@pytest.mark.parametrize(
    ("answer", "still_wrong"),
    [
        ([0, 1, 2, 3, 4, 5], "W, M"),
        ([1, 0, 2, 3, 4, 5], "sobel_left"),
        ([1, 0, 3, 2, 5, 4], "sobel_top"),
    ],
)
def test_channel_permutation_names_the_channels_still_wrong(answer, still_wrong):
    feedback = ex.check_channel_permutation(answer)
    assert_not_yet(feedback, hint="180")
    assert still_wrong in feedback.message


@pytest.mark.parametrize(
    "answer", [[0, 0, 1, 2, 3, 4], [1, 0], "104523", None, [1.0, 0, 4, 5, 2, 3], 7]
)
def test_channel_permutation_malformed_answers_say_not_yet(answer):
    assert_not_yet(ex.check_channel_permutation(answer), hint="6 integers")


# --- (3) the template score after zooming in ---------------------------------------------------


def template_ratio_oracle():
    scene = np.pad(CAT_TEMPLATE, 20).astype(np.float64)
    # Zoom by 2 about pixel (24, 24), bilinear, with scikit-image ((x, y) = (col, row)).
    zoom = sktf.AffineTransform(scale=2.0, translation=(-24.0, -24.0))
    zoomed = sktf.warp(scene, zoom.inverse, order=1, mode="constant", cval=0.0)
    template = CAT_TEMPLATE - CAT_TEMPLATE.mean()
    return (
        correlate2d(zoomed, template, mode="full").max()
        / correlate2d(scene, template, mode="full").max()
    )


def test_template_ratio_accepts_the_measured_value():
    truth = template_ratio_oracle()
    assert 0.2 < truth < 0.6
    assert ex.check_template_ratio(truth)
    assert ex.check_template_ratio(np.float32(truth))


@pytest.mark.parametrize(
    ("answer", "hint"), [(1.0, "scale-covariant"), (0.25, "maximum"), (4.0, "maximum")]
)
def test_template_ratio_wrong_values_fail(answer, hint):
    assert_not_yet(ex.check_template_ratio(answer), hint=hint)


@pytest.mark.parametrize("answer", ["0.35", None, [0.35], float("nan"), True])
def test_template_ratio_malformed_answers_say_not_yet(answer):
    assert_not_yet(ex.check_template_ratio(answer))


def test_starter_feedback_does_not_show_the_expected_answer():
    """No starter answer's "Not yet" in tutorial 5 shows a value its solution computes."""
    from _exercise_feedback import assert_starter_feedback_hides_the_answer

    assert_starter_feedback_hides_the_answer("alignment")
