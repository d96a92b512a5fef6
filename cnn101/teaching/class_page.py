"""The class report as a static HTML page, next to its CSV table.

Per exercise how many passed (with a bar), the commonest reason for not passing and who
is concerned; then one row per student with the total and what happened
(:func:`cnn101.teaching.reports.student_notes`). The page runs no script and fetches
nothing, so it opens from disk in any browser, and it follows the reader's light or dark
colours.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from pathlib import Path

from cnn101 import _validation as check
from cnn101.teaching.answers import GradeRow, checked_rows
from cnn101.teaching.reports import REPORT_FIELDS, class_report, note_parts, summary, write_table

__all__ = ["report_html", "write_class_report"]

_REPORT_STYLE = """
:root { color-scheme: light dark; --fg: #000000de; --muted: #0000008a; --bg: #fff;
  --primary: #4051b5; --line: #0000001f; --bar: #e8eaf6; --ok: #2e7d32; --no: #c62828; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e2e4e9; --muted: #e2e4e99a; --bg: #1e2129; --primary: #7c8ce0;
    --line: #e2e4e91f; --bar: #2e303e; --ok: #81c784; --no: #ef9a9a; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.6;
  font: 16px/1.6 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; }
header { background: #4051b5; color: #fff; padding: 0.7rem 1.2rem; font-size: 1.1rem; }
main { max-width: 61rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
h1 { font-weight: 300; font-size: 2rem; margin: 0.5rem 0 0.8rem; }
h2 { font-weight: 400; font-size: 1.4rem; margin: 2rem 0 0.6rem; }
.muted { color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
th, td { text-align: left; vertical-align: top; padding: 0.5rem 0.6rem;
  border-bottom: 1px solid var(--line); overflow-wrap: break-word; }
th { font-weight: 700; white-space: nowrap; }
td.num { white-space: nowrap; }
td ul { margin: 0; padding-left: 1.1rem; }
@media (max-width: 40em) {  /* a phone: each row a card, each cell labelled */
  table, tbody, tr, td { display: block; width: 100%; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  tr { border-bottom: 1px solid var(--line); padding: 0.6rem 0; }
  td { border: 0; padding: 0.1rem 0; }
  td::before { content: attr(data-label) ": "; font-weight: 700; }
}
.bar { display: block; height: 0.45rem; background: var(--bar); border-radius: 0.2rem;
  margin-top: 0.25rem; min-width: 4rem; }
.bar > span { display: block; height: 100%; background: var(--primary); border-radius: 0.2rem; }
.ok { color: var(--ok); } .no { color: var(--no); }
"""


def _exercise_rows(records: list[dict[str, str]]) -> str:
    """Return the table rows of the per-exercise part (the records of class_report)."""
    esc = html.escape
    lines = []
    for record in records:
        count, total = int(record["passed"]), int(record["students"])
        share = 100 * count / total if total else 0
        lines.append(
            f'<tr><td class="num" data-label="Exercise">{esc(record["exercise"])}</td>'
            f'<td data-label="Check"><code>{esc(record["check"])}</code></td>'
            f'<td class="num" data-label="Passed">{count} of {total}'
            f'<span class="bar" role="img" aria-label="{share:.0f} % passed">'
            f'<span style="width:{share:.0f}%"></span></span></td>'
            f'<td data-label="Most common reason">{esc(record["most_common_reason"]) or "-"}</td>'
            f'<td data-label="Not passed">{esc(record["students_not_passed"]) or "-"}</td></tr>'
        )
    return "\n".join(lines)


def _student_rows(rows: list[GradeRow], students: list[dict[str, str]]) -> str:
    """Return the table rows of the per-student part (the records of summary)."""
    esc = html.escape
    people = []
    for record in students:
        mark = "ok" if record["passed"] == record["exercises"] else "no"
        notes = "".join(f"<li>{esc(part)}</li>" for part in note_parts(rows, record["file"]))
        people.append(
            f'<tr><td data-label="Notebook">{esc(record["file"])}</td>'
            f'<td class="num {mark}" data-label="Total">{esc(record["total"])}</td>'
            f'<td data-label="What happened">{f"<ul>{notes}</ul>" if notes else "-"}</td></tr>'
        )
    return "\n".join(people)


def report_html(rows: Sequence[GradeRow], *, title: str = "Class report") -> str:
    """Return the class report as one static HTML page (no script, nothing fetched).

    The page opens from disk in any browser: per exercise how many passed (with a bar),
    the commonest reason for not passing and who is concerned; then one row per student
    with the total and :func:`student_notes`. It follows the light or dark colours of
    the reader's system.

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned for the class.
    title : str, default "Class report"
        The page's heading (for example the tutorial's name).

    Returns
    -------
    str
        The page's HTML.

    Examples
    --------
    >>> page = report_html([GradeRow("a.ipynb", 1, "check_x", True)], title="Tutorial 1")
    >>> "<h1>Tutorial 1</h1>" in page, "<script" in page, "http" in page
    (True, False, False)
    """
    rows = checked_rows(rows)
    check.text(title, "title", optional=False)
    students = summary(rows)
    full_marks = sum(r["passed"] == r["exercises"] for r in students)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} &middot; cnn101</title>
<style>{_REPORT_STYLE}</style>
</head>
<body>
<header>cnn101 &middot; grades</header>
<main>
<h1>{html.escape(title)}</h1>
<p class="muted">{len(students)} notebooks graded, {full_marks} with full marks;
graded on {time.strftime("%Y-%m-%d %H:%M")} by <code>python -m cnn101.teaching grade</code>.
The grades are a first pass to read, not a verdict to publish unread.</p>
<h2>Per exercise</h2>
<div class="scroll"><table>
<thead><tr><th>Exercise</th><th>Check</th><th>Passed</th><th>Most common reason for not passing</th>
<th>Students not passed</th></tr></thead>
<tbody>
{_exercise_rows(class_report(rows))}
</tbody></table></div>
<h2>Per student</h2>
<div class="scroll"><table>
<thead><tr><th>Notebook</th><th>Total</th><th>What happened</th></tr></thead>
<tbody>
{_student_rows(rows, students)}
</tbody></table></div>
</main>
</body>
</html>
"""


def write_class_report(
    rows: Sequence[GradeRow], path: str | Path, *, title: str = "Class report"
) -> tuple[Path, Path]:
    """Write the class report as CSV (``path``) and as a static HTML page beside it.

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned for the class.
    path : str or Path
        The CSV file (one row per exercise, :func:`class_report`); the page goes next
        to it with the suffix ``.html`` (:func:`report_html`). Both are replaced.
    title : str, default "Class report"
        The page's heading.

    Returns
    -------
    (Path, Path)
        The CSV file and the HTML page.

    Raises
    ------
    ValueError
        If ``path`` is a folder, or its folder is missing or not writable.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> rows = [GradeRow("a.ipynb", 1, "check_x", False, "Not yet.", "wrong")]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     table, page = write_class_report(rows, pathlib.Path(folder) / "grades-class.csv")
    ...     print(table.read_text(encoding="utf-8").splitlines()[1], page.name)
    1,check_x,0,1,wrong answer (the check said Not yet): 1 of 1,a.ipynb grades-class.html
    """
    rows = checked_rows(rows)
    table = check.writable_file(path)
    page = check.writable_file(table.with_suffix(".html"))
    write_table(table, REPORT_FIELDS, class_report(rows))
    page.write_text(report_html(rows, title=title), encoding="utf-8")
    return table, page
