"""Command line: ``python -m cnn101.exercises {grade,student,answer-key} ...``.

``grade`` runs submitted notebooks and prints (and writes as CSV) each exercise's
result; ``student`` and ``answer-key`` write the student version or the (unexecuted)
answer key of a tutorial notebook.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cnn101.exercises",
        description="Grade notebooks, or make student versions and answer keys of a tutorial.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("grade", help="run each notebook in a fresh kernel and grade it")
    grade.add_argument("notebooks", nargs="+", type=Path, help="submitted .ipynb files")
    grade.add_argument(
        "--timeout", type=float, default=600, help="seconds per notebook (default 600)"
    )
    grade.add_argument("--csv", type=Path, default=Path("grades.csv"), help="CSV file to write")
    grade.add_argument("--kernel", default="python3", help="Jupyter kernel (default python3)")
    for name, what in (("student", "the student version"), ("answer-key", "the answer key")):
        make = sub.add_parser(name, help=f"write {what} of a tutorial notebook")
        make.add_argument("notebook", type=Path)
        make.add_argument("-o", "--output", type=Path, required=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 when it ran, 2 when it could not)."""
    args = _parser().parse_args(argv)
    if args.command == "grade":
        from cnn101.exercises import grading

        missing = [str(p) for p in args.notebooks if not p.is_file()]
        if missing:
            print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
            return 2
        try:
            rows = grading.grade(args.notebooks, timeout=args.timeout, kernel_name=args.kernel)
        except (ModuleNotFoundError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(grading.format_table(rows))
        grading.write_csv(rows, args.csv)
        print(f"\nWrote {args.csv}")
        return 0
    from cnn101.exercises import handout

    nb = json.loads(args.notebook.read_text(encoding="utf-8"))
    make = handout.student_version if args.command == "student" else handout.answer_key
    try:
        out = make(nb, tutorial=args.notebook.stem)
    except ValueError as error:
        print(f"error: {args.notebook}: {error}", file=sys.stderr)
        return 2
    args.output.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
