"""The tutorial notebooks as stored, against CONTRIBUTING.md's template.

The stored files are checked directly (valid nbformat, no outputs, one H1, "What you
will learn", the hidden Colab cell, imports, exercises with collapsed solutions), and
each exercise's starter and solution run against its check. The run time of each
notebook comes from the session's cold site build, which records how long each took in a
fresh kernel, so no notebook is executed twice (tests/site/test_site.py).
"""

from __future__ import annotations

import re

import nbformat
import pytest
from conftest import assert_not_yet, tutorial_notebooks

from cnn101.teaching import handout

NOTEBOOKS = tutorial_notebooks()
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
IMPORTS_CNN101 = re.compile(r"^\s*(from cnn101\b|import cnn101\b)", re.MULTILINE)
IMPORTS_TF = re.compile(
    r"^\s*(import (keras|tensorflow)\b|from (keras|tensorflow)\b)", re.MULTILINE
)


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    return request.param


def read(path):
    return nbformat.read(path, as_version=4)


def headings(cell, level: int) -> list[str]:
    """The markdown headings of ``level`` in a cell, outside fenced code blocks."""
    text = FENCE.sub("", cell.source)
    return re.findall(rf"^{'#' * level} +(.+?)\s*#*\s*$", text, re.MULTILINE)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_is_valid_nbformat_with_a_python_kernel(notebook):
    nb = read(notebook)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.kernelspec["name"] == "python3"


def test_is_stored_without_outputs(notebook):
    for index, cell in enumerate(code_cells(read(notebook)), start=1):
        assert cell.outputs == [], f"code cell {index} has outputs"
        assert cell.execution_count is None, f"code cell {index} has an execution count"


def test_has_one_h1_title_and_what_you_will_learn_first(notebook):
    nb = read(notebook)
    titles = [h for c in nb.cells if c.cell_type == "markdown" for h in headings(c, 1)]
    assert len(titles) == 1, f"expected exactly one H1, found {titles}"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and headings(first, 1) == titles
    assert "What you will learn" in headings(first, 2)


def test_second_cell_is_the_hidden_install_cell(notebook):
    nb = read(notebook)
    tagged = [c for c in nb.cells if "remove-cell" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell is tagged remove-cell (the install cell)"
    install = nb.cells[1]
    assert install is tagged[0] and install.cell_type == "code"
    assert 'find_spec("cnn101") is None' in install.source  # test_handout checks the rest


def test_setup_cell_imports_cnn101_before_tensorflow(notebook):
    nb = read(notebook)
    setup = code_cells(nb)[1]  # the first code cell after the Colab cell
    assert setup.source.lstrip().startswith("%matplotlib inline")
    first_cnn101 = IMPORTS_CNN101.search(setup.source)
    assert first_cnn101, "the setup cell imports cnn101"
    first_tf = IMPORTS_TF.search(setup.source)
    assert first_tf is None or first_cnn101.start() < first_tf.start(), (
        "import cnn101 before keras/tensorflow so TensorFlow loads quietly"
    )
    assert "set_random_seed(" in setup.source or "default_rng(" in setup.source, "seed in setup"


def test_imports_from_the_new_homes_only(notebook):
    """No code cell uses an old module path that still answers until a release (it warns)."""
    from cnn101._deprecation import MODULE_ALIASES

    for old in MODULE_ALIASES:
        parent, _, child = old.rpartition(".")
        imported = re.compile(rf"^\s*(from {re.escape(old)}\b|import {re.escape(old)}\b)", re.M)
        listed = re.compile(
            rf"^\s*from {re.escape(parent)} import (?:\(([^)]*)\)|([^(\n]+)$)", re.M
        )
        for cell in code_cells(read(notebook)):
            assert not imported.search(cell.source), cell.source[:200]
            for group in listed.findall(cell.source):
                names = "".join(group).replace("\n", ",").split(",")
                names = {n.split("#")[0].strip().split(" as ")[0].strip() for n in names}
                assert child not in names, f"import {old} from its new home"


def test_ends_with_exercises_and_collapsed_solutions(notebook):
    nb = read(notebook)
    starts = [i for i, c in enumerate(nb.cells) if "Exercises" in headings(c, 2)]
    assert len(starts) == 1, "one `## Exercises` section"
    tail = nb.cells[starts[0] :]
    markdown = "\n".join(c.source for c in tail if c.cell_type == "markdown")
    solutions = re.findall(
        r"<details>\s*<summary>\s*Solution\s*</summary>(.*?)</details>", markdown, re.DOTALL
    )
    assert solutions, "solutions go in <details><summary>Solution</summary> ... </details>"
    for solution in solutions:
        assert "```" in solution, "a solution shows its code in a fenced block"
    checks = [c for c in tail if c.cell_type == "code" and c.source.strip()]
    assert checks, "each exercise has a code cell that calls a check"
    everything = "\n".join(c.source for c in code_cells(nb))
    assert re.search(r"cnn101\.exercises|from cnn101 import exercises", everything), (
        "the exercise checks come from cnn101.exercises"
    )


# --- every exercise: the starter says "Not yet", the hidden solution passes -------------------

# Names an exercise uses that the notebook defines above the exercises, not in its setup cell.
EXERCISE_CONTEXT = {
    "03_spatial_resolution_and_scale.ipynb": 'far_photo = images.load_photo("cat", size=(64, 96))',
}
SOLUTION = re.compile(r"<summary>\s*Solution\s*</summary>.*?```python\n(.*?)```", re.DOTALL)


def exercises(nb) -> list[tuple[str, str]]:
    """(starter cell, solution code) for each exercise, in order."""
    start = next(i for i, c in enumerate(nb.cells) if "Exercises" in headings(c, 2))
    tail = nb.cells[start:]
    starters = [c.source for c in tail if c.cell_type == "code" and ".check_" in c.source]
    solutions = [s for c in tail if c.cell_type == "markdown" for s in SOLUTION.findall(c.source)]
    assert len(starters) == len(solutions) >= 3, "each exercise has a starter and a solution"
    return list(zip(starters, solutions, strict=True))


def setup_namespace(nb, name: str) -> dict:
    """Run the notebook's setup cell (without IPython magics) and its exercise context."""
    setup = "\n".join(
        line for line in code_cells(nb)[1].source.splitlines() if not line.startswith("%")
    )
    namespace: dict = {}
    exec(setup, namespace)
    exec(EXERCISE_CONTEXT.get(name, ""), namespace)
    return namespace


def test_exercise_starters_say_not_yet_and_solutions_pass(notebook):
    nb = read(notebook)
    for starter, solution in exercises(nb):
        body, check_line = handout.split_last_statement(starter)  # the check may wrap
        namespace = setup_namespace(nb, notebook.name)
        exec(body, namespace)
        assert_not_yet(eval(check_line, namespace))
        namespace = setup_namespace(nb, notebook.name)
        exec(body, namespace)  # the starter's set-up lines, then the solution replaces the answer
        exec(solution, namespace)
        feedback = eval(check_line, namespace)
        assert feedback, f"the solution\n{solution}\ndoes not pass: {feedback}"
