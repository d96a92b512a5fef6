"""The grader's manifest of a handed-out notebook: what it needs to grade a submission.

A manifest lists each exercise's number, its check, the arguments the handed-out
notebook calls the check with (answers by their expression, parameters by their literal
value) and the exercise cell as handed out. The site writes one next to each student
version (``student/01_how_a_cnn_sees.manifest.json``); :func:`manifest` makes one from a
notebook, :func:`load_manifest` reads either, and :func:`checked_manifest` checks one
before the grader trusts it.
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cnn101 import _validation as check
from cnn101.exercises import Feedback
from cnn101.teaching import notebooks

__all__ = ["MANIFEST_FORMAT", "MANIFEST_VERSION", "load_manifest", "manifest"]

MANIFEST_FORMAT = "cnn101-exercises-manifest"
MANIFEST_VERSION = 1


def exercise_cells(nb: dict) -> list[tuple[int, int]]:
    """Return (cell index, exercise number) of each exercise cell, marked or found after the heading."""
    cells = notebooks.notebook(nb)["cells"]
    marked = [
        (i, n)
        for i, c in enumerate(cells)
        if notebooks.is_code(c) and (n := notebooks.marked_number(c))
    ]
    if marked:
        return marked
    return [(e.cell, e.number) for e in notebooks.exercises(nb)]


def _tutorial_name(nb: dict, tutorial: Any) -> str:
    """Return ``tutorial``, or by default the one the notebook's metadata names ("" if none)."""
    check.text(tutorial, "tutorial", optional=False)
    if tutorial:
        return tutorial
    meta = nb.get("metadata", {}).get("cnn101", {})
    named = meta.get("tutorial", "") if isinstance(meta, dict) else ""
    return named if isinstance(named, str) else ""


def _entry(nb: dict, index: int, number: int) -> dict:
    """Return the manifest's entry of exercise ``number``, whose cell is ``nb["cells"][index]``."""
    text = notebooks.source(nb["cells"][index])
    calls = notebooks.check_calls(text)
    if not calls:
        raise ValueError(f"Exercise {number} (cell {index}) calls no check_... function.")
    return {
        "number": number,
        "check": notebooks.call_name(calls[-1]),
        **notebooks.call_arguments(calls[-1]),
        "starter": notebooks.stub_solutions(text),
    }


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
    TypeError
        If ``nb`` is not a notebook (see :func:`cnn101.teaching.notebooks.notebook`) or
        ``tutorial`` is not a string.
    ValueError
        If ``nb`` is malformed, an exercise cell calls no check, or the notebook has no
        exercise.

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
    tutorial = _tutorial_name(notebooks.notebook(nb), tutorial)
    found = [_entry(nb, index, number) for index, number in exercise_cells(nb)]
    if not found:
        raise ValueError("The notebook `nb` has no exercise.")
    return {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "tutorial": tutorial,
        "exercises": found,
    }


def exercise_checks() -> dict[str, Callable[..., Feedback]]:
    """Return every ``check_...`` function of the exercise modules, by name (names are unique).

    Examples
    --------
    >>> exercise_checks()["check_pool_shapes"].__module__
    'cnn101.exercises.basics'
    """
    import cnn101.exercises as package

    found: dict[str, Callable[..., Feedback]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"cnn101.exercises.{info.name}")
        for name in getattr(module, "__all__", []):
            if name.startswith("check_"):
                found[name] = getattr(module, name)
    return found


def _literal_problem(number: Any, arguments: list) -> str:
    """Say what is wrong with an exercise's arguments ("" if nothing)."""
    for argument in arguments:
        if not isinstance(argument, dict) or not (
            isinstance(argument.get("value"), str) or isinstance(argument.get("answer"), str)
        ):
            return f"exercise {number} has an argument that is neither value nor answer"
        if "value" in argument:
            try:
                ast.literal_eval(argument["value"])
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return f"exercise {number}'s parameter {argument['value']!r:.60} is not a literal"
    return ""


def _exercise_problem(exercise: Any, known: dict) -> str:
    """Say what is wrong with one exercise of a manifest ("" if nothing)."""
    if not isinstance(exercise, dict) or exercise.get("check") not in known:
        return f"{check.describe(exercise)} does not name a check of cnn101.exercises"
    number = exercise.get("number")
    args, kwargs = exercise.get("args"), exercise.get("kwargs")
    if not check.is_integer(number) or not isinstance(args, list):
        return f"exercise {check.describe(exercise)} has no number or no args"
    if not isinstance(kwargs, dict):
        return f"exercise {number} has no kwargs"
    if not isinstance(exercise.get("starter", ""), str):
        return f"exercise {number}'s starter is not a string"
    return _literal_problem(number, [*args, *kwargs.values()])


def checked_manifest(value: Any) -> dict:
    """Return ``value`` if it is a manifest of known checks with literal parameters, else raise.

    Raises
    ------
    ValueError
        Naming what is wrong (not a manifest, no exercise, an unknown check, a parameter
        that is not a literal, ...).

    Examples
    --------
    >>> try:
    ...     checked_manifest({"format": "x"})
    ... except ValueError as error:
    ...     print(str(error).split(":")[0])
    `manifest` must be an exercises manifest (handout.manifest)
    """
    problem = ""
    if not isinstance(value, dict) or value.get("format") != MANIFEST_FORMAT:
        problem = f'it is not a dict with "format": "{MANIFEST_FORMAT}"'
    elif not isinstance(value.get("exercises"), list) or not value["exercises"]:
        problem = "it lists no exercise"
    else:
        known = exercise_checks()
        problem = next((p for e in value["exercises"] if (p := _exercise_problem(e, known))), "")
    if problem:
        raise ValueError(
            f"`manifest` must be an exercises manifest (handout.manifest): {problem}. "
            f"Received: manifest={check.describe(value)}"
        )
    return value


def load_manifest(path: str | Path) -> dict:
    r"""Read the manifest of the handed-out notebook: a ``.manifest.json`` or the notebook itself.

    Parameters
    ----------
    path : str or Path
        The manifest the site builds next to each student version, or the ``.ipynb``
        that was handed out (its manifest is made from it).

    Returns
    -------
    dict
        See :func:`manifest`.

    Raises
    ------
    TypeError
        If ``path`` is not a path.
    ValueError
        If the file cannot be read, is not JSON, or is neither a manifest nor a notebook
        with exercises.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> nb = {"cells": [
    ...     {"cell_type": "markdown", "source": "## Exercises"},
    ...     {"cell_type": "code", "source": "same = valid = None\nex.check_pool_shapes(same, valid)"},
    ...     {"cell_type": "markdown", "source":
    ...      "<details><summary>Solution</summary>\n```python\nsame, valid = (7, 5), (6, 4)\n```\n</details>"},
    ... ]}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "01_basics.ipynb"
    ...     _ = path.write_text(json.dumps(nb), encoding="utf-8")
    ...     manifest = load_manifest(path)
    >>> manifest["tutorial"], manifest["exercises"][0]["check"]
    ('01_basics', 'check_pool_shapes')
    """
    path = check.path(path, "path")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"`path` must be a readable JSON file (a manifest or a notebook). Received: "
            f"path={str(path)!r}: {error}"
        ) from None
    if isinstance(data, dict) and "cells" in data:
        meta = (
            data.get("metadata", {}).get("cnn101")
            if isinstance(data.get("metadata"), dict)
            else None
        )
        named = meta.get("tutorial") if isinstance(meta, dict) else None
        try:  # the tutorial its metadata names (a student version), else the file's name
            data = manifest(data, tutorial=named if isinstance(named, str) and named else path.stem)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: {error}") from None
    return checked_manifest(data)
