"""The teacher's tools moved from cnn101.exercises to cnn101.teaching (issue 22).

The old paths stay for one release: importing them warns, and the old command still
runs after a one-line note. The student checks (``import cnn101.exercises``) never warn.
"""

import importlib
import pkgutil
import subprocess
import sys

import pytest

import cnn101.exercises
from cnn101.teaching import grading, handout


def _python(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120)


def test_importing_the_student_checks_does_not_warn():
    code = (
        "import cnn101.exercises, cnn101.exercises.basics, cnn101.teaching.grading\n"
        "from cnn101.exercises import Feedback\n"
        "from cnn101.teaching import handout\n"
        "print('imported')"
    )
    out = _python("-W", "error", "-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "imported\n" and out.stderr == ""


def test_the_exercises_package_holds_student_checks_only():
    modules = [m.name for m in pkgutil.iter_modules(cnn101.exercises.__path__)]
    topics = [m for m in modules if not m.startswith("_")]
    assert "handout" not in modules and "grading" not in modules
    for topic in topics:  # every listed module is a tutorial's checks
        module = importlib.import_module(f"cnn101.exercises.{topic}")
        assert any(name.startswith("check_") for name in module.__all__), topic
    # the grader finds every check without skipping a module by name
    checks = grading._checks()
    assert {c.__module__.rpartition(".")[2] for c in checks.values()} == set(topics)


@pytest.mark.parametrize("name, new", [("grading", grading), ("handout", handout)])
@pytest.mark.parametrize("form", ["import", "from"])
def test_old_paths_warn_and_give_the_new_names(monkeypatch, name, new, form):
    old = f"cnn101.exercises.{name}"
    monkeypatch.delitem(sys.modules, old, raising=False)  # import it afresh
    message = (
        rf"{old} moved to cnn101\.teaching\.{name}; the old path is removed in the next release"
    )
    try:
        with pytest.warns(DeprecationWarning, match=message):
            if form == "import":
                alias = importlib.import_module(old)
            else:
                exec(f"from cnn101.exercises import {name} as alias", globals(), space := {})
                alias = space["alias"]
        assert alias.__all__ == new.__all__
        for public in new.__all__:
            assert getattr(alias, public) is getattr(new, public), public
    finally:
        vars(cnn101.exercises).pop(name, None)


def test_the_new_command_line_runs():
    out = _python("-m", "cnn101.teaching", "--help")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: python -m cnn101.teaching")
    for command in ("grade", "student", "answer-key", "manifest"):
        assert command in out.stdout
    assert out.stderr == ""


def test_the_old_command_line_still_runs_with_a_one_line_note(tmp_path):
    out = _python("-m", "cnn101.exercises", "--help")
    assert out.returncode == 0, out.stderr
    assert out.stdout == _python("-m", "cnn101.teaching", "--help").stdout
    assert out.stderr.splitlines() == [
        "note: `python -m cnn101.exercises` moved to `python -m cnn101.teaching`; "
        "the old command is removed in the next release"
    ]
    missing, output = str(tmp_path / "missing.ipynb"), str(tmp_path / "out.ipynb")
    bad = _python("-m", "cnn101.exercises", "student", missing, "-o", output)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.splitlines()[0].startswith("note: ")


def test_the_old_main_notes_the_move_then_runs_the_new_one(tmp_path, capsys):
    from cnn101.exercises.__main__ import NOTE, main

    assert main(["manifest", str(tmp_path / "missing.ipynb"), "-o", str(tmp_path / "m")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        NOTE,
        f"error: no such file: {tmp_path}/missing.ipynb",
    ]
