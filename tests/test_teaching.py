"""The teacher's tools (cnn101.teaching), apart from the student checks, and their inputs.

The student checks (``import cnn101.exercises``) never warn, and their package holds
nothing else; the old paths of the teacher's tools there are gone. Then the argument
checks of the grader, the handout tools and their command line, which the hostile-input
walk skips. tests/test_handout.py tests what they produce; tests/site/test_handout_site.py
grades planted submissions in Jupyter kernels.
"""

import csv
import importlib
import json
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import cnn101.exercises
from cnn101.teaching import grading, handout, manifests, notebooks, reports
from cnn101.teaching.__main__ import main
from cnn101.teaching.grading import GradeRow


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
    checks = manifests.exercise_checks()
    assert {c.__module__.rpartition(".")[2] for c in checks.values()} == set(topics)


def test_the_new_command_line_runs():
    out = _python("-m", "cnn101.teaching", "--help")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: python -m cnn101.teaching")
    for command in ("grade", "student", "answer-key", "manifest"):
        assert command in out.stdout
    assert out.stderr == ""


# --- argument checks of the grader and the handout tools ----------------------------------
# ``write_csv(rows, path)`` is not walked by tests/_hostile.py for ``path``: a new relative
# path would be written into the working directory. Its checks are tested here, in a
# temporary folder.


MANIFEST = handout.manifest(
    {
        "cells": [
            {"cell_type": "markdown", "source": "## Exercises"},
            {"cell_type": "code", "source": "x = 0\nex.check_spp_length(x, channels=4)"},
            {
                "cell_type": "markdown",
                "source": "<details><summary>Solution</summary>\n```python\nx = 200\n```\n</details>",
            },
        ]
    },
    tutorial="t",
)
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


@pytest.mark.parametrize(
    "path, error",
    [
        (3, TypeError),
        (None, TypeError),
        (b"grades.csv", TypeError),
        (object(), TypeError),
        ("", ValueError),
    ],
)
def test_write_csv_refuses_what_is_not_a_path(tmp_path, monkeypatch, path, error):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=r"`path` must be a (non-empty )?path"):
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
        grading.grade(str(tmp_path / "a.ipynb"), MANIFEST)


@pytest.mark.parametrize("timeout", [float("inf"), float("nan"), 0, -1.0])
def test_timeout_must_be_a_positive_finite_number(tmp_path, timeout):
    with pytest.raises(ValueError, match=r"`timeout` must be a (positive|finite) number"):
        grading.grade_notebook(tmp_path / "a.ipynb", MANIFEST, timeout=timeout)
    with pytest.raises(ValueError, match="`timeout`"):
        grading.grade([tmp_path / "a.ipynb"], MANIFEST, timeout=timeout)


@pytest.mark.parametrize("timeout", [True, "600", None, [600]])
def test_timeout_of_another_type_is_a_type_error(tmp_path, timeout):
    with pytest.raises(TypeError, match=r"`timeout` must be a real number. Received: timeout="):
        grading.grade_notebook(tmp_path / "a.ipynb", MANIFEST, timeout=timeout)
    with pytest.raises(TypeError, match="`timeout` must be a real number"):
        grading.grade([tmp_path / "a.ipynb"], MANIFEST, timeout=timeout)


def test_an_unknown_kernel_is_named_before_anything_runs(tmp_path, capsys):
    path = tmp_path / "a.ipynb"
    path.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    with pytest.raises(ValueError, match="`kernel_name` must be an installed Jupyter kernel"):
        grading.grade_notebook(path, MANIFEST, kernel_name="no-such-kernel")
    # the command line answers it in one line, exit status 2
    handed_out = tmp_path / "handout.json"
    handed_out.write_text(json.dumps(MANIFEST))
    command = ["grade", str(path), "--kernel", "no-such-kernel", "--handout", str(handed_out)]
    assert main([*command, "--csv", str(tmp_path / "g.csv")]) == 2
    assert "kernel_name" in capsys.readouterr().err


def _cell(**fields):
    return {"cell_type": "code", "metadata": {}, "source": "x = 1", **fields}


def _nb(*cells, **fields):
    heading = {"cell_type": "markdown", "metadata": {}, "source": "## Exercises"}
    return {"metadata": {}, "cells": [heading, *cells], **fields}


HANDOUT_TOOLS = {
    "exercises": handout.exercises,
    "student_version": handout.student_version,
    "answer_key": handout.answer_key,
    "exercise_count": handout.exercise_count,
    "manifest": handout.manifest,
}
# A malformed notebook: the error, and the part of ``nb`` the message names.
MALFORMED = {
    "None": (None, TypeError, "nb=None"),
    "a number": (3, TypeError, "nb=3"),
    "a string": ("notebook", TypeError, "nb='notebook'"),
    "a list": ([_cell()], TypeError, "nb=\\["),
    "no cells": ({"metadata": {}}, ValueError, 'list of "cells"'),
    "cells a string": ({"cells": "x"}, TypeError, 'nb\\["cells"\\] must be a list'),
    "cells a dict": ({"cells": {}}, TypeError, 'nb\\["cells"\\] must be a list'),
    "a cell a string": (_nb("x = 1"), TypeError, r'nb\["cells"\]\[1\] must be a dict'),
    "a cell without source": (
        _nb({"cell_type": "code", "metadata": {}}),
        ValueError,
        r'nb\["cells"\]\[1\] must have a "source"',
    ),
    "a source a number": (_nb(_cell(source=3)), TypeError, r'\["source"\] must be a string'),
    "a source None": (_nb(_cell(source=None)), TypeError, r'\["source"\] must be a string'),
    "a source a list of numbers": (
        _nb(_cell(source=["x = 1\n", 2])),
        TypeError,
        r'\["source"\] must be a string or a list of strings',
    ),
    "a cell type a number": (_nb(_cell(cell_type=1)), TypeError, r'\["cell_type"\] must be'),
    "metadata a list": (_nb(_cell(), metadata=[]), TypeError, r'nb\["metadata"\] must be a dict'),
    "a cell's metadata a string": (
        _nb(_cell(metadata="m")),
        TypeError,
        r'nb\["cells"\]\[1\]\["metadata"\] must be a dict',
    ),
}


@pytest.mark.parametrize("tool", HANDOUT_TOOLS)
@pytest.mark.parametrize("case", MALFORMED)
def test_handout_tools_say_what_is_wrong_with_a_malformed_notebook(tool, case):
    nb, error, where = MALFORMED[case]
    with pytest.raises(error, match=rf"`nb` must be a notebook.*{where}") as raised:
        HANDOUT_TOOLS[tool](nb)
    assert "Received:" in str(raised.value)


def test_a_notebook_is_checked_where_it_enters_and_a_valid_one_passes():
    nb = _nb(_cell(source=["x = 0\n", "ex.check_x(x)"]))
    nb["cells"].append(
        {
            "cell_type": "markdown",
            "source": "<details><summary>Solution</summary>\n```python\nx = 1\n```\n</details>",
        }
    )
    assert notebooks.notebook(nb) is nb
    assert [e.check for e in handout.exercises(nb)] == ["check_x"]
    assert handout.exercise_count(nb) is None
    assert handout.exercise_count({**nb, "metadata": {"cnn101": "edited"}}) is None


def test_a_numpy_timeout_is_a_number(tmp_path):
    path = tmp_path / "not a notebook.ipynb"
    path.write_text("not json")
    (row,) = grading.grade_notebook(path, MANIFEST, timeout=np.int64(5))
    assert not row.passed and row.reason.startswith("not graded: not a notebook")


def test_manifest_takes_parameters_from_the_handed_out_notebook():
    (exercise,) = MANIFEST["exercises"]
    assert exercise == {
        "number": 1,
        "check": "check_spp_length",
        "args": [{"answer": "x"}],
        "kwargs": {"channels": {"value": "4"}},
        "starter": "x = 0\nex.check_spp_length(x, channels=4)",
    }
    assert grading.load_manifest  # a manifest of an unknown check is refused
    with pytest.raises(ValueError, match="does not name a check"):
        manifests.checked_manifest({**MANIFEST, "exercises": [{**exercise, "check": "check_nope"}]})
    bad = {**exercise, "kwargs": {"channels": {"value": "__import__('os')"}}}
    with pytest.raises(ValueError, match="not a literal"):
        manifests.checked_manifest({**MANIFEST, "exercises": [bad]})


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"cells": []}', '{"format": "x"}'])
def test_load_manifest_names_what_is_wrong(tmp_path, content):
    path = tmp_path / "m.json"
    path.write_text(content)
    with pytest.raises(ValueError):
        grading.load_manifest(path)
    with pytest.raises(ValueError, match="readable JSON"):
        grading.load_manifest(tmp_path)


def test_malformed_exercise_metadata_does_not_stop_the_manifest():
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": "## Exercises"},
            {"cell_type": "code", "metadata": {"cnn101": "exercise"}, "source": "ex.check_a(a)"},
            {"cell_type": "code", "metadata": {"cnn101": {"exercise": True}}, "source": "x"},
            {
                "cell_type": "code",
                "metadata": {"cnn101": {"exercise": 1}},
                "source": "ex.check_b(b)",
            },
        ]
    }
    assert [e["check"] for e in handout.manifest(nb)["exercises"]] == ["check_b"]


def test_summary_has_one_row_per_student_and_notes(tmp_path):
    rows = [*ROWS, GradeRow("a.ipynb", None, "", False, "cell 3 raised NameError: x")]
    rows.append(GradeRow("b.ipynb", 1, "check_x", False, "not done"))
    path = grading.write_summary_csv(rows, tmp_path / "s.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        got = list(csv.DictReader(handle))
    assert [(r["file"], r["total"], r["notes"]) for r in got] == [
        ("a.ipynb", "1/2", "exercise 2: no; cell 3 raised NameError: x"),
        ("b.ipynb", "0/1", "exercise 1: not done"),
    ]


def test_every_row_below_full_marks_says_why_even_without_a_reason():
    rows = [GradeRow("a.ipynb", 1, "check_x", False, "", "deleted")]
    rows.append(GradeRow("b.ipynb", 1, "check_x", False))
    assert grading.student_notes(rows, "a.ipynb") == "exercise 1: exercise cell deleted"
    assert grading.student_notes(rows, "b.ipynb") == "exercise 1: not passed"


def test_class_report_counts_per_exercise_and_names_the_students(tmp_path):
    kinds = {"a": ("", ""), "b": ("wrong", "Not yet. 3"), "c": ("wrong", "Not yet. 5")}
    kinds |= {"d": ("deleted", "not done: its cell was deleted"), "e": ("", "")}
    rows = []
    for student, (kind, reason) in kinds.items():
        rows.append(GradeRow(f"{student}.ipynb", 1, "check_x", not kind, reason, kind))
        rows.append(GradeRow(f"{student}.ipynb", 2, "check_y", student != "e", "", ""))
    rows.append(GradeRow("e.ipynb", None, "", False, "cell 2 raised", "cell error"))
    first, second = grading.class_report(rows)
    assert first == {
        "exercise": "1",
        "check": "check_x",
        "passed": "2",
        "students": "5",
        "most_common_reason": "wrong answer (the check said Not yet): 2 of 3",
        "students_not_passed": "b.ipynb; c.ipynb; d.ipynb",
    }
    assert (second["passed"], second["students_not_passed"]) == ("4", "e.ipynb")
    table, page = grading.write_class_report(rows, tmp_path / "class.csv", title="T <4>")
    with table.open(newline="", encoding="utf-8") as handle:
        assert [r["passed"] for r in csv.DictReader(handle)] == ["2", "4"]
    text = page.read_text(encoding="utf-8")
    assert "<h1>T &lt;4&gt;</h1>" in text  # escaped
    assert "5 notebooks graded, 1 with full marks" in " ".join(text.split())
    assert not re.search(r"(src|href)=|@import|url\(|<script", text), "the page fetches nothing"
    assert "exercise 1: not done: its cell was deleted" in text


def test_progress_bar_fills_with_the_class():
    assert [reports.progress_bar(k, 3, width=6) for k in range(4)] == [
        "[------]",
        "[##----]",
        "[####--]",
        "[######]",
    ]


def _one_line_error(capsys, status):
    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


def test_grade_refuses_an_output_it_cannot_write_before_grading(tmp_path, capsys):
    path = tmp_path / "a.ipynb"
    path.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    handed_out = tmp_path / "handout.json"
    handed_out.write_text(json.dumps(MANIFEST))
    base = ["grade", str(path), "--handout", str(handed_out), "--csv"]
    line = _one_line_error(capsys, main([*base, str(tmp_path / "missing" / "g.csv")]))
    assert "does not exist" in line
    line = _one_line_error(capsys, main([*base, str(tmp_path)]))
    assert "not a folder" in line
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        line = _one_line_error(capsys, main([*base, str(locked / "g.csv")]))
        assert "writable" in line
    line = _one_line_error(capsys, main(["grade", str(path), "--handout", str(path)]))
    assert "no exercise" in line or "Exercises" in line


@pytest.mark.parametrize("command", ["student", "answer-key", "manifest"])
def test_handout_commands_refuse_a_folder_or_a_file_that_is_not_a_notebook(
    tmp_path, capsys, command
):
    out = str(tmp_path / "out.ipynb")
    assert "folder" in _one_line_error(capsys, main([command, str(tmp_path), "-o", out]))
    text = tmp_path / "notes.ipynb"
    text.write_text("not json")
    assert "not a notebook" in _one_line_error(capsys, main([command, str(text), "-o", out]))
    line = _one_line_error(capsys, main([command, str(tmp_path / "none.ipynb"), "-o", out]))
    assert "no such file" in line


def test_grade_takes_a_folder_or_a_pattern_windows_shells_leave_unexpanded(tmp_path):
    from cnn101.teaching.__main__ import submissions

    for name in ("b.ipynb", "a.ipynb", "notes.txt"):
        (tmp_path / name).write_text("{}")
    found, missing = submissions([tmp_path, tmp_path / "*.ipynb", tmp_path / "x.ipynb"])
    assert [p.name for p in found] == ["a.ipynb", "b.ipynb", "a.ipynb", "b.ipynb"]
    assert missing == [str(tmp_path / "x.ipynb")]
    assert submissions([tmp_path / "*.py"]) == ([], [str(tmp_path / "*.py")])


def _usage_error(capsys, argv) -> str:
    """Run the command line on arguments argparse refuses: one line, status 2, no traceback."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    captured = capsys.readouterr()
    assert stopped.value.code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "error: " in lines[0], captured.err
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["grade", "a.ipynb", "--handout", "h.ipynb", "--timeout", "abc"], "number of seconds"),
        (["grade", "a.ipynb", "--handout", "h.ipynb", "--timeout", "-1"], "positive number"),
        (["grade", "a.ipynb", "--handout", "h.ipynb", "--timeout", "inf"], "positive number"),
        (["grade", "a.ipynb", "--handout", "h.ipynb", "--timeout", "nan"], "positive number"),
        (["grade", "a.ipynb"], "--handout"),
        (["grade", "--handout", "h.ipynb"], "notebooks"),
        (["student", "a.ipynb"], "--output"),
        (["grades", "a.ipynb"], "invalid choice"),
        ([], "command"),
    ],
)
def test_the_command_line_answers_bad_arguments_in_one_line(capsys, argv, said):
    assert said in _usage_error(capsys, argv)


@pytest.mark.parametrize("command", ["student", "answer-key", "manifest"])
def test_handout_commands_refuse_an_unwritable_output_before_reading(tmp_path, capsys, command):
    notebook = tmp_path / "missing.ipynb"  # not read: the output is refused first
    line = _one_line_error(capsys, main([command, str(notebook), "-o", str(tmp_path / "no" / "x")]))
    assert "`--output` must be in an existing folder" in line
    line = _one_line_error(capsys, main([command, str(notebook), "-o", str(tmp_path)]))
    assert "`--output` must name a file, not a folder" in line
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        line = _one_line_error(capsys, main([command, str(notebook), "-o", str(locked / "x")]))
        assert "`--output` must be writable" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked"][: os.geteuid() != 0]


def test_handout_commands_say_what_is_wrong_with_a_malformed_notebook(tmp_path, capsys):
    path = tmp_path / "broken.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": 3}], "metadata": {}}))
    line = _one_line_error(capsys, main(["student", str(path), "-o", str(tmp_path / "s.ipynb")]))
    assert "is not a notebook" in line and 'nb["cells"][0]["source"] must be a string' in line
    assert not (tmp_path / "s.ipynb").exists()
