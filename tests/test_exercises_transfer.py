"""The tutorial-6 exercise checks: right answers pass, typical wrong ones get a hint, never raise."""

import pytest

from cnn101.exercises import Feedback
from cnn101.exercises import transfer as ex


def test_right_answers_are_counted_by_hand():
    """Weights counted from the layer shapes (kernel h x w x in x out, one bias per filter)."""
    assert ex.check_copied_weights(3 * 3 * 1 * 8 + 8)
    assert ex.check_trainable_weights(32 * 5 + 5)
    assert ex.check_two_frozen_trainable(3 * 3 * 16 * 32 + 32 + 32 * 5 + 5)
    assert ex.check_epoch_repeats(8)  # ceil(300 / 40)


@pytest.mark.parametrize(
    ("check", "answer"),
    [
        (ex.check_copied_weights, 72),  # the kernel without its biases
        (ex.check_trainable_weights, 330),  # a softmax for 10 classes
        (ex.check_trainable_weights, 160),  # no biases
        (ex.check_two_frozen_trainable, 4640),  # the third convolution alone
        (ex.check_two_frozen_trainable, 165),  # the softmax layer alone
        (ex.check_epoch_repeats, 7),  # 280 digits: too few
        (ex.check_epoch_repeats, "8"),
        (ex.check_two_frozen_trainable, None),
    ],
)
def test_wrong_answers_get_a_hint_and_never_raise(check, answer):
    feedback = check(answer)
    assert isinstance(feedback, Feedback) and not feedback


def test_starter_feedback_does_not_show_the_expected_answer():
    """No starter answer's "Not yet" in tutorial 6 shows a value its solution computes."""
    from _exercise_feedback import assert_starter_feedback_hides_the_answer

    assert_starter_feedback_hides_the_answer("transfer")
