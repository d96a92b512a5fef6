"""The grades as a teacher reads them: totals, one line per student, tables and CSV files.

From the rows the grader returns (:class:`cnn101.teaching.answers.GradeRow`, one per
exercise of each submission, and notes about whole notebooks) this module makes each
student's total (:func:`totals`) and notes (:func:`student_notes`), one record per
student (:func:`summary`) or per exercise (:func:`class_report`), a plain-text table
(:func:`format_table`) and the CSV files (:func:`write_csv`, :func:`write_summary_csv`).
The class report's page is :mod:`cnn101.teaching.class_page`.
"""

from __future__ import annotations

import collections
import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from cnn101 import _validation as check
from cnn101.teaching.answers import KINDS, GradeRow, checked_rows

__all__ = [
    "class_report",
    "format_table",
    "student_notes",
    "summary",
    "totals",
    "write_csv",
    "write_summary_csv",
]

CSV_FIELDS = ("file", "exercise", "check", "passed", "reason", "total")
SUMMARY_FIELDS = ("file", "passed", "exercises", "total", "notes")
REPORT_FIELDS = (
    "exercise",
    "check",
    "passed",
    "students",
    "most_common_reason",
    "students_not_passed",
)


def progress_bar(done: int, total: int, width: int = 20) -> str:
    """Return a text bar of ``done`` out of ``total`` ("[#####---------------]").

    Parameters
    ----------
    done, total : int
        Notebooks graded so far, and in all.
    width : int, default 20
        Characters between the brackets.

    Returns
    -------
    str

    Examples
    --------
    >>> progress_bar(1, 4, width=8)
    '[##------]'
    >>> progress_bar(0, 0, width=4)
    '[####]'
    """
    filled = width if total <= 0 else round(width * min(max(done, 0), total) / total)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def _numbers(numbers: Sequence[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def student_notes(rows: Sequence[GradeRow], file: str) -> str:
    """Return what happened in one submission, as one line a teacher can read out.

    Every exercise below full marks gets its reason (exercises with the same reason
    share it), then what the grader noticed on passing answers and on the whole
    notebook (an error outside the exercises, edited metadata, a replaced check, why
    the run stopped).

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned.
    file : str
        The submission (``GradeRow.file``).

    Returns
    -------
    str
        Parts joined with "; "; empty when every exercise passed and nothing was noticed.

    Examples
    --------
    >>> rows = [GradeRow("a.ipynb", 1, "check_x", True),
    ...         GradeRow("a.ipynb", 2, "check_y", False, "not done: `y` is not defined", "undefined"),
    ...         GradeRow("a.ipynb", 3, "check_z", False, "not done: `y` is not defined", "undefined")]
    >>> student_notes(rows, "a.ipynb")
    'exercises 2, 3: not done: `y` is not defined'
    """
    rows = checked_rows(rows)
    check.text(file, "file", optional=False)
    return "; ".join(note_parts(rows, file))


def note_parts(rows: Sequence[GradeRow], file: str) -> list[str]:
    """Return the parts of :func:`student_notes`: one a reason (or a group of exercises)."""
    rows = [row for row in rows if row.file == file]
    groups: dict[str, list[int]] = {}
    for row in rows:
        if row.exercise is None:
            continue
        reason = row.reason or ("" if row.passed else KINDS.get(row.kind, "not passed"))
        if reason:
            groups.setdefault(reason, []).append(row.exercise)
    parts = [
        f"exercise{'s' if len(numbers) > 1 else ''} {_numbers(numbers)}: {reason}"
        for reason, numbers in groups.items()
    ]
    said = " ".join(groups)  # a stopped run is said once, where its exercises are
    parts += [
        row.reason for row in rows if row.exercise is None and row.reason and row.reason not in said
    ]
    return parts


def totals(rows: Sequence[GradeRow]) -> dict[str, tuple[int, int]]:
    """Return {file: (exercises passed, exercises)}; notes (``exercise=None``) do not count.

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned.

    Returns
    -------
    dict of str to (int, int)
        For each file, in the order of first appearance.

    Examples
    --------
    >>> totals([GradeRow("a.ipynb", 1, "check_x", True), GradeRow("a.ipynb", 2, "check_y", False)])
    {'a.ipynb': (1, 2)}
    """
    out: dict[str, tuple[int, int]] = {}
    for row in checked_rows(rows):
        passed, count = out.get(row.file, (0, 0))
        if row.exercise is None:
            out[row.file] = (passed, count)
        else:
            out[row.file] = (passed + row.passed, count + 1)
    return out


def summary(rows: Sequence[GradeRow]) -> list[dict[str, str]]:
    """Return one record per submission: file, passed, exercises, total, notes.

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned.

    Returns
    -------
    list of dict of str to str
        One record per file (the columns of :func:`write_summary_csv`); ``notes`` is
        :func:`student_notes`: the reason of every exercise below full marks, then the
        notes about the whole notebook.

    Examples
    --------
    >>> summary([GradeRow("a.ipynb", 1, "check_x", True),
    ...          GradeRow("a.ipynb", None, "", False, "cell 3 raised NameError: x")])
    [{'file': 'a.ipynb', 'passed': '1', 'exercises': '1', 'total': '1/1', 'notes': 'cell 3 raised NameError: x'}]
    """
    rows = checked_rows(rows)
    out = []
    for file, (passed, count) in totals(rows).items():
        out.append(
            {
                "file": file,
                "passed": str(passed),
                "exercises": str(count),
                "total": f"{passed}/{count}",
                "notes": student_notes(rows, file),
            }
        )
    return out


def class_report(rows: Sequence[GradeRow]) -> list[dict[str, str]]:
    """Return one record per exercise: how many passed, the commonest reason, who did not.

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned for the class.

    Returns
    -------
    list of dict of str to str
        In exercise order, with the columns of :data:`REPORT_FIELDS`: ``passed`` and
        ``students`` are counts, ``most_common_reason`` is the commonest kind of failure
        in words (:data:`KINDS`) with how many students it concerns, and
        ``students_not_passed`` lists the files below the mark, joined with "; ".

    Examples
    --------
    >>> rows = [GradeRow("a.ipynb", 1, "check_x", True),
    ...         GradeRow("b.ipynb", 1, "check_x", False, "Not yet. 3 is too small.", "wrong"),
    ...         GradeRow("c.ipynb", 1, "check_x", False, "Not yet. 9 is too big.", "wrong")]
    >>> [record] = class_report(rows)
    >>> record["passed"], record["students"], record["most_common_reason"]
    ('1', '3', 'wrong answer (the check said Not yet): 2 of 2')
    >>> record["students_not_passed"]
    'b.ipynb; c.ipynb'
    """
    rows = checked_rows(rows)
    exercises: dict[int, list[GradeRow]] = {}
    for row in rows:
        if row.exercise is not None:
            exercises.setdefault(row.exercise, []).append(row)
    out = []
    for number in sorted(exercises):
        group = exercises[number]
        failed = [row for row in group if not row.passed]
        kinds = collections.Counter(KINDS.get(row.kind, "not passed") for row in failed)
        common = ""
        if kinds:
            label, count = kinds.most_common(1)[0]
            common = f"{label}: {count} of {len(failed)}"
        out.append(
            {
                "exercise": str(number),
                "check": group[0].check,
                "passed": str(len(group) - len(failed)),
                "students": str(len(group)),
                "most_common_reason": common,
                "students_not_passed": "; ".join(row.file for row in failed),
            }
        )
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
                "passed": "" if row.exercise is None else ("yes" if row.passed else "no"),
                "reason": row.reason,
                "total": f"{passed}/{count}",
            }
        )
    return out


def format_table(rows: Sequence[GradeRow]) -> str:
    """Return the rows as a plain-text table, with each file's total.

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned.

    Returns
    -------
    str
        A header line and one line per row, columns aligned with spaces.

    Examples
    --------
    >>> print(format_table([GradeRow("a.ipynb", 1, "check_x", True),
    ...                     GradeRow("a.ipynb", 2, "check_y", False, "Not yet. 3 is too small.")]))
    file     exercise  check    passed  total  reason
    a.ipynb  1         check_x  yes     1/2
    a.ipynb  2         check_y  no      1/2    Not yet. 3 is too small.
    """
    rows = checked_rows(rows)
    columns = ("file", "exercise", "check", "passed", "total", "reason")
    table = [dict(zip(columns, columns, strict=True)), *_records(rows)]
    widths = {c: max(len(r[c]) for r in table) for c in columns[:-1]}
    lines = []
    for record in table:
        cells = [record[c].ljust(widths[c]) for c in columns[:-1]] + [record["reason"]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def write_table(path: Path, fields: Sequence[str], records: Iterable[dict]) -> Path:
    """Write ``records`` to ``path`` as CSV with the columns ``fields``; return ``path``."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(records)
    return path


def write_csv(rows: Sequence[GradeRow], path: str | Path) -> Path:
    """Write one row per exercise as CSV (columns file, exercise, check, passed, reason, total).

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned.
    path : str or Path
        The CSV file to write (replaced if it exists).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        If ``path`` is a folder, or its folder is missing or not writable.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> rows = [GradeRow("a.ipynb", 1, "check_x", True), GradeRow("a.ipynb", 2, "check_y", False, "Not yet.")]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_csv(rows, pathlib.Path(folder) / "grades.csv")
    ...     print(path.read_text(encoding="utf-8").splitlines())
    ['file,exercise,check,passed,reason,total', 'a.ipynb,1,check_x,yes,,1/2', 'a.ipynb,2,check_y,no,Not yet.,1/2']
    """
    rows = checked_rows(rows)
    return write_table(check.writable_file(path), CSV_FIELDS, _records(rows))


def write_summary_csv(rows: Sequence[GradeRow], path: str | Path) -> Path:
    """Write one row per submission as CSV (columns file, passed, exercises, total, notes).

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned.
    path : str or Path
        The CSV file to write (replaced if it exists).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        If ``path`` is a folder, or its folder is missing or not writable.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> rows = [GradeRow("a.ipynb", 1, "check_x", True), GradeRow("a.ipynb", 2, "check_y", False, "Not yet.")]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_summary_csv(rows, pathlib.Path(folder) / "grades.csv")
    ...     print(path.read_text(encoding="utf-8").splitlines())
    ['file,passed,exercises,total,notes', 'a.ipynb,1,2,1/2,exercise 2: Not yet.']
    """
    rows = checked_rows(rows)
    return write_table(check.writable_file(path), SUMMARY_FIELDS, summary(rows))
