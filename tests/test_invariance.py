"""Tests for cnn101.invariance: SciPy's shift, analytic answers and Monte Carlo checks."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import scipy.ndimage as ndi
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn101 import ops
from cnn101._tf import tensorflow
from cnn101.images import load_photo, vertical_line_image
from cnn101.invariance import (
    consistency,
    conv_pool_stack,
    equivariance_error,
    random_shifts,
    shift,
    shift_stability,
    shifted_predictions,
)
from cnn101.layers.blur_pool import MaxBlurPool2D


@pytest.mark.parametrize("dy", [-9, -3, -1, 0, 2, 8])
@pytest.mark.parametrize("dx", [-7, -2, 0, 1, 5, 10])
def test_shift_matches_scipy_shift_with_zero_fill(rng, dy, dx):
    image = rng.random((8, 7)).astype(np.float32)
    expected = ndi.shift(image, (dy, dx), order=0, mode="constant", cval=0.0)
    np.testing.assert_array_equal(shift(image, dy, dx), expected)


def test_shift_keeps_layout_and_moves_every_image_and_channel(rng):
    tf = tensorflow()
    batch = rng.random((3, 6, 5, 2)).astype(np.float32)
    out = shift(tf.constant(batch), -1, 2)
    assert out.shape == batch.shape and isinstance(out, np.ndarray)
    for n in range(3):
        for c in range(2):
            expected = ndi.shift(batch[n, :, :, c], (-1, 2), order=0, mode="constant")
            np.testing.assert_array_equal(out[n, :, :, c], expected)
    assert shift(batch[0], 1, 0).shape == (6, 5, 2)


@pytest.mark.parametrize("bad", [1.5, "1", None, True])
def test_shift_rejects_non_integer_shifts(bad):
    with pytest.raises(TypeError, match="dx"):
        shift(np.ones((3, 3)), 0, bad)


def test_shift_rejects_bad_images():
    with pytest.raises(TypeError, match="images"):
        shift([["a"]], 1, 1)
    with pytest.raises(ValueError, match="images"):
        shift(np.ones(4), 1, 1)


@settings(max_examples=30, deadline=None)
@given(st.integers(-3, 3), st.integers(-3, 3), st.integers(0, 10_000))
def test_conv_relu_and_dense_max_pool_are_shift_equivariant(dy, dx, seed):
    """f(shift(x)) == shift(f(x)) away from the borders, for any kernel, image and shift."""
    rng = np.random.default_rng(seed)
    image = rng.random((16, 16)).astype(np.float32)
    kernel = rng.normal(size=(3, 3))
    margin = max(abs(dy), abs(dx)) + 1
    assert equivariance_error(lambda x: ops.conv2d(x, kernel), image, dy, dx, margin=margin) < 1e-5
    assert equivariance_error(lambda x: ops.relu(x - 0.5), image, dy, dx, margin=margin) == 0.0
    dense_max = lambda x: ops.max_pool2d(x, 3, strides=1, padding="SAME")  # noqa: E731
    assert equivariance_error(dense_max, image, dy, dx, margin=margin) == 0.0


def test_equivariance_error_is_large_for_position_dependent_maps():
    image = load_photo("camera", size=32)
    ramp = np.linspace(0, 1, 32)[None, :]
    assert equivariance_error(lambda x: x * ramp, image, 0, 2, margin=4) > 0.05
    assert equivariance_error(lambda x: x[:, ::-1], image, 0, 1, margin=4) > 0.1


def test_equivariance_error_rejects_bad_arguments():
    image = np.ones((8, 8))
    with pytest.raises(ValueError, match="margin"):
        equivariance_error(lambda x: x, image, 0, 1, margin=4)
    with pytest.raises(ValueError, match="margin"):
        equivariance_error(lambda x: x, image, 0, 1, margin=-1)
    with pytest.raises(ValueError, match="height and width"):
        equivariance_error(ops.max_pool2d, image, 0, 1, margin=1)
    with pytest.raises(TypeError, match="fn"):
        equivariance_error("conv", image, 0, 1, margin=1)


def bars(width: int = 8, height: int = 4) -> np.ndarray:
    return np.stack([vertical_line_image(height, width, c) for c in range(width - 1)])[..., None]


def test_max_pooling_keeps_a_bar_under_a_one_pixel_shift_only_from_even_columns():
    """A bar at column 2k and at 2k + 1 falls in the same 2x2 window; from 2k + 1 it moves on."""
    result = shift_stability(ops.max_pool2d, bars(), shifts=[(0, 1)])
    assert result.unchanged[:, 0].tolist() == [c % 2 == 0 for c in range(7)]
    # A changed map has its column of ones one place over: ||a - b|| / ||a|| = sqrt(2).
    expected = [0.0 if c % 2 == 0 else np.sqrt(2) for c in range(7)]
    np.testing.assert_allclose(result.relative_change[:, 0], expected, rtol=1e-6)
    assert result.fraction_unchanged == pytest.approx(4 / 7)


def test_global_pooling_is_invariant_while_the_bar_stays_inside():
    result = shift_stability(ops.global_max_pool2d, bars(), shifts=[(0, 1), (2, 0), (-3, 0)])
    assert result.unchanged.all()
    assert result.mean_relative_change == 0.0
    gone = shift_stability(ops.global_avg_pool2d, bars(), shifts=[(0, 8)])
    assert not gone.unchanged.any()  # a bar shifted out of the image is lost


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_vertical_line_stack_keeps_a_bar_for_all_but_one_phase_in_two_to_the_depth(depth):
    """conv(vertical_line) -> ReLU keeps a one-pixel bar in place, so after `depth` 2x2 pools
    the bar at column c sits in cell c // 2**depth: a +1 shift changes it only when
    (c + 1) is a multiple of 2**depth, and then moves it to the next cell (relative change
    sqrt(2))."""
    columns = range(8, 56)
    images = np.stack([vertical_line_image(32, 64, c) for c in columns])[..., None]
    result = shift_stability(conv_pool_stack(depth, kernel="vertical_line"), images, [(0, 1)])
    expected = [(c + 1) % 2**depth != 0 for c in columns]
    assert result.unchanged[:, 0].tolist() == expected
    assert result.fraction_unchanged == pytest.approx(1 - 2.0**-depth)
    assert result.mean_relative_change == pytest.approx(np.sqrt(2) * 2.0**-depth, rel=1e-5)


def photo_crops() -> np.ndarray:
    photo = load_photo("camera", size=128)
    return np.stack([photo[r : r + 32, c : c + 32] for r in (0, 48, 96) for c in (0, 48, 96)])[
        ..., None
    ]


@pytest.mark.parametrize("depth", [1, 3])
def test_blur_pooling_lowers_the_relative_change_of_random_stacks(depth):
    crops = photo_crops()
    shifts = [(0, 1), (1, 0)]
    max_stack = conv_pool_stack(depth, seed=3)
    blur_stack = conv_pool_stack(depth, pooling="blur", seed=3)
    for a, b in zip(max_stack.layers, blur_stack.layers, strict=True):  # same convolutions
        for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
            np.testing.assert_array_equal(wa, wb)
    assert isinstance(blur_stack.layers[2], MaxBlurPool2D)
    max_change = shift_stability(max_stack, crops, shifts).mean_relative_change
    blur_change = shift_stability(blur_stack, crops, shifts).mean_relative_change
    assert 0 < blur_change < max_change


def test_conv_pool_stack_shapes_and_errors():
    out = conv_pool_stack(2, channels=5, in_channels=3)(np.zeros((2, 16, 16, 3)))
    assert tuple(out.shape) == (2, 4, 4, 5)
    with pytest.raises(ValueError, match="pooling"):
        conv_pool_stack(1, pooling="median")
    with pytest.raises(ValueError, match="depth"):
        conv_pool_stack(0)
    with pytest.raises(ValueError, match="kernel"):
        conv_pool_stack(1, kernel="no_such_kernel")


def test_shift_stability_rejects_bad_arguments():
    images = np.zeros((2, 4, 4, 1))
    with pytest.raises(ValueError, match="images"):
        shift_stability(ops.max_pool2d, np.zeros((4, 4)))
    with pytest.raises(ValueError, match="shifts"):
        shift_stability(ops.max_pool2d, images, shifts=[1, 2])
    with pytest.raises(TypeError, match="shifts"):
        shift_stability(ops.max_pool2d, images, shifts=[(0.5, 1)])
    with pytest.raises(ValueError, match="atol"):
        shift_stability(ops.max_pool2d, images, atol=-1)
    with pytest.raises(ValueError, match="one output per image"):
        shift_stability(lambda x: np.zeros(3), images)
    for not_a_sequence in (np.float32(1.0), object(), None, "01"):
        with pytest.raises(TypeError, match="`shifts` must be a non-empty sequence"):
            shift_stability(ops.max_pool2d, images, shifts=not_a_sequence)
    with pytest.raises(ValueError, match="`shifts` must be a non-empty sequence"):
        shift_stability(ops.max_pool2d, images, shifts=[])
    with pytest.raises(TypeError, match="`fn` must be callable"):
        shift_stability("max", images)
    as_array = shift_stability(ops.max_pool2d, images, shifts=np.array([[0, 1], [1, 0]]))
    assert as_array.shifts.tolist() == [[0, 1], [1, 0]]


def test_the_checks_name_the_class_of_each_fault():
    images = np.zeros((2, 8, 8, 1))
    with pytest.raises(TypeError, match="`fn` must be callable"):
        equivariance_error("conv", images, margin=2)
    for margin, error in ((-1, ValueError), (1.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match="`margin` must be a non-negative integer"):
            equivariance_error(ops.max_pool2d, images, margin=margin)
    with pytest.raises(ValueError, match="`images` must be a 4-D batch"):
        random_shifts(np.zeros((8, 8)), 1, seed=0)


def dot_images(n: int = 5, size: int = 15) -> np.ndarray:
    images = np.zeros((n, size, size, 1), np.float32)
    images[:, size // 2, size // 2, 0] = np.linspace(0.2, 1.0, n)
    return images


def column_of_dot(x):
    return x.max(axis=(1, 3))  # one score per column: the class is the dot's column


def parity_of_column(x):
    column = column_of_dot(x).argmax(axis=1)
    return np.eye(2)[column % 2]


@pytest.mark.parametrize("max_shift", [0, 1, 2, 3])
def test_consistency_of_position_models_has_its_analytic_value(max_shift):
    """Two independent shifts dx1, dx2, uniform on 2s + 1 values, agree with probability
    1 / (2s + 1); their parities agree with probability (e / n)**2 + (o / n)**2."""
    n = 2 * max_shift + 1
    assert consistency(column_of_dot, dot_images(), max_shift) == pytest.approx(1 / n)
    even = len([d for d in range(-max_shift, max_shift + 1) if d % 2 == 0])
    expected = (even / n) ** 2 + ((n - even) / n) ** 2
    assert consistency(parity_of_column, dot_images(), max_shift) == pytest.approx(expected)


def test_consistency_equals_the_monte_carlo_estimate_of_zhangs_definition():
    """Zhang samples one pair of shifts per image; our value is its expectation."""
    rng = np.random.default_rng(0)
    images = np.repeat(dot_images(1), 4000, axis=0)
    shifts = rng.integers(-2, 3, size=(4000, 4))
    agree = [
        column_of_dot(shift(img, a, b)[None]).argmax()
        == column_of_dot(shift(img, c, d)[None]).argmax()
        for img, (a, b, c, d) in zip(images, shifts, strict=True)
    ]
    assert np.mean(agree) == pytest.approx(consistency(column_of_dot, images[:1], 2), abs=0.03)


def test_shift_invariant_keras_model_is_fully_consistent(rng):
    """Global max pooling of a convolution ignores where the digit-sized blob sits."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((15, 15, 1)),
            keras.layers.Conv2D(4, 3, padding="same"),
            keras.layers.GlobalMaxPooling2D(),
            keras.layers.Dense(3),
        ]
    )
    images = rng.random((6, 15, 15, 1)).astype(np.float32)
    images[:, :3], images[:, -3:], images[:, :, :3], images[:, :, -3:] = 0, 0, 0, 0
    result = shifted_predictions(model, images, max_shift=2, batch_size=4)
    assert result.classes.shape == (6, 25) and result.offsets.shape == (25, 2)
    assert result.consistency == 1.0
    labels = result.classes[:, 0]
    assert result.accuracy(labels) == 1.0
    assert result.accuracy((labels + 1) % 3) == 0.0


def test_consistency_rejects_bad_arguments():
    with pytest.raises(TypeError, match="predict"):
        consistency("model", dot_images())
    with pytest.raises(ValueError, match="images"):
        consistency(column_of_dot, dot_images()[0])
    with pytest.raises(ValueError, match="max_shift"):
        consistency(column_of_dot, dot_images(), -1)
    with pytest.raises(ValueError, match=r"\(N, K\)"):
        consistency(lambda x: x, dot_images())
    with pytest.raises(ValueError, match="labels"):
        shifted_predictions(column_of_dot, dot_images(), 1).accuracy([0, 1])


def test_shift_stability_refuses_a_nan_tolerance():
    with pytest.raises(ValueError, match="`atol` must be a finite number"):
        shift_stability(ops.max_pool2d, np.zeros((1, 4, 4, 1)), atol=np.nan)
