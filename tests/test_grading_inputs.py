"""Argument checks of the grader and the handout tools that the hostile-input walk skips.

``write_csv(rows, path)`` is not walked for ``path``: a new relative path would be written
into the working directory. Its checks are tested here, in a temporary folder.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from cnn101.exercises import grading, handout
from cnn101.exercises.__main__ import main
from cnn101.exercises.grading import GradeRow

ROWS = [GradeRow("a.ipynb", 1, "check_x", True), GradeRow("a.ipynb", 2, "check_y", False, "no")]


def test_write_csv_writes_a_new_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    written = grading.write_csv(ROWS, "grades.csv")
    assert written == Path("grades.csv")
    with (tmp_path / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["exercise"], r["passed"], r["total"]) for r in rows] == [
        ("1", "yes", "1/2"),
        ("2", "no", "1/2"),
    ]


@pytest.mark.parametrize("path", [3, None, b"grades.csv", object(), ""])
def test_write_csv_refuses_what_is_not_a_path(tmp_path, monkeypatch, path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError, match="`path` must be a file path"):
        grading.write_csv(ROWS, path)
    assert list(tmp_path.iterdir()) == []


def test_write_csv_refuses_a_folder(tmp_path):
    with pytest.raises(ValueError, match="`path` must name a file, not a folder"):
        grading.write_csv(ROWS, tmp_path)


@pytest.mark.parametrize("rows", [3, "rows", [("a.ipynb", 1)], None])
def test_rows_must_be_grade_rows(tmp_path, rows):
    with pytest.raises(TypeError, match="`rows` must"):
        grading.format_table(rows)
    with pytest.raises(TypeError, match="`rows` must"):
        grading.write_csv(rows, tmp_path / "grades.csv")


def test_grade_refuses_one_path_given_as_a_string(tmp_path):
    # iterating "a.ipynb" would grade the files "a", ".", "i", ...
    with pytest.raises(TypeError, match="`paths` must be a list"):
        grading.grade(str(tmp_path / "a.ipynb"))


@pytest.mark.parametrize("timeout", [float("inf"), float("nan"), 0, -1.0, True, "600"])
def test_timeout_must_be_a_positive_finite_number(tmp_path, timeout):
    with pytest.raises(ValueError, match="`timeout` must be a positive number of seconds"):
        grading.grade_notebook(tmp_path / "a.ipynb", timeout=timeout)


def test_an_unknown_kernel_is_named_before_anything_runs(tmp_path, capsys):
    pytest.importorskip("nbclient")
    path = tmp_path / "a.ipynb"
    path.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    with pytest.raises(ValueError, match="`kernel_name` must be an installed Jupyter kernel"):
        grading.grade_notebook(path, kernel_name="no-such-kernel")
    # the command line answers it in one line, exit status 2
    assert main(["grade", str(path), "--kernel", "no-such-kernel"]) == 2
    assert "kernel_name" in capsys.readouterr().err


@pytest.mark.parametrize("nb", [None, 3, "notebook", {"cells": "x"}])
def test_handout_tools_name_the_notebook(nb):
    for tool in (handout.exercises, handout.student_version, handout.answer_key):
        with pytest.raises(TypeError, match="`nb` must be a notebook"):
            tool(nb)
    with pytest.raises(TypeError, match="`nb` must be a notebook"):
        handout.exercise_count(nb)


def test_a_numpy_timeout_is_a_number(tmp_path):
    np = pytest.importorskip("numpy")
    path = tmp_path / "not a notebook.ipynb"
    path.write_text("not json")
    (row,) = grading.grade_notebook(path, timeout=np.int64(5))
    assert not row.passed and row.reason.startswith("cannot read the notebook")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
