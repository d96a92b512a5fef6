"""Bad input gets a ValueError/TypeError that names the argument, never a raw TensorFlow error."""

import numpy as np
import pytest

from cnn101 import kernels, ops, reference
from cnn101._tf import device_scope
from cnn101.images import (
    circle_image,
    load_photo,
    squares_image,
    two_cats_image,
    vertical_line_image,
)

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
        (lambda: kernels.get_kernel(3), TypeError, "`name` must be a string"),
        (lambda: kernels.to_filter(np.ones((2, 2, 2))), ValueError, r"shape \(kh, kw\)"),
        (lambda: kernels.to_filter("identity", in_channels=0), ValueError, "`in_channels`"),
        (lambda: kernels.filter_bank([]), ValueError, "`kernels` must be a non-empty list"),
        (
            lambda: kernels.filter_bank(["identity", "vertical_line"]),
            ValueError,
            "same \\(kh, kw\\)",
        ),
        (lambda: reference.max_pool2d(IMAGE, -1), ValueError, "`pool_size`"),
        (lambda: reference.conv2d(IMAGE, "identity", padding="full"), ValueError, "`padding`"),
        (lambda: vertical_line_image(column=9), ValueError, "`column`"),
        (lambda: circle_image(radius=0), ValueError, "`radius`"),
        (lambda: squares_image([]), ValueError, "`sizes`"),
        (lambda: squares_image((2,), offset=-1), ValueError, "`offset`"),
        (lambda: two_cats_image(size=20), ValueError, "do not fit"),
        (lambda: load_photo("no_such_photo"), ValueError, "bundled photo"),
        (lambda: load_photo(42), TypeError, "`name` must be a string"),
        (lambda: load_photo("camera", size=0), ValueError, "`size`"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_unreadable_file_is_a_value_error(tmp_path):
    bad = tmp_path / "not_an_image.png"
    bad.write_text("hello")
    with pytest.raises(ValueError, match="could not be read as an image"):
        load_photo(bad)


def test_gpu_request_without_gpu_is_explained():
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match=r"sees no GPU.*tensorflow\[and-cuda\]"):
        device_scope("gpu")
    with pytest.raises(ValueError, match="no GPU"):
        ops.conv2d(IMAGE, "identity", device="gpu")


def test_error_messages_summarise_large_arrays():
    """A big array passed where a number belongs is described, not printed in full."""
    from cnn101 import scale

    with pytest.raises(TypeError) as info:
        ops.output_size(np.zeros((64, 64)), 2)
    assert str(info.value) == (
        "`size` must be a positive integer. Received: size=ndarray with shape (64, 64) and dtype float64"
    )
    with pytest.raises(TypeError) as info:
        scale.merge_level(np.zeros((32, 32)), 3)
    assert len(str(info.value)) < 200


def test_negative_seed_is_named():
    from cnn101 import datasets, feature_extractors

    message = r"`seed` must be an integer in \[0, 2\*\*32\). Received: seed=-1"
    with pytest.raises(ValueError, match=message):
        datasets.load_digits(seed=-1)
    with pytest.raises(ValueError, match=message):
        feature_extractors.random_cnn_features((4,), seed=-1)
