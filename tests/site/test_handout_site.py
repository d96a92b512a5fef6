"""What a teacher hands out, as the site build made it, and the grader in Jupyter kernels.

The site tests read the session's one cold build (``built_site``): the footer, the wheel,
the zips, the answer keys (run with every check passing) and the teachers' page. The
grader runs planted submissions of tutorials 4 and 1 (the quickest notebooks) in fresh
kernels. What needs neither is in tests/test_handout.py.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, install_wheel
from test_handout import BASICS, NOTEBOOKS, PATHS, TUTORIAL, _short, hook

from cnn101 import __version__
from cnn101.teaching import handout
from cnn101.teaching.__main__ import main

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def result_of(cell) -> str:
    """The text of a cell's result (its last expression, here the check's Feedback)."""
    results = [o for o in cell.get("outputs", []) if o.get("output_type") == "execute_result"]
    return results[-1]["data"].get("text/plain", "") if results else ""


# --------------------------------------------------------------------------- the built site


@pytest.fixture(scope="session")
def site(built_site) -> Path:
    return built_site.site


def test_footer_shows_the_version_and_the_licences(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    footer = html[html.index('class="md-copyright"') :]
    assert f"cnn101 {__version__}" in footer and "CC BY 4.0" in footer and "MIT" in footer


def test_wheel_installs_into_a_fresh_venv_with_the_current_version(site, tmp_path):
    wheel = site / PATHS["wheel"]
    install_wheel(wheel, tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "cnn101").rglob("*.py")}
    assert sources <= names, sorted(sources - names)


def test_zip_holds_every_tutorial_student_version_and_answer_key(site):
    top = f"cnn101-notebooks-{__version__}"
    with zipfile.ZipFile(site / PATHS["zip"]) as archive:
        names = set(archive.namelist())
        readme = archive.read(f"{top}/README.md").decode()
        assert (
            archive.read(f"{top}/{hook.wheel_name(__version__)}")
            == (site / PATHS["wheel"]).read_bytes()
        )
        for notebook in NOTEBOOKS:
            for folder in ("tutorials", "student", "answer-keys"):
                assert f"{top}/{folder}/{notebook.name}" in names
            manifest = json.loads(
                archive.read(f"{top}/student/{hook.manifest_name(notebook.name)}")
            )
            student = json.loads(archive.read(f"{top}/student/{notebook.name}"))
            assert manifest == handout.manifest(student, tutorial=notebook.stem)
            assert (site / PATHS[f"manifest:{notebook.name}"]).read_bytes() == archive.read(
                f"{top}/student/{hook.manifest_name(notebook.name)}"
            )
            assert archive.read(f"{top}/tutorials/{notebook.name}") == notebook.read_bytes()
    assert "pip install" in readme and "python -m cnn101.teaching grade" in readme
    with zipfile.ZipFile(site / PATHS["student zip"]) as archive:
        student = archive.namelist()
    assert not [n for n in student if "answer-keys/" in n or "tutorials/" in n], student


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_answer_key_ran_with_every_check_passing(site, notebook):
    key = nbformat.read(site / PATHS[f"answers:{notebook.name}"], as_version=4)
    source = nbformat.read(notebook, as_version=4)
    exercises = handout.exercises(source)
    assert len(key.cells) == len(source.cells)
    for exercise in exercises:
        cell = key.cells[exercise.cell]
        assert handout.BEGIN in cell.source and exercise.check in cell.source
        shown = ANSI.sub("", result_of(cell))
        assert shown.startswith("Correct!"), f"exercise {exercise.number}: {shown[:300]}"
    for cell in key.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", cell.source[:200]
    counts = [c.execution_count for c in key.cells if c.cell_type == "code" and c.execution_count]
    assert counts == sorted(counts)
    student = json.loads((site / PATHS[f"student:{notebook.name}"]).read_text(encoding="utf-8"))
    assert student == json.loads(
        json.dumps(
            handout.student_version(json.loads(notebook.read_text()), tutorial=notebook.stem)
        )
    )


def test_teachers_page_links_every_download(site):
    html = (site / "teachers.html").read_text(encoding="utf-8")
    for what in ("wheel", "zip", "student zip", "cpu requirements"):
        assert Path(PATHS[what]).name in html, what
    cpu = (site / PATHS["cpu requirements"]).read_text(encoding="utf-8")
    assert cpu == hook.cpu_requirements() and "tensorflow-cpu>=" in cpu
    for notebook in NOTEBOOKS:
        for kind in ("student", "answers"):
            assert f"{PATHS[kind + ':' + notebook.name]}" in html, (kind, notebook.name)


# --------------------------------------------------------------------------- the grader


def _code(source: str) -> dict:
    return {
        "cell_type": "code",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
        "source": source,
    }


def _marked(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if isinstance(c["metadata"].get("cnn101"), dict)]


PLANTED_TIMEOUT_S = 45  # seconds per planted notebook


def _grade_folder(folder: Path, handed_out: dict, timeout: int):
    (folder / "handout").mkdir()
    handout_path = folder / "handout" / "assignment.ipynb"
    handout_path.write_text(json.dumps(handed_out))
    csv_path = folder / "grades.csv"
    files = sorted(str(p) for p in folder.glob("*.ipynb"))
    printed, progress = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(progress):
        status = main(
            [
                "grade",
                *files,
                "--handout",
                str(handout_path),
                "--timeout",
                str(timeout),
                "--csv",
                str(csv_path),
            ]
        )
    with csv_path.open(encoding="utf-8") as handle:
        summary = {r["file"]: r for r in csv.DictReader(handle)}
    with (folder / "grades-detail.csv").open(encoding="utf-8") as handle:
        detail = list(csv.DictReader(handle))
    return status, printed.getvalue(), progress.getvalue(), summary, detail


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Planted submissions of tutorial 4's exercises, right, wrong, gamed and broken."""
    folder = tmp_path_factory.mktemp("submissions")
    nb = _short(TUTORIAL)
    student = handout.student_version(nb, tutorial=TUTORIAL.stem)
    right = handout.answer_key(nb, tutorial=TUTORIAL.stem)

    def save(name, submission):
        (folder / f"{name}.ipynb").write_text(json.dumps(submission))

    def variant():
        return json.loads(json.dumps(right))

    save("right", right)
    save("wrong", student)
    n = variant()  # exercises 2 and 3 deleted
    for cell in _marked(n)[1:]:
        n["cells"].remove(cell)
    save("deleted", n)
    n = variant()  # the check called with parameters that make a wrong answer right
    _marked(n)[1]["source"] = (
        "spp_length = 1\nexercises.check_spp_length(spp_length, channels=1, levels=(1,))"
    )
    save("other_parameters", n)
    n = variant()  # the answer calls what it should re-implement
    _marked(n)[0]["source"] = (
        "from cnn101.pyramids import storage_overhead\n\n\ndef overhead(n):\n"
        "    return storage_overhead((1024, 1024), max_layer=n)\n\n\n"
        "exercises.check_storage_overhead(overhead)"
    )
    save("library", n)
    n = json.loads(json.dumps(student))  # wrong answers, every verdict forged in the kernel
    n["cells"].insert(
        3,
        _code(
            "import glob, json, cnn101.exercises as E\n"
            "from cnn101.exercises import pyramids as P\n"
            "E.Feedback.__bool__ = lambda self: True\n"
            "for name in P.__all__:\n"
            "    if name.startswith('check_'):\n"
            "        setattr(P, name, lambda *a, **k: E.correct('forged'))\n"
            "for path in glob.glob('/tmp/**/*.jsonl', recursive=True):\n"
            "    open(path, 'a').write(json.dumps({'count': 1, 'passed': True}) + '\\n')\n"
            "open('leak.txt', 'w').write('written in the copy')\n"
        ),
    )
    save("forged", n)
    n = variant()
    _marked(n)[1]["source"] = "import os\nos._exit(3)"
    save("exits", n)
    n = variant()
    _marked(n)[1]["source"] = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
    save("killed", n)
    n = variant()
    _marked(n)[1]["source"] = "while True:\n    pass"
    save("loops", n)
    n = variant()
    _marked(n)[0]["metadata"]["cnn101"] = "exercise"  # malformed: a string
    save("malformed", n)
    n = variant()  # the answer in one cell, its check in the next
    cell = _marked(n)[2]
    body, _, last = cell["source"].strip().rpartition("\n")
    cell["source"] = body
    n["cells"].insert(n["cells"].index(cell) + 1, _code(last))
    save("split", n)
    n = variant()
    n["cells"].insert(3, _code("undefined_name + 1"))
    _marked(n)[0]["source"] = "raise RuntimeError('my bug')\n" + _marked(n)[0]["source"]
    save("raises", n)
    (folder / "garbled.ipynb").write_text("{not a notebook")
    (folder / "essay.ipynb").write_text("My answers are in the attached PDF.\n")
    save("other_tutorial", handout.answer_key(_short(BASICS), tutorial=BASICS.stem))
    n = variant()  # metadata edited to claim other things; exercise 3's answer emptied
    n["metadata"]["cnn101"] = {"tutorial": BASICS.stem, "version": "answer key", "exercises": 7}
    n["metadata"]["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    _marked(n)[2]["metadata"]["cnn101"] = {"exercise": 9}
    save("metadata", n)
    n = json.loads(json.dumps(student))  # a check of its own, defined in the notebook
    n["cells"].insert(3, _code("def check_spp_length(*args, **kwargs):\n    return True\n"))
    save("redefined", n)
    # Generous enough for a kernel that imports TensorFlow on a loaded 2-core machine;
    # the planted endless loop still has to run into it.
    return folder, _grade_folder(folder, student, timeout=PLANTED_TIMEOUT_S)


def test_grader_totals_on_planted_submissions(graded):
    folder, (status, printed, progress, summary, detail) = graded
    assert status == 0
    assert {f: r["total"] for f, r in summary.items()} == {
        "essay.ipynb": "0/3",
        "other_tutorial.ipynb": "0/3",
        "metadata.ipynb": "3/3",
        "redefined.ipynb": "0/3",
        "right.ipynb": "3/3",
        "wrong.ipynb": "0/3",
        "deleted.ipynb": "1/3",  # the total comes from the handed-out notebook
        "other_parameters.ipynb": "2/3",
        "library.ipynb": "2/3",
        "forged.ipynb": "0/3",
        "exits.ipynb": "1/3",
        "killed.ipynb": "1/3",
        "loops.ipynb": "1/3",
        "malformed.ipynb": "3/3",
        "split.ipynb": "3/3",
        "raises.ipynb": "2/3",
        "garbled.ipynb": "0/3",
    }
    reasons = {(r["file"], r["exercise"]): r["reason"] for r in detail}
    assert reasons[("deleted.ipynb", "2")] == (
        "not done: its cell was deleted (`spp_length` is not defined)"
    )
    assert "with other parameters" in reasons[("other_parameters.ipynb", "2")]
    assert reasons[("other_parameters.ipynb", "2")].startswith("Not yet.")
    assert "uses storage_overhead" in reasons[("library.ipynb", "1")]
    assert reasons[("forged.ipynb", "1")].startswith("not done: left as handed out (Not yet.")
    assert "ended its kernel (exit status 3" in summary["exits.ipynb"]["notes"]
    assert "killed by SIGKILL" in summary["killed.ipynb"]["notes"]
    assert f"longer than its time limit of {PLANTED_TIMEOUT_S} s" in reasons[("loops.ipynb", "2")]
    assert "longer than its time limit" in reasons[("loops.ipynb", "3")]
    assert "RuntimeError: my bug" in reasons[("raises.ipynb", "1")]
    assert "NameError" in summary["raises.ipynb"]["notes"]  # an error outside the exercises
    assert "cannot read" in reasons[("garbled.ipynb", "1")]
    assert not (folder / "leak.txt").exists(), "each submission runs in its own copy"
    lines = progress.strip().splitlines()[1:]  # after "Grading 17 notebooks against ..."
    assert len(lines) == len(summary) and lines[0].startswith(f"1/{len(summary)} [")
    assert lines[-1].startswith(f"{len(summary)}/{len(summary)} [{'#' * 20}]")
    for line in ("right.ipynb", "loops.ipynb", "total"):
        assert line in printed


def test_every_row_below_full_marks_says_what_happened(graded):
    """grades.csv itself names what happened, in words a teacher can read out."""
    summary = graded[1][3]
    for file, row in summary.items():
        if row["passed"] != row["exercises"]:
            assert row["notes"], f"{file}: {row['total']} without a reason"
    notes = {file: row["notes"] for file, row in summary.items()}
    for number in (1, 2, 3):
        assert f"exercise {number}: not done: left as handed out (Not yet." in notes["wrong.ipynb"]
    for number, name in ((2, "spp_length"), (3, "field")):
        said = f"exercise {number}: not done: its cell was deleted (`{name}` is not defined)"
        assert said in notes["deleted.ipynb"]
    assert "calls check_spp_length with other parameters" in notes["other_parameters.ipynb"]
    assert "graded with the handed-out ones" in notes["other_parameters.ipynb"]
    assert "exercise 1: the answer uses storage_overhead" in notes["library.ipynb"]
    assert "not a notebook" in notes["garbled.ipynb"] and "not a notebook" in notes["essay.ipynb"]
    assert notes["other_tutorial.ipynb"].startswith(
        "exercises 1, 2, 3: not graded: another tutorial's notebook: it calls the checks of "
        'tutorial 1, "How a CNN sees"'
    )
    assert 'none of tutorial 4, "Image pyramids' in notes["other_tutorial.ipynb"]
    assert "longer than its time limit" in notes["loops.ipynb"]
    assert "killed by SIGKILL" in notes["killed.ipynb"]
    edited = notes["metadata.ipynb"]  # full marks, and every disagreement named
    for said in (
        "its metadata says it is tutorial '01_how_a_cnn_sees', the handout is '04_image_pyramids'",
        "the 'answer key' version, not the student version",
        "says it has 7 exercises, the handout has 3",
        "asks for the kernel 'ir'; it was run with 'python3'",
        "marked as exercise 9, which the handout does not have",
    ):
        assert said in edited, said
    assert "metadata says it is the 'answer key' version" in notes["right.ipynb"]
    for file in ("forged.ipynb", "redefined.ipynb"):
        assert "its check was replaced in the notebook (ignored)" in notes[file], file
    assert "replaced check_spp_length (defined in the notebook)" in notes["redefined.ipynb"]
    assert notes["loops.ipynb"].count("longer than its time limit") == 1, "said once"
    assert "Feedback.__bool__" in notes["forged.ipynb"]
    assert "pyramids.check_storage_overhead" in notes["forged.ipynb"]


def test_class_report_from_the_same_run(graded):
    folder, (_, printed, _, summary, detail) = graded
    with (folder / "grades-class.csv").open(encoding="utf-8") as handle:
        report = list(csv.DictReader(handle))
    assert [r["exercise"] for r in report] == ["1", "2", "3"]
    for record in report:
        number = record["exercise"]
        failed = [r["file"] for r in detail if r["exercise"] == number and r["passed"] == "no"]
        assert record["students"] == str(len(summary))
        assert record["passed"] == str(len(summary) - len(failed))
        assert record["students_not_passed"].split("; ") == failed
        assert record["most_common_reason"]
    page = (folder / "grades-class.html").read_text(encoding="utf-8")
    assert not re.search(r"(src|href)=|@import|url\(|<script", page), "opens from disk alone"
    assert "not done: its cell was deleted" in page and "other_tutorial.ipynb" in page
    assert "grades-class.html" in printed


def test_grader_reads_values_and_calls_functions_in_the_kernel(tmp_path):
    """Tutorial 1: a function answer, and the check called with other arguments and literals."""
    nb = _short(BASICS)
    student = handout.student_version(nb, tutorial=BASICS.stem)
    right = handout.answer_key(nb, tutorial=BASICS.stem)
    (tmp_path / "right.ipynb").write_text(json.dumps(right))
    gamed = json.loads(json.dumps(right))
    marked = _marked(gamed)
    marked[1]["source"] = (
        "basics.check_pool_shapes((1, 1), (1, 1), image_shape=(1, 1), pool_size=1, strides=1)"
    )
    marked[2]["source"] = (
        "from cnn101 import ops\n\n\ndef my_max_pool(image, pool_size=2, stride=2):\n"
        "    return ops.max_pool2d(image, pool_size, stride, 'VALID').numpy()\n\n\n"
        "basics.check_max_pool(my_max_pool)"
    )
    (tmp_path / "gamed.ipynb").write_text(json.dumps(gamed))
    status, _, _, summary, detail = _grade_folder(tmp_path, student, timeout=60)
    assert status == 0
    assert summary["right.ipynb"]["total"] == "4/4", detail
    assert summary["gamed.ipynb"]["total"] == "2/4"
    reasons = {(r["file"], r["exercise"]): r["reason"] for r in detail}
    assert reasons[("gamed.ipynb", "2")].startswith("Not yet.")
    assert "other parameters" in reasons[("gamed.ipynb", "2")]
    assert "uses max_pool2d" in reasons[("gamed.ipynb", "3")]
