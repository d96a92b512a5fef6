"""Reading a tutorial notebook: its cells, its exercises and their check calls.

A tutorial ends with ``## Exercises``: each exercise has a code cell that calls a
check (``basics.check_pool_shapes(...)``), a hint, and its solution in a collapsed
``<details><summary>Solution</summary>`` block, or nbgrader's ``### BEGIN SOLUTION`` /
``### END SOLUTION`` markers in the cell itself. This module reads that structure from
the notebook as a dict (the JSON of an ``.ipynb`` file, or an ``nbformat.NotebookNode``;
nothing here needs Jupyter): :func:`notebook` checks a notebook where it enters,
:func:`exercises` pairs each exercise cell with its solution, :func:`check_calls` and
:func:`call_arguments` read the check calls, and :func:`marked_number` the exercise mark
that a student version (:mod:`cnn101.teaching.handout`) puts on each exercise cell.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from cnn101 import _validation as check
from cnn101._validation import describe

__all__ = [
    "Exercise",
    "exercise_count",
    "exercises",
    "notebook",
    "solution_blocks",
]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
# What a student version puts where the markers held a solution (nbgrader's stub).
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"

# A markdown cell's Solution block, and the code inside it.
SOLUTION_BLOCK = re.compile(
    r"[ \t]*<details>\s*<summary>\s*Solution\s*</summary>.*?</details>[ \t]*\n?",
    re.DOTALL | re.IGNORECASE,
)
SOLUTION_CODE = re.compile(r"```python[ \t]*\n(.*?)```", re.DOTALL)
# A region between nbgrader's solution markers (group 1: its indentation).
MARKED = re.compile(
    r"^([ \t]*)#+ *BEGIN SOLUTION[^\n]*\n.*?^[ \t]*#+ *END SOLUTION[^\n]*(\n|$)",
    re.DOTALL | re.MULTILINE,
)
EXERCISES_HEADING = re.compile(r"^## +Exercises\b", re.MULTILINE)
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


def source(cell: dict) -> str:
    r"""Return a cell's source as one string (a notebook stores it as a string or a list of lines).

    Examples
    --------
    >>> source({"cell_type": "code", "source": ["x = 1\n", "y = 2"]})
    'x = 1\ny = 2'
    """
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def is_code(cell: dict) -> bool:
    """Return whether ``cell`` is a code cell."""
    return cell.get("cell_type") == "code"


def _malformed(where: str, expected: str, got: Any, error: type[Exception]) -> Exception:
    return error(
        f"`nb` must be a notebook (JSON-loaded .ipynb): {where} must be {expected}. "
        f"Received: {where}={describe(got)}"
    )


def _check_cell(cell: Any, index: int) -> None:
    where = f'nb["cells"][{index}]'
    if not isinstance(cell, dict):
        raise _malformed(where, "a dict", cell, TypeError)
    if not isinstance(cell.get("cell_type", ""), str):
        raise _malformed(f'{where}["cell_type"]', "a string", cell["cell_type"], TypeError)
    if "source" not in cell:
        raise ValueError(
            f'`nb` must be a notebook (JSON-loaded .ipynb): {where} must have a "source". '
            f"Received: {where}={describe(cell)}"
        )
    text = cell["source"]
    if not (
        isinstance(text, str) or (isinstance(text, list) and all(isinstance(t, str) for t in text))
    ):
        raise _malformed(f'{where}["source"]', "a string or a list of strings", text, TypeError)
    if not isinstance(cell.get("metadata", {}), dict):
        raise _malformed(f'{where}["metadata"]', "a dict", cell["metadata"], TypeError)


def notebook(nb: Any) -> dict:
    """Return ``nb`` if it is a notebook as a dict, else raise an error saying what is wrong.

    Every function of :mod:`cnn101.teaching` that takes a notebook checks it here, once,
    where it enters: a notebook is a dict with a list of ``"cells"``, each a dict with a
    ``"source"`` (a string or a list of strings), and, where present, a dict of
    ``"metadata"`` (the notebook's and each cell's) and a string ``"cell_type"``.

    Parameters
    ----------
    nb : dict
        The JSON of an ``.ipynb`` file, or an ``nbformat.NotebookNode``.

    Returns
    -------
    dict
        ``nb`` itself.

    Raises
    ------
    TypeError
        If ``nb``, its cells, a cell, a cell's source or a metadata has the wrong type.
    ValueError
        If ``nb`` has no ``"cells"``, or a cell has no ``"source"``.

    Examples
    --------
    >>> notebook({"cells": [{"cell_type": "code", "source": ["x = 1"]}]})["cells"][0]["source"]
    ['x = 1']
    >>> try:
    ...     notebook({"cells": [{"cell_type": "code", "source": 3}]})
    ... except TypeError as error:
    ...     print(str(error).split(": ", 1)[1])
    nb["cells"][0]["source"] must be a string or a list of strings. Received: nb["cells"][0]["source"]=3
    """
    if not isinstance(nb, dict):
        raise TypeError(
            f"`nb` must be a notebook as a dict (JSON-loaded .ipynb). Received: nb={describe(nb)}"
        )
    if "cells" not in nb:
        raise ValueError(
            '`nb` must be a notebook (JSON-loaded .ipynb) with a list of "cells". '
            f"Received: nb={describe(nb)}"
        )
    if not isinstance(nb["cells"], list):
        raise _malformed('nb["cells"]', "a list", nb["cells"], TypeError)
    if not isinstance(nb.get("metadata", {}), dict):
        raise _malformed('nb["metadata"]', "a dict", nb["metadata"], TypeError)
    for index, cell in enumerate(nb["cells"]):
        _check_cell(cell, index)
    return nb


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
    check.text(markdown, "markdown", optional=False)
    return [m.group(0) for m in SOLUTION_BLOCK.finditer(markdown)]


def exercises_start(cells: list) -> int | None:
    """Return the index of the ``## Exercises`` heading's cell in ``cells``, or None."""
    return next(
        (i for i, c in enumerate(cells) if not is_code(c) and EXERCISES_HEADING.search(source(c))),
        None,
    )


def _calls_and_solutions(cells: list, start: int) -> tuple[list[tuple[int, str]], list[str]]:
    """Return (cell index, check) of each exercise cell from ``start`` on, and the solutions."""
    found, solutions = [], []
    for index in range(start, len(cells)):
        cell, text = cells[index], source(cells[index])
        if is_code(cell):
            call = _CHECK_CALL.search(text)
            if call:
                found.append((index, call.group(1)))
                if MARKED.search(text):
                    solutions.append(text)
            continue
        for block in solution_blocks(text):
            code = SOLUTION_CODE.search(block)
            if code:
                solutions.append(code.group(1))
    return found, solutions


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
    TypeError, ValueError
        If ``nb`` is not a notebook (see :func:`notebook`).
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
    cells = notebook(nb)["cells"]
    start = exercises_start(cells)
    if start is None:
        raise ValueError("The notebook `nb` has no `## Exercises` heading.")
    found, solutions = _calls_and_solutions(cells, start)
    if len(found) != len(solutions):
        raise ValueError(
            f"Expected one solution per exercise cell. Received: {len(found)} exercise cells "
            f"and {len(solutions)} solutions."
        )
    return [
        Exercise(n, index, check, solution)
        for n, ((index, check), solution) in enumerate(zip(found, solutions, strict=True), 1)
    ]


def exercise_count(nb: dict) -> int | None:
    """Return how many exercises ``nb``'s metadata says it has (student versions), or None.

    Parameters
    ----------
    nb : dict
        A notebook as a dict.

    Returns
    -------
    int or None
        The count :func:`cnn101.teaching.handout.student_version` wrote, or None if the
        metadata has none.

    Raises
    ------
    TypeError, ValueError
        If ``nb`` is not a notebook (see :func:`notebook`).

    Examples
    --------
    >>> exercise_count({"metadata": {"cnn101": {"exercises": 3}}, "cells": []})
    3
    >>> exercise_count({"cells": []}) is None
    True
    """
    mark = notebook(nb).get("metadata", {}).get("cnn101")
    value: Any = mark.get("exercises") if isinstance(mark, dict) else None
    return int(value) if check.is_integer(value) else None


def marked_number(cell: Any) -> int | None:
    """Return the exercise number a student version marks ``cell`` with, or None (also if malformed).

    Examples
    --------
    >>> marked_number({"metadata": {"cnn101": {"exercise": 2}}}), marked_number({"metadata": {}})
    (2, None)
    """
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
    check.text(source, "source", optional=False)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and call_name(n) is not None]
    return sorted(calls, key=lambda c: (c.lineno, c.col_offset))


def call_name(node: ast.Call) -> str | None:
    """Return the name of the ``check_...`` function ``node`` calls, or None for another call.

    Examples
    --------
    >>> call_name(ast.parse("ex.check_x(1)").body[0].value)
    'check_x'
    """
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name if isinstance(name, str) and name.startswith("check_") else None


def _argument(node: ast.expr) -> dict:
    """Describe a check argument: a literal parameter ({"value": ...}) or an answer ({"answer": ...})."""
    text = ast.unparse(node)
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return {"answer": text}
    return {"value": text}


def call_arguments(call: ast.Call) -> dict:
    """Return ``{"args": [...], "kwargs": {...}}`` of a check call (see :func:`cnn101.teaching.manifests.manifest`).

    Examples
    --------
    >>> call_arguments(ast.parse("ex.check_x(x, size=3)").body[0].value)
    {'args': [{'answer': 'x'}], 'kwargs': {'size': {'value': '3'}}}
    """
    return {
        "args": [_argument(a) for a in call.args],
        "kwargs": {k.arg: _argument(k.value) for k in call.keywords if k.arg is not None},
    }


def stub_solutions(text: str) -> str:
    r"""Replace nbgrader's marked solution regions of a cell's source with its stub, keeping the indentation.

    Examples
    --------
    >>> print(stub_solutions("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"))
    def f():
        # YOUR CODE HERE
        raise NotImplementedError()
    <BLANKLINE>
    """

    def stub(match: re.Match) -> str:
        indent = match.group(1)
        return "".join(f"{indent}{line}\n" for line in STUB.splitlines())

    return MARKED.sub(stub, text)
