"""Grading one exercise: read its answers from the kernel, run cnn101's check on them.

After an exercise's cell has run, :func:`grade_answer` reads the **values** of the
answers the manifest names out of the student's kernel, refuses an answer that uses the
library function the exercise asks to write (:data:`REIMPLEMENTS`), and calls the check
**in the grader's process** with those values and the handed-out parameters. The result
is a :class:`GradeRow`, whose ``kind`` (one of :data:`KINDS`) says what happened.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cnn101 import _validation as check
from cnn101.exercises import Feedback
from cnn101.teaching import _submission, manifests, notebooks
from cnn101.teaching._kernel import Kernel, Stopped, decode

__all__ = ["KINDS", "REIMPLEMENTS", "GradeRow", "checked_rows"]

# Why an exercise did not pass, or what the grader noticed about a notebook, in words a
# teacher can read out (GradeRow.kind; the class report counts them).
KINDS = {
    "wrong": "wrong answer (the check said Not yet)",
    "empty": "left as handed out",
    "deleted": "exercise cell deleted",
    "undefined": "answer not defined",
    "error": "the answer's cell raised an error",
    "library": "used the library function it asks to write",
    "check failed": "the check could not run on the answer",
    "time limit": "stopped at the time limit",
    "stopped": "the run stopped (kernel ended or killed)",
    "not a notebook": "not a notebook",
    "other tutorial": "another tutorial's notebook",
    "cell error": "a cell outside the exercises raised an error",
    "metadata": "metadata edited, disagrees with the handout",
    "replaced check": "a check replaced in the notebook (ignored)",
}

# Names an answer may not use: the library functions the exercise asks to write.
REIMPLEMENTS: dict[str, tuple[str, ...]] = {
    "check_pool_shapes": (
        "output_size",
        "max_pool2d",
        "avg_pool2d",
        "max_pool",
        "avg_pool",
        "MaxPooling2D",
        "AveragePooling2D",
        "MaxPool2D",
        "compute_output_shape",
    ),
    "check_max_pool": ("max_pool2d", "max_pool", "MaxPooling2D", "MaxPool2D", "block_reduce"),
    "check_shift": ("shift",),
    "check_binomial_filter": ("binomial_filter",),
    "check_storage_overhead": ("storage_overhead",),
    "check_spp_length": ("SpatialPyramidPooling", "compute_output_shape"),
    "check_receptive_field": ("receptive_field", "empirical_receptive_field"),
    "check_pyramid": ("ScaleChannels",),
}


@dataclass(frozen=True)
class GradeRow:
    """One exercise of one submission, or a note about the whole submission.

    Attributes
    ----------
    file : str
        The submitted notebook.
    exercise : int or None
        1, 2, ...; None for a note about the whole notebook (it could not be read, a
        cell outside the exercises raised, the run stopped), which is not counted.
    check : str
        The check the exercise calls.
    passed : bool
    reason : str
        Why it did not pass (the check's "Not yet" line, the error, the time limit), or
        what the grader noticed on a passing answer (a check called with other
        parameters).
    kind : str
        What happened, as one of the keys of :data:`KINDS` ("wrong", "deleted", "time
        limit", ...); "" for a passing answer. The class report counts these.

    Examples
    --------
    >>> row = GradeRow("alice.ipynb", 2, "check_max_pool", False, "Not yet. Output (0, 0) ...")
    >>> row.passed, row.exercise, row.kind
    (False, 2, '')
    """

    file: str
    exercise: int | None
    check: str
    passed: bool
    reason: str = ""
    kind: str = ""


def checked_rows(rows: Any) -> list[GradeRow]:
    """Return ``rows`` as a list if it holds GradeRow records only, else raise TypeError.

    The reports and the class page call it on the rows they are given.

    Examples
    --------
    >>> checked_rows([GradeRow("a.ipynb", 1, "check_size", True)])[0].passed
    True
    >>> try:
    ...     checked_rows("rows")
    ... except TypeError as error:
    ...     print(error)
    `rows` must be a sequence of GradeRow (from grade). Received: rows='rows'
    """
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


def stop_kind(reason: str) -> str:
    """Return the kind of a stopped run: "time limit" or "stopped"."""
    return "time limit" if "longer than" in reason or "time limit" in reason else "stopped"


def stopped_row(name: str, exercise: dict, reason: str, kind: str = "") -> GradeRow:
    """Return the failing row of an exercise that was not graded, for ``reason``."""
    kind = kind or stop_kind(reason)
    return GradeRow(name, exercise["number"], exercise["check"], False, reason, kind)


def _slots(exercise: dict) -> list[tuple[str, Any, dict]]:
    slots = [("args", i, a) for i, a in enumerate(exercise["args"])]
    return slots + [("kwargs", k, a) for k, a in exercise["kwargs"].items()]


def _fallback(given: dict | None, kind: str, key: Any) -> str | None:
    """Return the expression the submission's own call passes where the manifest expects an answer."""
    if given is None:
        return None
    pool = given["args"] if kind == "args" else given["kwargs"]
    try:
        argument = pool[key]
    except (IndexError, KeyError):
        return None
    return argument.get("answer") or argument.get("value")


def _read_values(kernel: Kernel, exercise: dict, call: ast.Call | None) -> dict | None:
    """Return {answer expression: reply} read from the kernel; None if unreadable.

    An answer the kernel does not define is asked for once more under the expression
    the submission's own call of the check passes in its place.
    """
    exprs = _submission.expressions(exercise)
    reply = kernel.request({"op": "values", "exprs": exprs}) if exprs else []
    if not isinstance(reply, list) or len(reply) != len(exprs):
        return None
    values: dict[str, Any] = dict(zip(exprs, reply, strict=True))
    given = notebooks.call_arguments(call) if call is not None else None
    retry = []
    for kind, key, argument in _slots(exercise):
        expr = argument.get("answer")
        if expr is not None and not (isinstance(values[expr], dict) and "value" in values[expr]):
            other = _fallback(given, kind, key)
            if other is not None and other != expr:
                retry.append((expr, other))
    if retry:
        second = kernel.request({"op": "values", "exprs": [o for _, o in retry]})
        if isinstance(second, list) and len(second) == len(retry):
            for (expr, _), got in zip(retry, second, strict=True):
                if isinstance(got, dict) and "value" in got:
                    values[expr] = got
    return values


def _missing(values: dict) -> list[str]:
    return [e for e, v in values.items() if not isinstance(v, dict) or "value" not in v]


def _missing_reason(values: dict, missing: list[str], cell_error: str) -> str:
    problems = []
    for expr in missing:
        got = values[expr] if isinstance(values[expr], dict) else {}
        problems.append(
            f"`{expr}` raised {got['error']}" if "error" in got else f"`{expr}` is not defined"
        )
    reason = "not done: " + "; ".join(problems)
    if cell_error:
        reason += f" (its cell raised {cell_error})"
    return reason[:300]


def _library_used(check_name: str, exprs: list[str], functions: dict, cells: list) -> list[str]:
    """Return the names the answer uses that the exercise asks to write (its cells and functions)."""
    forbidden = set(REIMPLEMENTS.get(check_name, ()))
    used: set[str] = set()
    for names in functions.values():
        used |= names
    answer_names = {e.split("(")[0].split("[")[0].split(".")[0] for e in exprs}
    # the cells of the exercises section: the tutorial's own text uses the library
    first = notebooks.exercises_start(cells) or 0
    for cell in cells[first:]:
        if notebooks.is_code(cell):
            text = notebooks.source(cell)
            if answer_names & _submission.bound_at_top(text):
                used |= _submission.names_used(text)
    return sorted(forbidden & used)


def _verdict(row: tuple, exercise: dict, call: Any, args: list, kwargs: dict, cell_error: str):
    """Run the check here on the answers; return the exercise's row."""
    check_fn = manifests.exercise_checks()[exercise["check"]]
    try:
        feedback = check_fn(*args, **kwargs)
    except Stopped:
        raise
    except Exception as error:  # a check meeting a value it did not foresee
        reason = f"the check failed on this answer: {error}"[:300]
        return GradeRow(*row, False, reason, "check failed")
    if not isinstance(feedback, Feedback):
        return GradeRow(*row, False, "the check gave no verdict", "check failed")
    notes = []
    differ = _submission.parameters_differ(exercise, call) if call is not None else ""
    if differ:
        notes.append(differ)
    if cell_error:
        notes.append(f"its cell raised {cell_error}")
    passed = feedback.passed is True
    reason = "" if passed else str(feedback).splitlines()[0]
    reason = "; ".join([r for r in [reason, *notes] if r])
    return GradeRow(*row, passed, reason[:300], "" if passed else "wrong")


def _call_values(exercise: dict, decoded: dict) -> tuple[list, dict]:
    """Return the check's arguments: the answers read back, the handed-out parameters."""

    def value(argument: dict) -> Any:
        if "answer" in argument:
            return decoded[argument["answer"]]
        return ast.literal_eval(argument["value"])

    return [value(a) for a in exercise["args"]], {
        k: value(a) for k, a in exercise["kwargs"].items()
    }


def grade_answer(
    name: str,
    exercise: dict,
    kernel: Kernel,
    cells: list,
    call: ast.Call | None,
    cell_error: str,
    *,
    final: bool,
) -> GradeRow | None:
    """Read the exercise's answers from the kernel and run its check here.

    Parameters
    ----------
    name : str
        The submission's file name (``GradeRow.file``).
    exercise : dict
        The exercise, from the manifest.
    kernel : Kernel
        The submission's kernel, after the exercise's cell (or the last cell) ran.
    cells : list of dict
        The submission's cells.
    call : ast.Call or None
        The submission's own call of the check in the exercise's cell.
    cell_error : str
        The error the exercise's cell raised, or "".
    final : bool
        Whether this is the last try: before it, a missing answer gives None (try later).

    Returns
    -------
    GradeRow or None
    """
    row = (name, exercise["number"], exercise["check"])
    values = _read_values(kernel, exercise, call)
    if values is None:
        return GradeRow(*row, False, "the answers could not be read back", "check failed")
    missing = _missing(values)
    if missing:
        if not final:
            return None
        reason = _missing_reason(values, missing, cell_error)
        return GradeRow(*row, False, reason, "error" if cell_error else "undefined")
    functions: dict[int, set[str]] = {}
    decoded = {e: decode(v["value"], kernel, functions) for e, v in values.items()}

    args, kwargs = _call_values(exercise, decoded)
    used = _library_used(exercise["check"], list(values), functions, cells)
    if used:
        reason = (
            f"the answer uses {', '.join(used)}, the library code the exercise "
            "asks you to write yourself"
        )
        return GradeRow(*row, False, reason, "library")
    return _verdict(row, exercise, call, args, kwargs, cell_error)
