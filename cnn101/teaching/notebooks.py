"""Student versions and answer keys of a tutorial notebook.

A tutorial ends with ``## Exercises``: each exercise has a code cell that calls a
check (``basics.check_pool_shapes(...)``), a hint, and its solution in a collapsed
``<details><summary>Solution</summary>`` block. From that one notebook this module
makes

* the **student version**: the same notebook without any solution block, so a
  teacher can set the exercises as graded work; each exercise cell is marked with
  ``{"cnn101": {"exercise": n}}`` in its metadata, which the grader reads;
* the **manifest**: what the grader needs from the handed-out version, as JSON: each
  exercise's number, its check and the arguments the check is called with (answers
  by their expression, parameters by their literal value);
* the **answer key**: each exercise cell with its solution filled in between
  nbgrader's ``### BEGIN SOLUTION`` and ``### END SOLUTION`` markers, followed by
  the check, so running it shows every check passing.

Both work on the notebook as a dict (the JSON of an ``.ipynb`` file, or an
``nbformat.NotebookNode``); nothing here needs Jupyter installed. A code cell that
already holds nbgrader's solution markers is its own solution: the student version
replaces the marked region with nbgrader's stub (``# YOUR CODE HERE`` /
``raise NotImplementedError()``).
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass
from typing import Any

from cnn101 import _validation as check
from cnn101._validation import describe

__all__ = [
    "Exercise",
    "answer_key",
    "exercise_count",
    "exercises",
    "manifest",
    "solution_blocks",
    "student_version",
]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"

_SOLUTION_BLOCK = re.compile(
    r"[ \t]*<details>\s*<summary>\s*Solution\s*</summary>.*?</details>[ \t]*\n?",
    re.DOTALL | re.IGNORECASE,
)
_SOLUTION_CODE = re.compile(r"```python[ \t]*\n(.*?)```", re.DOTALL)
_MARKED = re.compile(
    r"^([ \t]*)#+ *BEGIN SOLUTION[^\n]*\n.*?^[ \t]*#+ *END SOLUTION[^\n]*(\n|$)",
    re.DOTALL | re.MULTILINE,
)
_EXERCISES_HEADING = re.compile(r"^## +Exercises\b", re.MULTILINE)
_CHECK_CALL = re.compile(r"\.(check_\w+)\s*\(")


@dataclass(frozen=True)
class Exercise:
    """One exercise of a tutorial notebook.

    Attributes
    ----------
    number : int
        1, 2, ... in the order of the notebook.
    cell : int
        Index of its code cell (the starter answer and the check) in ``nb["cells"]``.
    check : str
        Name of the check function its cell calls (``"check_pool_shapes"``).
    solution : str
        The solution's code, from its Solution block or nbgrader's markers.

    Examples
    --------
    >>> exercise = Exercise(1, 5, "check_pool_shapes", "same = (4, 4)")
    >>> exercise.check, exercise.cell
    ('check_pool_shapes', 5)
    """

    number: int
    cell: int
    check: str
    solution: str


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _check_nb(nb: Any) -> dict:
    if not isinstance(nb, dict) or not isinstance(nb.get("cells", []), list):
        raise TypeError(
            f"`nb` must be a notebook as a dict (JSON-loaded .ipynb). Received: nb={describe(nb)}"
        )
    return nb


def _is_code(cell: dict) -> bool:
    return cell.get("cell_type") == "code"


def solution_blocks(markdown: str) -> list[str]:
    r"""Return the full text of each ``<details><summary>Solution</summary>`` block.

    Parameters
    ----------
    markdown : str
        The source of a markdown cell.

    Returns
    -------
    list of str
        Each block from ``<details>`` to ``</details>`` (with a trailing newline if it had
        one), in order; empty if there is none.

    Examples
    --------
    >>> text = "Hint.\n<details>\n<summary>Solution</summary>\n\nx = 1\n\n</details>\nNext"
    >>> [block.split()[-2] for block in solution_blocks(text)]
    ['1']
    """
    if not isinstance(markdown, str):
        raise TypeError(f"`markdown` must be a string. Received: markdown={describe(markdown)}")
    return [m.group(0) for m in _SOLUTION_BLOCK.finditer(markdown)]


def exercises(nb: dict) -> list[Exercise]:
    r"""Return the exercises of a tutorial notebook, in order.

    The exercise cells are the code cells after the ``## Exercises`` heading that call
    a ``check_...`` function; the n-th is paired with the n-th solution, which is the
    first ``python`` code block of a Solution block, or the cell itself when it holds
    nbgrader's solution markers.

    Parameters
    ----------
    nb : dict
        A notebook as a dict (the JSON of an ``.ipynb`` file, or an
        ``nbformat.NotebookNode``) with an ``## Exercises`` heading.

    Returns
    -------
    list of Exercise
        Numbered 1, 2, ... in the order of the notebook.

    Raises
    ------
    ValueError
        If the notebook has no ``## Exercises`` heading, or if the exercise cells and
        the solutions do not pair up one to one.

    Examples
    --------
    >>> nb = {"cells": [
    ...     {"cell_type": "markdown", "source": "## Exercises"},
    ...     {"cell_type": "code", "source": "x = 0\nex.check_x(x)"},
    ...     {"cell_type": "markdown",
    ...      "source": "<details><summary>Solution</summary>\n```python\nx = 1\n```\n</details>"},
    ... ]}
    >>> exercises(nb)
    [Exercise(number=1, cell=1, check='check_x', solution='x = 1\n')]
    """
    cells = _check_nb(nb).get("cells", [])
    start = next(
        (
            i
            for i, c in enumerate(cells)
            if not _is_code(c) and _EXERCISES_HEADING.search(_source(c))
        ),
        None,
    )
    if start is None:
        raise ValueError("The notebook `nb` has no `## Exercises` heading.")
    found, solutions = [], []
    for index in range(start, len(cells)):
        cell, text = cells[index], _source(cells[index])
        if _is_code(cell):
            call = _CHECK_CALL.search(text)
            if call:
                found.append((index, call.group(1)))
                if _MARKED.search(text):
                    solutions.append(text)
        else:
            for block in solution_blocks(text):
                code = _SOLUTION_CODE.search(block)
                if code:
                    solutions.append(code.group(1))
    if len(found) != len(solutions):
        raise ValueError(
            f"Expected one solution per exercise cell. Received: {len(found)} exercise cells "
            f"and {len(solutions)} solutions."
        )
    return [
        Exercise(n, index, check, solution)
        for n, ((index, check), solution) in enumerate(zip(found, solutions, strict=True), 1)
    ]


def _stub_solutions(source: str) -> str:
    """Replace nbgrader's marked solution regions with its stub, keeping the indentation."""

    def stub(match: re.Match) -> str:
        indent = match.group(1)
        return "".join(f"{indent}{line}\n" for line in STUB.splitlines())

    return _MARKED.sub(stub, source)


def _clear_outputs(cell: dict) -> None:
    if _is_code(cell):
        cell["outputs"] = []
        cell["execution_count"] = None


def student_version(nb: dict, *, tutorial: str = "") -> dict:
    r"""Return a copy of ``nb`` with every solution removed, ready to hand out.

    Solution blocks are cut out of the markdown, nbgrader's marked regions are
    replaced by its stub, outputs are cleared, and each exercise cell gets
    ``{"cnn101": {"exercise": n}}`` in its metadata (the notebook gets
    ``{"cnn101": {"tutorial": tutorial, "version": "student", "exercises": count}}``).

    Parameters
    ----------
    nb : dict
        A notebook as a dict (the JSON of an ``.ipynb`` file, or an
        ``nbformat.NotebookNode``) with an ``## Exercises`` heading.
    tutorial : str, default ""
        The tutorial's name (the notebook's file stem), kept in the metadata.

    Returns
    -------
    dict
        A new notebook; ``nb`` is not changed.

    Raises
    ------
    ValueError
        If the exercises and solutions of ``nb`` do not pair up (see :func:`exercises`).

    Examples
    --------
    >>> nb = {"metadata": {}, "cells": [
    ...     {"cell_type": "markdown", "metadata": {}, "source": "## Exercises"},
    ...     {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
    ...      "source": "x = 0\nex.check_x(x)"},
    ...     {"cell_type": "markdown", "metadata": {},
    ...      "source": "Hint.\n<details><summary>Solution</summary>\n```python\nx = 1\n```\n</details>"},
    ... ]}
    >>> student = student_version(nb, tutorial="01_x")
    >>> student["cells"][2]["source"], student["cells"][1]["metadata"]
    ('Hint.\n', {'cnn101': {'exercise': 1}})
    """
    found = exercises(nb)
    if not isinstance(tutorial, str):
        raise TypeError(f"`tutorial` must be a string. Received: tutorial={describe(tutorial)}")
    out = copy.deepcopy(nb)
    for exercise in found:
        out["cells"][exercise.cell].setdefault("metadata", {})["cnn101"] = {
            "exercise": exercise.number
        }
    for cell in out["cells"]:
        _clear_outputs(cell)
        if _is_code(cell):
            cell["source"] = _stub_solutions(_source(cell))
        else:
            cell["source"] = _SOLUTION_BLOCK.sub("", _source(cell))
    out.setdefault("metadata", {})["cnn101"] = {
        "tutorial": tutorial,
        "version": "student",
        "exercises": len(found),
    }
    return out


def _bound_names(node: ast.stmt) -> set[str]:
    """Names a top-level statement binds (assignments, definitions, imports)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    names: set[str] = set()
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                names.add(sub.id)
    return names


def _split_last_statement(source: str) -> tuple[str, str]:
    """Split ``source`` into everything before its last top-level statement, and that statement.

    The check call that ends an exercise cell may span several lines (the formatter
    wraps long calls); a source that does not parse is split at its last line.
    """
    lines = source.strip().splitlines()
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:  # IPython magics
        tree = None
    if tree is None or not tree.body:
        body, _, last = source.strip().rpartition("\n")
        return body, last
    start = tree.body[-1].lineno - 1
    return "\n".join(lines[:start]), "\n".join(lines[start:])


def _same_statement(a: str, b: str) -> bool:
    try:
        return ast.dump(ast.parse(a.strip())) == ast.dump(ast.parse(b.strip()))
    except SyntaxError:
        return a.strip() == b.strip()


def _answer_source(starter: str, solution: str) -> str:
    """Return the starter cell with its answer replaced by the marked solution, then the check."""
    body, check_call = _split_last_statement(starter)
    before, last = _split_last_statement(solution)
    solution_lines = (
        before if _same_statement(last, check_call) else solution.strip()
    ).splitlines()
    while solution_lines and not solution_lines[-1].strip():
        solution_lines.pop()
    kept = body.splitlines()
    try:
        rebound = set().union(*(_bound_names(n) for n in ast.parse("\n".join(solution_lines)).body))
        tree = ast.parse(body)
    except SyntaxError:  # IPython magics: keep the starter's lines as they are
        tree = None
    if tree is not None:
        drop: set[int] = set()
        for node in tree.body:
            names = _bound_names(node)
            if names and names <= rebound:
                drop.update(range(node.lineno - 1, (node.end_lineno or node.lineno)))
        kept = [line for i, line in enumerate(kept) if i not in drop]
    setup = "\n".join(kept).strip()
    parts = [setup] if setup else []
    parts.append("\n".join([BEGIN, *solution_lines, END]))
    return "\n".join(parts) + "\n" + check_call.strip()


def answer_key(nb: dict, *, tutorial: str = "") -> dict:
    r"""Return a copy of ``nb`` with each exercise's solution filled into its code cell.

    The starter's own answer lines (those the solution assigns again) are dropped, its
    set-up lines kept; the solution sits between ``### BEGIN SOLUTION`` and ``### END
    SOLUTION`` (so nbgrader's ``generate_assignment`` turns the key back into a student
    version) and the cell ends with the check. Outputs are cleared; the markdown,
    solution blocks included, is unchanged.

    Parameters
    ----------
    nb : dict
        A notebook as a dict (the JSON of an ``.ipynb`` file, or an
        ``nbformat.NotebookNode``) with an ``## Exercises`` heading.
    tutorial : str, default ""
        The tutorial's name (the notebook's file stem), kept in the metadata.

    Returns
    -------
    dict
        A new notebook (metadata ``"version": "answer key"``); ``nb`` is not changed.

    Raises
    ------
    ValueError
        If the exercises and solutions of ``nb`` do not pair up (see :func:`exercises`).

    Examples
    --------
    >>> nb = {"metadata": {}, "cells": [
    ...     {"cell_type": "markdown", "metadata": {}, "source": "## Exercises"},
    ...     {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
    ...      "source": "h = 3\nx = 0  # your answer\nex.check_x(x, h)"},
    ...     {"cell_type": "markdown", "metadata": {},
    ...      "source": "<details><summary>Solution</summary>\n```python\nx = h + 1\n```\n</details>"},
    ... ]}
    >>> print(answer_key(nb)["cells"][1]["source"])
    h = 3
    ### BEGIN SOLUTION
    x = h + 1
    ### END SOLUTION
    ex.check_x(x, h)
    """
    found = exercises(nb)
    if not isinstance(tutorial, str):
        raise TypeError(f"`tutorial` must be a string. Received: tutorial={describe(tutorial)}")
    out = copy.deepcopy(nb)
    for cell in out["cells"]:
        _clear_outputs(cell)
    for exercise in found:
        cell = out["cells"][exercise.cell]
        starter = _source(cell)
        if not _MARKED.search(starter):
            cell["source"] = _answer_source(starter, exercise.solution)
        cell.setdefault("metadata", {})["cnn101"] = {"exercise": exercise.number}
    out.setdefault("metadata", {})["cnn101"] = {
        "tutorial": tutorial,
        "version": "answer key",
        "exercises": len(found),
    }
    return out


def exercise_count(nb: dict) -> int | None:
    """Return how many exercises ``nb``'s metadata says it has (student versions), or None.

    Parameters
    ----------
    nb : dict
        A notebook as a dict.

    Returns
    -------
    int or None
        The count :func:`student_version` wrote, or None if the metadata has none.

    Examples
    --------
    >>> exercise_count({"metadata": {"cnn101": {"exercises": 3}}, "cells": []})
    3
    >>> exercise_count({"cells": []}) is None
    True
    """
    value: Any = _check_nb(nb).get("metadata", {}).get("cnn101", {}).get("exercises")
    return int(value) if check.is_integer(value) else None


MANIFEST_FORMAT = "cnn101-exercises-manifest"
MANIFEST_VERSION = 1


def _marked_number(cell: Any) -> int | None:
    """Return the exercise number of a student version's cell, or None (also if malformed)."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    mark = meta.get("cnn101") if isinstance(meta, dict) else None
    number = mark.get("exercise") if isinstance(mark, dict) else None
    return int(number) if check.is_integer(number) else None


def check_calls(source: str) -> list[ast.Call]:
    r"""Return the calls of a ``check_...`` function in ``source``, in order (none if it does not parse).

    Examples
    --------
    >>> [ast.unparse(c.func) for c in check_calls("x = 1\nex.check_x(x, size=3)")]
    ['ex.check_x']
    """
    if not isinstance(source, str):
        raise TypeError(f"`source` must be a string. Received: source={describe(source)}")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name is not None:
                calls.append(node)
    return sorted(calls, key=lambda c: (c.lineno, c.col_offset))


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name if isinstance(name, str) and name.startswith("check_") else None


def _argument(node: ast.expr) -> dict:
    """Describe a check argument: a literal parameter ({"value": ...}) or an answer ({"answer": ...})."""
    source = ast.unparse(node)
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return {"answer": source}
    return {"value": source}


def call_arguments(call: ast.Call) -> dict:
    """Return ``{"args": [...], "kwargs": {...}}`` of a check call (see :func:`manifest`)."""
    return {
        "args": [_argument(a) for a in call.args],
        "kwargs": {k.arg: _argument(k.value) for k in call.keywords if k.arg is not None},
    }


def _exercise_cells(nb: dict) -> list[tuple[int, int]]:
    """(cell index, exercise number) of each exercise cell, marked or found after the heading."""
    cells = nb.get("cells", [])
    marked = [(i, n) for i, c in enumerate(cells) if _is_code(c) and (n := _marked_number(c))]
    if marked:
        return marked
    return [(e.cell, e.number) for e in exercises(nb)]


def manifest(nb: dict, *, tutorial: str = "") -> dict:
    r"""Return what the grader needs of a handed-out notebook (tutorial or student version).

    Each exercise's check and the arguments its cell calls it with are taken from the
    notebook: literal arguments are the exercise's parameters (the grader calls the
    check with these, whatever a submission passes), the others are the student's
    answers, by their expression (the grader reads their values from the submission).

    Parameters
    ----------
    nb : dict
        A tutorial notebook, or its student version (whose cells are marked with their
        exercise numbers), as a dict.
    tutorial : str, default ""
        The tutorial's name; by default the one in the notebook's metadata, if any.

    Returns
    -------
    dict
        ``{"format": "cnn101-exercises-manifest", "version": 1, "tutorial": str,
        "exercises": [{"number": int, "check": str, "args": [...], "kwargs": {...},
        "starter": str}]}``, each argument ``{"value": literal source}`` or
        ``{"answer": expression}``; ``starter`` is the exercise cell's source as handed out
        (the grader says when a submission left it unchanged).

    Raises
    ------
    ValueError
        If an exercise cell calls no check, or the notebook has no exercise.

    Examples
    --------
    >>> nb = {"cells": [
    ...     {"cell_type": "markdown", "source": "## Exercises"},
    ...     {"cell_type": "code", "source": "x = 0\nex.check_x(x, size=3)"},
    ...     {"cell_type": "markdown",
    ...      "source": "<details><summary>Solution</summary>\n```python\nx = 1\n```\n</details>"},
    ... ]}
    >>> manifest(nb)["exercises"]
    [{'number': 1, 'check': 'check_x', 'args': [{'answer': 'x'}], 'kwargs': {'size': {'value': '3'}}, 'starter': 'x = 0\nex.check_x(x, size=3)'}]
    """
    _check_nb(nb)
    if not isinstance(tutorial, str):
        raise TypeError(f"`tutorial` must be a string. Received: tutorial={describe(tutorial)}")
    if not tutorial:
        meta = nb.get("metadata", {}).get("cnn101", {})
        tutorial = meta.get("tutorial", "") if isinstance(meta, dict) else ""
        tutorial = tutorial if isinstance(tutorial, str) else ""
    found = []
    for index, number in _exercise_cells(nb):
        calls = check_calls(_source(nb["cells"][index]))
        if not calls:
            raise ValueError(f"Exercise {number} (cell {index}) calls no check_... function.")
        call = calls[-1]
        starter = _stub_solutions(_source(nb["cells"][index]))
        found.append(
            {
                "number": number,
                "check": _call_name(call),
                **call_arguments(call),
                "starter": starter,
            }
        )
    if not found:
        raise ValueError("The notebook `nb` has no exercise.")
    return {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "tutorial": tutorial,
        "exercises": found,
    }
