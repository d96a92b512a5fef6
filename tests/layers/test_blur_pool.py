"""Tests for cnn101.layers.blur_pool against SciPy, the NumPy reference loops and Keras."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import scipy.ndimage as ndi
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn101 import ops, reference
from cnn101._tf import tensorflow
from cnn101.kernels import GAUSSIAN_BLUR
from cnn101.layers.blur_pool import (
    BlurPool2D,
    MaxBlurPool2D,
    binomial_filter,
    blur_pool2d,
    max_blur_pool2d,
)

SCIPY_MODE = {"reflect": "mirror", "zero": "constant"}  # NumPy/TF "reflect" is SciPy "mirror"


def pascal_row(n: int) -> np.ndarray:
    """Row n of Pascal's triangle, built by repeated convolution with [1, 1]."""
    row = np.array([1.0])
    for _ in range(n):
        row = np.convolve(row, [1.0, 1.0])
    return row


def scipy_blur_pool(x: np.ndarray, stride: tuple[int, int], size: int, padding: str) -> np.ndarray:
    """Blur each (H, W) slice of an NHWC batch with SciPy, then subsample.

    SciPy centres a filter of even size at index size // 2; ``origin=-1`` moves it to
    (size - 1) // 2, the padding cnn101.layers.blur_pool documents.
    """
    kernel = np.outer(pascal_row(size - 1), pascal_row(size - 1)) / 4.0 ** (size - 1)
    origin = 0 if size % 2 else -1
    out = np.stack(
        [
            np.stack(
                [
                    ndi.correlate(
                        x[n, :, :, c].astype(np.float64),
                        kernel,
                        mode=SCIPY_MODE[padding],
                        origin=origin,
                    )
                    for c in range(x.shape[3])
                ],
                axis=-1,
            )
            for n in range(x.shape[0])
        ]
    )
    return out[:, :: stride[0], :: stride[1], :]


@pytest.mark.parametrize("size", range(1, 9))
def test_binomial_filter_is_the_normalised_outer_product_of_a_pascal_row(size):
    row = pascal_row(size - 1) / 2.0 ** (size - 1)
    expected = np.outer(row, row)
    out = binomial_filter(size)
    assert out.shape == (size, size)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert out.sum() == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(out, out.T)


def test_binomial_filter_3_is_the_gaussian_blur_kernel():
    np.testing.assert_allclose(binomial_filter(3), GAUSSIAN_BLUR, rtol=1e-6)


@pytest.mark.parametrize(
    ("size", "error"),
    [(0, ValueError), (-1, ValueError), (2.5, TypeError), ("3", TypeError), (True, TypeError)],
)
def test_binomial_filter_rejects_bad_size(size, error):
    with pytest.raises(error, match="size"):
        binomial_filter(size)


@pytest.mark.parametrize("padding", ["reflect", "zero"])
@pytest.mark.parametrize("filter_size", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("pool_size", [2, 3, (1, 2), (2, 3)])
def test_blur_pool2d_matches_scipy(padding, filter_size, pool_size):
    rng = np.random.default_rng(filter_size)
    x = rng.random((2, 9, 10, 3)).astype(np.float32)
    stride = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)
    expected = scipy_blur_pool(x, stride, filter_size, padding)
    out = blur_pool2d(x, pool_size, filter_size, padding)
    assert tuple(out.shape) == expected.shape == (2, -(-9 // stride[0]), -(-10 // stride[1]), 3)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-5)


@pytest.mark.parametrize("padding", ["reflect", "zero"])
@pytest.mark.parametrize("filter_size", [1, 3, 4, 5])
@pytest.mark.parametrize("pool_size", [2, 3])
@pytest.mark.parametrize("hw", [(8, 8), (9, 11)])
def test_max_blur_pool2d_is_dense_max_then_blur_then_subsample(padding, filter_size, pool_size, hw):
    rng = np.random.default_rng(0)
    x = rng.random((1, *hw, 2)).astype(np.float32)
    dense = reference.max_pool2d(x, pool_size, strides=1, padding="VALID")
    expected = scipy_blur_pool(dense, (pool_size, pool_size), filter_size, padding)
    out = max_blur_pool2d(x, pool_size, filter_size, padding)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-5)


@pytest.mark.parametrize("hw", [(8, 8), (9, 11), (7, 4)])
@pytest.mark.parametrize("pool_size", [2, 3])
def test_max_blur_pool2d_has_the_output_shape_of_keras_max_pooling(hw, pool_size):
    x = np.zeros((1, *hw, 1), np.float32)
    keras_shape = keras.layers.MaxPooling2D(pool_size)(x).shape
    assert tuple(max_blur_pool2d(x, pool_size).shape) == tuple(keras_shape)
    assert MaxBlurPool2D(pool_size).compute_output_shape(x.shape) == tuple(keras_shape)


def test_filter_size_1_gives_back_plain_pooling():
    """Without blur, max-blur pooling is max pooling and blur pooling is subsampling."""
    x = np.random.default_rng(1).random((2, 9, 8, 3)).astype(np.float32)
    np.testing.assert_array_equal(max_blur_pool2d(x, 2, 1), ops.max_pool2d(x, 2))
    np.testing.assert_array_equal(blur_pool2d(x, 3, 1), x[:, ::3, ::3])


def test_constant_image_stays_constant_with_reflect_padding():
    """The filter sums to 1 and reflection adds no dark border."""
    out = max_blur_pool2d(np.full((12, 12), 0.7), 2, 5)
    np.testing.assert_allclose(out.numpy(), 0.7, rtol=1e-6)


def test_layouts_and_tensors_are_accepted():
    tf = tensorflow()
    image = np.random.default_rng(2).random((8, 8)).astype(np.float32)
    assert tuple(blur_pool2d(image).shape) == (4, 4)
    assert tuple(blur_pool2d(image[..., None]).shape) == (4, 4, 1)
    np.testing.assert_allclose(
        max_blur_pool2d(tf.constant(image)).numpy(), max_blur_pool2d(image).numpy()
    )
    assert tuple(max_blur_pool2d(image, device="cpu").shape) == (4, 4)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"pool_size": 0}, ValueError, "pool_size"),
        ({"pool_size": (2, 2, 2)}, ValueError, "pool_size"),
        ({"filter_size": 0}, ValueError, "filter_size"),
        ({"filter_size": 2.0}, TypeError, "filter_size"),
        ({"padding": "same"}, ValueError, "padding"),
        ({"padding": None}, TypeError, "padding"),
        ({"device": "tpu"}, ValueError, "device"),
        ({"device": 0}, TypeError, "device"),
    ],
)
@pytest.mark.parametrize("fn", [blur_pool2d, max_blur_pool2d])
def test_bad_arguments_are_rejected(fn, kwargs, error, match):
    with pytest.raises(error, match=match):
        fn(np.ones((8, 8)), **kwargs)


def test_bad_images_are_rejected():
    with pytest.raises(TypeError, match="images"):
        blur_pool2d([["a", "b"]])
    with pytest.raises(ValueError, match="images"):
        max_blur_pool2d(np.ones((2, 2, 2, 2, 2)))
    with pytest.raises(ValueError, match="reflect"):
        max_blur_pool2d(np.ones((2, 2)))  # the 1x1 max-pooled map cannot be reflected
    with pytest.raises(ValueError, match="pool window"):
        max_blur_pool2d(np.ones((1, 5)), pool_size=2, padding="zero")
    assert tuple(max_blur_pool2d(np.ones((2, 2)), padding="zero").shape) == (1, 1)


@pytest.mark.parametrize("layer_cls", [BlurPool2D, MaxBlurPool2D])
def test_layer_matches_function_and_its_output_shape(layer_cls):
    fn = blur_pool2d if layer_cls is BlurPool2D else max_blur_pool2d
    x = np.random.default_rng(3).random((2, 11, 9, 4)).astype(np.float32)
    layer = layer_cls(pool_size=(2, 3), filter_size=4, padding="zero")
    out = layer(x)
    np.testing.assert_allclose(out.numpy(), fn(x, (2, 3), 4, "zero").numpy(), atol=1e-6)
    assert layer.compute_output_shape(x.shape) == tuple(out.shape)
    assert layer.compute_output_shape((None, None, None, 4)) == (None, None, None, 4)
    assert layer.count_params() == 0


@pytest.mark.parametrize("layer_cls", [BlurPool2D, MaxBlurPool2D])
def test_get_config_round_trips(layer_cls):
    layer = layer_cls(pool_size=3, filter_size=5, padding="zero", name="aa")
    config = layer.get_config()
    assert config["pool_size"] == (3, 3) and config["filter_size"] == 5
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config


def test_model_with_blur_layers_trains_saves_and_loads(tmp_path):
    x = np.random.default_rng(4).random((8, 16, 16, 1)).astype(np.float32)
    y = np.arange(8) % 2
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((16, 16, 1)),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            MaxBlurPool2D(2),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            BlurPool2D(2, filter_size=4),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    assert model.output_shape == (None, 2)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)  # runs the layers inside tf.function
    path = tmp_path / "blur.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.layers[1], MaxBlurPool2D)
    assert loaded.layers[3].get_config()["filter_size"] == 4
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_layer_rejects_wrong_rank_and_small_maps():
    with pytest.raises(ValueError):
        MaxBlurPool2D()(np.ones((8, 8, 1), np.float32))
    with pytest.raises(ValueError, match="reflect"):
        BlurPool2D(filter_size=5)(np.ones((1, 2, 8, 1), np.float32))
    with pytest.raises(ValueError, match="padding"):
        BlurPool2D(padding="valid")


@settings(max_examples=25, deadline=None)
@given(
    st.integers(4, 12),
    st.integers(4, 12),
    st.integers(1, 5),
    st.sampled_from(["reflect", "zero"]),
)
def test_blur_pool_is_linear_and_bounded(h, w, filter_size, padding):
    """Blur pooling is linear; with a normalised non-negative filter it stays in the input's range."""
    rng = np.random.default_rng(h * 100 + w)
    a, b = rng.random((2, h, w)).astype(np.float32)
    out_a, out_b = (blur_pool2d(v, 2, filter_size, padding).numpy() for v in (a, b))
    np.testing.assert_allclose(
        blur_pool2d(2 * a - b, 2, filter_size, padding).numpy(), 2 * out_a - out_b, atol=1e-5
    )
    assert out_a.min() >= -1e-6 and out_a.max() <= a.max() + 1e-6


SMALL_MAP_SCRIPT = textwrap.dedent(
    """
    import numpy as np
    from cnn101._tf import tensorflow
    tf = tensorflow()
    import keras
    from cnn101.layers.blur_pool import BlurPool2D, MaxBlurPool2D

    def outcome(call):
        try:
            call()
        except Exception as error:
            return type(error).__name__ + ": " + str(error).replace("\\n", " ")
        return "no error"

    for layer in (MaxBlurPool2D(2), MaxBlurPool2D(3, 1), BlurPool2D(2, 5)):
        model = keras.Sequential([keras.Input((None, None, 1)), layer])
        tiny = np.ones((1, 1, 1, 1), "float32")
        print("eager", outcome(lambda: model(tiny)))
        print("predict", outcome(lambda: model.predict(tiny, verbose=0)))
        graph = tf.function(model, input_signature=[tf.TensorSpec((None, None, None, 1))])
        print("graph", outcome(lambda: graph(tf.constant(tiny))))
    print("survived")
    """
)


def test_too_small_maps_get_a_clear_error_and_never_crash_the_process():
    """Spatial sizes known only at call time: the window check runs then (in graphs too).

    Before the check, ``MaxBlurPool2D(2)`` built on ``Input((None, None, 1))`` and called
    on a 1x1 map killed the process with SIGFPE inside TensorFlow's max pool; it runs in
    a child process here so that a regression fails this test instead of the suite.
    """
    result = subprocess.run(
        [sys.executable, "-c", SMALL_MAP_SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "survived"
    outcomes = lines[:-1]
    assert len(outcomes) == 9
    for line in outcomes:
        mode, message = line.split(" ", 1)
        assert "needs inputs of at least" in message, line
        assert "Received" in message or mode == "graph", line
        expected = "InvalidArgumentError" if mode == "graph" else "ValueError"
        assert message.startswith(expected), line
    for eager, _, graph in zip(*[iter(outcomes)] * 3, strict=True):
        # the traced call refuses with the eager call's words (up to what it received)
        words = re.search(r"needs inputs of at least .*? a smaller window\.", eager).group(0)
        assert words in graph, (eager, graph)


@pytest.mark.parametrize(
    "layer,words",
    [
        (lambda: BlurPool2D(2, 5), "3x3 pixels (reflect padding of 2 pixel(s)"),
        (lambda: MaxBlurPool2D(2), "3x3 pixels (a 2x2 max window, then reflect padding"),
        (lambda: MaxBlurPool2D(3, 1, "zero"), "3x3 pixels (a 3x3 max window, which leaves no"),
    ],
)
def test_a_known_small_size_is_refused_when_built_with_the_calls_message(layer, words):
    """Built on a known size (``keras.Input``), called on it, or traced: one message."""
    tf = tensorflow()
    with pytest.raises(ValueError, match="needs inputs of at least") as built:
        keras.Sequential([keras.Input((2, 2, 1)), layer()])
    with pytest.raises(ValueError) as called:
        layer()(np.ones((1, 2, 2, 1), np.float32))
    flexible = keras.Sequential([keras.Input((None, None, 1)), layer()])
    graph = tf.function(flexible, input_signature=[tf.TensorSpec((None, None, None, 1))])
    with pytest.raises(tf.errors.InvalidArgumentError) as traced:
        graph(tf.ones((1, 2, 2, 1)))
    message = str(called.value).split(" Received:")[0]
    assert words in message and "'" not in message
    assert str(built.value).split(" Received:")[0] == message
    assert message in str(traced.value)
