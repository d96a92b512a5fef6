"""Adaptive polyphase sampling, against a NumPy loop and the exact-invariance property."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnn101.layers import polyphase
from cnn101.layers.polyphase import AdaptivePolyphaseSampling2D, CircularPad2D, aps_downsample
from cnn101.models import aps_cnn


def _aps_loop(batch: np.ndarray, stride: int, norm: int) -> np.ndarray:
    """APS as the paper states it: per image, the component of largest l_norm norm."""
    out = []
    for image in batch:
        best, best_size = None, -1.0
        for i in range(stride):
            for j in range(stride):
                component = image[i::stride, j::stride, :]
                size = np.linalg.norm(component.ravel(), ord=norm)
                if size > best_size:  # strict: the first component wins a tie
                    best, best_size = component, size
        out.append(best)
    return np.stack(out)


@pytest.mark.parametrize(("stride", "norm"), [(2, 2), (2, 1), (3, 2), (3, 1)])
def test_aps_matches_a_numpy_loop(stride, norm):
    rng = np.random.default_rng(7)
    batch = rng.normal(size=(16, 12, 6, 3)).astype(np.float32)
    expected = _aps_loop(batch.astype(np.float64), stride, norm)
    np.testing.assert_array_equal(aps_downsample(batch, stride, norm=norm), expected)
    layer = AdaptivePolyphaseSampling2D(stride, norm)
    np.testing.assert_array_equal(layer(batch).numpy(), expected)


def test_components_are_the_strided_slices():
    image = np.arange(36.0).reshape(6, 6, 1)
    components = polyphase.polyphase_components(image, 3)[0]
    for i in range(3):
        for j in range(3):
            np.testing.assert_array_equal(components[3 * i + j], image[i::3, j::3])


def test_aps_output_moves_with_a_circular_shift():
    rng = np.random.default_rng(3)
    batch = rng.random((8, 8, 8, 2)).astype(np.float32)
    base = aps_downsample(batch)
    for dy, dx in [(1, 0), (0, 1), (1, 1), (3, 5)]:
        moved = aps_downsample(np.roll(batch, (dy, dx), axis=(1, 2)))
        for image, kept in zip(base, moved, strict=True):
            # the same pixels, circularly shifted by whole output pixels
            assert any(
                np.array_equal(kept, np.roll(image, (a, b), axis=(0, 1)))
                for a in range(4)
                for b in range(4)
            )


def test_circular_pad_is_numpy_wrap():
    x = np.random.default_rng(0).random((2, 5, 4, 3)).astype(np.float32)
    expected = np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="wrap")
    np.testing.assert_array_equal(CircularPad2D(2)(x).numpy(), expected)


def _all_shifts(size: int) -> list[tuple[int, int]]:
    return [(dy, dx) for dy in range(size) for dx in range(size)]


def test_aps_network_is_exactly_invariant_to_every_circular_shift():
    keras.utils.set_random_seed(11)
    x = np.random.default_rng(5).random((2, 16, 16, 1)).astype(np.float32)
    model = aps_cnn("aps", input_shape=(16, 16, 1))
    base = model(x).numpy()
    for dy, dx in _all_shifts(16):
        moved = model(np.roll(x, (dy, dx), axis=(1, 2))).numpy()
        np.testing.assert_allclose(moved, base, rtol=0, atol=1e-5 * np.abs(base).max())


def test_stride_network_is_not_invariant_to_circular_shifts():
    keras.utils.set_random_seed(11)
    model = aps_cnn("stride", input_shape=(16, 16, 1))
    x = np.random.default_rng(5).random((2, 16, 16, 1)).astype(np.float32)
    base = model(x).numpy()
    changes = [
        np.abs(model(np.roll(x, s, axis=(1, 2))).numpy() - base).max() for s in [(0, 1), (1, 0)]
    ]
    assert min(changes) > 1e-3 * np.abs(base).max()
    # shifts by multiples of 8 (three stride-2 stages) move the fixed grid onto itself
    np.testing.assert_allclose(
        model(np.roll(x, (8, 8), axis=(1, 2))).numpy(), base, atol=1e-5 * np.abs(base).max()
    )


def test_layers_follow_the_dtype_policy_and_round_trip_their_config():
    x = np.random.default_rng(0).random((1, 4, 4, 2))
    assert AdaptivePolyphaseSampling2D(2, dtype="float64")(x).dtype == "float64"
    assert CircularPad2D(1, dtype="float64")(x).dtype == "float64"
    half = AdaptivePolyphaseSampling2D(2, dtype="mixed_float16")
    assert half(x.astype(np.float32)).dtype == "float16"
    for layer in (AdaptivePolyphaseSampling2D(3, norm=1), CircularPad2D(2)):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


def test_saved_aps_network_loads(tmp_path):
    model = aps_cnn("aps", input_shape=(8, 8, 1), filters=(4, 4))
    path = tmp_path / "aps.keras"
    model.save(path)
    again = keras.models.load_model(path, compile=False)
    x = np.random.default_rng(0).random((2, 8, 8, 1)).astype(np.float32)
    np.testing.assert_allclose(again(x).numpy(), model(x).numpy(), atol=1e-6)


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: aps_downsample(np.ones((4, 4)), "2"), TypeError, "stride"),
        (lambda: aps_downsample(np.ones((4, 4)), 0), ValueError, "stride"),
        (lambda: aps_downsample(np.ones((4, 4)), 2, norm=3), ValueError, "norm"),
        (lambda: aps_downsample(np.ones((4, 4)), 2, norm="l2"), TypeError, "norm"),
        (lambda: aps_downsample(np.ones((5, 4)), 2), ValueError, "images"),
        (lambda: aps_downsample("image"), TypeError, "images"),
        (lambda: AdaptivePolyphaseSampling2D(True), TypeError, "stride"),
        (lambda: AdaptivePolyphaseSampling2D(2)(np.ones((1, 5, 4, 1))), ValueError, "inputs"),
        (lambda: CircularPad2D(-1), ValueError, "padding"),
        (lambda: CircularPad2D(3)(np.ones((1, 2, 2, 1))), ValueError, "padding"),
        (lambda: aps_cnn("max"), ValueError, "downsampling"),
        (lambda: aps_cnn(padding="reflect"), ValueError, "padding"),
        (lambda: aps_cnn(input_shape=(30, 32, 1)), ValueError, "input_shape"),
        (lambda: aps_cnn(input_shape="32"), TypeError, "input_shape"),
        (lambda: aps_cnn(filters=[]), ValueError, "filters"),
    ],
)
def test_bad_arguments_are_named(call, error, name):
    with pytest.raises(error, match=name):
        call()


# --- Traced with an unknown height and width: the same refusals as eager calls ----------------
def _traced(layer, channels=1):
    """``layer`` as a graph whose height and width are unknown until it runs."""
    spec = tf.TensorSpec((None, None, None, channels), tf.float32)
    return tf.function(layer.__call__, input_signature=[spec])


def _eager_message(call):
    with pytest.raises(ValueError) as refusal:
        call()
    return str(refusal.value)


@pytest.mark.parametrize(("height", "width"), [(5, 5), (4, 5), (5, 4), (3, 6)])
def test_traced_aps_refuses_an_untiled_map_with_the_eager_message(height, width):
    x = np.ones((1, height, width, 1), np.float32)
    eager = _eager_message(lambda: AdaptivePolyphaseSampling2D(2)(x))
    assert "divisible by the stride 2" in eager
    with pytest.raises(tf.errors.InvalidArgumentError) as refusal:
        _traced(AdaptivePolyphaseSampling2D(2))(x)
    assert eager in str(refusal.value)  # the whole message, the received size included


def test_traced_circular_pad_refuses_a_map_smaller_than_the_padding_as_eager_calls_do():
    x = np.ones((1, 2, 2, 1), np.float32)
    eager = _eager_message(lambda: CircularPad2D(3)(x))
    assert "padding=3" in eager and "(2, 2)" in eager
    with pytest.raises(tf.errors.InvalidArgumentError) as refusal:
        _traced(CircularPad2D(3))(x)
    assert eager.split(" Received:")[0] in str(refusal.value)
    # a layer built on a large map refuses a small one when called again
    layer = CircularPad2D(3)
    layer(np.ones((1, 4, 4, 1), np.float32))
    with pytest.raises(ValueError, match="at least 3x3 pixels"):
        layer(x)
    # and a Keras model on unknown sizes refuses it too
    inputs = keras.Input((None, None, 1))
    with pytest.raises(ValueError, match="at least 3x3 pixels"):
        keras.Model(inputs, CircularPad2D(3)(inputs))(x)


def test_traced_layers_give_the_eager_results_on_maps_they_accept():
    """np.pad(mode="wrap") is circular padding; APS in a graph equals the NumPy loop."""
    x = np.random.default_rng(3).normal(size=(2, 3, 5, 1)).astype(np.float32)
    expected = np.pad(x, ((0, 0), (3, 3), (3, 3), (0, 0)), mode="wrap")
    np.testing.assert_array_equal(_traced(CircularPad2D(3))(x).numpy(), expected)
    y = np.random.default_rng(4).normal(size=(2, 6, 4, 1)).astype(np.float32)
    np.testing.assert_array_equal(
        _traced(AdaptivePolyphaseSampling2D(2))(y).numpy(), _aps_loop(y.astype(np.float64), 2, 2)
    )


@pytest.mark.parametrize("dtype", ["mixed_float16", "mixed_bfloat16", "float64"])
@pytest.mark.parametrize(
    "factory",
    [lambda d: AdaptivePolyphaseSampling2D(2, dtype=d), lambda d: CircularPad2D(1, dtype=d)],
)
def test_layers_return_the_compute_dtype_as_keras_layers_do(dtype, factory):
    """Keras' own MaxPooling2D under the same dtype argument is the reference."""
    x = np.ones((1, 4, 4, 2), np.float32)
    reference = keras.layers.MaxPooling2D(2, dtype=dtype)(x).dtype
    assert factory(dtype)(x).dtype == reference
    assert factory(dtype)(x.astype(np.int32)).dtype == reference
