"""cnn101.digits against scikit-image's region properties and analytic facts about scaling."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.measure import regionprops

from cnn101 import digits
from cnn101.datasets import load_digits


@pytest.fixture(scope="module")
def mnist():
    (x, y), _ = load_digits()
    return x[:200], y[:200]


# --- scaled digits ----------------------------------------------------------------


def test_place_digits_shape_dtype_and_range(mnist):
    x, _ = mnist
    out = digits.place_digits(x[:20], 1.3, canvas=48, seed=0)
    assert out.shape == (20, 48, 48, 1) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1


def test_place_digits_is_deterministic_per_seed(mnist):
    x, _ = mnist
    a = digits.place_digits(x[:30], 0.8, seed=3)
    b = digits.place_digits(x[:30], 0.8, seed=3)
    c = digits.place_digits(x[:30], 0.8, seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("factor", [0.5, 0.71, 1.0, 1.41, 2.0])
def test_placed_bounding_box_has_the_scaled_size(mnist, factor):
    """The placed ink box is round(factor * original ink box), per axis, for every digit."""
    x, _ = mnist
    original = digits.bounding_boxes(x)
    placed = digits.bounding_boxes(digits.place_digits(x, factor, canvas=48, seed=1))
    expected = np.maximum(1, np.round(factor * original[:, 2:]))
    np.testing.assert_array_equal(placed[:, 2:], expected)
    assert (placed[:, :2] >= 0).all() and (placed[:, :2] + placed[:, 2:] <= 48).all()


def test_place_digits_positions_cover_the_canvas(mnist):
    """Positions are uniform where the digit fits: small digits reach both borders."""
    x, _ = mnist
    boxes = digits.bounding_boxes(digits.place_digits(x, 0.5, canvas=40, seed=0))
    assert boxes[:, 0].min() == 0 and (boxes[:, 0] + boxes[:, 2]).max() == 40


def test_place_digits_per_image_scales(mnist):
    x, _ = mnist
    factors = np.array([0.5, 2.0, 1.0])
    boxes = digits.bounding_boxes(digits.place_digits(x[:3], factors, seed=0))
    expected = np.maximum(1, np.round(factors[:, None] * digits.bounding_boxes(x[:3])[:, 2:]))
    np.testing.assert_array_equal(boxes[:, 2:], expected)


@settings(deadline=None, max_examples=30)
@given(
    n=st.integers(1, 500),
    low=st.floats(0.1, 1.0),
    ratio=st.floats(1.0, 8.0),
    seed=st.integers(0, 9),
)
def test_log_uniform_scales_in_range(n, low, ratio, seed):
    s = digits.log_uniform_scales(n, low, low * ratio, seed=seed)
    assert s.shape == (n,) and (s >= low).all() and (s <= low * ratio * (1 + 1e-12)).all()


def test_log_uniform_scales_is_symmetric_in_log():
    """log(s) is uniform on [log 0.5, log 2]: its mean is 0 and half the draws are below 1."""
    s = digits.log_uniform_scales(200_000, 0.5, 2.0, seed=0)
    assert abs(np.log(s).mean()) < 0.005
    assert abs((s < 1).mean() - 0.5) < 0.005


def test_bounding_boxes_match_regionprops():
    images = np.zeros((3, 10, 12))
    images[0, 2:5, 3:9] = 1
    images[1, 0, 0] = 1
    images[1, 9, 11] = 1
    for image, box in zip(images[:2], digits.bounding_boxes(images)[:2], strict=True):
        props = regionprops((image > 0).astype(int))[0]
        t, left, b, r = props.bbox
        assert box.tolist() == [t, left, b - t, r - left]
    assert digits.bounding_boxes(images)[2].tolist() == [0, 0, 0, 0]


# --- validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: digits.log_uniform_scales(5, 2.0, 1.0), ValueError, "low"),
        (lambda: digits.log_uniform_scales(0), ValueError, "n"),
        (lambda: digits.bounding_boxes(np.ones((4, 4))), ValueError, "images"),
        (lambda: digits.place_digits(np.ones((2, 8, 8)), [1.0, 2.0, 3.0]), ValueError, "scales"),
        (lambda: digits.place_digits(np.ones((2, 8, 8)), -1.0), ValueError, "scales"),
        (lambda: digits.place_digits(np.ones((8, 8))), ValueError, "images"),
        (lambda: digits.place_digits(np.ones((1, 8, 8)), 3.0, canvas=20), ValueError, "canvas"),
        (lambda: digits.place_digits(np.array([[["a"]]])), TypeError, "images"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_a_fractional_seed_is_a_type_error():
    with pytest.raises(TypeError, match="`seed`"):
        digits.log_uniform_scales(3, seed=2.5)
