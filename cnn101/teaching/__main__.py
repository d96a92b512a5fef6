"""Command line: ``python -m cnn101.teaching {grade,student,answer-key,manifest} ...``.

``grade`` runs submitted notebooks and grades them against the notebook that was
handed out (``--handout``): it prints one line per notebook as it goes, with a progress
bar, then a table, and writes a per-student summary (``--csv``, with the reason of every
exercise below full marks), a per-exercise detail next to it (``grades-detail.csv`` for
``grades.csv``) and the class report (``grades-class.csv`` and ``grades-class.html``, a
page that opens from disk). ``student``, ``answer-key`` and ``manifest``
write the student version, the (unexecuted) answer key or the grader's manifest of a
tutorial notebook.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from cnn101 import _validation as check
from cnn101._cli import Parser


def _seconds(text: str) -> float:
    """Parse ``--timeout``: a positive, finite number of seconds."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < seconds < math.inf:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return seconds


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m cnn101.teaching",
        description="Grade notebooks, or make student versions and answer keys of a tutorial.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("grade", help="run each notebook in a fresh kernel and grade it")
    grade.add_argument(
        "notebooks",
        nargs="+",
        type=Path,
        help="submitted .ipynb files, or folders of them; a pattern such as "
        "submissions/*.ipynb is expanded here too (Windows' shells leave it as it is)",
    )
    grade.add_argument(
        "--handout",
        type=Path,
        required=True,
        help="the notebook handed out (student/NN_name.ipynb) or its .manifest.json",
    )
    grade.add_argument(
        "--timeout", type=_seconds, default=600, help="seconds per notebook (default 600)"
    )
    grade.add_argument(
        "--csv",
        type=Path,
        default=Path("grades.csv"),
        help="per-student CSV to write (default grades.csv); the per-exercise detail "
        "goes next to it, as NAME-detail.csv, and the class report as NAME-class.csv "
        "and NAME-class.html",
    )
    grade.add_argument("--kernel", default="python3", help="Jupyter kernel (default python3)")
    for name, what in (
        ("student", "the student version"),
        ("answer-key", "the answer key"),
        ("manifest", "the grader's manifest (JSON)"),
    ):
        make = sub.add_parser(name, help=f"write {what} of a tutorial notebook")
        make.add_argument("notebook", type=Path)
        make.add_argument("-o", "--output", type=Path, required=True)
    return parser


def detail_path(summary: Path) -> Path:
    """Return where the per-exercise CSV goes for the summary CSV ``summary``.

    Parameters
    ----------
    summary : Path
        The per-student CSV (``--csv``).

    Returns
    -------
    Path
        ``NAME-detail.csv`` next to ``NAME.csv``.

    Examples
    --------
    >>> detail_path(Path("out/grades.csv")).as_posix()
    'out/grades-detail.csv'
    """
    return summary.with_name(f"{summary.stem}-detail{summary.suffix or '.csv'}")


def class_path(summary: Path) -> Path:
    """Return where the class report's CSV goes for the summary CSV ``summary`` (its page: .html).

    Examples
    --------
    >>> class_path(Path("out/grades.csv")).as_posix()
    'out/grades-class.csv'
    """
    return summary.with_name(f"{summary.stem}-class{summary.suffix or '.csv'}")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def submissions(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """Return the notebooks to grade, and the arguments that name none.

    A folder gives its ``.ipynb`` files, a pattern (``submissions/*.ipynb``, which
    Windows' shells pass on unexpanded) the files it matches, each sorted by name.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for name in ("b.ipynb", "a.ipynb", "notes.txt"):
    ...         _ = (Path(folder) / name).write_text("{}")
    ...     found, missing = submissions([Path(folder), Path(folder) / "*.ipynb", Path("x.ipynb")])
    >>> [p.name for p in found], missing
    (['a.ipynb', 'b.ipynb', 'a.ipynb', 'b.ipynb'], ['x.ipynb'])
    """
    found, missing = [], []
    for path in paths:
        if path.is_dir():
            matched = sorted(p for p in path.glob("*.ipynb") if p.is_file())
        elif path.is_file():
            matched = [path]
        elif any(mark in str(path) for mark in "*?["):
            matched = sorted(Path(p) for p in glob.glob(str(path)) if Path(p).is_file())
        else:
            matched = []
        found += matched
        if not matched:
            missing.append(str(path))
    return found, missing


def _outputs(summary: Path) -> list[Path]:
    """Return every file ``grade`` writes for the summary CSV ``summary``."""
    report = class_path(summary)
    return [summary, detail_path(summary), report, report.with_suffix(".html")]


def _grade(args) -> int:
    from cnn101.teaching import grading, manifests

    args.notebooks, missing = submissions(args.notebooks)
    if missing:
        return _fail(f"no such file: {', '.join(missing)}")
    try:  # every output is checked before the first notebook runs
        for path in _outputs(args.csv):
            check.writable_file(path, "--csv")
        manifest = manifests.load_manifest(args.handout)
        print(
            f"Grading {len(args.notebooks)} notebooks against {args.handout.name} "
            f"(at most {args.timeout:g} s each)",
            file=sys.stderr,
            flush=True,
        )
        rows = grading.grade(
            args.notebooks,
            manifest,
            timeout=args.timeout,
            kernel_name=args.kernel,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except (ModuleNotFoundError, ValueError, TypeError) as error:
        return _fail(str(error))
    print(grading.format_table(rows))
    return _write_grades(rows, args, manifest)


def _write_grades(rows: list, args, manifest: dict) -> int:
    """Write the summary, the detail and the class report of ``rows``; say where."""
    from cnn101.teaching import class_page, reports

    try:
        reports.write_summary_csv(rows, args.csv)
        reports.write_csv(rows, detail_path(args.csv))
        title = f"Class report: {manifest.get('tutorial') or args.handout.stem}"
        table, page = class_page.write_class_report(rows, class_path(args.csv), title=title)
    except (OSError, ValueError) as error:
        return _fail(str(error))
    print(
        f"\nWrote {args.csv} (one row per student, with what happened), "
        f"{detail_path(args.csv)} (per exercise),\n{table} and {page} (the class report: "
        "open the page in a browser)"
    )
    return 0


def _read_notebook(path: Path) -> dict:
    """Return the notebook at ``path``, or raise ValueError saying in one line why not."""
    from cnn101.teaching import notebooks

    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a notebook (.ipynb)")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: cannot read it: {error}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not a notebook (not JSON: {error})") from None
    try:
        return notebooks.notebook(nb)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path} is not a notebook: {error}") from None


def _make(args) -> int:
    """Write the student version, answer key or manifest of ``args.notebook`` to ``args.output``."""
    from cnn101.teaching import handout, manifests

    make = {
        "student": handout.student_version,
        "answer-key": handout.answer_key,
        "manifest": manifests.manifest,
    }[args.command]
    try:
        check.writable_file(args.output, "--output")
        out = make(_read_notebook(args.notebook), tutorial=args.notebook.stem)
        args.output.write_text(
            json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    except (TypeError, ValueError, OSError) as error:
        return _fail(str(error))
    print(f"Wrote {args.output}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 when it ran, 2 when it could not).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``python -m cnn101.teaching``; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 when the command ran, 2 when it could not (the reason is printed on stderr).

    Raises
    ------
    SystemExit
        For arguments argparse refuses (status 2) and after ``--help`` (status 0).

    Examples
    --------
    >>> main(["student", "no-such-notebook.ipynb", "-o", "student.ipynb"])
    2
    """
    args = _parser().parse_args(argv)
    return _grade(args) if args.command == "grade" else _make(args)


if __name__ == "__main__":
    sys.exit(main())
