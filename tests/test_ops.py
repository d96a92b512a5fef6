"""cnn101.ops against references nobody here wrote: SciPy, scikit-image, Keras layers."""

import keras
import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from skimage.measure import block_reduce

from cnn101 import kernels, ops, reference
from cnn101.images import circle_image, vertical_line_image


def scipy_conv(image, kernel, strides=(1, 1), padding="VALID", dilation=(1, 1)):
    """Cross-correlation of (H, W, C) with an HWIO filter via scipy.signal.correlate2d."""
    kh, kw, cin, cout = kernel.shape
    dilated = np.zeros((dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1, cin, cout))
    dilated[:: dilation[0], :: dilation[1]] = kernel
    if padding == "SAME":
        pads = [
            reference.same_padding(image.shape[a], dilated.shape[a], strides[a]) for a in (0, 1)
        ]
        image = np.pad(image, (*pads, (0, 0)))
    out = []
    for o in range(cout):
        acc = sum(
            scipy.signal.correlate2d(image[:, :, c], dilated[:, :, c, o], mode="valid")
            for c in range(cin)
        )
        out.append(acc[:: strides[0], :: strides[1]])
    return np.stack(out, axis=-1)


@pytest.mark.parametrize("shape", [(9, 9, 1), (12, 7, 3), (5, 16, 2)])
@pytest.mark.parametrize("ksize", [(2, 2), (3, 3), (1, 4)])
@pytest.mark.parametrize("strides", [(1, 1), (2, 2), (3, 1)])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_conv2d_matches_scipy(rng, shape, ksize, strides, padding):
    image = rng.normal(size=shape).astype(np.float32)
    filt = rng.normal(size=(*ksize, shape[2], 2)).astype(np.float32)
    got = ops.conv2d(image, filt, strides=strides, padding=padding).numpy()
    np.testing.assert_allclose(got, scipy_conv(image, filt, strides, padding), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dilation", [(2, 2), (3, 1), (2, 3)])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_conv2d_dilation_matches_scipy(rng, dilation, padding):
    image = rng.normal(size=(14, 13, 2)).astype(np.float32)
    filt = rng.normal(size=(3, 3, 2, 3)).astype(np.float32)
    got = ops.conv2d(image, filt, padding=padding, dilation=dilation).numpy()
    np.testing.assert_allclose(
        got, scipy_conv(image, filt, padding=padding, dilation=dilation), atol=1e-4
    )


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("strides", [1, 2])
def test_conv2d_matches_keras_conv2d(rng, padding, strides):
    batch = rng.normal(size=(4, 10, 11, 3)).astype(np.float32)
    filt = rng.normal(size=(3, 3, 3, 5)).astype(np.float32)
    layer = keras.layers.Conv2D(5, 3, strides=strides, padding=padding.lower(), use_bias=False)
    layer.build(batch.shape)
    layer.set_weights([filt])
    np.testing.assert_allclose(
        ops.conv2d(batch, filt, strides, padding).numpy(),
        layer(batch).numpy(),
        rtol=1e-4,
        atol=1e-4,
    )


def test_conv2d_2d_kernel_on_colour_sums_channels(rng):
    """A 2-D kernel on an RGB image equals the sum of the kernel on each channel (the blog's get_filter)."""
    image = rng.random((8, 8, 3)).astype(np.float32)
    got = ops.conv2d(image, kernels.SOBEL_LEFT).numpy()
    per_channel = sum(ops.conv2d(image[:, :, c], kernels.SOBEL_LEFT).numpy() for c in range(3))
    assert got.shape == (8, 8, 1)
    np.testing.assert_allclose(got[..., 0], per_channel, atol=1e-5)


def test_vertical_line_kernel_on_blog_image():
    """Known values: responses only at the line's two edges, opposite signs; ReLU keeps one."""
    image = vertical_line_image()
    out = ops.conv2d(image, kernels.VERTICAL_LINE, padding="SAME").numpy()
    assert set(np.nonzero(out)[1]) == {2, 3}
    assert (out[:, 2] < 0).all() and (out[:, 3] > 0).all()
    kept = ops.relu(out).numpy()
    assert set(np.nonzero(kept)[1]) == {3}


def test_circle_pooled_four_times_shapes():
    level = circle_image()
    shapes = [level.shape]
    for _ in range(4):
        level = ops.max_pool2d(level, 2)
        shapes.append(tuple(level.shape))
    assert shapes == [(64, 64), (32, 32), (16, 16), (8, 8), (4, 4)]


@pytest.mark.parametrize("pool", [(2, 2), (3, 3), (2, 4)])
@pytest.mark.parametrize("func,reducer", [(ops.max_pool2d, np.max), (ops.avg_pool2d, np.mean)])
def test_pooling_matches_block_reduce(rng, pool, func, reducer):
    image = rng.random((12, 16, 2)).astype(np.float32)
    expected = block_reduce(image, (*pool, 1), reducer)
    # block_reduce pads the ragged edge; VALID pooling drops it.
    expected = expected[: 12 // pool[0], : 16 // pool[1]]
    np.testing.assert_allclose(func(image, pool).numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("pool,strides", [(2, None), (3, 2), ((2, 3), (1, 2))])
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize(
    "func,layer_cls",
    [(ops.max_pool2d, keras.layers.MaxPooling2D), (ops.avg_pool2d, keras.layers.AveragePooling2D)],
)
def test_pooling_matches_keras(rng, pool, strides, padding, func, layer_cls):
    batch = rng.normal(size=(3, 11, 9, 4)).astype(np.float32)
    layer = layer_cls(pool_size=pool, strides=strides, padding=padding)
    np.testing.assert_allclose(
        func(batch, pool, strides, padding).numpy(), layer(batch).numpy(), rtol=1e-6
    )


@pytest.mark.parametrize(
    "func,layer_cls",
    [
        (ops.global_max_pool2d, keras.layers.GlobalMaxPooling2D),
        (ops.global_avg_pool2d, keras.layers.GlobalAveragePooling2D),
    ],
)
def test_global_pooling_matches_keras(rng, func, layer_cls):
    batch = rng.normal(size=(3, 7, 5, 4)).astype(np.float32)
    np.testing.assert_allclose(func(batch).numpy(), layer_cls()(batch).numpy(), rtol=1e-6)
    assert func(batch[0]).shape == (4,)
    assert func(batch[0, :, :, 0]).shape == ()


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("strides", [1, 2])
def test_ops_match_reference(rng, padding, strides):
    image = rng.normal(size=(2, 9, 8, 2)).astype(np.float32)
    filt = rng.normal(size=(3, 2, 2, 2)).astype(np.float32)
    np.testing.assert_allclose(
        ops.conv2d(image, filt, strides, padding).numpy(),
        reference.conv2d(image, filt, strides, padding),
        atol=1e-4,
    )
    for fast, slow in [
        (ops.max_pool2d, reference.max_pool2d),
        (ops.avg_pool2d, reference.avg_pool2d),
    ]:
        np.testing.assert_allclose(
            fast(image, 3, strides, padding).numpy(),
            slow(image, 3, strides, padding),
            rtol=1e-5,
            atol=1e-6,
        )
    np.testing.assert_allclose(ops.relu(image).numpy(), reference.relu(image))
    np.testing.assert_allclose(
        ops.global_max_pool2d(image).numpy(), reference.global_max_pool2d(image)
    )
    np.testing.assert_allclose(
        ops.global_avg_pool2d(image).numpy(), reference.global_avg_pool2d(image), atol=1e-6
    )


def test_layout_follows_input(rng):
    gray = rng.random((8, 8))
    assert ops.conv2d(gray, kernels.SOBEL_TOP).shape == (8, 8)
    assert ops.conv2d(gray, kernels.filter_bank(["sobel_top", "sobel_left"])).shape == (8, 8, 2)
    assert ops.conv2d(gray[..., None], "identity").shape == (8, 8, 1)
    assert ops.max_pool2d(gray[None, ..., None]).shape == (1, 4, 4, 1)
    assert ops.conv2d(gray, "identity").numpy() == pytest.approx(gray.astype(np.float32))


def test_integer_and_tensor_inputs():
    import tensorflow as tf

    image = np.arange(16, dtype=np.uint8).reshape(4, 4)
    assert ops.max_pool2d(image).numpy().tolist() == [[5, 7], [13, 15]]
    assert ops.max_pool2d(tf.constant(image, tf.float32)).numpy().tolist() == [[5, 7], [13, 15]]
    assert ops.relu(tf.Variable([-1.0, 1.0])).numpy().tolist() == [0.0, 1.0]


def test_device_cpu_and_auto_agree(rng):
    image = rng.random((6, 6)).astype(np.float32)
    np.testing.assert_array_equal(
        ops.conv2d(image, "sharpen", device="cpu").numpy(),
        ops.conv2d(image, "sharpen", device="auto").numpy(),
    )
    assert "CPU" in ops.max_pool2d(image, device="cpu").device


@pytest.mark.parametrize(
    "size,window,stride,padding",
    [
        (7, 2, 1, "SAME"),
        (7, 2, 2, "VALID"),
        (64, 2, 2, "VALID"),
        (5, 3, 2, "SAME"),
        (10, 4, 3, "VALID"),
    ],
)
def test_output_size_matches_real_output(size, window, stride, padding):
    out = ops.max_pool2d(np.zeros((size, size)), window, stride, padding)
    assert out.shape == (ops.output_size(size, window, stride, padding),) * 2


# Property tests -------------------------------------------------------------------------------

images_2d = arrays(
    np.float32,
    st.tuples(st.integers(4, 12), st.integers(4, 12)),
    elements=st.floats(-10, 10, width=32),
)


@settings(max_examples=25, deadline=None)
@given(images_2d, images_2d, st.floats(-3, 3))
def test_conv_is_linear(a, b, scale):
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    a, b = a[:h, :w], b[:h, :w]
    k = kernels.SOBEL_LEFT
    lhs = ops.conv2d(a + np.float32(scale) * b, k).numpy()
    rhs = ops.conv2d(a, k).numpy() + np.float32(scale) * ops.conv2d(b, k).numpy()
    np.testing.assert_allclose(lhs, rhs, atol=1e-2 * (1 + np.abs(rhs).max()))


@settings(max_examples=25, deadline=None)
@given(
    arrays(
        np.float32,
        st.tuples(st.integers(4, 12), st.integers(4, 12)),
        elements=st.floats(0, 10, width=32),
    )
)
def test_max_pool_at_least_avg_pool_on_nonnegative(image):
    assert (ops.max_pool2d(image).numpy() >= ops.avg_pool2d(image).numpy() - 1e-5).all()


@settings(max_examples=25, deadline=None)
@given(
    arrays(
        np.float32,
        st.tuples(st.integers(6, 12), st.integers(6, 12)),
        elements=st.floats(-10, 10, width=32),
    ),
    st.integers(1, 3),
    st.integers(1, 3),
)
def test_conv_is_shift_equivariant_away_from_borders(image, dy, dx):
    """Shift in, same shift out, on the part of the map that sees no border."""
    k = kernels.GAUSSIAN_BLUR
    shifted = np.zeros_like(image)
    shifted[dy:, dx:] = image[:-dy, :-dx]
    a = ops.conv2d(image, k, padding="VALID").numpy()
    b = ops.conv2d(shifted, k, padding="VALID").numpy()
    np.testing.assert_allclose(b[dy:, dx:], a[: a.shape[0] - dy, : a.shape[1] - dx], atol=1e-4)


# --- bad input: a ValueError/TypeError naming the argument, never a raw TensorFlow error ---

IMAGE = np.zeros((8, 8), dtype=np.float32)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (
            lambda: ops.conv2d(np.zeros(5), "identity"),
            ValueError,
            r"`images` must be 2-D .* shape \(5,\)",
        ),
        (
            lambda: ops.conv2d(np.zeros((1, 2, 3, 4, 5)), "identity"),
            ValueError,
            "`images` must be 2-D",
        ),
        (
            lambda: ops.conv2d(np.array([["a"]]), "identity"),
            TypeError,
            "`images` must hold real numbers",
        ),
        (lambda: ops.conv2d(np.zeros((4, 4), complex), "identity"), TypeError, "complex"),
        (lambda: ops.conv2d([[1, 2], [3]], "identity"), ValueError, "rectangular"),
        (lambda: ops.conv2d(np.full((4, 4), np.nan), "identity"), ValueError, "finite"),
        (lambda: ops.max_pool2d(np.full((4, 4), np.inf)), ValueError, "NaN or Inf"),
        (
            lambda: ops.conv2d(np.zeros((0, 4)), "identity"),
            ValueError,
            "`images` must not be empty",
        ),
        (
            lambda: ops.conv2d(IMAGE, np.ones((9, 9)), padding="VALID"),
            ValueError,
            r"kernel \(9, 9\) is larger",
        ),
        (
            lambda: ops.conv2d(IMAGE, np.ones((3, 3)), padding="VALID", dilation=4),
            ValueError,
            "larger than",
        ),
        (lambda: ops.max_pool2d(IMAGE, 9), ValueError, r"pool window \(9, 9\) is larger"),
        (
            lambda: ops.conv2d(IMAGE, "identity", strides=0),
            ValueError,
            r"`strides` must be .* strides=0",
        ),
        (lambda: ops.conv2d(IMAGE, "identity", strides=(1, -2)), ValueError, "`strides`"),
        (lambda: ops.conv2d(IMAGE, "identity", strides=1.5), TypeError, "`strides`"),
        (lambda: ops.max_pool2d(IMAGE, 0), ValueError, r"`pool_size` must be .* pool_size=0"),
        (lambda: ops.max_pool2d(IMAGE, (2, 2, 2)), ValueError, "`pool_size`"),
        (lambda: ops.avg_pool2d(IMAGE, 2, strides=-1), ValueError, "`strides`"),
        (
            lambda: ops.conv2d(IMAGE, "identity", padding="FULL"),
            ValueError,
            r"`padding` must be one of .*'FULL'",
        ),
        (lambda: ops.max_pool2d(IMAGE, padding=None), TypeError, "`padding`"),
        (
            lambda: ops.conv2d(IMAGE, "no_such_kernel"),
            ValueError,
            r"Unknown kernel name.*sobel_left",
        ),
        (
            lambda: ops.conv2d(IMAGE, np.ones((3, 3, 3, 1))),
            ValueError,
            "expects 3 input channels but `images` has 1",
        ),
        (
            lambda: ops.conv2d(IMAGE, np.ones((3, 3, 1))),
            ValueError,
            "`kernel` must be a 2-D kernel",
        ),
        (lambda: ops.conv2d(IMAGE, "identity", strides=2, dilation=2), ValueError, "cannot both"),
        (
            lambda: ops.conv2d(IMAGE, "identity", device="tpu"),
            ValueError,
            "`device` must be one of",
        ),
        (lambda: ops.relu("abc"), TypeError, "`features` must hold real numbers"),
        (lambda: ops.output_size(0, 2), ValueError, "`size`"),
        (
            lambda: ops.max_pool2d(np.zeros((4, 4)), 2**64),
            ValueError,
            "`pool_size` must be at most",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_gpu_request_without_gpu_is_explained():
    import tensorflow as tf

    from cnn101._tf import device_scope

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match=r"sees no GPU.*tensorflow\[and-cuda\]"):
        device_scope("gpu")
    with pytest.raises(ValueError, match="no GPU"):
        ops.conv2d(IMAGE, "identity", device="gpu")
