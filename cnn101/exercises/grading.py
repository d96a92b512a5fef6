"""Grade a class's notebooks: run each in a fresh kernel and collect its exercise checks.

``python -m cnn101.exercises grade submissions/*.ipynb --csv grades.csv`` runs every
submitted notebook top to bottom in its own new kernel (in the notebook's folder, with
a time limit for the whole notebook), and records what each exercise's check returned.
It prints one table (student file, exercise, passed or not, why not, total) and writes
the same rows as CSV. A notebook that cannot be read, raises, or runs past the time
limit gets its rows with the reason; the grader itself never stops on a submission.

How a verdict is read: before the notebook's own cells, the grader runs one cell that
wraps every ``check_...`` function of ``cnn101.exercises`` so that each call is
recorded, and once each cell has run, appends ``(cell's execution count, check, passed,
message)`` to a file outside the notebook.
An exercise passes when the last check called by its cell passed and the cell raised
nothing. Exercise cells are the ones the student version marks in its metadata
(``{"cnn101": {"exercise": n}}``), or else the code cells after ``## Exercises`` that
call a check, as in the tutorials.

Running notebooks needs ``nbclient`` and ``ipykernel``: ``pip install "cnn101[grade]"``.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnn101 import _validation as check
from cnn101.exercises import handout

__all__ = ["GradeRow", "format_table", "grade", "grade_notebook", "write_csv"]

DEFAULT_TIMEOUT_S = 600
CSV_FIELDS = ("file", "exercise", "check", "passed", "reason", "total")
_MISSING_NBCLIENT = (
    "Grading runs notebooks with nbclient and ipykernel, which are not installed: "
    'run `pip install "cnn101[grade]"` (or `pip install nbclient ipykernel`).'
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# Runs first in the student's kernel: record every top-level call of a check function.
_RECORDER = """\
import functools as _cnn101_functools, importlib as _cnn101_importlib, json as _cnn101_json
import pkgutil as _cnn101_pkgutil
import cnn101.exercises as _cnn101_exercises

def _cnn101_record_checks(path):
    depth, pending = [0], []

    def wrap(name, func):
        @_cnn101_functools.wraps(func)
        def recorded(*args, **kwargs):
            depth[0] += 1
            try:
                result = func(*args, **kwargs)
            finally:
                depth[0] -= 1
            if depth[0] == 0:
                pending.append({"check": name, "passed": bool(result),
                                "message": str(result).splitlines()[0][:300]})
            return result
        return recorded

    def after_cell(result):  # the cell's execution count is known once it has run
        with open(path, "a", encoding="utf-8") as log:
            for row in pending:
                log.write(_cnn101_json.dumps({"count": result.execution_count, **row}) + "\\n")
        pending.clear()

    get_ipython().events.register("post_run_cell", after_cell)
    for info in _cnn101_pkgutil.iter_modules(_cnn101_exercises.__path__):
        if info.name.startswith("_") or info.name in ("handout", "grading"):
            continue
        module = _cnn101_importlib.import_module(f"cnn101.exercises.{info.name}")
        for name in dir(module):
            if name.startswith("check_") and callable(getattr(module, name)):
                setattr(module, name, wrap(name, getattr(module, name)))

_cnn101_record_checks(%r)
del _cnn101_record_checks
"""


@dataclass(frozen=True)
class GradeRow:
    """One exercise of one submission.

    Attributes
    ----------
    file : str
        The submitted notebook.
    exercise : int or None
        1, 2, ...; None for a row about the whole notebook (it could not be read).
    check : str
        The check the exercise calls.
    passed : bool
    reason : str
        Why it did not pass (the check's "Not yet" line, the error, the time limit).
    """

    file: str
    exercise: int | None
    check: str
    passed: bool
    reason: str = ""


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _exercise_cells(nb) -> list[tuple[int, int, str]]:
    """(cell index, exercise number, check name) of each exercise cell of a submission."""
    marked = []
    for index, cell in enumerate(nb.get("cells", [])):
        number = cell.get("metadata", {}).get("cnn101", {}).get("exercise")
        if cell.get("cell_type") == "code" and isinstance(number, int):
            call = handout._CHECK_CALL.search(_source(cell))
            marked.append((index, number, call.group(1) if call else ""))
    if marked:
        return marked
    found = []
    start = next(
        (
            i
            for i, c in enumerate(nb.get("cells", []))
            if c.get("cell_type") != "code" and handout._EXERCISES_HEADING.search(_source(c))
        ),
        0,
    )
    for index in range(start, len(nb.get("cells", []))):
        cell = nb["cells"][index]
        call = (
            handout._CHECK_CALL.search(_source(cell)) if cell.get("cell_type") == "code" else None
        )
        if call:
            found.append((index, len(found) + 1, call.group(1)))
    return found


def _error_of(cell) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return _ANSI.sub("", f"raised {output.get('ename')}: {output.get('evalue')}")[:300]
    return ""


def _read_records(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # a half-written last line of a killed kernel
            continue
    return rows


def _check_path(path: Any, name: str) -> Path:
    if not isinstance(path, str | os.PathLike) or not str(path):
        raise TypeError(
            f"`{name}` must be a file path (str or pathlib.Path). Received: {name}={check.describe(path)}"
        )
    return Path(path)


def _check_timeout(timeout: Any) -> float:
    if not check.is_number(timeout) or not 0 < float(timeout) < math.inf:
        raise ValueError(
            f"`timeout` must be a positive number of seconds. Received: timeout={check.describe(timeout)}"
        )
    return float(timeout)


def _check_kernel(kernel_name: Any) -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    installed = sorted(KernelSpecManager().find_kernel_specs())
    if not isinstance(kernel_name, str) or kernel_name not in installed:
        raise ValueError(
            f"`kernel_name` must be an installed Jupyter kernel, one of {installed}. "
            f"Received: kernel_name={check.describe(kernel_name)}"
        )
    return kernel_name


def _check_rows(rows: Any) -> list[GradeRow]:
    if isinstance(rows, str) or not isinstance(rows, Sequence | Iterable):
        raise TypeError(
            f"`rows` must be a sequence of GradeRow (from grade). Received: rows={check.describe(rows)}"
        )
    rows = list(rows)
    if not all(isinstance(row, GradeRow) for row in rows):
        raise TypeError(
            f"`rows` must hold GradeRow records (from grade). Received: rows={check.describe(rows)}"
        )
    return rows


def grade_notebook(
    path: str | Path, *, timeout: float = DEFAULT_TIMEOUT_S, kernel_name: str = "python3"
) -> list[GradeRow]:
    """Run one submitted notebook in a fresh kernel and grade its exercises.

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file.
    timeout : float, default 600
        Seconds the whole notebook may run; a cell still running then is stopped and
        every exercise not yet passed fails with the reason.
    kernel_name : str, default "python3"

    Returns
    -------
    list of GradeRow
        One row per exercise, or one row with ``exercise=None`` when the file is not a
        notebook or has no exercise.

    Raises
    ------
    ModuleNotFoundError
        If nbclient is not installed (``pip install "cnn101[grade]"``).
    ValueError
        If ``timeout`` is not a positive number.
    """
    path = _check_path(path, "path")
    timeout = _check_timeout(timeout)
    try:
        import nbclient
        import nbformat
        from traitlets.config import Config
    except ImportError as error:
        raise ModuleNotFoundError(_MISSING_NBCLIENT, name="nbclient") from error
    _check_kernel(kernel_name)

    name = path.name
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # not JSON, not a notebook, unreadable: a row, not a crash
        return [GradeRow(name, None, "", False, f"cannot read the notebook: {error}"[:300])]
    cells = _exercise_cells(nb)
    if not cells:
        return [GradeRow(name, None, "", False, "no exercise check found in the notebook")]

    with tempfile.TemporaryDirectory(prefix="cnn101-grade-") as work:
        record = Path(work) / "checks.jsonl"
        recorder = nbformat.v4.new_code_cell(_RECORDER % str(record))
        nb.cells.insert(0, recorder)
        deadline = time.monotonic() + timeout
        config = Config({"KernelManager": {"transport": "ipc", "ip": f"{work}/kernel"}})
        client = nbclient.NotebookClient(
            nb,
            config=config,
            kernel_name=kernel_name,
            timeout=int(timeout) + 1,
            timeout_func=lambda cell: max(1, int(deadline - time.monotonic()) + 1),
            allow_errors=True,
            record_timing=False,
            resources={"metadata": {"path": str(path.resolve().parent)}},
        )
        stopped = ""
        try:
            with (Path(work) / "kernel.log").open("wb") as log:
                client.execute(stdout=log, stderr=log)
        except nbclient.exceptions.CellTimeoutError:
            stopped = f"stopped: the notebook ran longer than the {timeout:g} s limit"
        except nbclient.exceptions.DeadKernelError:
            stopped = "stopped: the kernel died (out of memory, or the notebook exited it)"
        except Exception as error:  # the kernel did not start, a cell could not be sent, ...
            stopped = f"stopped: {type(error).__name__}: {_ANSI.sub('', str(error))}"[:300]
        records = _read_records(record)
    by_count: dict[int, list[dict]] = {}
    for row in records:
        by_count.setdefault(row["count"], []).append(row)
    rows = []
    for index, number, check_name in cells:
        cell = nb.cells[index + 1]  # the recorder cell came first
        count = cell.get("execution_count")
        calls = by_count.get(count, []) if count is not None else []
        error = _error_of(cell)
        if stopped and error.startswith("raised KeyboardInterrupt"):  # stopped at the limit
            error = stopped
        if error:
            rows.append(GradeRow(name, number, check_name, False, error))
        elif calls:
            last = calls[-1]
            reason = "" if last["passed"] else last["message"]
            rows.append(GradeRow(name, number, last["check"], last["passed"], reason))
        elif count is None:
            rows.append(
                GradeRow(name, number, check_name, False, stopped or "the cell did not run")
            )
        else:
            rows.append(GradeRow(name, number, check_name, False, "the cell ran no check"))
    return rows


def grade(
    paths: Iterable[str | Path], *, timeout: float = DEFAULT_TIMEOUT_S, kernel_name: str = "python3"
) -> list[GradeRow]:
    """Grade each notebook of ``paths`` in turn (see :func:`grade_notebook`).

    Raises
    ------
    ModuleNotFoundError
        If nbclient is not installed (``pip install "cnn101[grade]"``).
    """
    if isinstance(paths, str | bytes | os.PathLike) or not isinstance(paths, Iterable):
        raise TypeError(
            f"`paths` must be a list of notebook paths. Received: paths={check.describe(paths)}"
        )
    paths = [_check_path(path, "paths") for path in paths]
    _check_timeout(timeout)
    rows: list[GradeRow] = []
    for path in paths:
        rows += grade_notebook(path, timeout=timeout, kernel_name=kernel_name)
    return rows


def totals(rows: Sequence[GradeRow]) -> dict[str, tuple[int, int]]:
    """Return {file: (exercises passed, exercises)}.

    Examples
    --------
    >>> totals([GradeRow("a.ipynb", 1, "check_x", True), GradeRow("a.ipynb", 2, "check_y", False)])
    {'a.ipynb': (1, 2)}
    """
    out: dict[str, tuple[int, int]] = {}
    for row in rows:
        passed, count = out.get(row.file, (0, 0))
        if row.exercise is None:
            out[row.file] = (passed, count)
        else:
            out[row.file] = (passed + row.passed, count + 1)
    return out


def _records(rows: Sequence[GradeRow]) -> list[dict[str, str]]:
    score = totals(rows)
    out = []
    for row in rows:
        passed, count = score[row.file]
        out.append(
            {
                "file": row.file,
                "exercise": "" if row.exercise is None else str(row.exercise),
                "check": row.check,
                "passed": "yes" if row.passed else "no",
                "reason": row.reason,
                "total": f"{passed}/{count}",
            }
        )
    return out


def format_table(rows: Sequence[GradeRow]) -> str:
    """Return the rows as a plain-text table, with each file's total.

    Examples
    --------
    >>> print(format_table([GradeRow("a.ipynb", 1, "check_x", True),
    ...                     GradeRow("a.ipynb", 2, "check_y", False, "Not yet. 3 is too small.")]))
    file     exercise  check    passed  total  reason
    a.ipynb  1         check_x  yes     1/2
    a.ipynb  2         check_y  no      1/2    Not yet. 3 is too small.
    """
    rows = _check_rows(rows)
    columns = ("file", "exercise", "check", "passed", "total", "reason")
    table = [dict(zip(columns, columns, strict=True)), *_records(rows)]
    widths = {c: max(len(r[c]) for r in table) for c in columns[:-1]}
    lines = []
    for record in table:
        cells = [record[c].ljust(widths[c]) for c in columns[:-1]] + [record["reason"]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def write_csv(rows: Sequence[GradeRow], path: str | Path) -> Path:
    """Write the rows as CSV (columns file, exercise, check, passed, reason, total)."""
    rows = _check_rows(rows)
    path = _check_path(path, "path")
    if path.is_dir():
        raise ValueError(
            f"`path` must name a file, not a folder. Received: path={check.describe(str(path))}"
        )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(_records(rows))
    return path
