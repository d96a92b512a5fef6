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
