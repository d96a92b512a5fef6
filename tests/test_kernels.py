import numpy as np
import pytest
from scipy import ndimage

from cnn101 import kernels, ops


def test_every_named_kernel_is_listed_and_read_only():
    assert kernels.kernel_names() == sorted(kernels.KERNELS)
    with pytest.raises(ValueError):
        kernels.SOBEL_LEFT[0, 0] = 5


@pytest.mark.parametrize("name", ["Sobel-Left", " sobel left ", "SOBEL_LEFT"])
def test_get_kernel_normalises_names_and_copies(name):
    k = kernels.get_kernel(name)
    np.testing.assert_array_equal(k, kernels.SOBEL_LEFT)
    k[0, 0] = 99  # a copy: the constant is untouched
    assert kernels.SOBEL_LEFT[0, 0] == 1


def test_sobel_kernels_match_scipy():
    """scipy.ndimage.sobel computes the same derivative (it convolves, so the sign flips)."""
    image = np.random.default_rng(1).random((16, 16))
    ours = ops.conv2d(image, "sobel_left", padding="VALID").numpy()
    theirs = ndimage.sobel(image, axis=1)[1:-1, 1:-1]  # d/dx, right minus left
    np.testing.assert_allclose(ours, -theirs, atol=1e-4)
    ours = ops.conv2d(image, "sobel_top", padding="VALID").numpy()
    np.testing.assert_allclose(ours, -ndimage.sobel(image, axis=0)[1:-1, 1:-1], atol=1e-4)


@pytest.mark.parametrize(
    "name,total",
    [
        ("identity", 1),
        ("box_blur", 1),
        ("gaussian_blur", 1),
        ("sharpen", 1),
        ("emboss", 1),
        ("outline", 0),
        ("laplacian", 0),
        ("sobel_top", 0),
        ("vertical_line", 0),
    ],
)
def test_kernel_sums(name, total):
    """Blurs and sharpen keep a flat image's brightness (sum 1); edge detectors give 0 on it."""
    assert kernels.get_kernel(name).sum() == pytest.approx(total)


def test_edge_kernels_give_zero_on_constant_image():
    flat = np.full((10, 10), 0.7)
    for name in ["vertical_line", "sobel_left", "sobel_top", "outline", "laplacian"]:
        np.testing.assert_allclose(ops.conv2d(flat, name, padding="VALID").numpy(), 0, atol=1e-5)


def test_gaussian_blur_matches_scipy_gaussian_weights():
    """The 3x3 binomial kernel is the outer product of [1, 2, 1] / 4 (Pascal's triangle)."""
    row = np.array([1, 2, 1]) / 4
    np.testing.assert_allclose(kernels.GAUSSIAN_BLUR, np.outer(row, row))


def test_to_filter_and_filter_bank_shapes_and_values():
    f = kernels.to_filter("vertical_line", in_channels=3)
    assert f.shape == (2, 2, 3, 1) and f.dtype == np.float32
    for c in range(3):
        np.testing.assert_array_equal(f[:, :, c, 0], kernels.VERTICAL_LINE)
    bank = kernels.filter_bank(["sobel_left", kernels.SOBEL_TOP], in_channels=2)
    assert bank.shape == (3, 3, 2, 2)
    np.testing.assert_array_equal(bank[:, :, 1, 1], kernels.SOBEL_TOP)


def _by_hand(kernels_2d, in_channels):
    """The HWIO bank written out by indexing: filters[:, :, c, i] = kernel i, for every c."""
    kh, kw = np.shape(kernels_2d[0])
    bank = np.zeros((kh, kw, in_channels, len(kernels_2d)), dtype=np.float32)
    for i, kernel in enumerate(kernels_2d):
        for c in range(in_channels):
            bank[:, :, c, i] = kernel
    return bank


def _centred(kernel, height, width):
    """``kernel`` in the middle of a (height, width) canvas of zeros (odd sizes)."""
    canvas = np.zeros((height, width))
    top, left = (height - kernel.shape[0]) // 2, (width - kernel.shape[1]) // 2
    canvas[top : top + kernel.shape[0], left : left + kernel.shape[1]] = kernel
    return canvas


K = kernels


@pytest.mark.parametrize("in_channels", [1, 3])
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sobel_left", [K.SOBEL_LEFT]),
        (K.SOBEL_TOP, [K.SOBEL_TOP]),
        ([[1, -1], [1, -1]], [K.VERTICAL_LINE]),  # integers, as nested lists
        (["sobel_left", "sobel_top", "identity"], [K.SOBEL_LEFT, K.SOBEL_TOP, K.IDENTITY]),
        (("emboss", K.OUTLINE), [K.EMBOSS, K.OUTLINE]),  # a name and an array
        ([K.SOBEL_LEFT, K.SOBEL_RIGHT], [K.SOBEL_LEFT, K.SOBEL_RIGHT]),  # one rectangular list
        (np.stack([K.BOX_BLUR, K.SHARPEN, K.LAPLACIAN]), [K.BOX_BLUR, K.SHARPEN, K.LAPLACIAN]),
    ],
    ids=["name", "2-D", "nested list", "names", "name and array", "same-size list", "3-D stack"],
)
def test_filter_bank_matches_the_bank_built_by_hand(given, expected, in_channels):
    bank = kernels.filter_bank(given, in_channels)
    assert bank.dtype == np.float32
    np.testing.assert_array_equal(bank, _by_hand(expected, in_channels))


def test_filter_bank_matches_np_stack_and_to_filter():
    """The same bank by np.stack: kernels along the last axis, each repeated over channels."""
    names = ["sobel_left", "sobel_right", "sobel_top", "sobel_bottom"]
    stacked = np.stack([np.stack([K.get_kernel(n)] * 2, axis=-1) for n in names], axis=-1)
    np.testing.assert_array_equal(kernels.filter_bank(names, in_channels=2), stacked)
    np.testing.assert_array_equal(kernels.to_filter("sobel_top", 2), stacked[..., 2:3])
    np.testing.assert_array_equal(kernels.to_filter(K.SOBEL_TOP, 2), stacked[..., 2:3])


def test_filter_bank_pads_odd_kernels_around_their_centres():
    """A 1x1, a 3x3, a 1x3 and a 5x5 kernel share a 5x5 bank; each centre stays the centre."""
    given = [[[2.0]], K.EMBOSS, np.array([[1.0, 0.0, -1.0]]), np.arange(25.0).reshape(5, 5)]
    bank = kernels.filter_bank(given)
    expected = [_centred(np.asarray(k, dtype=float), 5, 5) for k in given]
    np.testing.assert_array_equal(bank, _by_hand(expected, 1))


def test_a_4d_bank_is_checked_and_used_as_it_is():
    """A float32 HWIO bank is not copied (no second conversion); other dtypes become float32."""
    bank = np.random.default_rng(0).normal(size=(3, 3, 2, 4)).astype(np.float32)
    assert kernels.filter_bank(bank, in_channels=2) is bank
    assert kernels.filter_bank(bank, in_channels=2, stack=False) is bank
    converted = kernels.filter_bank(bank.astype(np.float64), in_channels=2)
    assert converted.dtype == np.float32
    np.testing.assert_array_equal(converted, bank)


def test_a_bank_is_built_once_on_its_way_into_conv2d(monkeypatch):
    """conv_features builds the bank; ops.conv2d receives that array and uses it unchanged."""
    from cnn101 import feature_extractors as fe

    calls = []

    def spy(*args, **kwargs):
        out = kernels.filter_bank(*args, **kwargs)
        calls.append((args[0], out))
        return out

    monkeypatch.setattr(fe, "filter_bank", spy)
    monkeypatch.setattr(ops, "filter_bank", spy)
    fe.conv_features(["sobel_left", "sobel_top"])(np.eye(6))
    (_, built), (given, used) = calls
    assert given is built and used is built


def test_stack_false_takes_one_kernel_or_a_bank_only():
    """ops.conv2d's reading: a 3-D array is refused there (it could be HWIO without O)."""
    np.testing.assert_array_equal(
        kernels.filter_bank("identity", 3, stack=False), _by_hand([K.IDENTITY], 3)
    )
    with pytest.raises(ValueError, match="`kernel` must be a 2-D kernel") as info:
        kernels.filter_bank(np.ones((3, 3, 1)), stack=False, argument="kernel")
    assert "3-D stack" not in str(info.value)
    with pytest.raises(TypeError, match="`kernel` must hold real numbers"):
        kernels.filter_bank(["identity", "outline"], stack=False, argument="kernel")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: kernels.filter_bank(object()), TypeError, "`kernels` must hold real numbers"),
        (lambda: kernels.filter_bank(None), TypeError, "`kernels`"),
        (lambda: kernels.filter_bank(["identity", object()]), TypeError, "`kernels`"),
        (lambda: kernels.filter_bank(object(), argument="kernel"), TypeError, "`kernel` must"),
        (lambda: kernels.filter_bank("identity", in_channels=1.5), TypeError, "`in_channels`"),
        (lambda: kernels.filter_bank("identity", stack="yes"), TypeError, "`stack`"),
        (lambda: kernels.filter_bank("identity", argument=3), TypeError, "`argument`"),
        (lambda: kernels.filter_bank("identity", in_channels=0), ValueError, "`in_channels`"),
        (lambda: kernels.filter_bank("nope"), ValueError, "Unknown kernel name"),
        (lambda: kernels.filter_bank([]), ValueError, "`kernels` must be a non-empty list"),
        (lambda: kernels.filter_bank(5.0), ValueError, r"`kernels` must be a 2-D kernel.*\(\)"),
        (lambda: kernels.filter_bank(np.ones(3)), ValueError, r"shape \(3,\)"),
        (lambda: kernels.filter_bank(np.ones((1,) * 5)), ValueError, "`kernels` must be a 2-D"),
        (lambda: kernels.filter_bank([np.ones((2, 2, 2))]), ValueError, r"shape \(kh, kw\)"),
        (lambda: kernels.filter_bank(np.zeros((0, 3, 3))), ValueError, "must not be empty"),
        (lambda: kernels.filter_bank(np.full((3, 3), np.nan)), ValueError, "finite"),
        (lambda: kernels.filter_bank(["identity", [[1, 2], [3]]]), ValueError, "rectangular"),
        (lambda: kernels.filter_bank(["identity", np.ones((2, 2))]), ValueError, "odd sizes"),
        (
            lambda: kernels.filter_bank(np.ones((3, 3, 2, 1)), in_channels=3),
            ValueError,
            "expects 2 input channels",
        ),
        (lambda: kernels.to_filter(np.ones((3, 3, 1, 1))), ValueError, r"shape \(kh, kw\)"),
        (lambda: kernels.to_filter(["identity"]), TypeError, "`kernel`"),
    ],
)
def test_filter_bank_refuses_bad_input_by_name(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_checking_numpy_kernels_loads_no_tensorflow():
    """Input checks of NumPy data never import TensorFlow (seconds) to look for tensors."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "import matplotlib\n"
        "matplotlib.use('Agg')\n"
        "from cnn101 import kernels, plotting\n"
        "kernels.to_filter(kernels.get_kernel('sobel_left'))\n"
        "plotting.show_kernel(kernels.SOBEL_LEFT)\n"
        "print('tensorflow' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "False", done.stderr[-2000:]


def test_validation_module_loads_no_tensorflow():
    """``cnn101._validation`` and ``cnn101._tf`` import without TensorFlow; NumPy checks keep it out."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "import numpy as np\n"
        "from cnn101 import _tf, _validation as check\n"
        "check.as_float_array([[1, 2]], 'x'); check.gray_image(np.ones((2, 2)), 'image')\n"
        "check.choice('same', 'padding', check.PADDINGS); check.device('CPU')\n"
        "check.positive_pair(2, 'pool_size'); check.positive_number(1.5, 'sigma')\n"
        "print('tensorflow' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "False", done.stderr[-2000:]


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: kernels.get_kernel(3), TypeError, "`name` must be a string"),
        (lambda: kernels.to_filter(np.ones((2, 2, 2))), ValueError, r"shape \(kh, kw\)"),
        (lambda: kernels.to_filter("identity", in_channels=0), ValueError, "`in_channels`"),
        (lambda: kernels.filter_bank([]), ValueError, "`kernels` must be a non-empty list"),
        (
            lambda: kernels.filter_bank(["identity", "vertical_line"]),
            ValueError,
            "same \\(kh, kw\\)",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
