import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import cnn101


def test_import_is_light_and_submodules_load_lazily():
    code = "import sys, cnn101; print('tensorflow' in sys.modules, cnn101.__version__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", cnn101.__version__]


def test_measurement_modules_import_no_matplotlib():
    """The modules that measure draw nothing: they import neither matplotlib nor plotting.

    ``cnn101.pyramids`` and ``cnn101.alignment`` load TensorFlow (through ``cnn101.ops``),
    and TensorFlow's Keras imports ``matplotlib.pyplot`` itself when it is installed
    (``keras.src.visualization``, inside ``try``), so for those two the test blocks
    matplotlib, as where it is not installed: an import of it in our modules then fails.
    """
    code = (
        "import sys\n"
        "import cnn101.receptive_field\n"
        "assert 'matplotlib' not in sys.modules, 'receptive_field imported matplotlib'\n"
        "sys.modules['matplotlib'] = None  # import matplotlib now raises ImportError\n"
        "import cnn101.alignment, cnn101.pyramids\n"
        "assert 'cnn101.plotting' not in sys.modules, 'a measurement module imported plotting'\n"
        "print('tensorflow' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout == "True\n"  # the modules loaded TensorFlow: the blocked path was taken


def test_public_names_resolve():
    for name in cnn101.__all__:
        assert getattr(cnn101, name) is not None
    assert cnn101.conv2d is cnn101.ops.conv2d
    assert "ops" in dir(cnn101)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        cnn101.nope  # noqa: B018


def test_every_public_module_is_listed():
    """A new module is reachable as ``cnn101.<name>`` and shows in ``dir(cnn101)``."""
    package = Path(cnn101.__file__).parent
    modules = {p.stem for p in package.glob("*.py") if not p.stem.startswith("_")}
    modules |= {p.parent.name for p in package.glob("*/__init__.py")}
    assert modules - {"demo"} - set(cnn101._MOVED_MODULES) == set(cnn101._SUBMODULES)


def test_tensorflow_import_prints_nothing():
    """The first op after a quiet import must not print TensorFlow's C++ start-up lines."""
    code = "from cnn101 import ops; import keras; print(float(ops.relu([1.0])[0]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "1.0\n"
    assert out.stderr == ""


def test_every_submodule_has_an_api_reference_page():
    reference = Path(__file__).resolve().parents[1] / "tutorials" / "reference"
    for name in cnn101._SUBMODULES:
        page = reference / f"{name}.md"
        assert page.exists(), f"no API reference page for cnn101.{name}"
        assert f"::: cnn101.{name}" in page.read_text(encoding="utf-8")


# Each module that moved, each name its old path answered, and where it is now.
_MOVED = {
    "blurpool": {n: ("layers.blur_pool", n) for n in ("BlurPool2D", "blur_pool2d")},
    "polyphase": {n: ("layers.polyphase", n) for n in ("CircularPad2D", "aps_downsample")},
    "pyramid_pooling": {n: ("layers.pyramid_pooling", n) for n in ("bin_edges", "valid_taps")},
    "multiscale": {
        "ScaleChannels": ("layers.scale_channels", "ScaleChannels"),
        "small_trunk": ("models", "small_trunk"),
        "copy_conv_layers": ("models", "copy_conv_layers"),
        "accuracy_by_scale": ("models", "accuracy_by_scale"),
        "build_plain_cnn": ("models", "plain_cnn"),
        "build_scale_channel_cnn": ("models", "scale_channel_cnn"),
    },
    "scale_invariant": {
        "ScaleInvariantConv2D": ("layers.scale_invariant_conv", "ScaleInvariantConv2D"),
        "FoveatedScaleChannels": ("layers.scale_channels", "FoveatedScaleChannels"),
    },
    "scale": {n: ("digits", n) for n in ("place_digits", "bounding_boxes", "log_uniform_scales")},
}


@pytest.mark.parametrize(
    ("old", "name", "new", "new_name"),
    [(old, n, *where) for old, names in _MOVED.items() for n, where in names.items()],
)
def test_an_old_path_warns_and_gives_the_new_object(old, name, new, new_name):
    """For one release a moved name answers at its old path, warning where it went."""
    module = importlib.import_module(f"cnn101.{old}")
    with pytest.warns(DeprecationWarning, match=f"moved to cnn101.{new}.{new_name}"):
        obj = getattr(module, name)
    assert obj is getattr(importlib.import_module(f"cnn101.{new}"), new_name)


def test_moved_modules_are_reachable_but_not_listed():
    for old in cnn101._MOVED_MODULES:
        assert getattr(cnn101, old) is importlib.import_module(f"cnn101.{old}")
        assert old not in cnn101.__all__


def test_the_layers_package_loads_its_layers_on_first_use():
    code = (
        "import sys, cnn101.layers as layers; print('tensorflow' in sys.modules); "
        "print(layers.ScaleChannels.__module__, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "cnn101.layers.scale_channels", "True"]
    assert set(cnn101.layers.__all__) <= set(dir(cnn101.layers))
