"""Grade a class's notebooks against the notebook that was handed out.

``python -m cnn101.teaching grade --handout student/01_how_a_cnn_sees.ipynb
submissions/*.ipynb --csv grades.csv`` grades every submission against the exercises
of the handed-out notebook (or of the manifest the site builds next to it,
``student/01_how_a_cnn_sees.manifest.json``; see :func:`cnn101.teaching.handout.manifest`).

How a submission is graded:

1. It is copied into a new temporary folder and run there, top to bottom, in a new
   kernel, with one time limit for the whole notebook.
2. After each exercise's cell (the cell the handed-out version marks, or else the cell
   that calls the exercise's check), and once more after the last cell for whatever was
   missing, the grader reads the **values** of the answers named in the manifest out of
   the kernel (numbers, strings, lists, arrays; a function stays in the kernel).
3. The grader then calls the check **in its own process**, with those values and with
   the parameters of the handed-out notebook. A function answer is called back in the
   student's kernel with the inputs the check chooses, and only its return value comes
   back. So nothing the notebook prints, writes or patches (its own checks, ``Feedback``,
   a record file) decides a verdict: the notebook can only give answers.

The total is the number of exercises in the handed-out notebook: an exercise that is
missing, or whose answer is not defined, counts as not done. A submission that calls a
check with other parameters is graded with the handed-out ones, and told; an answer that
calls the library function the exercise asks to write (``ops.max_pool2d`` in a max
pooling) does not pass. Errors in other cells, and why a run stopped (time limit, the
kernel died or was ended by ``exit()`` / ``os._exit``), are reported.

Every exercise below full marks gets a reason a teacher can read out, and so does the
student's row of the summary (:func:`student_notes`): a deleted exercise cell, an exercise
left as handed out, another tutorial's notebook (by its checks or its metadata; it is not
run), a check called with other parameters, a check replaced or defined in the notebook
(ignored), metadata that disagrees with the handout, a file that is not a notebook, the
time limit (:data:`KINDS`). The class report (:func:`class_report`, :func:`report_html`)
counts them per exercise.

What the grader is not: a sandbox. It runs the students' code with the teacher's
rights, as Jupyter does. Run untrusted submissions in a container or a throw-away
virtual machine, as with nbgrader. The re-implementation test reads names (the answer
cells' source and the names a function answer's code uses), so a determined student can
hide a call from it; and an answer is read from the kernel that ran the student's code,
so a notebook can give any value it could compute, as a student could type.

The grader is made of :mod:`~cnn101.teaching.manifests` (what was handed out),
``_submission`` (reading a submission), ``_kernel``
(running it), :mod:`~cnn101.teaching.answers` (grading each exercise) and
:mod:`~cnn101.teaching.reports` and :mod:`~cnn101.teaching.class_page` (what the teacher
reads); the names a teacher uses are also importable from here.

Running notebooks needs ``nbclient`` and ``ipykernel``: ``pip install nbclient ipykernel``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from cnn101 import _validation as check
from cnn101.teaching import _submission, manifests, notebooks
from cnn101.teaching._kernel import CALL_TIMEOUT_S as CALL_TIMEOUT_S
from cnn101.teaching._kernel import MAX_REPLY_BYTES as MAX_REPLY_BYTES
from cnn101.teaching._kernel import MISSING_NBCLIENT, Kernel, installed_kernel
from cnn101.teaching.answers import KINDS as KINDS
from cnn101.teaching.answers import REIMPLEMENTS as REIMPLEMENTS
from cnn101.teaching.answers import GradeRow, grade_answer, stop_kind, stopped_row
from cnn101.teaching.class_page import report_html as report_html
from cnn101.teaching.class_page import write_class_report as write_class_report
from cnn101.teaching.manifests import load_manifest as load_manifest
from cnn101.teaching.reports import CSV_FIELDS as CSV_FIELDS
from cnn101.teaching.reports import REPORT_FIELDS as REPORT_FIELDS
from cnn101.teaching.reports import SUMMARY_FIELDS as SUMMARY_FIELDS
from cnn101.teaching.reports import class_report as class_report
from cnn101.teaching.reports import format_table as format_table
from cnn101.teaching.reports import progress_bar, totals
from cnn101.teaching.reports import student_notes as student_notes
from cnn101.teaching.reports import summary as summary
from cnn101.teaching.reports import write_csv as write_csv
from cnn101.teaching.reports import write_summary_csv as write_summary_csv

__all__ = ["grade", "grade_notebook"]

DEFAULT_TIMEOUT_S = 600


def _timeout(timeout: Any) -> float:
    """Return ``timeout`` as seconds: a positive, finite real number (TypeError, ValueError)."""
    return check.real_number(timeout, "timeout", positive=True)


def _manifest(manifest: Any) -> dict:
    """Return the manifest ``manifest`` is, or names as a file; raise if it is none."""
    check.instance(manifest, "manifest", (dict, str, os.PathLike), "a manifest dict or its file")
    if isinstance(manifest, str | os.PathLike):
        manifest = manifests.load_manifest(manifest)
    return manifests.checked_manifest(manifest)


def _not_run(name: str, nb: Any, manifest: dict) -> list[GradeRow]:
    """Return the rows of a submission that is not run (another tutorial's notebook), or []."""
    other = _submission.other_tutorial(nb["cells"], nb, manifest)
    if not other:
        return []
    return [
        stopped_row(name, e, f"not graded: {other}", "other tutorial")
        for e in manifest["exercises"]
    ]


class _Run:
    """One submission's run: its rows and notes as the kernel answers, cell after cell."""

    def __init__(self, name: str, nb: Any, manifest: dict, kernel: Kernel):
        self.name, self.nb, self.kernel = name, nb, kernel
        self.cells = list(nb["cells"])
        self.exercises = manifest["exercises"]
        self.place = _submission.locate(self.cells, self.exercises)
        self.results: dict[int, GradeRow] = {}
        self.cell_errors: dict[int, str] = {}
        self.notes: list[tuple[str, str]] = []
        self.replaced: list[str] = []

    def _grade(self, exercise: dict, error: str, *, final: bool) -> GradeRow | None:
        call = self.place.own_call.get(exercise["number"])
        return grade_answer(self.name, exercise, self.kernel, self.cells, call, error, final=final)

    def _after_cell(self, index: int, cell: Any) -> None:
        """Note a cell's error; grade the exercises whose answers are complete after it."""
        error = _submission.error_of(cell)
        owners = [e for e in self.exercises if self.place.at_cell.get(e["number"]) == index]
        if error and not owners:
            first = notebooks.source(cell).strip().splitlines()[:1]
            where = f"cell {index + 1}" + (f" ({first[0][:50]!r})" if first else "")
            self.notes.append((f"{where} raised {error}", "cell error"))
        for exercise in owners:
            self.cell_errors[exercise["number"]] = error
            row = self._grade(exercise, error, final=False)
            if row is not None:
                self.results[exercise["number"]] = row

    def __call__(self) -> None:
        """Run every code cell, grading as it goes; then what was missing, once more."""
        for index, cell in enumerate(self.cells):
            if notebooks.is_code(cell):
                self.kernel.run(cell, index)
                self._after_cell(index, cell)
        for exercise in self.exercises:
            number = exercise["number"]
            if number not in self.results:
                error = self.cell_errors.get(number, "")
                self.results[number] = self._grade(exercise, error, final=True)
        found = self.kernel.request({"op": "replaced"})
        if isinstance(found, list):
            self.replaced = [str(f) for f in found]

    def _final_row(self, exercise: dict) -> GradeRow:
        """Return the exercise's row, with why it was not graded, deleted or left as handed out."""
        name, number = self.name, exercise["number"]
        row = self.results.get(number)
        if row is None:
            return stopped_row(
                name, exercise, f"not graded: {self.kernel.stopped or 'not reached'}"
            )
        if row.passed or row.kind not in ("wrong", "undefined", "error"):
            return row
        what = row.reason.removeprefix("not done: ")
        if number in self.place.deleted:
            reason = f"not done: its cell was deleted ({what})"
            return GradeRow(name, number, row.check, False, reason, "deleted")
        if number in self.place.unchanged:
            reason = f"not done: left as handed out ({what})"
            return GradeRow(name, number, row.check, False, reason, "empty")
        return row

    def rows(self) -> list[GradeRow]:
        """Return one row per exercise of the manifest, then the notes about the notebook."""
        rows = []
        for exercise in self.exercises:
            row = self._final_row(exercise)
            if any(r.split(" ")[0].rpartition(".")[2] == row.check for r in self.replaced):
                reason = "; ".join(
                    r for r in [row.reason, "its check was replaced in the notebook (ignored)"] if r
                )
                row = GradeRow(row.file, row.exercise, row.check, row.passed, reason, row.kind)
            rows.append(row)
        notes = list(self.notes)
        if self.replaced:
            notes.append(
                (
                    f"the notebook replaced {', '.join(self.replaced)}; ignored: every answer "
                    "was graded with cnn101's own checks",
                    "replaced check",
                )
            )
        if self.kernel.stopped:
            notes.append((self.kernel.stopped, stop_kind(self.kernel.stopped)))
        return rows + [GradeRow(self.name, None, "", False, note, kind) for note, kind in notes]


def grade_notebook(
    path: str | Path,
    manifest: dict | str | Path,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    kernel_name: str = "python3",
) -> list[GradeRow]:
    """Run one submitted notebook in a fresh kernel and grade it against ``manifest``.

    Parameters
    ----------
    path : str or Path
        The submitted ``.ipynb`` file.
    manifest : dict, str or Path
        The handed-out notebook's manifest (:func:`load_manifest` reads it from a file).
    timeout : float, default 600
        Seconds the whole notebook may run; a cell still running then is stopped, and the
        exercises not yet graded fail with the reason.
    kernel_name : str, default "python3"

    Returns
    -------
    list of GradeRow
        One row per exercise of the manifest, in its order, then notes about the whole
        notebook (``exercise=None``): an unreadable file, an error in a cell outside the
        exercises, a stopped run.

    Raises
    ------
    ModuleNotFoundError
        If nbclient is not installed.
    TypeError
        If ``path`` is not a path, or ``timeout`` not a number.
    ValueError
        If ``timeout`` is not positive and finite, ``manifest`` is not a manifest, or
        ``kernel_name`` not an installed kernel.

    Examples
    --------
    A file that is not a notebook is not run; each exercise gets a row saying why:

    >>> import pathlib, tempfile
    >>> manifest = {"format": "cnn101-exercises-manifest", "version": 1, "tutorial": "",
    ...             "exercises": [{"number": 1, "check": "check_pool_shapes",
    ...                            "args": [{"answer": "same"}, {"answer": "valid"}],
    ...                            "kwargs": {}}]}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "bob.ipynb"
    ...     _ = path.write_text("not JSON", encoding="utf-8")
    ...     [row] = grade_notebook(path, manifest)
    >>> row.passed, row.kind, row.reason.startswith("not graded: not a notebook")
    (False, 'not a notebook', True)
    """
    path = check.path(path, "path")
    timeout = _timeout(timeout)
    manifest = _manifest(manifest)
    try:
        import nbclient  # noqa: F401
    except ImportError as error:
        raise ModuleNotFoundError(MISSING_NBCLIENT, name="nbclient") from error
    installed_kernel(kernel_name)
    name, exercises = path.name, manifest["exercises"]
    try:
        nb = _submission.read_submission(path)
    except ValueError as error:
        reason = f"not graded: not a notebook ({error})"
        return [stopped_row(name, e, reason, "not a notebook") for e in exercises]
    not_run = _not_run(name, nb, manifest)  # none of its answers can be read as this handout's
    if not_run:
        return not_run
    with tempfile.TemporaryDirectory(prefix="cnn101-grade-") as folder:
        work = Path(folder)
        shutil.copyfile(path, work / name)
        run = _Run(name, nb, manifest, Kernel(nb, work, kernel_name, timeout))
        run.notes += [
            (n, "metadata") for n in _submission.metadata_notes(nb, manifest, kernel_name)
        ]
        run.kernel.session(run)
    return run.rows()


def grade(
    paths: Iterable[str | Path],
    manifest: dict | str | Path,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    kernel_name: str = "python3",
    progress: Callable[[str], Any] | None = None,
) -> list[GradeRow]:
    """Grade each notebook of ``paths`` in turn against ``manifest`` (see :func:`grade_notebook`).

    Parameters
    ----------
    paths : list of str or Path
    manifest : dict, str or Path
        The handed-out notebook's manifest, or the file it is read from.
    timeout : float, default 600
        Seconds per notebook.
    kernel_name : str, default "python3"
    progress : callable, optional
        Called with one line per notebook once it is graded, with a bar of how far the
        class is ("3/11 [#####-----------] alice.ipynb: 3/4 in 12 s").

    Returns
    -------
    list of GradeRow
        The rows of :func:`grade_notebook` for each notebook, in the order of ``paths``;
        a notebook the grader itself fails on gets a failing row per exercise.

    Raises
    ------
    ModuleNotFoundError
        If nbclient is not installed.

    Examples
    --------
    Running notebooks takes seconds each; with no submission there is nothing to run:

    >>> manifest = {"format": "cnn101-exercises-manifest", "version": 1, "tutorial": "",
    ...             "exercises": [{"number": 1, "check": "check_spp_length",
    ...                            "args": [{"answer": "length"}], "kwargs": {}}]}
    >>> grade([], manifest)
    []
    """
    if isinstance(paths, str | bytes | os.PathLike) or not isinstance(paths, Iterable):
        raise TypeError(
            f"`paths` must be a list of notebook paths. Received: paths={check.describe(paths)}"
        )
    paths = [check.path(path, "paths") for path in paths]
    _timeout(timeout)
    manifest = _manifest(manifest)
    if progress is not None and not callable(progress):
        raise TypeError(
            f"`progress` must be callable. Received: progress={check.describe(progress)}"
        )
    rows: list[GradeRow] = []
    for count, path in enumerate(paths, 1):
        start = time.monotonic()
        found = _grade_or_fail(path, manifest, timeout, kernel_name)
        rows += found
        if progress is not None:
            passed, total = totals(found).get(path.name, (0, 0))
            progress(
                f"{count}/{len(paths)} {progress_bar(count, len(paths))} {path.name}: "
                f"{passed}/{total} in {time.monotonic() - start:.0f} s"
            )
    return rows


def _grade_or_fail(path: Path, manifest: dict, timeout: Any, kernel_name: Any) -> list[GradeRow]:
    """Grade one notebook of a batch; a notebook the grader itself fails on fails each exercise."""
    try:
        return grade_notebook(path, manifest, timeout=timeout, kernel_name=kernel_name)
    except (ModuleNotFoundError, TypeError, ValueError):
        raise
    except Exception as error:  # never stop the batch on one submission
        reason = f"not graded: the grader failed: {type(error).__name__}: {error}"[:300]
        return [stopped_row(path.name, e, reason) for e in manifest["exercises"]]
