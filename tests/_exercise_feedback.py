"""No starter answer's feedback gives the expected answer away: the check of one tutorial.

Used by each ``tests/test_exercises_<topic>.py`` on the tutorial whose exercises call
``cnn101.exercises.<topic>``. For every exercise of that tutorial, the starter's "Not
yet" feedback (message and hint) is searched for the values the solution computes
(numbers, shapes, lists of columns or kernel names, permutations), written the ways a
message would print them. String answers are left out: the task names the choices
("max" or "avg").
"""

from __future__ import annotations

import ast
import numbers
import re
from pathlib import Path

from test_notebooks import NOTEBOOKS, exercises, read, setup_namespace

from cnn101.teaching import handout


def renderings(value) -> set[str]:
    """The ways a check's message could print ``value``."""
    if isinstance(value, bool):
        return set()
    if isinstance(value, numbers.Integral):
        return {str(int(value))}
    if isinstance(value, numbers.Real):
        v = float(value)
        return {f"{v:g}", f"{v:.3g}", f"{v:.2f}", f"{v:.3f}", f"{v:.4g}", repr(v)}
    if isinstance(value, tuple | list) and 0 < len(value) <= 20:
        if all(isinstance(v, numbers.Number | str) for v in value):
            return {str(value), str(list(value)), str(tuple(value)), str(sorted(value))}
    return set()


def appears(text: str, rendering: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(rendering)}(?![\w]|\.\d)", text) is not None


def tutorial_of(topic: str) -> Path:
    """The one tutorial whose exercises call the checks of ``cnn101.exercises.<topic>``."""
    uses = re.compile(
        rf"^\s*(from cnn101\.exercises import {topic}\b|import cnn101\.exercises\.{topic}\b)",
        re.MULTILINE,
    )
    found = [
        path
        for path in NOTEBOOKS
        if any(uses.search(c.source) for c in read(path).cells if c.cell_type == "code")
    ]
    assert len(found) == 1, f"expected one tutorial using cnn101.exercises.{topic}, found {found}"
    return found[0]


def assert_starter_feedback_hides_the_answer(topic: str) -> None:
    """Assert that no starter's feedback in ``topic``'s tutorial shows a solution's value."""
    notebook = tutorial_of(topic)
    nb = read(notebook)
    checked = 0
    for number, (starter, solution) in enumerate(exercises(nb), start=1):
        body, check_line = handout.split_last_statement(starter)  # the check may wrap
        namespace = setup_namespace(nb, notebook.name)
        exec(body, namespace)
        feedback = eval(check_line, namespace)
        text = f"{feedback.message}\n{feedback.hint}"
        exec(solution, namespace)
        names = set().union(*(handout.bound_names(n) for n in ast.parse(solution).body))
        for name in sorted(names):
            value = namespace[name]
            if isinstance(value, str):
                continue
            shown = [r for r in renderings(value) if appears(text, r)]
            assert not shown, (
                f"{notebook.name}, exercise {number}: the starter's feedback shows "
                f"{name} = {shown}\n{text}"
            )
            checked += bool(renderings(value))
    assert checked >= 2, "expected answers with values to compare"
