"""Making handouts of a tutorial notebook: the student version and the answer key.

From one tutorial notebook (its exercises are read by :mod:`cnn101.teaching.notebooks`)
this module makes

* the **student version**: the same notebook without any solution block, so a
  teacher can set the exercises as graded work; each exercise cell is marked with
  ``{"cnn101": {"exercise": n}}`` in its metadata, which the grader reads;
* the **answer key**: each exercise cell with its solution filled in between
  nbgrader's ``### BEGIN SOLUTION`` and ``### END SOLUTION`` markers, followed by
  the check, so running it shows every check passing.

The grader's **manifest** of a handed-out notebook is made by
:func:`cnn101.teaching.manifests.manifest`. All work on the notebook as a dict (the
JSON of an ``.ipynb`` file, or an ``nbformat.NotebookNode``); nothing here needs Jupyter
installed. A code cell that already holds nbgrader's solution markers is its own
solution: the student version replaces the marked region with nbgrader's stub
(``# YOUR CODE HERE`` / ``raise NotImplementedError()``).

The names of :mod:`cnn101.teaching.notebooks` and :mod:`cnn101.teaching.manifests` that a
teacher uses with these (``exercises``, ``manifest``, ...) are also importable from here.

Examples
--------
>>> from cnn101.teaching import handout
>>> handout.MANIFEST_FORMAT
'cnn101-exercises-manifest'
"""

from __future__ import annotations

import ast
import copy

from cnn101 import _validation as check

# The reading side, importable from here as before (one home each: notebooks, manifests).
from cnn101.teaching.manifests import MANIFEST_FORMAT as MANIFEST_FORMAT
from cnn101.teaching.manifests import MANIFEST_VERSION as MANIFEST_VERSION
from cnn101.teaching.manifests import manifest as manifest
from cnn101.teaching.notebooks import (
    BEGIN,
    END,
    MARKED,
    SOLUTION_BLOCK,
    is_code,
    source,
    stub_solutions,
)
from cnn101.teaching.notebooks import STUB as STUB
from cnn101.teaching.notebooks import Exercise as Exercise
from cnn101.teaching.notebooks import call_arguments as call_arguments
from cnn101.teaching.notebooks import check_calls as check_calls
from cnn101.teaching.notebooks import exercise_count as exercise_count
from cnn101.teaching.notebooks import exercises as exercises
from cnn101.teaching.notebooks import solution_blocks as solution_blocks

__all__ = ["answer_key", "student_version"]


def clear_outputs(cell: dict) -> None:
    """Empty a code cell's outputs and execution count, in place (other cells are left alone)."""
    if is_code(cell):
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
    check.text(tutorial, "tutorial", optional=False)
    out = copy.deepcopy(nb)
    for exercise in found:
        out["cells"][exercise.cell].setdefault("metadata", {})["cnn101"] = {
            "exercise": exercise.number
        }
    for cell in out["cells"]:
        clear_outputs(cell)
        if is_code(cell):
            cell["source"] = stub_solutions(source(cell))
        else:
            cell["source"] = SOLUTION_BLOCK.sub("", source(cell))
    out.setdefault("metadata", {})["cnn101"] = {
        "tutorial": tutorial,
        "version": "student",
        "exercises": len(found),
    }
    return out


def bound_names(node: ast.stmt) -> set[str]:
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


def split_last_statement(source: str) -> tuple[str, str]:
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


def same_statement(a: str, b: str) -> bool:
    try:
        return ast.dump(ast.parse(a.strip())) == ast.dump(ast.parse(b.strip()))
    except SyntaxError:
        return a.strip() == b.strip()


def answer_source(starter: str, solution: str) -> str:
    """Return the starter cell with its answer replaced by the marked solution, then the check."""
    body, check_call = split_last_statement(starter)
    before, last = split_last_statement(solution)
    solution_lines = (before if same_statement(last, check_call) else solution.strip()).splitlines()
    while solution_lines and not solution_lines[-1].strip():
        solution_lines.pop()
    kept = body.splitlines()
    try:
        rebound = set().union(*(bound_names(n) for n in ast.parse("\n".join(solution_lines)).body))
        tree = ast.parse(body)
    except SyntaxError:  # IPython magics: keep the starter's lines as they are
        tree = None
    if tree is not None:
        drop: set[int] = set()
        for node in tree.body:
            names = bound_names(node)
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
    check.text(tutorial, "tutorial", optional=False)
    out = copy.deepcopy(nb)
    for cell in out["cells"]:
        clear_outputs(cell)
    for exercise in found:
        cell = out["cells"][exercise.cell]
        starter = source(cell)
        if not MARKED.search(starter):
            cell["source"] = answer_source(starter, exercise.solution)
        cell.setdefault("metadata", {})["cnn101"] = {"exercise": exercise.number}
    out.setdefault("metadata", {})["cnn101"] = {
        "tutorial": tutorial,
        "version": "answer key",
        "exercises": len(found),
    }
    return out
