"""Reading a submission: where its exercises are, and what it says about itself.

Before a submitted notebook runs, the grader reads it (:func:`read_submission`) and
finds, for each exercise of the manifest, the cell after which its answers are read
(:func:`locate`): the cell the handed-out version marks with the exercise's number, or
else the k-th cell that calls the exercise's check. It also notes what the notebook
says about itself that disagrees with the handout (:func:`metadata_notes`), and whether
it is another tutorial's notebook altogether (:func:`other_tutorial`).
"""

from __future__ import annotations

import ast
import importlib
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnn101 import _validation as check
from cnn101.teaching import handout, manifests, notebooks
from cnn101.teaching.notebooks import source

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def read_submission(path: Path) -> Any:
    """Return the notebook at ``path`` (an ``nbformat.NotebookNode``), or raise ValueError saying why not."""
    import nbformat

    try:
        with warnings.catch_warnings():  # a missing cell id is not the student's concern
            warnings.simplefilter("ignore")
            nb = nbformat.read(path, as_version=4)
        return notebooks.notebook(nb)
    except Exception as error:  # not JSON, not a notebook, unreadable: a row, not a crash
        raise ValueError(f"cannot read it as one: {str(error)[:200]}") from None


@dataclass
class Placement:
    """Where each exercise of a manifest is in a submission.

    Attributes
    ----------
    at_cell : dict of int to int
        Exercise number -> index of the cell after which its answers are read.
    own_call : dict of int to ast.Call or None
        Exercise number -> the submission's call of the exercise's check in that cell.
    deleted : set of int
        Exercises with no cell (their marked cell and their check call are gone).
    unchanged : set of int
        Exercises whose cell is as handed out.
    """

    at_cell: dict[int, int] = field(default_factory=dict)
    own_call: dict[int, ast.Call | None] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    unchanged: set[int] = field(default_factory=set)


def _check_call_cells(cells: list) -> dict[str, list[tuple[int, ast.Call]]]:
    """Check name -> (cell index, call) of every call of it in the code cells, in order."""
    calls: dict[str, list[tuple[int, ast.Call]]] = {}
    for index, cell in enumerate(cells):
        if notebooks.is_code(cell):
            for call in notebooks.check_calls(source(cell)):
                calls.setdefault(notebooks.call_name(call), []).append((index, call))
    return calls


def locate(cells: list, exercises: list[dict]) -> Placement:
    """Find each exercise of the manifest (``exercises``) in the submission's ``cells``."""
    marked: dict[int, int] = {}
    for index, cell in enumerate(cells):
        number = notebooks.marked_number(cell)
        if notebooks.is_code(cell) and number is not None:
            marked.setdefault(number, index)
    calls = _check_call_cells(cells)
    place = Placement()
    seen: dict[str, int] = {}
    for exercise in exercises:
        number, check_name = exercise["number"], exercise["check"]
        candidates = calls.get(check_name, [])
        if number in marked:
            place.at_cell[number] = marked[number]
            inside = [c for i, c in candidates if i == marked[number]]
            place.own_call[number] = inside[-1] if inside else None
            continue
        k = seen.get(check_name, 0)
        seen[check_name] = k + 1
        if k < len(candidates):
            place.at_cell[number], place.own_call[number] = candidates[k]
        else:
            place.own_call[number] = None
    place.deleted = {e["number"] for e in exercises if e["number"] not in place.at_cell}
    place.unchanged = {
        e["number"]
        for e in exercises
        if isinstance(e.get("starter"), str)
        and e["number"] in place.at_cell
        and same_code(source(cells[place.at_cell[e["number"]]]), e["starter"])
    }
    return place


def error_of(cell) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return _ANSI.sub("", f"{output.get('ename')}: {output.get('evalue')}")[:300]
    return ""


def expressions(exercise: dict) -> list[str]:
    return [a["answer"] for a in [*exercise["args"], *exercise["kwargs"].values()] if "answer" in a]


def parameters_differ(exercise: dict, call: ast.Call) -> str:
    """Describe how a submission's call of the check differs from the handed-out parameters."""
    given = notebooks.call_arguments(call)
    want = {f"#{i}": a for i, a in enumerate(exercise["args"]) if "value" in a}
    want |= {k: a for k, a in exercise["kwargs"].items() if "value" in a}
    got = {f"#{i}": a for i, a in enumerate(given["args"]) if "value" in a or f"#{i}" in want}
    got |= {k: a for k, a in given["kwargs"].items()}
    differ = []
    for key in sorted(set(want) | set(got)):
        w, g = want.get(key), got.get(key)
        w_value = ast.literal_eval(w["value"]) if w and "value" in w else None
        g_value = ast.literal_eval(g["value"]) if g and "value" in g else None
        if key in want and (g is None or "value" not in g or g_value != w_value):
            differ.append(key)
        elif key not in want and not (g and "answer" in g and g["answer"] in expressions(exercise)):
            differ.append(key)
    if not differ:
        return ""
    return (
        f"the notebook calls {exercise['check']} with other parameters "
        f"({ast.unparse(call)[:160]}); graded with the handed-out ones"
    )


def bound_at_top(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        names |= handout.bound_names(node)
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def names_used(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names |= set(node.name.split(".")) | ({node.asname} if node.asname else set())
    return names


def _tutorial_of(check_name: str) -> str:
    """'tutorial 1, "How a CNN sees"' for a check of cnn101.exercises.basics (its docstring)."""
    function = manifests.exercise_checks().get(check_name)
    module = importlib.import_module(function.__module__) if function is not None else None
    found = re.search(r'tutorial (\d+), "([^"]+)"', (module.__doc__ or "") if module else "")
    if found is None:
        return f"the tutorial of {check_name}"
    return f'tutorial {found.group(1)}, "{found.group(2)}"'


def _own_metadata(nb: Any) -> Any:
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    return meta.get("cnn101") if isinstance(meta, dict) else None


def other_tutorial(cells: list, nb: Any, manifest: dict) -> str:
    """Say so when the submission is another tutorial's notebook (by its checks or metadata)."""
    wanted = {e["check"] for e in manifest["exercises"]}
    called = set()
    for cell in cells:
        if notebooks.is_code(cell):
            called |= {notebooks.call_name(c) for c in notebooks.check_calls(source(cell))}
    if called & wanted:
        return ""
    known = manifests.exercise_checks()
    theirs = sorted({_tutorial_of(c) for c in called if c in known})
    meta = _own_metadata(nb)
    claimed = meta.get("tutorial") if isinstance(meta, dict) else None
    handed_out = manifest.get("tutorial") or ""
    differs = isinstance(claimed, str) and claimed and handed_out and claimed != handed_out
    if not theirs and not differs:
        return ""
    ours = sorted({_tutorial_of(c) for c in wanted})
    what = f"it calls the checks of {' and '.join(theirs)}" if theirs else "it calls no check"
    if differs:
        what += f" and its metadata says {claimed!r}"
    return (
        f"another tutorial's notebook: {what}, none of {' and '.join(ours)}, which was handed out"
    )


def _notebook_notes(meta: Any, manifest: dict) -> list[str]:
    """Return what the notebook's own cnn101 metadata says that disagrees with the handout."""
    if meta is not None and not isinstance(meta, dict):
        return [f"its cnn101 metadata was edited (it is {check.describe(meta)})"]
    if not isinstance(meta, dict):
        return []
    notes = []
    count = len(manifest["exercises"])
    claimed, handed_out = meta.get("tutorial"), manifest.get("tutorial") or ""
    if "tutorial" in meta and handed_out and claimed != handed_out:
        notes.append(f"its metadata says it is tutorial {claimed!r}, the handout is {handed_out!r}")
    if "version" in meta and meta["version"] != "student":
        notes.append(
            f"its metadata says it is the {meta['version']!r} version, not the student "
            "version handed out"
        )
    if "exercises" in meta and meta["exercises"] != count:
        notes.append(
            f"its metadata says it has {meta['exercises']!r} exercises, the handout "
            f"has {count} (graded on the handout's)"
        )
    return notes


def _mark_notes(cells: list, manifest: dict) -> list[str]:
    """Return what the exercise marks of the cells say that disagrees with the handout."""
    notes = []
    numbers = {e["number"] for e in manifest["exercises"]}
    where: dict[int, list[int]] = {}
    for index, cell in enumerate(cells):
        mark = cell.get("metadata", {}).get("cnn101")
        if mark is None:
            continue
        number = notebooks.marked_number(cell)
        if number is None:
            notes.append(
                f"the exercise mark of cell {index + 1} was edited ({check.describe(mark)})"
            )
        elif number not in numbers:
            notes.append(
                f"cell {index + 1} is marked as exercise {number}, which the handout does not have"
            )
        else:
            where.setdefault(number, []).append(index + 1)
    for number, found in sorted(where.items()):
        if len(found) > 1:
            notes.append(
                f"exercise {number} is marked on {len(found)} cells "
                f"({', '.join(map(str, found))}); the first is graded"
            )
    return notes


def metadata_notes(nb: Any, manifest: dict, kernel_name: str) -> list[str]:
    """Return what the metadata says that disagrees with the handout (graded as handed out)."""
    notes = _notebook_notes(_own_metadata(nb), manifest)
    spec = nb.get("metadata", {}).get("kernelspec")
    spec_name = spec.get("name") if isinstance(spec, dict) else None
    if spec_name is not None and spec_name != kernel_name:
        notes.append(
            f"its metadata asks for the kernel {spec_name!r}; it was run with {kernel_name!r}"
        )
    return notes + _mark_notes(nb["cells"], manifest)


def same_code(a: str, b: str) -> bool:
    """Whether two cell sources are the same code, but for blank lines and trailing spaces."""

    def lines(source: str) -> list[str]:
        return [line.rstrip() for line in source.strip().splitlines() if line.strip()]

    return lines(a) == lines(b)
