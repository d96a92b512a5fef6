"""The tutorial-3 exercise checks: right answers pass, typical wrong ones get a hint, never raise."""

import numpy as np
import pytest

from cnn101._tf import tensorflow
from cnn101.corners import merge_level
from cnn101.digits import place_digits
from cnn101.exercises import Feedback
from cnn101.exercises import scale as ex

IMAGE = np.random.default_rng(0).uniform(size=(20, 14)).astype(np.float32)


def _resize(image, factor):
    tf = tensorflow()
    h, w = image.shape
    size = (round(factor * h), round(factor * w))
    return tf.image.resize(image[None, :, :, None], size, method="bilinear", antialias=True)


def test_merge_level_answer_is_the_brute_force_answer():
    """The right level is the first L where both corners' rows and columns share a cell."""
    top, left, size = ex.MERGE_SQUARE
    level = next(
        L
        for L in range(10)
        if top >> L == (top + size - 1) >> L and left >> L == (left + size - 1) >> L
    )
    assert ex.check_merge_level(level)
    assert level == max(merge_level(top, size), merge_level(left, size))
    for wrong in (level - 1, level + 1, 0):
        feedback = ex.check_merge_level(wrong)
        assert not feedback and feedback.hint


def test_merge_level_aligned_guess_gets_the_alignment_hint():
    size = ex.MERGE_SQUARE[2]
    feedback = ex.check_merge_level(int(np.ceil(np.log2(size))))
    assert not feedback and "grid" in feedback.message


def test_scaled_size_matches_place_digits():
    """The right answer is the ink box that place_digits actually produces."""
    h, w = ex.DIGIT_BOX
    digit = np.zeros((1, 28, 28))
    digit[0, 4 : 4 + h, 7 : 7 + w] = 1.0
    placed = place_digits(digit, ex.DIGIT_SCALE, canvas=28, seed=0)[0, :, :, 0]
    rows, cols = np.flatnonzero(placed.any(1)), np.flatnonzero(placed.any(0))
    answer = (int(rows.size), int(cols.size))
    assert ex.check_scaled_size(answer)
    assert ex.check_scaled_size(list(answer))
    swapped = ex.check_scaled_size(answer[::-1])
    assert not swapped and "swapped" in swapped.message
    unrounded = ex.check_scaled_size((14, 10))
    assert not unrounded and unrounded.hint


def test_pyramid_right_answer_passes_in_both_layouts():
    good = [_resize(IMAGE, f) for f in ex.PYRAMID_SCALES]
    assert ex.check_pyramid(good, IMAGE)
    assert ex.check_pyramid([np.asarray(g)[0, :, :, 0] for g in good], IMAGE)


def test_pyramid_typical_mistakes_fail_with_hints():
    tf = tensorflow()
    x = IMAGE[None, :, :, None]
    # Halving the previous level instead of resizing the original is close but not equal.
    no_antialias = [tf.image.resize(x, (round(f * 20), round(f * 14))) for f in ex.PYRAMID_SCALES]
    strided = [IMAGE, IMAGE[::2, ::2], IMAGE[::4, ::4]]
    wrong_shape = [IMAGE, IMAGE[:10, :7], IMAGE[:4, :4]]
    for answer in (no_antialias, strided, wrong_shape, [IMAGE], "pyramid"):
        feedback = ex.check_pyramid(answer, IMAGE)
        assert not feedback and feedback.hint


def test_winning_channel():
    assert ex.check_winning_channel(0.5)
    for wrong in (1.0, 0.71):
        feedback = ex.check_winning_channel(wrong)
        assert not feedback and "2 * s" in feedback.hint
    assert not ex.check_winning_channel(0.3)


@pytest.mark.parametrize(
    ("check", "args"),
    [
        (ex.check_merge_level, ("three",)),
        (ex.check_merge_level, (2.5,)),
        (ex.check_merge_level, (None,)),
        (ex.check_scaled_size, (14,)),
        (ex.check_scaled_size, ((14.0, 9.0),)),
        (ex.check_scaled_size, ("14x9",)),
        (ex.check_pyramid, (None, IMAGE)),
        (ex.check_pyramid, ([None, None, None], IMAGE)),
        (ex.check_pyramid, ([["a"], ["b"], ["c"]], IMAGE)),
        (ex.check_winning_channel, ("0.5",)),
        (ex.check_winning_channel, (True,)),
    ],
)
def test_malformed_answers_get_not_yet_not_an_exception(check, args):
    feedback = check(*args)
    assert isinstance(feedback, Feedback) and not feedback and feedback.hint


@pytest.mark.parametrize("answer", [float("nan"), float("inf"), np.float64("nan"), 2**64])
def test_checks_never_raise_and_never_pass_nan(answer):
    assert not ex.check_winning_channel(answer)
    assert not ex.check_merge_level(answer)


def test_checks_take_numpy_scalars():
    assert ex.check_merge_level(np.int64(4))


def test_starter_feedback_does_not_show_the_expected_answer():
    """No starter answer's "Not yet" in tutorial 3 shows a value its solution computes."""
    from _exercise_feedback import assert_starter_feedback_hides_the_answer

    assert_starter_feedback_hides_the_answer("scale")
