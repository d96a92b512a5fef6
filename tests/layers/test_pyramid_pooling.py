"""SPP, PSPNet's pyramid pooling module and ASPP against NumPy and hand-written convolutions.

Also He et al.'s SPP bin rule against a NumPy loop over the paper's windows, and the valid
taps of dilated kernels against SciPy (see the section at the end).
"""

import itertools
import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import correlate2d

from cnn101 import ops
from cnn101.layers.pyramid_pooling import (
    AtrousSpatialPyramidPooling,
    PyramidPoolingModule,
    SpatialPyramidPooling,
    adaptive_pool2d,
    bin_edges,
    valid_taps,
)


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _numpy_bins(x, n, reduce):
    """He et al.'s bins, one loop per bin: rows floor(i*H/n) .. ceil((i+1)*H/n)."""
    batch, height, width, channels = x.shape
    out = np.empty((batch, n, n, channels))
    for i in range(n):
        for j in range(n):
            rows = slice(math.floor(i * height / n), math.ceil((i + 1) * height / n))
            cols = slice(math.floor(j * width / n), math.ceil((j + 1) * width / n))
            out[:, i, j] = reduce(x[:, rows, cols], axis=(1, 2))
    return out


@settings(max_examples=50, deadline=None)
@given(size=st.integers(1, 60), bins=st.integers(1, 8))
def test_bins_cover_the_map_and_are_never_empty(size, bins):
    edges = bin_edges(size, bins)
    assert edges[0][0] == 0 and edges[-1][1] == size
    assert all(start < stop for start, stop in edges)
    assert all(next_start <= stop for (_, stop), (next_start, _) in itertools.pairwise(edges))
    assert edges == [
        (math.floor(i * size / bins), math.ceil((i + 1) * size / bins)) for i in range(bins)
    ]


@pytest.mark.parametrize("pooling", ["max", "avg"])
@pytest.mark.parametrize(
    ("shape", "bins"), [((2, 13, 7, 3), 4), ((1, 3, 5, 2), 6), ((1, 6, 6, 1), 1)]
)
def test_adaptive_pool_matches_numpy(shape, bins, pooling):
    x = _random(shape)
    expected = _numpy_bins(x, bins, np.max if pooling == "max" else np.mean)
    np.testing.assert_allclose(adaptive_pool2d(x, bins, pooling).numpy(), expected, atol=1e-6)


def test_adaptive_pool_equals_plain_pooling_when_bins_divide_the_size():
    x = _random((12, 18, 2))
    np.testing.assert_allclose(
        adaptive_pool2d(x, (3, 6), "avg"), ops.avg_pool2d(x, (4, 3)), atol=1e-6
    )
    np.testing.assert_allclose(adaptive_pool2d(x, (3, 6), "max"), ops.max_pool2d(x, (4, 3)), atol=0)


@pytest.mark.parametrize("size", [(13, 13), (20, 31), (4, 4), (2, 3)])
def test_spp_matches_numpy_bins(size):
    x = _random((2, *size, 5), seed=1)
    expected = np.concatenate([_numpy_bins(x, n, np.max).reshape(2, -1) for n in (4, 2, 1)], axis=1)
    out = SpatialPyramidPooling((4, 2, 1))(x)
    assert tuple(out.shape) == (2, 5 * 21)
    np.testing.assert_allclose(out.numpy(), expected, atol=0)


def test_spp_model_takes_any_size_and_round_trips(tmp_path):
    inputs = keras.Input((None, None, 3))
    features = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    outputs = keras.layers.Dense(2)(SpatialPyramidPooling((3, 1), pooling="avg")(features))
    model = keras.Model(inputs, outputs)
    images = {size: _random((1, *size, 3), seed=sum(size)) for size in [(9, 9), (16, 24), (32, 20)]}
    before = {size: model(x).numpy() for size, x in images.items()}
    assert {value.shape for value in before.values()} == {(1, 2)}
    model.save(tmp_path / "spp.keras")
    loaded = keras.models.load_model(tmp_path / "spp.keras")
    for size, x in images.items():
        np.testing.assert_allclose(loaded(x).numpy(), before[size], atol=1e-6)


@pytest.mark.parametrize(
    "layer",
    [
        SpatialPyramidPooling((3, 2), pooling="avg", name="spp"),
        PyramidPoolingModule((1, 2, 4), filters=3, activation="tanh", batch_norm=True),
        AtrousSpatialPyramidPooling(filters=6, rates=(2, 3), activation="linear"),
    ],
    ids=["spp", "ppm", "aspp"],
)
def test_get_config_round_trips(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    restored = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(restored) is type(layer) and restored.get_config() == config


def test_ppm_shapes_input_passthrough_and_global_branch():
    """Channels: C input + 4 branches of C/4. The 1-bin branch is one value per map, broadcast."""
    layer = PyramidPoolingModule()
    x = _random((2, 11, 17, 8), seed=2)
    out = layer(x).numpy()
    assert out.shape == (2, 11, 17, 16)
    assert layer.compute_output_shape((None, None, None, 8)) == (None, None, None, 16)
    np.testing.assert_array_equal(out[..., :8], x)
    kernel, bias = (w.numpy() for w in layer.branches[0][0].weights)
    expected = np.maximum(x.mean(axis=(1, 2)) @ kernel[0, 0] + bias, 0)
    np.testing.assert_allclose(
        out[..., 8:10], np.broadcast_to(expected[:, None, None], (2, 11, 17, 2)), atol=1e-5
    )


def test_ppm_branch_is_bilinear_upsampling_of_the_pooled_conv():
    layer = PyramidPoolingModule(bins=(3,), filters=2, activation="linear")
    x = _random((1, 12, 9, 4), seed=3)
    out = layer(x).numpy()
    kernel, bias = (w.numpy() for w in layer.branches[0][0].weights)
    pooled = _numpy_bins(x, 3, np.mean) @ kernel[0, 0] + bias
    expected = tf.image.resize(pooled, (12, 9), method="bilinear").numpy()
    np.testing.assert_allclose(out[..., 4:], expected, atol=1e-5)


def _conv(x, layer, dilation=1):
    kernel, bias = (w.numpy() for w in layer.weights)
    return tf.nn.conv2d(x, kernel, strides=1, padding="SAME", dilations=dilation).numpy() + bias


def test_aspp_matches_hand_written_dilated_convolutions():
    """Same weights, written out: 1x1, 3x3 at rates 6/12/18 (SAME), image pooling, 1x1 projection."""
    layer = AtrousSpatialPyramidPooling(filters=4, batch_norm=False)
    x = _random((2, 21, 26, 3), seed=4)
    out = layer(x).numpy()
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    branches = [relu(_conv(x, layer.conv1x1[0]))]
    branches += [
        relu(_conv(x, block[0], rate))
        for block, rate in zip(layer.atrous, (6, 12, 18), strict=True)
    ]
    kernel, bias = (w.numpy() for w in layer.image_pool[0].weights)
    pooled = relu(x.mean(axis=(1, 2)) @ kernel[0, 0] + bias)
    branches.append(np.broadcast_to(pooled[:, None, None], (2, 21, 26, 4)))
    expected = relu(_conv(np.concatenate(branches, axis=-1), layer.project[0]))
    assert out.shape == (2, 21, 26, 4)
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_aspp_v2_sums_the_atrous_branches():
    """DeepLab v2's ASPP, written out: the atrous branches' activations added, nothing else."""
    layer = AtrousSpatialPyramidPooling(
        3, rates=(6, 12, 18, 24), merge="sum", image_pooling=False, batch_norm=False
    )
    x = _random((2, 30, 27, 5), seed=7)
    out = layer(x).numpy()
    expected = sum(
        np.maximum(_conv(x, block[0], rate), 0)
        for block, rate in zip(layer.atrous, (6, 12, 18, 24), strict=True)
    )
    np.testing.assert_allclose(out, expected, atol=1e-5)
    assert len(layer.weights) == 4 * 2 and layer.conv1x1 == layer.project == []
    with pytest.raises(ValueError, match="`merge`"):
        AtrousSpatialPyramidPooling(merge="stack")


def test_aspp_defaults_are_deeplab_v3():
    """v3 (arXiv:1706.05587): 256 filters, rates 6/12/18 at output stride 16, batch
    normalisation after every convolution, image pooling, concatenation."""
    layer = AtrousSpatialPyramidPooling()
    assert (layer.filters, layer.rates, layer.merge) == (256, (6, 12, 18), "concat")
    assert layer.batch_norm and layer.image_pooling
    layer(np.zeros((1, 8, 8, 3), np.float32))
    blocks = [layer.conv1x1, *layer.atrous, layer.image_pool, layer.project]
    assert all(isinstance(block[1], keras.layers.BatchNormalization) for block in blocks)
    assert layer.project[0].kernel.shape == (1, 1, 5 * 256, 256)


def test_atrous_branch_equals_cnn101_dilated_conv2d():
    layer = AtrousSpatialPyramidPooling(
        filters=1, rates=(2,), activation="linear", batch_norm=False
    )
    x = _random((9, 9, 1), seed=5)
    layer(x[None])
    kernel, bias = (w.numpy() for w in layer.atrous[0][0].weights)
    expected = ops.conv2d(x, kernel, dilation=2, padding="SAME").numpy() + bias
    np.testing.assert_allclose(layer.atrous[0][0](x[None]).numpy()[0], expected, atol=1e-5)


@pytest.mark.parametrize(
    ("layer", "channels"),
    [
        (PyramidPoolingModule(batch_norm=True), 12),
        (AtrousSpatialPyramidPooling(filters=5, batch_norm=True), 12),
    ],
    ids=["ppm", "aspp"],
)
def test_variable_size_model_saves_and_loads(layer, channels, tmp_path):
    inputs = keras.Input((None, None, channels))
    model = keras.Model(inputs, layer(inputs))
    x = _random((2, 15, 22, channels), seed=6)
    before = model(x, training=False).numpy()
    assert before.shape == (2, 15, 22, model.output_shape[-1])
    assert model.output_shape == layer.compute_output_shape((None, None, None, channels))
    model.save(tmp_path / "layer.keras")
    loaded = keras.models.load_model(tmp_path / "layer.keras")
    np.testing.assert_allclose(loaded(x, training=False).numpy(), before, atol=1e-6)
    assert len(loaded.weights) == len(model.weights) > 0


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: SpatialPyramidPooling(levels=()), ValueError, "levels"),
        (lambda: SpatialPyramidPooling(levels=(4, 0)), ValueError, "levels"),
        (lambda: SpatialPyramidPooling(levels="421"), TypeError, "levels"),
        (lambda: SpatialPyramidPooling(pooling="min"), ValueError, "pooling"),
        (lambda: SpatialPyramidPooling(pooling=None), TypeError, "pooling"),
        (lambda: SpatialPyramidPooling(bin_rule="HE").bin_rule == "he", None, ""),
        (lambda: PyramidPoolingModule(bins=(1, -2)), ValueError, "bins"),
        (lambda: PyramidPoolingModule(filters=0), ValueError, "filters"),
        (lambda: AtrousSpatialPyramidPooling(filters=2.5), TypeError, "filters"),
        (lambda: AtrousSpatialPyramidPooling(rates=(6, None)), TypeError, "rates"),
        (lambda: AtrousSpatialPyramidPooling(merge="avg"), ValueError, "merge"),
        (lambda: adaptive_pool2d(np.zeros((4, 4)), 0), ValueError, "bins"),
        (lambda: bin_edges(0, 2), ValueError, "size"),
    ],
)
def test_bad_arguments(make, error, match):
    if error is None:  # a valid spelling: accepted
        assert make()
        return
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    "layer", [SpatialPyramidPooling(), PyramidPoolingModule(), AtrousSpatialPyramidPooling(4)]
)
def test_unknown_channels_are_refused(layer):
    with pytest.raises(ValueError, match="channels"):
        layer.compute_output_shape((None, None, None, None))
    with pytest.raises(ValueError, match=r"ndim=4"):
        layer(np.zeros((5, 5, 3), np.float32))


# --- He et al.'s SPP bin rule, and the valid taps of dilated kernels ----------------------
# Oracles: an explicit NumPy loop over He et al.'s windows (window ceil(a/n), stride
# floor(a/n), Section 2.3 of arXiv:1406.4729) and SciPy's correlate2d of an all-ones map
# with a zero-inserted (dilated) all-ones kernel, which counts the taps inside the map.


def he_spp_numpy(x: np.ndarray, levels, pooling="max") -> np.ndarray:
    """SPP of one (H, W, C) map with sliding windows of ceil(a/n) at stride floor(a/n)."""
    reduce = np.max if pooling == "max" else np.mean
    out = []
    for n in levels:
        wh, sh = math.ceil(x.shape[0] / n), x.shape[0] // n
        ww, sw = math.ceil(x.shape[1] / n), x.shape[1] // n
        for i in range(n):
            for j in range(n):
                out.append(reduce(x[i * sh : i * sh + wh, j * sw : j * sw + ww], axis=(0, 1)))
    return np.concatenate(out)


@pytest.mark.parametrize("size", [(13, 13), (10, 10), (7, 9), (6, 17)])
@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_he_rule_matches_a_numpy_loop(size, pooling):
    x = np.random.default_rng(0).standard_normal((2, *size, 3)).astype("float32")
    layer = SpatialPyramidPooling((4, 2, 1), pooling=pooling, bin_rule="he")
    ours = layer(x).numpy()
    for k in range(2):
        expected = he_spp_numpy(x[k], (4, 2, 1), pooling)
        # the layer flattens each level as (n, n, C) row by row: same order as the loop
        np.testing.assert_allclose(ours[k], expected, rtol=1e-6, atol=1e-6)


def test_he_rule_leaves_pixels_out_where_adaptive_covers_them():
    """10 rows into 4 bins: windows of 3 at stride 2 end at row 9, so row 9 is never read."""
    covered = set().union(*(range(a, b) for a, b in bin_edges(10, 4, "he")))
    assert covered == set(range(9))
    covered = set().union(*(range(a, b) for a, b in bin_edges(10, 4)))
    assert covered == set(range(10))
    x = np.zeros((1, 10, 10, 1), "float32")
    x[0, 9, 9, 0] = 5.0  # only in the uncovered corner
    he = SpatialPyramidPooling((4,), bin_rule="he")(x).numpy()
    adaptive = SpatialPyramidPooling((4,))(x).numpy()
    assert he.max() == 0.0 and adaptive.max() == 5.0
    # On the paper's 13 x 13 conv5 map both rules cover every pixel.
    for n in (1, 2, 3, 6):
        assert set().union(*(range(a, b) for a, b in bin_edges(13, n, "he"))) == set(range(13))


def test_he_rule_refuses_maps_smaller_than_the_level_and_round_trips():
    with pytest.raises(ValueError, match="bin_rule"):
        SpatialPyramidPooling(bin_rule="paper")
    with pytest.raises(ValueError, match="at least 4x4 pixels"):
        SpatialPyramidPooling((4, 1), bin_rule="he")(np.zeros((1, 3, 8, 2), "float32"))
    with pytest.raises(ValueError, match="size=3, bins=4"):
        bin_edges(3, 4, "he")
    layer = SpatialPyramidPooling((3, 1), bin_rule="he")
    clone = SpatialPyramidPooling.from_config(layer.get_config())
    assert clone.bin_rule == "he" and clone.levels == (3, 1)
    model = keras.Sequential([keras.Input((None, None, 2)), clone])
    assert model(np.ones((1, 11, 5, 2), "float32")).shape == (1, 2 * 10)


@pytest.mark.parametrize("size", [(32, 32), (65, 65), (9, 20)])
@pytest.mark.parametrize("rate", [1, 2, 6, 12, 18, 40])
def test_valid_taps_match_scipy_correlation_of_ones(size, rate):
    kernel = np.zeros((2 * rate + 1, 2 * rate + 1))
    kernel[::rate, ::rate] = 1.0  # a 3x3 kernel with rate - 1 zeros between taps
    expected = correlate2d(np.ones(size), kernel, mode="same")
    np.testing.assert_array_equal(valid_taps(size, rate), expected.round().astype(int))


def test_rate_18_on_a_32_map_never_sees_all_nine_taps():
    counts = valid_taps(32, 18)
    assert counts.max() == 4 and abs(counts.mean() - (1 + 28 / 32) ** 2) < 1e-12
    assert (valid_taps(32, 6) == 9).mean() == (20 / 32) ** 2


# --- The dtype policy, and traced calls of unknown size -------------------------------------
PYRAMIDS = {
    "SPP": lambda d: SpatialPyramidPooling((2, 1), dtype=d),
    "SPP-avg": lambda d: SpatialPyramidPooling((2, 1), "avg", dtype=d),
    "PPM": lambda d: PyramidPoolingModule((1, 2), filters=2, batch_norm=True, dtype=d),
    "ASPP": lambda d: AtrousSpatialPyramidPooling(4, (1, 2), dtype=d),
    "ASPP-v2": lambda d: AtrousSpatialPyramidPooling(
        4, (1, 2), merge="sum", image_pooling=False, batch_norm=False, dtype=d
    ),
}


@pytest.mark.parametrize("dtype", ["mixed_float16", "mixed_bfloat16", "float64"])
@pytest.mark.parametrize("name", list(PYRAMIDS))
def test_layers_follow_their_dtype_policy_as_keras_layers_do(name, dtype):
    """Keras' own Conv2D and BatchNormalization under the same ``dtype`` are the reference:
    the output in the compute dtype, the weights in the variable dtype, every sub-layer
    in the layer's policy."""
    x = _random((1, 6, 6, 3))
    conv = keras.layers.Conv2D(2, 1, dtype=dtype)
    reference = conv(x)
    layer = PYRAMIDS[name](dtype)
    out = layer(x)
    assert out.dtype == reference.dtype
    assert layer(x.astype(np.int32)).dtype == reference.dtype  # integers are cast in
    assert {w.dtype for w in layer.weights} <= {conv.kernel.dtype}
    sublayers = [sub for sub in layer._flatten_layers(include_self=False)]
    assert all(sub.dtype_policy.name == dtype for sub in sublayers)


def test_mixed_precision_aspp_computes_what_float32_computes():
    """The same weights under float32 and mixed_float16 give the same map (to float16's precision)."""
    x = _random((1, 9, 9, 3))
    full = AtrousSpatialPyramidPooling(4, (1, 2), batch_norm=False)
    half = AtrousSpatialPyramidPooling(4, (1, 2), batch_norm=False, dtype="mixed_float16")
    full(x), half(x)
    half.set_weights(full.get_weights())
    np.testing.assert_allclose(
        np.asarray(half(x), np.float32), np.asarray(full(x)), atol=2e-2, rtol=2e-2
    )


def _traced(layer, channels=1):
    """``layer`` as a graph whose height and width are unknown until it runs."""
    spec = tf.TensorSpec((None, None, None, channels), tf.float32)
    return tf.function(layer.__call__, input_signature=[spec])


def test_traced_he_rule_refuses_a_map_smaller_than_its_levels_as_eager_calls_do():
    x = np.ones((1, 2, 2, 1), np.float32)
    with pytest.raises(ValueError, match="at least 4x4 pixels") as eager:
        SpatialPyramidPooling(bin_rule="he")(x)
    with pytest.raises(tf.errors.InvalidArgumentError) as traced:
        _traced(SpatialPyramidPooling(bin_rule="he"))(x)
    assert str(eager.value).split(" Received:")[0] in str(traced.value)
    # a model on unknown sizes refuses it as well; the adaptive rule accepts it
    inputs = keras.Input((None, None, 1))
    with pytest.raises(ValueError, match="at least 4x4 pixels"):
        keras.Model(inputs, SpatialPyramidPooling(bin_rule="he")(inputs))(x)
    adaptive = _traced(SpatialPyramidPooling())(x).numpy()
    np.testing.assert_array_equal(adaptive, np.ones((1, 21), np.float32))


def test_traced_he_rule_pools_the_bins_of_the_numpy_loop():
    """Traced on a 10 x 10 map, He et al.'s bins equal the NumPy windows of bin_edges."""
    x = _random((2, 10, 10, 1))
    edges = bin_edges(10, 4, "he")
    expected = np.array(
        [[[x[b, r0:r1, c0:c1, 0].max() for c0, c1 in edges] for r0, r1 in edges] for b in range(2)]
    ).reshape(2, 16)
    got = _traced(SpatialPyramidPooling((4,), bin_rule="he"))(x).numpy()
    np.testing.assert_array_equal(got, expected)
