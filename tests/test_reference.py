"""The NumPy loops are themselves checked against SciPy and scikit-image (an oracle needs an oracle)."""

import numpy as np
import pytest
import scipy.signal
from skimage.measure import block_reduce

from cnn101 import reference


@pytest.mark.parametrize(
    "size,window,stride", [(7, 2, 1), (5, 3, 2), (8, 3, 3), (4, 5, 1), (9, 1, 2)]
)
def test_same_padding_gives_ceil_output(size, window, stride):
    before, after = reference.same_padding(size, window, stride)
    assert after - before in (0, 1)  # the extra zero goes after (bottom/right), TensorFlow's rule
    assert (size + before + after - window) // stride + 1 == -(-size // stride)


def test_reference_conv_matches_scipy_valid():
    rng = np.random.default_rng(3)
    image, kernel = rng.normal(size=(9, 7)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(
        reference.conv2d(image, kernel, padding="VALID"),
        scipy.signal.correlate2d(image, kernel, mode="valid"),
        atol=1e-5,
    )


def test_reference_conv_same_stride_dilation():
    rng = np.random.default_rng(4)
    image, kernel = rng.normal(size=(10, 10)), rng.normal(size=(2, 2))
    # dilation 2 == a 3x3 kernel with zeros between the taps
    dilated = np.zeros((3, 3))
    dilated[::2, ::2] = kernel
    padded = np.pad(image, (reference.same_padding(10, 3, 1),) * 2)
    expected = scipy.signal.correlate2d(padded, dilated, mode="valid")
    np.testing.assert_allclose(reference.conv2d(image, kernel, dilation=2), expected, atol=1e-5)


@pytest.mark.parametrize(
    "reducer,func", [(np.max, reference.max_pool2d), (np.mean, reference.avg_pool2d)]
)
def test_reference_pooling_matches_block_reduce(reducer, func):
    image = np.random.default_rng(5).random((8, 12, 3))
    np.testing.assert_allclose(
        func(image, (2, 3)), block_reduce(image, (2, 3, 1), reducer), rtol=1e-6
    )


def test_reference_same_avg_pool_ignores_padding():
    """TensorFlow's SAME average counts only pixels inside the image."""
    out = reference.avg_pool2d(np.ones((3, 3)), 2, padding="SAME")
    np.testing.assert_array_equal(out, np.ones((2, 2)))
    assert (
        reference.max_pool2d(-np.ones((3, 3)), 2, padding="SAME").max() == -1
    )  # padding never wins


def test_reference_global_and_relu_and_layouts():
    batch = np.random.default_rng(6).normal(size=(2, 4, 5, 3))
    np.testing.assert_allclose(
        reference.global_max_pool2d(batch), batch.max(axis=(1, 2)), rtol=1e-6
    )
    np.testing.assert_allclose(
        reference.global_avg_pool2d(batch[0]), batch[0].mean(axis=(0, 1)), rtol=1e-5
    )
    assert reference.relu(batch).min() == 0
    assert reference.conv2d(batch[0], "identity").shape == (4, 5, 1)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: reference.max_pool2d(np.zeros((8, 8), np.float32), -1), ValueError, "`pool_size`"),
        (
            lambda: reference.conv2d(np.zeros((8, 8), np.float32), "identity", padding="full"),
            ValueError,
            "`padding`",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
