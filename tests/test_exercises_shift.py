"""Tests for the tutorial 2 exercise checks: right answers pass, wrong ones get a hint."""

from __future__ import annotations

import numpy as np
import pytest

from cnn101.exercises import Feedback
from cnn101.exercises.shift import (
    check_binomial_filter,
    check_kept_columns,
    check_parity_consistency,
    check_shift,
)


def assert_not_yet(feedback, *words):
    assert isinstance(feedback, Feedback)
    assert not feedback
    assert feedback.hint
    text = str(feedback)
    assert text.startswith("Not yet.")
    for word in words:
        assert word in text


@pytest.mark.parametrize("answer", [[0, 2, 4, 6], (6, 4, 2, 0), np.array([0, 2, 4, 6])])
def test_kept_columns_correct(answer):
    assert check_kept_columns(answer)


def test_kept_columns_follows_the_width():
    assert check_kept_columns([0, 2, 4], width=7)
    assert not check_kept_columns([0, 2, 4, 6], width=7)


@pytest.mark.parametrize("answer", [[1, 3, 5], [0, 2, 4], list(range(7)), []])
def test_kept_columns_wrong(answer):
    assert_not_yet(check_kept_columns(answer), "window")


@pytest.mark.parametrize("answer", [None, "0246", 3, [0.0, 2.5], [{"a": 1}]])
def test_kept_columns_malformed(answer):
    assert_not_yet(check_kept_columns(answer), "list")


def test_binomial_filter_correct():
    row = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16
    assert check_binomial_filter(np.outer(row, row))
    assert check_binomial_filter(np.outer([1, 2, 1], [1, 2, 1]) / 16, size=3)


@pytest.mark.parametrize(
    ("answer", "word"),
    [
        (np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]), "sums to 256"),
        (np.full((5, 5), 1 / 25), "Pascal"),
        (np.array([1, 4, 6, 4, 1]) / 16, "shape"),
        (np.outer([1, 2, 1], [1, 2, 1]) / 16, "shape"),
    ],
)
def test_binomial_filter_wrong(answer, word):
    assert_not_yet(check_binomial_filter(answer), word)


@pytest.mark.parametrize("answer", [None, "filter", [[1, 2], [3]], {"a": 1}])
def test_binomial_filter_malformed(answer):
    assert_not_yet(check_binomial_filter(answer))


def reference_solution(image, dy, dx):
    out = np.zeros_like(image)
    h, w = image.shape
    for y in range(h):
        for x in range(w):
            if 0 <= y - dy < h and 0 <= x - dx < w:
                out[y, x] = image[y - dy, x - dx]
    return out


def test_shift_correct():
    assert check_shift(reference_solution)


@pytest.mark.parametrize(
    ("answer", "word"),
    [
        (lambda image, dy, dx: np.roll(image, (dy, dx), axis=(0, 1)), "np.roll"),
        (lambda image, dy, dx: reference_solution(image, dx, dy), "differs"),
        (lambda image, dy, dx: reference_solution(image, -dy, -dx), "differs"),
        (lambda image, dy, dx: image[1:, 1:], "shape"),
        (lambda image, dy, dx: 1 / 0, "ZeroDivisionError"),
        (lambda image: image, "TypeError"),
    ],
)
def test_shift_wrong(answer, word):
    assert_not_yet(check_shift(answer), word)


def test_shift_malformed():
    assert_not_yet(check_shift("np.roll"), "function")


def test_parity_consistency():
    assert check_parity_consistency(5 / 9)
    assert check_parity_consistency(13 / 25, max_shift=2)
    assert_not_yet(check_parity_consistency(1 / 3), "parity")
    assert_not_yet(check_parity_consistency(0.5), "parity")
    for bad in ["5/9", None, True, [0.5]]:
        assert_not_yet(check_parity_consistency(bad), "number")


def test_starter_feedback_does_not_show_the_expected_answer():
    """No starter answer's "Not yet" in tutorial 2 shows a value its solution computes."""
    from _exercise_feedback import assert_starter_feedback_hides_the_answer

    assert_starter_feedback_hides_the_answer("shift")
