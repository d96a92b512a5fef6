"""cnn101._deprecation: old paths answer, warn once naming the release that removes
them, and are gone by that release."""

import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import cnn101
from cnn101 import _deprecation
from cnn101._deprecation import MODULE_ALIASES, ModuleAlias


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _fresh_import(name: str, monkeypatch):
    monkeypatch.delitem(sys.modules, name, raising=False)
    parent, _, child = name.rpartition(".")
    if hasattr(sys.modules[parent], child) and child in vars(sys.modules[parent]):
        monkeypatch.delattr(sys.modules[parent], child)
    return importlib.import_module(name)


@pytest.mark.parametrize("old", sorted(MODULE_ALIASES))
def test_each_old_module_path_warns_once_and_gives_the_new_names(old, monkeypatch):
    new, removed_in = MODULE_ALIASES[old]
    assert _release(removed_in) > _release(cnn101.__version__), f"remove {old}: its release came"
    target = importlib.import_module(new)
    with pytest.warns(DeprecationWarning) as caught:
        alias = _fresh_import(old, monkeypatch)
    assert [str(w.message) for w in caught] == [
        f"{old} moved to {new}; the old path is removed in cnn101 {removed_in}"
    ]
    assert alias is not target and alias.__all__ == target.__all__
    for name in target.__all__:
        assert getattr(alias, name) is getattr(target, name), name
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second import is the cached module: no warning
        assert importlib.import_module(old) is alias
        namespace = {}
        exec(f"from {old} import *", namespace)
    assert {n: namespace[n] for n in target.__all__} == {
        n: getattr(target, n) for n in target.__all__
    }


def test_an_old_path_is_not_a_file_and_no_other_path_is_answered():
    package = Path(cnn101.__file__).parent
    for old in MODULE_ALIASES:
        relative = old.split(".", 1)[1].replace(".", "/")
        assert not (package / f"{relative}.py").exists(), f"{old} is still a file"
    with pytest.raises(ModuleNotFoundError, match=r"No module named 'cnn101\.no_such_module'"):
        importlib.import_module("cnn101.no_such_module")


def test_one_finder_is_registered_whatever_the_number_of_imports():
    _deprecation.install()
    importlib.reload(cnn101)
    assert sum(isinstance(f, _deprecation._AliasFinder) for f in sys.meta_path) == 1


def test_an_old_command_runs_the_new_one_after_a_one_line_note():
    code = (
        "import runpy, sys, cnn101._deprecation as d\n"
        "d.MODULE_ALIASES['cnn101.old_demo'] = d.ModuleAlias('cnn101.demo', '9.0.0')\n"
        "sys.argv = ['old_demo', '--help']\n"
        "runpy._run_module_as_main('cnn101.old_demo')\n"
    )
    old = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    new = subprocess.run(
        [sys.executable, "-m", "cnn101.demo", "--help"], capture_output=True, text=True, timeout=120
    )
    assert old.returncode == new.returncode == 0, old.stderr
    assert old.stdout == new.stdout and "usage" in new.stdout
    assert old.stderr.splitlines() == [
        "note: python -m cnn101.old_demo moved to python -m cnn101.demo; "
        "the old path is removed in cnn101 9.0.0"
    ]


def test_python_m_an_old_path_that_loads_tensorflow_runs_the_new_command():
    """``python -m cnn101.replicate``, as a user types it: the new command's help, no traceback."""
    old = subprocess.run(
        [sys.executable, "-m", "cnn101.replicate", "--help"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    new = subprocess.run(
        [sys.executable, "-m", "cnn101.experiments.replications", "--help"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert old.returncode == new.returncode == 0, old.stderr
    assert old.stdout == new.stdout and "usage" in new.stdout
    assert "Traceback" not in old.stderr
    assert old.stderr.splitlines()[0].startswith(
        "note: python -m cnn101.replicate moved to python -m cnn101.experiments.replications"
    )


def test_forward_and_deprecated_method_name_the_release():
    lookup = _deprecation.forward("cnn101.old", {"conv2d": "cnn101.ops"}, removed_in="0.4.0")
    with pytest.warns(DeprecationWarning, match=r"removed in cnn101 0\.4\.0$"):
        assert lookup("conv2d") is importlib.import_module("cnn101.ops").conv2d
    with pytest.raises(AttributeError, match=r"module 'cnn101\.old' has no attribute 'relu'"):
        lookup("relu")

    class Table:
        @_deprecation.deprecated_method("plotting.show_table(table)", removed_in="0.4.0")
        def show(self, scale=1):
            """Draw the table."""
            return 2 * scale

    with pytest.warns(DeprecationWarning) as caught:
        assert Table().show(scale=3) == 6
    assert str(caught[0].message) == (
        "test_forward_and_deprecated_method_name_the_release.<locals>.Table.show moved to "
        "plotting.show_table(table); the old path is removed in cnn101 0.4.0"
    )
    assert Table.show.__doc__ == "Draw the table."


def test_an_alias_added_to_the_table_answers(monkeypatch):
    monkeypatch.setitem(
        MODULE_ALIASES, "cnn101.old_kernels", ModuleAlias("cnn101.kernels", "9.0.0")
    )
    with pytest.warns(DeprecationWarning, match="cnn101.old_kernels moved to cnn101.kernels"):
        alias = _fresh_import("cnn101.old_kernels", monkeypatch)
    assert alias.get_kernel is cnn101.kernels.get_kernel
    del sys.modules["cnn101.old_kernels"]
    vars(cnn101).pop("old_kernels", None)
