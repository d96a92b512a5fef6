"""Tutorial 4's exercise checks: right answers pass, typical wrong ones get a hint, none raise."""

import numpy as np
import pytest

from cnn101.exercises import pyramids as ex


def test_storage_overhead_accepts_the_geometric_sum_and_its_closed_form():
    assert ex.check_storage_overhead(lambda n: sum(4.0**-k for k in range(1, n + 1)))
    assert ex.check_storage_overhead(lambda n: (1 - 4.0**-n) / 3)


@pytest.mark.parametrize(
    "answer",
    [
        lambda n: 1 / 3,  # the limit, not the n-level value
        lambda n: sum(2.0**-k for k in range(1, n + 1)),  # halving the pixels instead of the sides
        lambda n: sum(4.0**-k for k in range(0, n + 1)),  # counting the image itself
        lambda n: "a third",
        lambda n: 1 / 0,
        0.333,
    ],
)
def test_storage_overhead_rejects_wrong_answers(answer):
    feedback = ex.check_storage_overhead(answer)
    assert not feedback
    assert feedback.hint


def test_spp_length():
    assert ex.check_spp_length(12800)
    assert ex.check_spp_length(12800.0)
    assert ex.check_spp_length(3 * 21, channels=3, levels=(4, 2, 1))
    for wrong in (256 * 12, 256 * 4, 12800 + 1, "12800", None, True):
        feedback = ex.check_spp_length(wrong)
        assert not feedback and feedback.hint


def test_receptive_field():
    feedback = ex.check_receptive_field(28)
    assert feedback and "gradient" in feedback.message
    assert ex.check_receptive_field(7, layers=[(3, 1), (3, 1), (3, 1)])
    # Forgetting the pool's stride gives 1 + 2 + 1 + 4 + 8 = 16; forgetting dilation gives 12.
    for wrong in (16, 12, 15, 28.5, "28", [28]):
        feedback = ex.check_receptive_field(wrong)
        assert not feedback and feedback.hint


@pytest.mark.parametrize("answer", [float("nan"), float("inf"), np.float64("nan"), 2**64])
def test_checks_never_raise_and_never_pass_nan(answer):
    assert not ex.check_spp_length(answer)
    assert not ex.check_receptive_field(answer)
    assert not ex.check_storage_overhead(lambda n, a=answer: a)


def test_checks_take_numpy_scalars():
    assert ex.check_spp_length(np.int64(256 * 50))
    assert ex.check_receptive_field(np.float32(28.0))


def test_starter_feedback_does_not_show_the_expected_answer():
    """No starter answer's "Not yet" in tutorial 4 shows a value its solution computes."""
    from _exercise_feedback import assert_starter_feedback_hides_the_answer

    assert_starter_feedback_hides_the_answer("pyramids")
