"""The rules of ``cnn101._validation``: one case rule for options, and one rule for the error class.

A value of the wrong *type* is a ``TypeError``, a value of the right type out of range
or not among the options a ``ValueError``; both name the argument and what it received.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from cnn101 import _validation as check
from cnn101 import ops
from cnn101.layers import blur_pool

OPTIONS = ("max", "avg")


@pytest.mark.parametrize(
    ("value", "options", "expected"),
    [
        ("max", OPTIONS, "max"),
        ("MAX", OPTIONS, "max"),
        ("Avg", OPTIONS, "avg"),
        ("same", check.PADDINGS, "SAME"),
        ("Valid", check.PADDINGS, "VALID"),
        ("CPU", check.DEVICES, "cpu"),
        (np.str_("gpu"), check.DEVICES, "gpu"),
    ],
)
def test_choice_ignores_case_and_returns_the_canonical_spelling(value, options, expected):
    result = check.choice(value, "option", options)
    assert result == expected
    assert type(result) is str


@pytest.mark.parametrize("value", [None, 3, 1.0, True, b"max", ["max"], ("max",)])
def test_choice_refuses_a_non_string_with_a_type_error(value):
    with pytest.raises(TypeError) as info:
        check.choice(value, "pooling", OPTIONS)
    message = str(info.value)
    assert message.startswith("`pooling` must be a string")
    assert "('max', 'avg')" in message
    assert f"Received: pooling={check.describe(value)}" in message


@pytest.mark.parametrize("value", ["min", "", " max", "ma x", "maximum"])
def test_choice_refuses_an_unknown_string_with_a_value_error(value):
    with pytest.raises(ValueError) as info:
        check.choice(value, "pooling", OPTIONS)
    assert str(info.value) == (
        f"`pooling` must be one of ('max', 'avg') (any case). Received: pooling={value!r}"
    )


def test_padding_and_device_use_the_choice_rule():
    assert check.padding_mode("same") == "SAME"
    assert check.device("Auto") == "auto"
    with pytest.raises(TypeError, match="`padding`"):
        check.padding_mode(None)
    with pytest.raises(ValueError, match=r"`device` must be one of .*'tpu'"):
        check.device("tpu")


@pytest.mark.parametrize(
    ("checker", "args"),
    [
        (check.positive_int, ()),
        (check.non_negative_int, ()),
        (check.integer, ()),
        (check.positive_pair, ()),
        (check.index, (4,)),
    ],
)
@pytest.mark.parametrize("value", ["2", 2.0, 2.5, True, np.bool_(True), None, 1j, np.ones(3)])
def test_integer_checks_refuse_a_wrong_type_with_a_type_error(checker, args, value):
    with pytest.raises(TypeError, match=r"^`size` must be .* Received: size="):
        checker(value, "size", *args)


@pytest.mark.parametrize(
    ("checker", "value"),
    [
        (check.positive_int, 0),
        (check.positive_int, -3),
        (check.positive_int, 2**31),
        (check.non_negative_int, -1),
        (check.positive_pair, (2, 0)),
        (check.positive_pair, (2, 2, 2)),
        (check.int_pair, (1, 2, 3)),
        (check.positive_ints, ()),
        (check.positive_ints, (1, -1)),
        (check.positive_number, 0.0),
        (check.positive_number, float("nan")),
    ],
)
def test_right_type_out_of_range_is_a_value_error(checker, value):
    with pytest.raises(
        ValueError, match=rf"^`size` must be .*Received: size={re.escape(check.describe(value))}"
    ):
        checker(value, "size")


@pytest.mark.parametrize(
    ("checker", "value"),
    [
        (check.positive_pair, (2, "2")),
        (check.positive_pair, (2, 2.0)),
        (check.positive_pair, "22"),
        (check.int_pair, (1, True)),
        (check.int_pair, 3),
        (check.positive_ints, "421"),
        (check.positive_ints, (1, None)),
        (check.positive_ints, 4),
        (check.positive_number, "2"),
        (check.positive_number, True),
    ],
)
def test_a_wrong_type_inside_a_pair_or_sequence_is_a_type_error(checker, value):
    with pytest.raises(TypeError, match=r"^`size` must be .*Received: size="):
        checker(value, "size")


def test_integer_checks_take_numpy_integers():
    assert check.positive_int(np.int64(3), "n") == 3
    assert check.positive_pair(np.array([2, 3]), "n") == (2, 3)
    assert check.positive_ints(np.array([4, 2, 1]), "n") == (4, 2, 1)
    assert check.index(np.int32(0), "n", 1) == 0
    assert check.is_integer(np.uint8(1)) and not check.is_integer(True)


def test_gray_image():
    assert check.gray_image([[1, 2], [3, 4]], "image").dtype == np.float32
    with pytest.raises(ValueError, match=r"`template` must be a 2-D gray image .* \(2, 2, 3\)"):
        check.gray_image(np.zeros((2, 2, 3)), "template")
    with pytest.raises(TypeError, match="`image` must hold real numbers"):
        check.gray_image([["a"]], "image")


def _image():
    return np.random.default_rng(0).uniform(size=(8, 8)).astype(np.float32)


def _calls():
    """Public functions that take sizes, given a size of the wrong type."""
    from cnn101 import pyramids, receptive_field, scale_space
    from cnn101.layers import pyramid_pooling

    return [
        ("ops.max_pool2d pool_size='2'", lambda: ops.max_pool2d(_image(), "2"), "pool_size"),
        ("ops.avg_pool2d strides=1.5", lambda: ops.avg_pool2d(_image(), 2, strides=1.5), "strides"),
        (
            "ops.conv2d dilation=True",
            lambda: ops.conv2d(_image(), "identity", dilation=True),
            "dilation",
        ),
        ("ops.output_size size='7'", lambda: ops.output_size("7", 2), "size"),
        ("ops.max_pool2d padding=1", lambda: ops.max_pool2d(_image(), padding=1), "padding"),
        ("ops.relu device=None", lambda: ops.relu(_image(), device=None), "device"),
        (
            "blur_pool2d pool_size='2'",
            lambda: blur_pool.blur_pool2d(_image(), pool_size="2"),
            "pool_size",
        ),
        (
            "blur_pool2d filter_size=3.0",
            lambda: blur_pool.blur_pool2d(_image(), filter_size=3.0),
            "filter_size",
        ),
        (
            "max_blur_pool2d padding=0",
            lambda: blur_pool.max_blur_pool2d(_image(), padding=0),
            "padding",
        ),
        ("BlurPool2D pool_size='2'", lambda: blur_pool.BlurPool2D(pool_size="2"), "pool_size"),
        (
            "SpatialPyramidPooling levels='421'",
            lambda: pyramid_pooling.SpatialPyramidPooling(levels="421"),
            "levels",
        ),
        (
            "SpatialPyramidPooling levels=(4, 2.0)",
            lambda: pyramid_pooling.SpatialPyramidPooling(levels=(4, 2.0)),
            "levels",
        ),
        (
            "SpatialPyramidPooling pooling=1",
            lambda: pyramid_pooling.SpatialPyramidPooling(pooling=1),
            "pooling",
        ),
        (
            "adaptive_pool2d bins='2'",
            lambda: pyramid_pooling.adaptive_pool2d(_image(), "2"),
            "bins",
        ),
        (
            "gaussian_pyramid max_layer='2'",
            lambda: pyramids.gaussian_pyramid(_image(), max_layer="2"),
            "max_layer",
        ),
        (
            "gaussian_pyramid sigma='1'",
            lambda: pyramids.gaussian_pyramid(_image(), sigma="1"),
            "sigma",
        ),
        ("pyramid_shapes shape='8'", lambda: pyramids.pyramid_shapes("8"), "shape"),
        ("log_kernel sigma='2'", lambda: scale_space.log_kernel("2"), "sigma"),
        ("log_kernel radius=2.0", lambda: scale_space.log_kernel(1.0, radius=2.0), "radius"),
        (
            "receptive_field layers=[(3, '1')]",
            lambda: receptive_field.receptive_field([(3, "1")]),
            "layers",
        ),
    ]


@pytest.mark.parametrize(
    ("label", "call", "name"), _calls(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_size_of_the_wrong_type_is_a_type_error_naming_it(label, call, name):
    with pytest.raises(TypeError, match=rf"`{re.escape(name)}(\[\d+\])?` must be"):
        call()


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: ops.max_pool2d(_image(), 2, padding="same"), (4, 4)),
        (lambda: ops.max_pool2d(_image(), 2, padding="Valid"), (4, 4)),
        (
            lambda: blur_pool.blur_pool2d(_image(), padding="ZERO"),
            (4, 4),
        ),
        (
            lambda: blur_pool.blur_pool2d(_image(), device="CPU"),
            (4, 4),
        ),
    ],
)
def test_option_strings_are_accepted_in_any_case(call, expected):
    assert tuple(call().shape) == expected


def test_layers_store_the_canonical_spelling():
    from cnn101.layers.pyramid_pooling import AtrousSpatialPyramidPooling, SpatialPyramidPooling

    layer = SpatialPyramidPooling(pooling="MAX", bin_rule="He")
    assert (layer.pooling, layer.bin_rule) == ("max", "he")
    assert layer.get_config()["pooling"] == "max"
    assert AtrousSpatialPyramidPooling(4, merge="SUM").merge == "sum"


def test_the_layers_of_the_replications_follow_the_case_rule():
    """models, invariance and the scale channels: the same rule (their options were case-sensitive)."""
    from cnn101 import invariance, models
    from cnn101.layers import scale_channels

    stack = invariance.conv_pool_stack(1, pooling="Blur")
    assert stack.name == "blur_pool_stack_1"
    assert scale_channels.ScaleChannels(models.small_trunk((2,)), pooling="AVG").pooling == "avg"
    assert (
        models.shift_cnn("STRIDE", filters=(2,)).count_params()
        == models.shift_cnn("stride", filters=(2,)).count_params()
    )
    with pytest.raises(TypeError, match="`pooling` must be a string"):
        invariance.conv_pool_stack(1, pooling=None)
    with pytest.raises(ValueError, match="`pooling` must be one of"):
        models.shift_cnn("min")
    with pytest.raises(TypeError, match="`scales`"):
        scale_channels.ScaleChannels(models.small_trunk((2,)), scales=("1",))
    with pytest.raises(TypeError, match="`filters`"):
        models.small_trunk((2.0,))


# --- the shared checks as the modules raise them -------------------------------------------


def test_numpy_scalars_count_as_numbers():
    """np.float32(2.0) and np.int64(2) are accepted wherever 2.0 and 2 are."""
    from cnn101 import digits, images, transforms

    image = np.arange(16.0).reshape(4, 4)
    np.testing.assert_array_equal(ops.max_pool2d(image, np.int64(2)), ops.max_pool2d(image, 2))
    assert transforms.scaling(np.float32(2.0)).params == transforms.scaling(2.0).params
    assert transforms.shear(np.float64(1.0)).params == transforms.shear(1.0).params
    np.testing.assert_array_equal(
        digits.log_uniform_scales(3, np.float32(0.5), np.float64(2.0), seed=np.int64(0)),
        digits.log_uniform_scales(3, 0.5, 2.0, seed=0),
    )
    assert images.vertical_line_image(column=np.int64(2))[0, 2] == 1.0


def test_error_messages_summarise_large_arrays():
    """A big array passed where a number belongs is described, not printed in full."""
    from cnn101 import corners

    with pytest.raises(TypeError) as info:
        ops.output_size(np.zeros((64, 64)), 2)
    assert str(info.value) == (
        "`size` must be a positive integer. Received: size=ndarray with shape (64, 64) and dtype float64"
    )
    with pytest.raises(TypeError) as info:
        corners.merge_level(np.zeros((32, 32)), 3)
    assert len(str(info.value)) < 200


def test_negative_seed_is_named():
    from cnn101 import datasets, feature_extractors

    message = r"`seed` must be an integer in \[0, 2\*\*32\). Received: seed=-1"
    with pytest.raises(ValueError, match=message):
        datasets.load_digits(seed=-1)
    with pytest.raises(ValueError, match=message):
        feature_extractors.random_cnn_features((4,), seed=-1)


def test_instance_function_path_and_sequence_give_the_class_the_rule_asks_for():
    assert check.instance(3, "count", int) == 3
    with pytest.raises(TypeError, match=r"`count` must be int or float\. Received: count='3'"):
        check.instance("3", "count", (int, float))
    assert check.function(len, "fn") is len
    with pytest.raises(TypeError, match=r"`fn` must be callable \(images -> maps\)"):
        check.function(None, "fn", "images -> maps")
    assert check.path("a/b.json", "file") == Path("a/b.json")
    assert check.path(Path("a"), "file") == Path("a")
    assert check.path(None, "folder", optional=True) is None
    with pytest.raises(TypeError, match="`file` must be a path"):
        check.path(b"a", "file")
    with pytest.raises(ValueError, match="`file` must be a non-empty path"):
        check.path("  ", "file")
    assert check.sequence((1,), "keys", "keys") == (1,)
    assert check.sequence([], "keys", "keys", empty=True) == []
    for value in ("ab", 3, {"a": 1}, None):
        with pytest.raises(TypeError, match="`keys`"):
            check.sequence(value, "keys", "a sequence")
    with pytest.raises(ValueError, match="`keys`"):
        check.sequence([], "keys", "a sequence")


def test_text_refuses_a_non_string_by_type_and_a_blank_one_by_value():
    assert check.text("x", "name", optional=False, empty=False) == "x"
    with pytest.raises(TypeError, match="`name` must be a non-empty string"):
        check.text(3, "name", optional=False, empty=False)
    with pytest.raises(ValueError, match="`name` must be a non-empty string"):
        check.text("", "name", optional=False, empty=False)
    assert check.text("", "title") == ""


def test_ndim_and_image_batch():
    batch = check.image_batch(np.zeros((2, 3, 3, 1), np.float64))
    assert batch.dtype == np.float32 and batch.shape == (2, 3, 3, 1)
    for shape in [(3, 3), (3, 3, 1), (1, 1, 3, 3, 1)]:
        with pytest.raises(ValueError, match=r"`images` must be a 4-D batch \(N, H, W, C\)"):
            check.image_batch(np.zeros(shape))
    with pytest.raises(TypeError, match="`images`"):
        check.image_batch(np.full((1, 2, 2, 1), "a"))
    assert check.ndim(np.zeros(3), "v", (1, 2), "a vector").shape == (3,)


def test_integer_labels_float_labels_are_a_type_error_and_a_wrong_count_a_value_error():
    assert check.integer_labels(np.array([1, 2], np.uint8), "labels", 2).tolist() == [1, 2]
    for labels in ([1.0, 2.0], ["a", "b"], [True, False]):
        with pytest.raises(TypeError, match="`labels` must be 2 integer class labels"):
            check.integer_labels(labels, "labels", 2)
    for labels in ([1, 2, 3], [[1, 2]], [[1], [2, 3]]):
        with pytest.raises(ValueError, match="`labels` must be 2 integer class labels"):
            check.integer_labels(labels, "labels", 2)


def test_array_size_refuses_before_allocating_what_would_exceed_the_limit():
    limit = check.MAX_ARRAY_BYTES
    check.array_size((limit // 4,), "n")  # exactly the limit in float32: allowed
    with pytest.raises(ValueError, match=r"`n` asks for a array of shape .* more than the 2.0 GiB"):
        check.array_size((limit // 4 + 1,), "n")
    with pytest.raises(ValueError, match="Received: radius=7"):
        check.array_size((limit,), "radius", 7, itemsize=8)
    with pytest.raises(ValueError, match="`shape`"):
        check.array_size((limit // 8 + 1,), "shape", copies=2)


def test_summarize_never_prints_values():
    assert check.summarize(np.arange(4)) == "ndarray with shape (4,) and dtype int64"
    assert check.describe(np.arange(4)) == "array([0, 1, 2, 3])"


def test_validation_imports_no_other_module_of_the_package():
    """cnn101._tf uses it: importing anything of the package back would close a loop."""
    import ast

    tree = ast.parse(Path(check.__file__).read_text(encoding="utf-8"))
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [name for name in imported if name and name.startswith("cnn101")]
