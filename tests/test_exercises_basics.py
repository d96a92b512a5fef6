"""Tests for the tutorial 1 exercise checks (cnn101.exercises.basics).

Right answers come from oracles nobody here wrote (Keras pooling layers,
scikit-image's ``view_as_windows``) or from the notebook's own solutions; typical
wrong answers must fail with a hint that names the mistake, and malformed answers
must give a "Not yet" rather than an exception.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import assert_not_yet
from skimage.util import view_as_windows

from cnn101 import kernels, ops  # loads TensorFlow quietly, before keras is imported
from cnn101.exercises import basics

# --- (a) a kernel that finds horizontal lines ---------------------------------------------


@pytest.mark.parametrize(
    "kernel",
    [
        kernels.HORIZONTAL_LINE,
        0.5 * kernels.HORIZONTAL_LINE,
        -3 * kernels.HORIZONTAL_LINE,
        [[1, 1], [-1, -1]],
        [[2.0, 1.0], [-2.0, -1.0]],  # columns sum to zero, rows do not: still a horizontal edge
        kernels.VERTICAL_LINE.T,
    ],
)
def test_horizontal_kernel_accepts_correct_kernels(kernel):
    feedback = basics.check_horizontal_kernel(kernel)
    assert feedback, str(feedback)
    assert str(feedback).startswith("Correct!")


@pytest.mark.parametrize(
    ("kernel", "hint"),
    [
        (np.zeros((2, 2)), "positive"),  # the notebook's starter
        (kernels.VERTICAL_LINE, "row"),  # zero response on a horizontal line
        (np.ones((2, 2)), "opposite|negative"),  # a blur: same sign at both edges
        ([[1.0, 1.0], [-1.0, -2.0]], "column"),  # also fires on vertical lines
        ([[1.0, 0.0], [0.0, 0.0]], "negative"),  # one positive tap: same sign at both edges
        ([[1.0, -1.0], [-1.0, 1.0]], "row"),  # checkerboard: rows sum to zero
    ],
)
def test_horizontal_kernel_rejects_wrong_kernels(kernel, hint):
    assert_not_yet(basics.check_horizontal_kernel(kernel), hint=hint)


@pytest.mark.parametrize(
    "kernel",
    ["horizontal", None, np.ones((3, 3)), np.ones(4), [[1, 2], [3]], [[np.nan, 1], [-1, -1]]],
)
def test_horizontal_kernel_malformed_answers_are_not_yet(kernel):
    assert_not_yet(basics.check_horizontal_kernel(kernel))


def test_horizontal_kernel_wrong_shape_names_the_shape():
    feedback = basics.check_horizontal_kernel(np.ones((3, 3)))
    assert "(2, 2)" in feedback.message and "(3, 3)" in feedback.message


# --- (b) output shapes of SAME and VALID pooling --------------------------------------------

SHAPE_CASES = [((13, 10), 3, 2), ((7, 8), 2, 2), ((64, 64), 2, 2), ((9, 5), 2, 3), ((6, 11), 4, 1)]


def keras_shape(image_shape, pool_size, strides, padding):
    """Output (height, width) of Keras' own MaxPooling2D layer: an independent oracle."""
    import keras

    layer = keras.layers.MaxPooling2D(pool_size, strides, padding=padding.lower())
    return tuple(layer(np.zeros((1, *image_shape, 1), dtype="float32")).shape[1:3])


@pytest.mark.parametrize(("image_shape", "pool_size", "strides"), SHAPE_CASES)
def test_pool_shapes_accepts_keras_answer(image_shape, pool_size, strides):
    same = keras_shape(image_shape, pool_size, strides, "SAME")
    valid = keras_shape(image_shape, pool_size, strides, "VALID")
    feedback = basics.check_pool_shapes(
        same, valid, image_shape=image_shape, pool_size=pool_size, strides=strides
    )
    assert feedback, str(feedback)
    # Lists, NumPy integers and whole floats are fine too.
    assert basics.check_pool_shapes(
        list(same), np.array(valid), image_shape=image_shape, pool_size=pool_size, strides=strides
    )
    assert basics.check_pool_shapes(
        tuple(float(n) for n in same),
        valid,
        image_shape=image_shape,
        pool_size=pool_size,
        strides=strides,
    )


def test_pool_shapes_default_exercise_is_analytic():
    """13x10, pool 3, stride 2.

    SAME: ceil(13/2), ceil(10/2) = (7, 5); VALID: ceil(11/2), ceil(8/2) = (6, 4).
    """
    assert basics.check_pool_shapes((7, 5), (6, 4))


@pytest.mark.parametrize(
    ("same", "valid", "hint"),
    [
        ((0, 0), (0, 0), "ceil"),  # the notebook's starter
        ((6, 5), (6, 4), "rounds up"),  # floor(H / s) for SAME
        ((7, 5), (7, 5), "VALID does not pad"),  # VALID taken for SAME
        ((6, 4), (6, 4), "SAME pads"),  # SAME taken for VALID
        ((5, 7), (6, 4), "height, width"),  # swapped
        ((13, 10), (6, 4), "smaller"),  # no pooling at all
    ],
)
def test_pool_shapes_rejects_typical_mistakes(same, valid, hint):
    assert_not_yet(basics.check_pool_shapes(same, valid), hint=hint)


@pytest.mark.parametrize("answer", ["7x5", None, (7,), (7.5, 5), ("a", "b"), (True, 5), 7])
def test_pool_shapes_malformed_answers_are_not_yet(answer):
    feedback = basics.check_pool_shapes(answer, (6, 4))
    assert_not_yet(feedback, hint="tuple of two integers")
    assert "SAME" in feedback.message


def test_pool_shapes_bad_exercise_givens_raise():
    with pytest.raises(ValueError, match="image_shape"):
        basics.check_pool_shapes((1, 1), (1, 1), image_shape=(0, 4))
    with pytest.raises(ValueError, match="strides"):
        basics.check_pool_shapes((1, 1), (1, 1), strides=-1)


# --- (c) max pooling in NumPy -----------------------------------------------------------------


def loop_max_pool(image, pool_size, stride):
    out_h = (image.shape[0] - pool_size) // stride + 1
    out_w = (image.shape[1] - pool_size) // stride + 1
    out = np.empty((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = image[
                i * stride : i * stride + pool_size, j * stride : j * stride + pool_size
            ].max()
    return out


def skimage_max_pool(image, pool_size, stride):
    return view_as_windows(image, (pool_size, pool_size), stride).max(axis=(2, 3))


@pytest.mark.parametrize("func", [loop_max_pool, skimage_max_pool])
@pytest.mark.parametrize("seed", [0, 1])
def test_max_pool_accepts_correct_implementations(func, seed):
    feedback = basics.check_max_pool(func, seed=seed)
    assert feedback, str(feedback)


def zero_start_max_pool(image, pool_size, stride):
    out = loop_max_pool(image, pool_size, stride)
    return np.maximum(out, 0.0)  # what starting each window's max at 0 gives


def avg_pool(image, pool_size, stride):
    return view_as_windows(image, (pool_size, pool_size), stride).mean(axis=(2, 3))


def min_pool(image, pool_size, stride):
    return view_as_windows(image, (pool_size, pool_size), stride).min(axis=(2, 3))


def stride_ignored(image, pool_size, stride):
    return loop_max_pool(image, pool_size, pool_size)


def same_padded(image, pool_size, stride):
    return ops.max_pool2d(image, pool_size, stride, "SAME").numpy()


def transposed(image, pool_size, stride):
    return loop_max_pool(image, pool_size, stride).T


def starter(image, pool_size=2, stride=2):
    return np.zeros((1, 1))


def crashes(image, pool_size, stride):
    raise IndexError("index 4 is out of bounds")


def returns_none(image, pool_size, stride):
    return None


def returns_text(image, pool_size, stride):
    return "pooled"


@pytest.mark.parametrize(
    ("func", "message", "hint"),
    [
        (zero_start_max_pool, "should be", "not from 0"),
        (avg_pool, "should be", "average"),
        (min_pool, "should be", "smallest"),
        (stride_ignored, "overlapping", "VALID"),
        (same_padded, "odd sizes", "whole windows"),
        (transposed, "should be", "max of image"),
        (starter, r"\(2, 2\)", "whole windows"),
        (crashes, "raised IndexError: index 4", "by hand"),
        (returns_none, "returned None", "return"),
        (returns_text, "str", "NumPy array"),
        ("my_max_pool", "Expected a function", "without calling it"),
        (None, "Expected a function", ""),
    ],
)
def test_max_pool_reports_first_mismatch(func, message, hint):
    feedback = basics.check_max_pool(func)
    assert_not_yet(feedback, hint=hint)
    assert re.search(message, feedback.message), feedback.message


def test_max_pool_does_not_modify_or_keep_student_state():
    """Each test image goes in as a fresh copy: an in-place function cannot spoil later cases."""

    def in_place(image, pool_size, stride):
        result = skimage_max_pool(image, pool_size, stride)
        image[:] = 0.0
        return result

    assert basics.check_max_pool(in_place)


# --- (d) which pooling keeps a thin line bright ------------------------------------------------


@pytest.mark.parametrize("answer", ["max", " Max ", "max_pool2d", "maximum", ops.max_pool2d])
def test_bright_line_accepts_max(answer):
    assert basics.check_bright_line_pooling(answer)


@pytest.mark.parametrize("answer", ["avg", "average", "mean", ops.avg_pool2d])
def test_bright_line_rejects_average(answer):
    assert_not_yet(basics.check_bright_line_pooling(answer), hint="dims")


@pytest.mark.parametrize("answer", ["?", "", None, 2, ["max"]])
def test_bright_line_malformed_answers_are_not_yet(answer):
    assert_not_yet(basics.check_bright_line_pooling(answer), hint="keeps_line_bright = 'max'")


def test_bright_line_message_reports_measured_brightness():
    """Four 2x2 max poolings keep the circle's value 1; the average is a mean, so at most 1."""
    message = basics.check_bright_line_pooling("max").message
    assert "is 1 with max pooling" in message


def test_starter_feedback_does_not_show_the_expected_answer():
    """No starter answer's "Not yet" in tutorial 1 shows a value its solution computes."""
    from _exercise_feedback import assert_starter_feedback_hides_the_answer

    assert_starter_feedback_hides_the_answer("basics")
