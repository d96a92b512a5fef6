"""Tests for cnn101.feature_extractors against SciPy, Keras layers and analytic facts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate2d

from cnn101 import feature_extractors as fe  # loads TensorFlow quietly, before keras
from cnn101 import kernels

# isort: split
import keras


def random_image(shape=(12, 14), seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


def test_conv_features_match_scipy_correlate2d_per_channel():
    """A bank of a 3x3 and a 5x5 kernel: the 3x3 one is padded around its centre, so each
    channel is SciPy's zero-padded 'same' cross-correlation with its own kernel."""
    image = random_image()
    big = np.random.default_rng(1).normal(size=(5, 5))
    maps = fe.conv_features(["sobel_left", big])(image)
    assert maps.shape == (12, 14, 2)
    np.testing.assert_allclose(
        maps[..., 0], correlate2d(image, kernels.SOBEL_LEFT, mode="same"), atol=1e-5
    )
    np.testing.assert_allclose(maps[..., 1], correlate2d(image, big, mode="same"), atol=1e-5)


def test_relu_keeps_only_positive_responses():
    image = random_image()
    plain = fe.conv_features("sobel_left")(image)
    rectified = fe.conv_features("sobel_left", relu=True)(image)
    np.testing.assert_allclose(rectified, np.maximum(plain, 0.0))
    assert fe.conv_features("sobel_left", relu=True).name == "sobel_left + ReLU"


@pytest.mark.parametrize(
    ("kernel", "radius"),
    [
        ([[1.0]], 0),
        ("vertical_line", 1),
        ("laplacian", 1),
        (np.ones((5, 5)), 2),
        (np.ones((4, 4)), 2),
    ],
)
def test_radius_is_the_far_side_of_the_same_window(kernel, radius):
    """SAME padding puts (k - 1) // 2 taps before the centre and k // 2 after."""
    assert fe.conv_features(kernel).radius == radius


def test_feature_at_a_pixel_depends_only_on_its_radius():
    """Change one pixel: only outputs within the radius (Chebyshev distance) change."""
    cnn = fe.random_cnn_features((4, 4, 4), seed=3)
    image = random_image((20, 20))
    poked = image.copy()
    poked[10, 10] += 1.0
    changed = np.abs(cnn(poked) - cnn(image)).max(axis=-1) > 0
    rows, cols = np.nonzero(changed)
    assert max(np.abs(rows - 10).max(), np.abs(cols - 10).max()) <= cnn.radius == 3


def test_random_cnn_is_reproducible_by_seed():
    image = random_image()
    a, b, c = (fe.random_cnn_features((3,), seed=s)(image) for s in (5, 5, 6))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert (a >= 0).all()


def test_keras_features_match_keras_layers_and_count_radius():
    model = keras.Sequential(
        [
            keras.Input((None, None, 1)),
            keras.layers.Conv2D(3, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(2, 5, padding="same"),
            keras.layers.ReLU(),
        ]
    )
    extractor = fe.keras_features(model)
    image = random_image()
    expected = model(image[None, :, :, None]).numpy()[0]
    np.testing.assert_allclose(extractor(image), expected, atol=1e-6)
    assert extractor.radius == 1 + 2


@pytest.mark.parametrize(
    "layer",
    [
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(2, 3, strides=2, padding="same"),
        keras.layers.Conv2D(2, 3, padding="valid"),
    ],
)
def test_keras_features_refuse_layers_that_change_the_grid(layer):
    model = keras.Sequential([keras.Input((None, None, 1)), layer])
    with pytest.raises(ValueError, match="Layer"):
        fe.keras_features(model)


def test_letters_image_places_non_overlapping_w_and_m():
    image = fe.letters_image(size=40, count=4, seed=2)
    maps = fe.conv_features([fe.W_KERNEL, fe.M_KERNEL])(image)
    best = fe.W_KERNEL.ravel() @ fe.W_GLYPH.ravel()
    # Each glyph scores the full template sum at its centre, and there are 2 of each.
    assert (np.isclose(maps[..., 0], best)).sum() == 2
    assert (np.isclose(maps[..., 1], best)).sum() == 2
    np.testing.assert_array_equal(fe.M_GLYPH, np.rot90(fe.W_GLYPH, 2))


def test_train_digit_features_learns_and_keeps_the_grid():
    from cnn101.datasets import load_digits

    (x_train, y_train), (x_test, y_test) = load_digits(seed=0)
    digits = ((x_train[:2000], y_train[:2000]), (x_test, y_test))
    extractor, accuracy = fe.train_digit_features((4,), epochs=1, seed=0, digits=digits)
    assert accuracy > 0.5  # chance is 0.1
    assert extractor(np.zeros((28, 28))).shape == (28, 28, 4)
    assert extractor.radius == 1


def test_conv_features_takes_a_3d_stack_as_its_kernels():
    """A (n, kh, kw) stack and the list of its kernels give the same feature maps."""
    stack = np.stack([kernels.SOBEL_LEFT, kernels.LAPLACIAN])
    image = random_image()
    np.testing.assert_array_equal(
        fe.conv_features(stack)(image), fe.conv_features(list(stack))(image)
    )
    for i, kernel in enumerate(stack):
        np.testing.assert_allclose(
            fe.conv_features(stack)(image)[:, :, i],
            correlate2d(image, kernel, mode="same"),
            atol=1e-5,
        )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: fe.conv_features([]), ValueError, "kernels"),
        (lambda: fe.conv_features("sobel"), ValueError, "kernel name"),
        (lambda: fe.conv_features([np.ones((2, 2)), np.ones((3, 3))]), ValueError, "odd"),
        (lambda: fe.random_cnn_features(8), TypeError, "channels"),
        (lambda: fe.random_cnn_features((8,), seed=1.5), TypeError, "seed"),
        (lambda: fe.keras_features("model"), TypeError, "model"),
        (lambda: fe.conv_features("laplacian")(np.zeros((4, 4, 3))), ValueError, "image"),
        (lambda: fe.letters_image(size=12, count=5), ValueError, "size"),
        (lambda: fe.train_digit_features(()), ValueError, "channels"),
        (lambda: fe.train_digit_features(digits=np.zeros((3, 28, 28))), TypeError, "digits"),
        (lambda: fe.train_digit_features(digits=((1, 2), (3, 4))), ValueError, "digits"),
    ],
)
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    "returned,error,match",
    [
        (None, TypeError, "It returned: None"),
        ("maps", TypeError, "It returned: 'maps'"),
        (3.0, ValueError, r"`function\(image\)` must be a batch \(1, H, W, C\)"),
        (np.zeros((8, 8)), ValueError, r"`function\(image\)` must be a batch"),
        (np.zeros((2, 8, 8, 1)), ValueError, "one map per image"),
        (np.full((1, 8, 8, 1), np.nan), ValueError, "finite"),
    ],
)
def test_what_the_users_function_returns_is_checked_where_it_comes_back(returned, error, match):
    extractor = fe.FeatureExtractor("mine", lambda batch: returned, 0)
    with pytest.raises(error, match=match):
        extractor(np.zeros((8, 8)))
