"""Every Keras layer of cnn101 follows Keras' own conventions, in every precision policy.

The checks are those Keras runs on its own layers (``keras.src.testing.TestCase.run_layer_test``):
``compute_output_shape`` equals the eager result, ``get_config`` round-trips, a
symbolic call agrees with the eager one, the layer trains in a ``fit``, a model that
holds it saves to ``.keras`` and loads back with the same outputs, and under the
``mixed_float16`` and ``mixed_bfloat16`` policies the output has the policy's
compute dtype. The global policy is put back after each test.

The tests of ``cnn101.layers._base``: the same checks run on the layers of every module
of :mod:`cnn101.layers` from one table, ``LAYERS``, so that a new layer is added there
rather than to a copy of the checks; what is particular to a layer is tested in its
module's file (tests/layers/test_<module>.py). The last tests check that every layer
class of the package derives from the one base, ``cnn101.layers._base.NHWCLayer``, checks
its inputs through it, and saves and loads (``serialize_keras_object`` and a ``.keras``
file) with identical outputs, over the table ``ALL_LAYERS`` of every layer.
"""

import importlib
import inspect
import json

import numpy as np
import pytest

import cnn101
from cnn101._tf import keras
from cnn101.layers._base import NHWCLayer
from cnn101.layers.blur_pool import BlurPool2D, MaxBlurPool2D
from cnn101.layers.polyphase import AdaptivePolyphaseSampling2D, CircularPad2D
from cnn101.layers.pyramid_pooling import (
    AtrousSpatialPyramidPooling,
    PyramidPoolingModule,
    SpatialPyramidPooling,
)
from cnn101.layers.scale_channels import FoveatedScaleChannels, ScaleChannels
from cnn101.layers.scale_invariant_conv import ScaleInvariantConv2D
from cnn101.models import small_trunk

# (id, factory, input shape, whether the spatial size may be unknown when built)
LAYERS = [
    ("BlurPool2D", lambda: BlurPool2D(2, 3), (2, 9, 10, 3), True),
    ("BlurPool2D-zero", lambda: BlurPool2D((2, 3), 4, "zero"), (2, 9, 10, 3), True),
    ("MaxBlurPool2D", lambda: MaxBlurPool2D(2, 3), (2, 9, 10, 3), True),
    ("MaxBlurPool2D-3", lambda: MaxBlurPool2D((3, 2), 5, "zero"), (2, 9, 10, 3), True),
    ("SpatialPyramidPooling", lambda: SpatialPyramidPooling((3, 1)), (2, 7, 9, 4), True),
    ("SpatialPyramidPooling-avg", lambda: SpatialPyramidPooling((2,), "avg"), (2, 7, 9, 4), True),
    (
        "PyramidPoolingModule",
        lambda: PyramidPoolingModule((1, 2, 3), filters=2, batch_norm=True),
        (2, 7, 9, 4),
        True,
    ),
    (
        "AtrousSpatialPyramidPooling",
        lambda: AtrousSpatialPyramidPooling(4, rates=(1, 2), batch_norm=True),
        (2, 7, 9, 3),
        True,
    ),
    (
        "ScaleChannels",
        lambda: ScaleChannels(small_trunk((4, 6)), scales=(1.0, 0.5)),
        (2, 12, 12, 1),
        False,
    ),
]
POLICIES = ["float32", "mixed_float16", "mixed_bfloat16"]
TOLERANCE = {"float32": 1e-5, "mixed_float16": 2e-2, "mixed_bfloat16": 6e-2}


@pytest.fixture(params=POLICIES)
def policy(request):
    keras.mixed_precision.set_global_policy(request.param)
    try:
        yield request.param
    finally:
        keras.mixed_precision.set_global_policy("float32")


def _data(shape, seed=0):
    return np.random.default_rng(seed).uniform(size=shape).astype("float32")


def _model(layer, input_shape):
    """Input -> layer -> (global average pooling) -> Dense(1, float32): a trainable head."""
    inputs = keras.Input(input_shape)
    x = layer(inputs)
    if len(x.shape) == 4:
        x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(1, dtype="float32")(x)
    return keras.Model(inputs, outputs)


@pytest.mark.parametrize("name,factory,shape,dynamic", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_shapes_config_and_dtype(policy, name, factory, shape, dynamic):
    layer = factory()
    assert layer.compute_dtype == keras.mixed_precision.global_policy().compute_dtype
    x = _data(shape)
    eager = layer(x)
    # compute_output_shape equals the eager result, and the output dtype is the policy's
    assert tuple(layer.compute_output_shape(shape)) == tuple(eager.shape)
    assert keras.backend.standardize_dtype(eager.dtype) == layer.compute_dtype
    # a symbolic call gives the shape compute_output_shape promises, and (same weights) the
    # same numbers as the eager call
    inputs = keras.Input(shape[1:], batch_size=None)
    symbolic = layer(inputs)
    assert tuple(symbolic.shape) == tuple(layer.compute_output_shape((None, *shape[1:])))
    assert keras.backend.standardize_dtype(symbolic.dtype) == layer.compute_dtype
    through_model = keras.Model(inputs, symbolic)(x)
    np.testing.assert_allclose(
        np.asarray(through_model, np.float32), np.asarray(eager, np.float32), atol=1e-5
    )
    if dynamic:  # built on unknown sizes, called on known ones
        flexible = factory()
        unknown = keras.Input((None, None, shape[-1]))
        out = flexible(unknown)
        expected = flexible.compute_output_shape((None, None, None, shape[-1]))
        assert tuple(out.shape) == tuple(expected)
        assert tuple(keras.Model(unknown, out)(x).shape) == tuple(eager.shape)
    # get_config round-trips
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert tuple(clone(x).shape) == tuple(eager.shape)


@pytest.mark.parametrize("name,factory,shape,dynamic", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_trains_saves_and_loads(policy, name, factory, shape, dynamic, tmp_path):
    keras.utils.set_random_seed(0)
    layer = factory()
    model = _model(layer, shape[1:])
    optimizer = keras.optimizers.SGD(0.05)
    if policy == "mixed_float16":
        # compile() would wrap it with a loss scale of 2**15, whose first float16 steps
        # overflow and are skipped by design; start small so that these few steps count.
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer, initial_scale=8.0)
    model.compile(optimizer=optimizer, loss="mse")
    x, y = _data(shape), _data((shape[0], 1), seed=1)
    before = [keras.ops.convert_to_numpy(w) for w in layer.trainable_weights]
    history = model.fit(x, y, batch_size=shape[0], epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    after = [keras.ops.convert_to_numpy(w) for w in layer.trainable_weights]
    if before:  # a layer with weights learns something
        assert any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    restored = next(lay for lay in loaded.layers if type(lay) is type(layer))
    assert restored.compute_dtype == layer.compute_dtype
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=TOLERANCE[policy]
    )


def test_mixed_precision_policy_is_reset():
    """The fixture above restores the default policy (a leaking policy would slow every test)."""
    assert keras.mixed_precision.global_policy().name == "float32"


# --- One base for every layer; a save and a load give identical outputs -------------------
# Every Keras layer class of cnn101, with a small instance (arguments away from their
# defaults, so that a lost argument shows) and an input; the test below fails on a layer
# class of the package that is missing here.
ALL_LAYERS = {
    "BlurPool2D": (lambda: BlurPool2D((2, 3), 4, "zero"), (2, 9, 10, 3)),
    "MaxBlurPool2D": (lambda: MaxBlurPool2D(3, 2), (2, 9, 10, 3)),
    "SpatialPyramidPooling": (
        lambda: SpatialPyramidPooling((3, 1), "avg", bin_rule="he"),
        (2, 7, 9, 4),
    ),
    "PyramidPoolingModule": (
        lambda: PyramidPoolingModule((1, 2), filters=2, activation="tanh", batch_norm=True),
        (2, 7, 9, 4),
    ),
    "AtrousSpatialPyramidPooling": (
        lambda: AtrousSpatialPyramidPooling(4, rates=(1, 2), merge="sum", image_pooling=False),
        (2, 7, 9, 3),
    ),
    "ScaleChannels": (
        lambda: ScaleChannels(small_trunk((4, 6)), (1.0, 0.5), pooling="avg", antialias=False),
        (2, 12, 12, 1),
    ),
    "ScaleInvariantConv2D": (
        lambda: ScaleInvariantConv2D(3, 5, scales=(0.5, 1.0), activation="relu"),
        (2, 8, 8, 2),
    ),
    "FoveatedScaleChannels": (
        lambda: FoveatedScaleChannels(small_trunk((4,)), (0.5, 1.0), crop=6, pooling="avg"),
        (2, 12, 12, 1),
    ),
    "AdaptivePolyphaseSampling2D": (lambda: AdaptivePolyphaseSampling2D(2, norm=1), (2, 8, 6, 3)),
    "CircularPad2D": (lambda: CircularPad2D(2), (2, 5, 6, 3)),
}


def _package_layer_classes() -> set:
    """Every Keras layer class defined in a module of cnn101 (the base excepted)."""
    found = set()
    names = [*cnn101._SUBMODULES, *(f"layers.{m}" for m in set(cnn101.layers._LAYERS.values()))]
    for name in names:
        module = importlib.import_module(f"cnn101.{name}")
        found |= {
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj)
            and issubclass(obj, keras.layers.Layer)
            and obj.__module__.startswith("cnn101.")
        }
    return found - {NHWCLayer}


def test_every_layer_derives_from_the_one_base():
    classes = _package_layer_classes()
    assert not sorted(c.__qualname__ for c in classes if not issubclass(c, NHWCLayer))
    assert {c.__name__ for c in classes if not c.__name__.startswith("_")} == set(ALL_LAYERS)


def _as_json(config: dict) -> dict:
    return json.loads(json.dumps(config))


@pytest.mark.parametrize("name", sorted(ALL_LAYERS))
def test_every_layer_saves_and_loads_with_identical_outputs(name, tmp_path):
    factory, shape = ALL_LAYERS[name]
    keras.utils.set_random_seed(0)
    layer = factory()
    # every constructor argument is in the config, which serializes under cnn101's name
    config = layer.get_config()
    assert set(inspect.signature(type(layer)).parameters) - {"kwargs"} <= set(config)
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == f"cnn101>{name}"
    again = keras.saving.deserialize_keras_object(serialized)
    assert type(again) is type(layer) and again.get_config() == config
    # a model that holds the layer saves to .keras and loads back: same config, same outputs
    inputs = keras.Input(shape[1:])
    model = keras.Model(inputs, layer(inputs))
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    restored = next(lay for lay in loaded.layers if type(lay) is type(layer))
    # (a file holds lists where the layer holds tuples, in a trunk's build_config too)
    assert _as_json(restored.get_config()) == _as_json(layer.get_config())
    x = _data(shape)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x))
    )


@pytest.mark.parametrize("name", sorted(ALL_LAYERS))
def test_every_layer_checks_its_inputs_the_same_way(name):
    """The base's checks: TypeError for what is not numbers, ValueError for the shape."""
    factory, shape = ALL_LAYERS[name]
    layer = factory()
    x = _data(shape)
    for wrong in (np.full(shape, "a"), object()):
        with pytest.raises(TypeError, match="inputs"):
            layer._nhwc_inputs(wrong)
    with pytest.raises(ValueError, match="`inputs` must be a rectangular array"):
        layer._nhwc_inputs([[1.0, 2.0], [3.0]])  # numbers, but ragged: a wrong value
    for wrong in (x[0], x[:0], x[..., :0]):
        with pytest.raises(ValueError, match="inputs"):
            layer._nhwc_inputs(wrong)
    with pytest.raises(ValueError, match=r"ndim=4.*input_shape=\(9, 9\)"):
        layer.build((9, 9))
    with pytest.raises(ValueError, match="channels"):
        layer.compute_output_shape((None, *shape[1:3], None))
    assert tuple(layer._nhwc_inputs(x).shape) == shape
