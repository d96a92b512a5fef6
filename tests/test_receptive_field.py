"""Receptive fields: published values, analytic stacks, gradients through real ops; atrous == dilated."""

import numpy as np
import pytest
import tensorflow as tf

from cnn101 import ops, reference
from cnn101.receptive_field import empirical_receptive_field, receptive_field, receptive_fields

CONV3 = (3, 1)
POOL2 = (2, 2)
VGG16 = [CONV3] * 2 + [POOL2] + [CONV3] * 2 + [POOL2] + ([CONV3] * 3 + [POOL2]) * 3
ALEXNET = [(11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 1), (3, 1), (3, 2)]


def test_published_receptive_fields():
    """VGG16: conv5_3 sees 196 pixels and pool5 212; AlexNet's pool5 sees 195 (Araujo et al. 2019)."""
    fields = receptive_fields(VGG16)
    assert fields[-2] == (196, 16)
    assert fields[-1] == (212, 32)
    assert receptive_field(ALEXNET) == 195


@pytest.mark.parametrize("n", [1, 2, 5, 10])
def test_stacked_3x3_convs_grow_by_two(n):
    """n stride-1 3x3 convolutions see 2n + 1 pixels (two 3x3 = one 5x5, as in VGG)."""
    assert receptive_field([CONV3] * n) == 2 * n + 1


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_doubling_dilations_grow_exponentially(k):
    """3x3 convs with dilations 1, 2, 4, ..., 2^k see 2^(k+2) - 1 pixels (Yu and Koltun 2016)."""
    assert receptive_field([(3, 1, 2**i) for i in range(k + 1)]) == 2 ** (k + 2) - 1


@pytest.mark.parametrize(
    "layers",
    [
        [CONV3, CONV3],
        [(3, 1, 1), (3, 1, 2), (3, 1, 4)],
        [(5, 2), (3, 1, 3), POOL2, (3, 1)],
        [(7, 2), (3, 2), (3, 1, 2)],
        VGG16[:7],
    ],
)
def test_gradient_measurement_agrees_with_the_formula(layers):
    field, gradient = empirical_receptive_field(layers, size=96)
    assert field == receptive_field(layers)
    assert gradient.shape == (96, 96)
    assert np.count_nonzero(gradient.any(axis=0)) <= field


def test_a_single_dilated_kernel_has_holes():
    """A 3x3 kernel with dilation 3 touches 9 pixels of a 7x7 window."""
    field, gradient = empirical_receptive_field([(3, 1, 3)], size=21)
    assert field == 7
    assert np.count_nonzero(gradient) == 9


@pytest.mark.parametrize("rate", [1, 2, 4])
def test_atrous_conv2d_equals_dilated_conv2d(rate):
    x = np.random.default_rng(rate).standard_normal((1, 23, 19, 2)).astype(np.float32)
    w = np.random.default_rng(10 + rate).standard_normal((3, 3, 2, 4)).astype(np.float32)
    for padding in ("SAME", "VALID"):
        atrous = tf.nn.atrous_conv2d(x, w, rate=rate, padding=padding).numpy()
        dilated = tf.nn.conv2d(x, w, strides=1, padding=padding, dilations=rate).numpy()
        ours = ops.conv2d(x, w, padding=padding, dilation=rate).numpy()
        loops = reference.conv2d(x, w, padding=padding, dilation=rate)
        np.testing.assert_allclose(atrous, dilated, atol=1e-5)
        np.testing.assert_allclose(ours, dilated, atol=1e-5)
        np.testing.assert_allclose(loops, dilated, atol=1e-4)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: receptive_field([]), ValueError, "layers"),
        (lambda: receptive_field("3x3"), TypeError, "layers"),
        (lambda: receptive_field([(3, 1), (3, 0)]), ValueError, r"layers\[1\]"),
        (lambda: receptive_field([(3,)]), ValueError, r"layers\[0\]"),
        (lambda: receptive_field([(3, 1, 2, 1)]), ValueError, r"layers\[0\]"),
        (lambda: receptive_field([(3, 1.0)]), TypeError, r"layers\[0\]"),
        (lambda: receptive_field([3]), TypeError, r"layers\[0\]"),
        (lambda: empirical_receptive_field([(3, 1)] * 20, size=16), ValueError, "size"),
        (lambda: empirical_receptive_field([(3, 1)] * 7, size=15), ValueError, "size"),
        (lambda: empirical_receptive_field([(3, 2, 2)]), ValueError, "stride"),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()
