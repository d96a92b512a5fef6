import os
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
    assert modules - {"demo"} == set(cnn101._SUBMODULES)


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


_REMOVED = (  # the paths 0.1.0 kept for one release
    "cnn101.blurpool",
    "cnn101.polyphase",
    "cnn101.pyramid_pooling",
    "cnn101.multiscale",
    "cnn101.scale_invariant",
    "cnn101.recipes",
    "cnn101.exercises.handout",
    "cnn101.exercises.grading",
    "cnn101.exercises.__main__",
)


def test_the_old_paths_of_0_1_are_removed():
    """0.3.0 removes them: a star import fails loudly, and the package does not list them.

    Run without site-packages (``-S``), so that only this checkout's package is found.
    """
    code = (
        "import importlib, sys\n"
        f"for old in {_REMOVED!r}:\n"
        "    try:\n"
        "        exec(f'from {old} import *', {})\n"
        "    except ModuleNotFoundError as error:\n"
        "        print(error)\n"
        "    parent, _, name = old.rpartition('.')\n"
        "    assert name not in dir(importlib.import_module(parent)), old\n"
    )
    root = str(Path(cnn101.__file__).parents[1])
    out = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": root},
        check=True,
    )
    assert out.stdout.splitlines() == [f"No module named {old!r}" for old in _REMOVED]


def test_the_layers_package_loads_its_layers_on_first_use():
    code = (
        "import sys, cnn101.layers as layers; print('tensorflow' in sys.modules); "
        "print(layers.ScaleChannels.__module__, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "cnn101.layers.scale_channels", "True"]
    assert set(cnn101.layers.__all__) <= set(dir(cnn101.layers))
