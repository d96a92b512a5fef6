"""cnn101.layers.scale_channels: the scale-channel layer against a manual pyramid, builders, helpers."""

import keras
import numpy as np
import pytest

from cnn101 import models
from cnn101._tf import tensorflow
from cnn101.layers import scale_channels


def _trunk(seed=0):
    keras.utils.set_random_seed(seed)
    trunk = models.small_trunk((4, 6))
    trunk.build((None, None, None, 1))
    return trunk


@pytest.mark.parametrize("scales", [(1.0,), (1.0, 0.5), (2.0, 1.0, 0.71, 0.5)])
@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_output_is_pooled_trunk_over_a_manual_pyramid(rng, scales, pooling):
    """By construction: out = max_i trunk(tf.image.resize(x, round(s_i * H))) (or the mean)."""
    tf = tensorflow()
    x = rng.uniform(size=(3, 24, 20, 1)).astype(np.float32)
    trunk = _trunk()
    layer = scale_channels.ScaleChannels(trunk, scales=scales, pooling=pooling)
    got = np.asarray(layer(x))
    per_scale = []
    for s in scales:
        size = (round(s * 24), round(s * 20))
        copy = x if s == 1.0 else tf.image.resize(x, size, method="bilinear", antialias=True)
        per_scale.append(np.asarray(trunk(copy)))
    reduce = np.max if pooling == "max" else np.mean
    np.testing.assert_allclose(got, reduce(per_scale, axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        np.asarray(layer.scale_outputs(x)), np.stack(per_scale, 1), atol=1e-6
    )


def test_single_scale_equals_the_trunk(rng):
    x = rng.uniform(size=(2, 16, 16, 1)).astype(np.float32)
    trunk = _trunk()
    np.testing.assert_allclose(
        np.asarray(scale_channels.ScaleChannels(trunk, (1.0,))(x)), trunk(x), atol=1e-6
    )


def test_pyramid_shapes():
    layer = scale_channels.ScaleChannels(_trunk(), scales=(2.0, 1.0, 0.71, 0.5))
    shapes = [tuple(c.shape) for c in layer.pyramid(np.zeros((1, 48, 40, 1), "float32"))]
    assert shapes == [(1, 96, 80, 1), (1, 48, 40, 1), (1, 34, 28, 1), (1, 24, 20, 1)]


def test_compute_output_shape_matches_call():
    layer = scale_channels.ScaleChannels(_trunk(), scales=(1.0, 0.5))
    x = np.zeros((5, 32, 32, 1), "float32")
    assert layer.compute_output_shape((None, 32, 32, 1)) == (None, 6)
    assert tuple(layer(x).shape) == (5, 6)


def test_get_config_round_trips(rng):
    layer = scale_channels.ScaleChannels(
        _trunk(), scales=(1.0, 0.6), pooling="avg", antialias=False
    )
    x = rng.uniform(size=(2, 20, 20, 1)).astype(np.float32)
    expected = np.asarray(layer(x))
    clone = scale_channels.ScaleChannels.from_config(layer.get_config())
    clone.build((None, 20, 20, 1))
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_allclose(np.asarray(clone(x)), expected, atol=1e-6)


def test_model_saves_and_loads(rng, tmp_path):
    keras.utils.set_random_seed(0)
    model = models.scale_channel_cnn((24, 24, 1), filters=(4, 6), scales=(1.0, 0.5))
    x = rng.uniform(size=(2, 24, 24, 1)).astype(np.float32)
    path = tmp_path / "scale.keras"
    model.save(path)
    loaded = keras.models.load_model(path, compile=False)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_scale_channel_model_shares_the_plain_models_weights():
    """Same filters, same parameter count: only how the weights are applied differs."""
    plain = models.plain_cnn((32, 32, 1), filters=(4, 8))
    multi = models.scale_channel_cnn((32, 32, 1), filters=(4, 8), scales=(2.0, 1.0, 0.5))
    assert plain.count_params() == multi.count_params()
    assert [w.shape for w in plain.get_weights()] == [w.shape for w in multi.get_weights()]


def test_small_trunk_output_length_and_pooling_stages():
    trunk = models.small_trunk((3, 5, 7))
    assert tuple(trunk(np.zeros((2, 17, 30, 1), "float32")).shape) == (2, 7)
    assert sum(isinstance(layer, keras.layers.MaxPooling2D) for layer in trunk.layers) == 2


def test_copy_conv_layers_copies_only_the_first_ones():
    keras.utils.set_random_seed(0)
    a = models.plain_cnn((16, 16, 1), filters=(4, 6))
    b = models.scale_channel_cnn((16, 16, 1), filters=(4, 6))
    assert models.copy_conv_layers(a, b, count=1) == 1
    ka = [w for w in a.get_weights() if w.ndim == 4]
    kb = [w for w in b.get_weights() if w.ndim == 4]
    np.testing.assert_array_equal(ka[0], kb[0])
    assert not np.array_equal(ka[1], kb[1])
    assert models.copy_conv_layers(a, b) == 2
    np.testing.assert_array_equal(ka[1], [w for w in b.get_weights() if w.ndim == 4][1])


def test_accuracy_by_scale_against_a_constant_classifier():
    """A model that always answers class 0 scores the share of zeros at every scale."""
    inputs = keras.Input((32, 32, 1))
    flat = keras.layers.Flatten()(inputs)
    outputs = keras.layers.Dense(
        3, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant([1.0, 0, 0])
    )(flat)
    model = keras.Model(inputs, outputs)
    images = np.zeros((4, 10, 10))
    images[:, 2:8, 3:7] = 1
    labels = np.array([0, 1, 0, 2])
    np.testing.assert_allclose(
        models.accuracy_by_scale(model, images, labels, [0.5, 1.0, 2.0]), 0.5
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: scale_channels.ScaleChannels("conv"), TypeError, "trunk"),
        (lambda: scale_channels.ScaleChannels(_trunk(), scales=()), ValueError, "scales"),
        (lambda: scale_channels.ScaleChannels(_trunk(), scales=(1.0, -0.5)), ValueError, "scales"),
        (lambda: scale_channels.ScaleChannels(_trunk(), pooling="min"), ValueError, "pooling"),
        (
            lambda: scale_channels.ScaleChannels(_trunk())(np.zeros((2, 8), "float32")),
            ValueError,
            "input_shape",
        ),
        (lambda: models.small_trunk(()), ValueError, "filters"),
        (lambda: models.small_trunk((4, 0)), ValueError, "filters"),
        (lambda: models.plain_cnn(num_classes=0), ValueError, "num_classes"),
        (lambda: models.copy_conv_layers("a", "b"), TypeError, "source"),
        (
            lambda: models.copy_conv_layers(
                models.plain_cnn((8, 8, 1), filters=(2,)),
                models.plain_cnn((8, 8, 1)),
                3,
            ),
            ValueError,
            "count",
        ),
        (
            lambda: models.accuracy_by_scale(None, np.ones((2, 4, 4)), [0, 1], [1.0]),
            TypeError,
            "model",
        ),
        (
            lambda: models.accuracy_by_scale(
                models.plain_cnn((8, 8, 1)), np.ones((2, 4, 4)), [0], [1.0]
            ),
            ValueError,
            "labels",
        ),
    ],
)
def test_bad_arguments_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("dtype", ["mixed_float16", "float64"])
@pytest.mark.parametrize("foveated", [False, True])
def test_the_output_follows_the_layers_dtype_policy(rng, dtype, foveated):
    """Keras' rule: a layer returns its policy's compute dtype, as ``Conv2D(dtype=...)`` does.

    The trunk keeps its own policy (float32 here): the layer casts the trunk's answers,
    so the numbers are the float32 layer's, up to the rounding of the inputs.
    """
    x = rng.uniform(size=(2, 16, 16, 1)).astype(np.float32)
    trunk = _trunk()

    def layer(**kwargs):
        if foveated:
            return scale_channels.FoveatedScaleChannels(trunk, (0.5, 1.0), crop=8, **kwargs)
        return scale_channels.ScaleChannels(trunk, (1.0, 0.5), **kwargs)

    reference = keras.layers.Conv2D(2, 3, dtype=dtype)(x).dtype  # Keras' own layer
    policy = layer(dtype=dtype)
    out, stacked = policy(x), policy.scale_outputs(x)
    assert out.dtype == reference and stacked.dtype == reference
    assert trunk.compute_dtype == "float32"
    tolerance = 2e-2 if dtype == "mixed_float16" else 1e-6
    np.testing.assert_allclose(
        np.asarray(out, np.float32), layer()(x), rtol=tolerance, atol=tolerance
    )


@pytest.mark.parametrize("method", ["pyramid", "scale_outputs"])
def test_ragged_inputs_are_a_wrong_value_and_strings_a_wrong_type(method):
    layer = scale_channels.ScaleChannels(_trunk(), (1.0, 0.5))
    with pytest.raises(ValueError, match="`inputs` must be a rectangular array"):
        getattr(layer, method)([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="inputs"):
        getattr(layer, method)([[[["a"]]]])
    foveated = scale_channels.FoveatedScaleChannels(_trunk(), (0.5, 1.0), crop=4)
    with pytest.raises(ValueError, match="`inputs` must be a rectangular array"):
        foveated.crops([[1.0, 2.0], [3.0]])
