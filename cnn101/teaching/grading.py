"""Grade a class's notebooks against the notebook that was handed out.

``python -m cnn101.teaching grade --handout student/01_how_a_cnn_sees.ipynb
submissions/*.ipynb --csv grades.csv`` grades every submission against the exercises
of the handed-out notebook (or of the manifest the site builds next to it,
``student/01_how_a_cnn_sees.manifest.json``; see :func:`cnn101.teaching.handout.manifest`).

How a submission is graded:

1. It is copied into a new temporary folder and run there, top to bottom, in a new
   kernel, with one time limit for the whole notebook.
2. After each exercise's cell (the cell the handed-out version marks, or else the cell
   that calls the exercise's check), and once more after the last cell for whatever was
   missing, the grader reads the **values** of the answers named in the manifest out of
   the kernel (numbers, strings, lists, arrays; a function stays in the kernel).
3. The grader then calls the check **in its own process**, with those values and with
   the parameters of the handed-out notebook. A function answer is called back in the
   student's kernel with the inputs the check chooses, and only its return value comes
   back. So nothing the notebook prints, writes or patches (its own checks, ``Feedback``,
   a record file) decides a verdict: the notebook can only give answers.

The total is the number of exercises in the handed-out notebook: an exercise that is
missing, or whose answer is not defined, counts as not done. A submission that calls a
check with other parameters is graded with the handed-out ones, and told; an answer that
calls the library function the exercise asks to write (``ops.max_pool2d`` in a max
pooling) does not pass. Errors in other cells, and why a run stopped (time limit, the
kernel died or was ended by ``exit()`` / ``os._exit``), are reported.

What the grader is not: a sandbox. It runs the students' code with the teacher's
rights, as Jupyter does. Run untrusted submissions in a container or a throw-away
virtual machine, as with nbgrader. The re-implementation test reads names (the answer
cells' source and the names a function answer's code uses), so a determined student can
hide a call from it; and an answer is read from the kernel that ran the student's code,
so a notebook can give any value it could compute, as a student could type.

Running notebooks needs ``nbclient`` and ``ipykernel``: ``pip install nbclient ipykernel``.
"""

from __future__ import annotations

import ast
import base64
import csv
import importlib
import io
import json
import math
import os
import pkgutil
import re
import shutil
import signal
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnn101 import _validation as check
from cnn101.exercises import Feedback
from cnn101.teaching import handout

__all__ = [
    "GradeRow",
    "format_table",
    "grade",
    "grade_notebook",
    "load_manifest",
    "summary",
    "totals",
    "write_csv",
    "write_summary_csv",
]

DEFAULT_TIMEOUT_S = 600
# Seconds one call of a student's function may take while a check runs.
CALL_TIMEOUT_S = 60
# The most bytes of answer values read back from a kernel at once.
MAX_REPLY_BYTES = 64 * 2**20
CSV_FIELDS = ("file", "exercise", "check", "passed", "reason", "total")
SUMMARY_FIELDS = ("file", "passed", "exercises", "total", "notes")
_MISSING_NBCLIENT = (
    "Grading runs notebooks with nbclient and ipykernel, which are not installed: "
    "run `pip install nbclient ipykernel` where cnn101 is installed."
)

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

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

# Runs in the student's kernel for each request of the grader: read values, call a function.
_KERNEL_CODE = r"""
def _cnn101_grader_request(request_path, reply_path):
    import base64, io, json, types
    import numpy as np
    space = get_ipython().user_ns
    functions = space.setdefault("_cnn101_grader_functions", [])

    def names_of(code, seen):
        found = set(code.co_names)
        for const in code.co_consts:
            if isinstance(const, types.CodeType) and id(const) not in seen:
                seen.add(id(const))
                found |= names_of(const, seen)
        return found

    def encode(value, depth=0):
        if depth > 20:
            return {"unsupported": "nested too deep"}
        if value is None or isinstance(value, bool | int | float | str):
            return {"py": value}
        if isinstance(value, list | tuple):
            items = [encode(v, depth + 1) for v in value]
            return {"list" if isinstance(value, list) else "tuple": items}
        if hasattr(value, "numpy") and callable(value.numpy) and not isinstance(value, type):
            value = value.numpy()  # a TensorFlow tensor
        if isinstance(value, np.generic):
            value = np.asarray(value)
            scalar = True
        else:
            scalar = False
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                return {"unsupported": "an array of Python objects"}
            buffer = io.BytesIO()
            np.save(buffer, value, allow_pickle=False)
            return {"ndarray": base64.b64encode(buffer.getvalue()).decode(), "scalar": scalar}
        if callable(value):
            functions.append(value)
            code = getattr(value, "__code__", None)
            names = sorted(names_of(code, set())) if code is not None else []
            return {"function": len(functions) - 1, "name": getattr(value, "__name__", "?"),
                    "names": names}
        return {"unsupported": type(value).__name__}

    def decode(obj):
        if "py" in obj:
            return obj["py"]
        if "list" in obj:
            return [decode(v) for v in obj["list"]]
        if "tuple" in obj:
            return tuple(decode(v) for v in obj["tuple"])
        array = np.load(io.BytesIO(base64.b64decode(obj["ndarray"])), allow_pickle=False)
        return array[()] if obj.get("scalar") else array

    with open(request_path, encoding="utf-8") as handle:
        request = json.load(handle)
    if request["op"] == "values":
        reply = []
        for expr in request["exprs"]:
            try:
                value = eval(expr, space)
            except NameError as error:
                reply.append({"missing": str(error)})
                continue
            except Exception as error:
                reply.append({"error": f"{type(error).__name__}: {error}"})
                continue
            reply.append({"value": encode(value)})
    else:
        func = functions[request["function"]]
        args = [decode(a) for a in request["args"]]
        kwargs = {k: decode(v) for k, v in request["kwargs"].items()}
        try:
            reply = {"value": encode(func(*args, **kwargs))}
        except Exception as error:
            reply = {"raised": [type(error).__name__, str(error)[:500]]}
    with open(reply_path, "w", encoding="utf-8") as handle:
        json.dump(reply, handle)

_cnn101_grader_request(%r, %r)
del _cnn101_grader_request
"""


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

    Examples
    --------
    >>> row = GradeRow("alice.ipynb", 2, "check_max_pool", False, "Not yet. Output (0, 0) ...")
    >>> row.passed, totals([row])
    (False, {'alice.ipynb': (0, 1)})
    """

    file: str
    exercise: int | None
    check: str
    passed: bool
    reason: str = ""


# --------------------------------------------------------------------------- argument checks


def _check_path(path: Any, name: str) -> Path:
    if not isinstance(path, str | os.PathLike) or not str(path):
        raise TypeError(
            f"`{name}` must be a file path (str or pathlib.Path). Received: {name}={check.describe(path)}"
        )
    return Path(path)


def _check_timeout(timeout: Any) -> float:
    if not check.is_number(timeout) or not 0 < float(timeout) < math.inf:
        raise ValueError(
            f"`timeout` must be a positive number of seconds. Received: timeout={check.describe(timeout)}"
        )
    return float(timeout)


def _check_kernel(kernel_name: Any) -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    installed = sorted(KernelSpecManager().find_kernel_specs())
    if not isinstance(kernel_name, str) or kernel_name not in installed:
        raise ValueError(
            f"`kernel_name` must be an installed Jupyter kernel, one of {installed}. "
            f"Received: kernel_name={check.describe(kernel_name)}"
        )
    return kernel_name


def _check_rows(rows: Any) -> list[GradeRow]:
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


def _checks() -> dict[str, Callable[..., Feedback]]:
    """Every ``check_...`` function of the exercise modules, by name (names are unique)."""
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


def _check_manifest(manifest: Any) -> dict:
    """Return ``manifest`` if it is a manifest of known checks with literal parameters."""
    problem = ""
    if not isinstance(manifest, dict) or manifest.get("format") != handout.MANIFEST_FORMAT:
        problem = f'it is not a dict with "format": "{handout.MANIFEST_FORMAT}"'
    elif not isinstance(manifest.get("exercises"), list) or not manifest["exercises"]:
        problem = "it lists no exercise"
    else:
        known = _checks()
        for exercise in manifest["exercises"]:
            if not isinstance(exercise, dict) or exercise.get("check") not in known:
                problem = f"{check.describe(exercise)} does not name a check of cnn101.exercises"
                break
            number = exercise.get("number")
            args, kwargs = exercise.get("args"), exercise.get("kwargs")
            if not isinstance(number, int) or not isinstance(args, list):
                problem = f"exercise {check.describe(exercise)} has no number or no args"
                break
            if not isinstance(kwargs, dict):
                problem = f"exercise {number} has no kwargs"
                break
            for argument in [*args, *kwargs.values()]:
                if not isinstance(argument, dict) or not (
                    isinstance(argument.get("value"), str)
                    or isinstance(argument.get("answer"), str)
                ):
                    problem = f"exercise {number} has an argument that is neither value nor answer"
                    break
                if "value" in argument:
                    try:
                        ast.literal_eval(argument["value"])
                    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                        problem = f"exercise {number}'s parameter {argument['value']!r:.60} is not a literal"
                        break
            if problem:
                break
    if problem:
        raise ValueError(
            f"`manifest` must be an exercises manifest (handout.manifest): {problem}. "
            f"Received: manifest={check.describe(manifest)}"
        )
    return manifest


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
        See :func:`cnn101.teaching.handout.manifest`.

    Raises
    ------
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
    path = _check_path(path, "path")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"`path` must be a readable JSON file (a manifest or a notebook). Received: "
            f"path={str(path)!r}: {error}"
        ) from None
    if isinstance(data, dict) and "cells" in data:
        try:
            data = handout.manifest(data, tutorial=path.stem)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: {error}") from None
    return _check_manifest(data)


# --------------------------------------------------------------------------- talking to the kernel


class _Stopped(BaseException):  # not an error of the student's code: the run ended
    """The kernel died or ran out of time while the grader was talking to it."""


class _Kernel:
    """The student's kernel, seen from the grader: run a cell, ask for values, call a function."""

    def __init__(self, client, work: Path, deadline: float):
        self.client, self.work, self.deadline = client, work, deadline
        self.stopped = ""
        self.requests = 0

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def run(self, cell, index: int | None, limit: float | None = None) -> None:
        """Execute ``cell``; on a time limit or a dead kernel, set ``stopped`` and raise _Stopped."""
        import nbclient

        if self.stopped:
            raise _Stopped(self.stopped)
        own = limit is not None and limit < self.remaining()
        seconds = limit if own else self.remaining()
        if seconds <= 0:
            self.stopped = f"stopped at the time limit of the notebook ({self._limit:g} s)"
            raise _Stopped(self.stopped)
        self.client.timeout = max(1, math.ceil(seconds))
        cells = self.client.nb.cells
        if index is None:  # the grader's own cell: run after the notebook's, kept out of it
            cells.append(cell)
        try:
            if index is None:
                self.client.execute_cell(cell, len(cells) - 1, store_history=False)
            else:
                self.client.execute_cell(cell, index)
        except nbclient.exceptions.CellTimeoutError:
            self.stopped = (
                f"stopped: a call of the answer ran longer than {limit:g} s"
                if own
                else f"stopped: the notebook ran longer than its time limit of {self._limit:g} s"
            )
            raise _Stopped(self.stopped) from None
        except nbclient.exceptions.DeadKernelError:
            self.stopped = self._death()
            raise _Stopped(self.stopped) from None
        except Exception as error:  # a kernel that stopped answering, a broken channel
            if not self._alive():
                self.stopped = self._death()
            else:
                self.stopped = f"stopped: {type(error).__name__}: {str(error)[:200]}"
            raise _Stopped(self.stopped) from None
        finally:
            if index is None:
                cells.pop()
        if not self._alive():  # os._exit can end the kernel before nbclient notices
            self.stopped = self._death()
            raise _Stopped(self.stopped)

    _limit: float = 0.0

    def _alive(self) -> bool:
        from nbclient.util import ensure_async, run_sync

        try:

            async def alive():
                return await ensure_async(self.client.km.is_alive())

            return bool(run_sync(alive)())
        except Exception:
            return False

    def _death(self) -> str:
        code = None
        for _ in range(20):  # the process may take a moment to be reaped
            process = getattr(getattr(self.client.km, "provisioner", None), "process", None)
            code = process.poll() if process is not None else None
            if code is not None:
                break
            time.sleep(0.05)
        if code is None:
            return "stopped: the kernel died"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            what = " (out of memory?)" if -code == signal.SIGKILL else ""
            return f"stopped: the kernel was killed by {name}{what}"
        return (
            f"stopped: the notebook ended its kernel (exit status {code}: "
            "exit(), quit(), sys.exit in a thread, or os._exit)"
        )

    def request(self, payload: dict, limit: float | None = None) -> Any:
        import nbformat

        self.requests += 1
        request = self.work / f".grader-request-{self.requests}.json"
        reply = self.work / f".grader-reply-{self.requests}.json"
        request.write_text(json.dumps(payload), encoding="utf-8")
        cell = nbformat.v4.new_code_cell(_KERNEL_CODE % (str(request), str(reply)))
        self.run(cell, None, limit)
        try:
            if reply.stat().st_size > MAX_REPLY_BYTES:
                return None
            return json.loads(reply.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        finally:
            for path in (request, reply):
                path.unlink(missing_ok=True)


def _encode(value: Any) -> dict:
    """Encode a value the grader passes to a student's function as JSON (arrays by np.save)."""
    import numpy as np

    if value is None or isinstance(value, bool | int | float | str):
        return {"py": value}
    if isinstance(value, list | tuple):
        return {"list" if isinstance(value, list) else "tuple": [_encode(v) for v in value]}
    array = np.asarray(value)
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return {"ndarray": base64.b64encode(buffer.getvalue()).decode(), "scalar": array.ndim == 0}


class _Unreadable:
    """An answer the grader cannot read back (a dict, a model, ...): the check sees this."""

    def __init__(self, what: str):
        self.what = what

    def __repr__(self) -> str:
        return f"<{self.what}, which the grader cannot read>"


def _decode(obj: Any, kernel: _Kernel, functions: dict) -> Any:
    """Decode a value read from the kernel (never unpickled: JSON, np.load(allow_pickle=False))."""
    import numpy as np

    if not isinstance(obj, dict):
        return _Unreadable("a malformed value")
    if "py" in obj and (obj["py"] is None or isinstance(obj["py"], bool | int | float | str)):
        return obj["py"]
    if isinstance(obj.get("list"), list):
        return [_decode(v, kernel, functions) for v in obj["list"]]
    if isinstance(obj.get("tuple"), list):
        return tuple(_decode(v, kernel, functions) for v in obj["tuple"])
    if isinstance(obj.get("ndarray"), str):
        try:
            array = np.load(io.BytesIO(base64.b64decode(obj["ndarray"])), allow_pickle=False)
        except (ValueError, OSError, TypeError):
            return _Unreadable("a malformed array")
        return array[()] if obj.get("scalar") is True else array
    if isinstance(obj.get("function"), int):
        names = obj.get("names") if isinstance(obj.get("names"), list) else []
        proxy = _RemoteFunction(kernel, obj["function"], str(obj.get("name", "?")))
        functions[id(proxy)] = {str(n) for n in names}
        return proxy
    return _Unreadable(str(obj.get("unsupported", "a value")))


class _RemoteFunction:
    """A student's function that stays in the student's kernel; calling it calls it there."""

    def __init__(self, kernel: _Kernel, index: int, name: str):
        self._kernel, self._index, self.__name__ = kernel, index, name

    def __repr__(self) -> str:
        return f"<function {self.__name__} of the submission>"

    def __call__(self, *args, **kwargs):
        payload = {
            "op": "call",
            "function": self._index,
            "args": [_encode(a) for a in args],
            "kwargs": {k: _encode(v) for k, v in kwargs.items()},
        }
        reply = self._kernel.request(payload, limit=CALL_TIMEOUT_S)
        if not isinstance(reply, dict):
            raise RuntimeError("the function's result could not be read back")
        if "raised" in reply and isinstance(reply["raised"], list) and len(reply["raised"]) == 2:
            name, message = (str(part) for part in reply["raised"])
            raise type(name if name.isidentifier() else "Error", (Exception,), {})(message)
        return _decode(reply.get("value"), self._kernel, {})


# --------------------------------------------------------------------------- reading a submission


def _source(cell: Any) -> str:
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def _error_of(cell) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return _ANSI.sub("", f"{output.get('ename')}: {output.get('evalue')}")[:300]
    return ""


def _expressions(exercise: dict) -> list[str]:
    return [a["answer"] for a in [*exercise["args"], *exercise["kwargs"].values()] if "answer" in a]


def _parameters_differ(exercise: dict, call: ast.Call) -> str:
    """Describe how a submission's call of the check differs from the handed-out parameters."""
    given = handout.call_arguments(call)
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
        elif key not in want and not (
            g and "answer" in g and g["answer"] in _expressions(exercise)
        ):
            differ.append(key)
    if not differ:
        return ""
    return (
        f"the notebook calls {exercise['check']} with other parameters "
        f"({ast.unparse(call)[:160]}); graded with the handed-out ones"
    )


def _bound_at_top(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        names |= handout._bound_names(node)
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _names_used(source: str) -> set[str]:
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


# --------------------------------------------------------------------------- grading


def _stopped_row(name: str, exercise: dict, reason: str) -> GradeRow:
    return GradeRow(name, exercise["number"], exercise["check"], False, reason)


def grade_notebook(
    path: str | Path,
    manifest: dict | str | Path,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    kernel_name: str = "python3",
) -> list[GradeRow]:
    """Run one submitted notebook in a fresh kernel and grade it against ``manifest``.

    Parameters
    ----------
    path : str or Path
        The submitted ``.ipynb`` file.
    manifest : dict, str or Path
        The handed-out notebook's manifest (:func:`load_manifest` reads it from a file).
    timeout : float, default 600
        Seconds the whole notebook may run; a cell still running then is stopped, and the
        exercises not yet graded fail with the reason.
    kernel_name : str, default "python3"

    Returns
    -------
    list of GradeRow
        One row per exercise of the manifest, in its order, then notes about the whole
        notebook (``exercise=None``): an unreadable file, an error in a cell outside the
        exercises, a stopped run.

    Raises
    ------
    ModuleNotFoundError
        If nbclient is not installed.
    ValueError
        If ``timeout`` is not a positive number or ``manifest`` is not a manifest.

    Examples
    --------
    A file that is not a notebook is not run; each exercise gets a row saying why:

    >>> import pathlib, tempfile
    >>> manifest = {"format": "cnn101-exercises-manifest", "version": 1, "tutorial": "",
    ...             "exercises": [{"number": 1, "check": "check_pool_shapes",
    ...                            "args": [{"answer": "same"}, {"answer": "valid"}],
    ...                            "kwargs": {}}]}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "bob.ipynb"
    ...     _ = path.write_text("not JSON", encoding="utf-8")
    ...     [row] = grade_notebook(path, manifest)
    >>> row.passed, row.reason.startswith("not graded: cannot read the notebook")
    (False, True)
    """
    path = _check_path(path, "path")
    timeout = _check_timeout(timeout)
    if isinstance(manifest, str | os.PathLike):
        manifest = load_manifest(manifest)
    manifest = _check_manifest(manifest)
    try:
        import nbclient
        import nbformat
    except ImportError as error:
        raise ModuleNotFoundError(_MISSING_NBCLIENT, name="nbclient") from error
    _check_kernel(kernel_name)

    name = path.name
    exercises = manifest["exercises"]
    try:
        with warnings.catch_warnings():  # a missing cell id is not the student's concern
            warnings.simplefilter("ignore")
            nb = nbformat.read(path, as_version=4)
        cells = list(nb.cells)
        if not all(isinstance(c, dict) for c in cells):
            raise ValueError("a cell is not a JSON object")
    except Exception as error:  # not JSON, not a notebook, unreadable: rows, not a crash
        reason = f"not graded: cannot read the notebook: {str(error)[:200]}"
        return [_stopped_row(name, e, reason) for e in exercises]

    # Where each exercise's answer is complete: the handed-out version's marked cell, or
    # the k-th cell that calls the exercise's check.
    marked = {}
    for index, cell in enumerate(cells):
        number = handout._marked_number(cell)
        if cell.get("cell_type") == "code" and number is not None:
            marked.setdefault(number, index)
    calls: dict[str, list[tuple[int, ast.Call]]] = {}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") == "code":
            for call in handout.check_calls(_source(cell)):
                calls.setdefault(handout._call_name(call), []).append((index, call))
    at_cell: dict[int, int] = {}  # exercise number -> index of the cell after which to read it
    own_call: dict[int, ast.Call | None] = {}
    seen: dict[str, int] = {}
    for exercise in exercises:
        number, check_name = exercise["number"], exercise["check"]
        candidates = calls.get(check_name, [])
        if number in marked:
            at_cell[number] = marked[number]
            inside = [c for i, c in candidates if i == marked[number]]
            own_call[number] = inside[-1] if inside else None
        else:
            k = seen.get(check_name, 0)
            seen[check_name] = k + 1
            if k < len(candidates):
                at_cell[number] = candidates[k][0]
                own_call[number] = candidates[k][1]
            else:
                own_call[number] = None

    results: dict[int, GradeRow] = {}
    cell_errors: dict[int, str] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cnn101-grade-") as folder:
        work = Path(folder)
        copy = work / name
        shutil.copyfile(path, copy)
        deadline = time.monotonic() + timeout
        from traitlets.config import Config

        config = Config({"KernelManager": {"transport": "ipc", "ip": str(work / ".kernel")}})
        client = nbclient.NotebookClient(
            nb,
            config=config,
            kernel_name=kernel_name,
            timeout=int(timeout) + 1,
            allow_errors=True,
            record_timing=False,
            resources={"metadata": {"path": str(work)}},
        )
        kernel = _Kernel(client, work, deadline)
        kernel._limit = timeout
        try:
            with (work / ".kernel.log").open("wb") as log:
                with client.setup_kernel(stdout=log, stderr=log):
                    try:
                        for index, cell in enumerate(cells):
                            if cell.get("cell_type") != "code":
                                continue
                            kernel.run(cell, index)
                            error = _error_of(cell)
                            owners = [e for e in exercises if at_cell.get(e["number"]) == index]
                            if error and not owners:
                                first = _source(cell).strip().splitlines()[:1]
                                where = f"cell {index + 1}" + (
                                    f" ({first[0][:50]!r})" if first else ""
                                )
                                notes.append(f"{where} raised {error}")
                            for exercise in owners:
                                cell_errors[exercise["number"]] = error
                                row = _grade_one(
                                    name, exercise, kernel, cells, own_call, error, final=False
                                )
                                if row is not None:
                                    results[exercise["number"]] = row
                        for exercise in exercises:  # what was missing or unread, once more
                            if exercise["number"] not in results:
                                results[exercise["number"]] = _grade_one(
                                    name,
                                    exercise,
                                    kernel,
                                    cells,
                                    own_call,
                                    cell_errors.get(exercise["number"], ""),
                                    final=True,
                                )
                    except _Stopped:
                        pass
        except _Stopped:
            pass
        except Exception as error:  # the kernel did not start, ...
            kernel.stopped = (
                kernel.stopped or f"stopped: {type(error).__name__}: {str(error)[:200]}"
            )
    rows = []
    for exercise in exercises:
        row = results.get(exercise["number"])
        if row is None:
            row = _stopped_row(name, exercise, f"not graded: {kernel.stopped or 'not reached'}")
        rows.append(row)
    notes += [kernel.stopped] if kernel.stopped else []
    rows += [GradeRow(name, None, "", False, note) for note in notes]
    return rows


def _grade_one(
    name: str,
    exercise: dict,
    kernel: _Kernel,
    cells: list,
    own_call: dict,
    cell_error: str,
    *,
    final: bool,
) -> GradeRow | None:
    """Read the exercise's answers from the kernel and run its check here; None: try later."""
    number, check_name = exercise["number"], exercise["check"]
    call = own_call.get(number)
    given = handout.call_arguments(call) if call is not None else None

    def expression(kind: str, key: Any, argument: dict) -> str | None:
        if "answer" not in argument:
            return None
        return argument["answer"]

    def fallback(kind: str, key: Any) -> str | None:
        if given is None:
            return None
        pool = given["args"] if kind == "args" else given["kwargs"]
        try:
            argument = pool[key]
        except (IndexError, KeyError):
            return None
        return argument.get("answer") or argument.get("value")

    slots = [("args", i, a) for i, a in enumerate(exercise["args"])]
    slots += [("kwargs", k, a) for k, a in exercise["kwargs"].items()]
    wanted = [expression(*slot) for slot in slots]
    exprs = [e for e in wanted if e is not None]
    reply = kernel.request({"op": "values", "exprs": exprs}) if exprs else []
    if not isinstance(reply, list) or len(reply) != len(exprs):
        return GradeRow(name, number, check_name, False, "the answers could not be read back")
    values: dict[str, Any] = dict(zip(exprs, reply, strict=True))
    missing = [e for e in exprs if "value" not in values[e]]
    retry = []
    for slot in slots:
        expr = expression(*slot)
        if expr in missing:
            other = fallback(slot[0], slot[1])
            if other is not None and other != expr:
                retry.append((expr, other))
    if retry:
        second = kernel.request({"op": "values", "exprs": [o for _, o in retry]})
        if isinstance(second, list) and len(second) == len(retry):
            for (expr, _), got in zip(retry, second, strict=True):
                if isinstance(got, dict) and "value" in got:
                    values[expr] = got
    missing = [e for e in exprs if not isinstance(values[e], dict) or "value" not in values[e]]
    if missing:
        if not final:
            return None
        problems = []
        for expr in missing:
            got = values[expr] if isinstance(values[expr], dict) else {}
            problems.append(
                f"`{expr}` raised {got['error']}" if "error" in got else f"`{expr}` is not defined"
            )
        reason = "not done: " + "; ".join(problems)
        if cell_error:
            reason += f" (its cell raised {cell_error})"
        return GradeRow(name, number, check_name, False, reason[:300])

    functions: dict[int, set[str]] = {}
    decoded = {e: _decode(values[e]["value"], kernel, functions) for e in exprs}
    args = [
        decoded[a["answer"]] if "answer" in a else ast.literal_eval(a["value"])
        for a in exercise["args"]
    ]
    kwargs = {
        k: decoded[a["answer"]] if "answer" in a else ast.literal_eval(a["value"])
        for k, a in exercise["kwargs"].items()
    }

    # The answer may not call what it re-implements: names in its cells and in its functions.
    forbidden = set(REIMPLEMENTS.get(check_name, ()))
    used: set[str] = set()
    for names in functions.values():
        used |= names
    answer_names = {e.split("(")[0].split("[")[0].split(".")[0] for e in exprs}
    first = next(  # the cells of the exercises section: the tutorial's own text uses the library
        (
            i
            for i, c in enumerate(cells)
            if c.get("cell_type") == "markdown" and handout._EXERCISES_HEADING.search(_source(c))
        ),
        0,
    )
    for cell in cells[first:]:
        if cell.get("cell_type") == "code":
            source = _source(cell)
            if answer_names & _bound_at_top(source):
                used |= _names_used(source)
    calls_library = sorted(forbidden & used)
    if calls_library:
        return GradeRow(
            name,
            number,
            check_name,
            False,
            f"the answer uses {', '.join(calls_library)}, the library code the exercise "
            "asks you to write yourself",
        )

    check_fn = _checks()[check_name]
    try:
        feedback = check_fn(*args, **kwargs)
    except _Stopped:
        raise
    except Exception as error:  # a check meeting a value it did not foresee
        return GradeRow(
            name, number, check_name, False, f"the check failed on this answer: {error}"[:300]
        )
    if not isinstance(feedback, Feedback):
        return GradeRow(name, number, check_name, False, "the check gave no verdict")
    notes = []
    if call is not None:
        differ = _parameters_differ(exercise, call)
        if differ:
            notes.append(differ)
    if cell_error:
        notes.append(f"its cell raised {cell_error}")
    passed = feedback.passed is True
    reason = "" if passed else str(feedback).splitlines()[0]
    reason = "; ".join([r for r in [reason, *notes] if r])
    return GradeRow(name, number, check_name, passed, reason[:300])


def grade(
    paths: Iterable[str | Path],
    manifest: dict | str | Path,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    kernel_name: str = "python3",
    progress: Callable[[str], Any] | None = None,
) -> list[GradeRow]:
    """Grade each notebook of ``paths`` in turn against ``manifest`` (see :func:`grade_notebook`).

    Parameters
    ----------
    paths : list of str or Path
    manifest : dict, str or Path
        The handed-out notebook's manifest, or the file it is read from.
    timeout : float, default 600
        Seconds per notebook.
    kernel_name : str, default "python3"
    progress : callable, optional
        Called with one line per notebook once it is graded ("3/11 alice.ipynb: 3/4 in 12 s").

    Returns
    -------
    list of GradeRow
        The rows of :func:`grade_notebook` for each notebook, in the order of ``paths``;
        a notebook the grader itself fails on gets a failing row per exercise.

    Raises
    ------
    ModuleNotFoundError
        If nbclient is not installed.

    Examples
    --------
    Running notebooks takes seconds each; with no submission there is nothing to run:

    >>> manifest = {"format": "cnn101-exercises-manifest", "version": 1, "tutorial": "",
    ...             "exercises": [{"number": 1, "check": "check_spp_length",
    ...                            "args": [{"answer": "length"}], "kwargs": {}}]}
    >>> grade([], manifest)
    []
    """
    if isinstance(paths, str | bytes | os.PathLike) or not isinstance(paths, Iterable):
        raise TypeError(
            f"`paths` must be a list of notebook paths. Received: paths={check.describe(paths)}"
        )
    paths = [_check_path(path, "paths") for path in paths]
    _check_timeout(timeout)
    if isinstance(manifest, str | os.PathLike):
        manifest = load_manifest(manifest)
    manifest = _check_manifest(manifest)
    if progress is not None and not callable(progress):
        raise TypeError(
            f"`progress` must be callable. Received: progress={check.describe(progress)}"
        )
    rows: list[GradeRow] = []
    for count, path in enumerate(paths, 1):
        start = time.monotonic()
        try:
            found = grade_notebook(path, manifest, timeout=timeout, kernel_name=kernel_name)
        except (ModuleNotFoundError, TypeError, ValueError):
            raise
        except Exception as error:  # never stop the batch on one submission
            reason = f"not graded: the grader failed: {type(error).__name__}: {error}"[:300]
            found = [_stopped_row(path.name, e, reason) for e in manifest["exercises"]]
        rows += found
        if progress is not None:
            passed, total = totals(found).get(path.name, (0, 0))
            progress(
                f"{count}/{len(paths)} {path.name}: {passed}/{total} "
                f"in {time.monotonic() - start:.0f} s"
            )
    return rows


# --------------------------------------------------------------------------- reports


def totals(rows: Sequence[GradeRow]) -> dict[str, tuple[int, int]]:
    """Return {file: (exercises passed, exercises)}; notes (``exercise=None``) do not count.

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned.

    Returns
    -------
    dict of str to (int, int)
        For each file, in the order of first appearance.

    Examples
    --------
    >>> totals([GradeRow("a.ipynb", 1, "check_x", True), GradeRow("a.ipynb", 2, "check_y", False)])
    {'a.ipynb': (1, 2)}
    """
    out: dict[str, tuple[int, int]] = {}
    for row in _check_rows(rows):
        passed, count = out.get(row.file, (0, 0))
        if row.exercise is None:
            out[row.file] = (passed, count)
        else:
            out[row.file] = (passed + row.passed, count + 1)
    return out


def summary(rows: Sequence[GradeRow]) -> list[dict[str, str]]:
    """Return one record per submission: file, passed, exercises, total, notes.

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned.

    Returns
    -------
    list of dict of str to str
        One record per file (the columns of :func:`write_summary_csv`); ``notes`` joins
        the reasons of the file's notes with "; ".

    Examples
    --------
    >>> summary([GradeRow("a.ipynb", 1, "check_x", True),
    ...          GradeRow("a.ipynb", None, "", False, "cell 3 raised NameError: x")])
    [{'file': 'a.ipynb', 'passed': '1', 'exercises': '1', 'total': '1/1', 'notes': 'cell 3 raised NameError: x'}]
    """
    rows = _check_rows(rows)
    out = []
    for file, (passed, count) in totals(rows).items():
        notes = [r.reason for r in rows if r.file == file and r.exercise is None]
        out.append(
            {
                "file": file,
                "passed": str(passed),
                "exercises": str(count),
                "total": f"{passed}/{count}",
                "notes": "; ".join(notes),
            }
        )
    return out


def _records(rows: Sequence[GradeRow]) -> list[dict[str, str]]:
    score = totals(rows)
    out = []
    for row in rows:
        passed, count = score[row.file]
        out.append(
            {
                "file": row.file,
                "exercise": "" if row.exercise is None else str(row.exercise),
                "check": row.check,
                "passed": "" if row.exercise is None else ("yes" if row.passed else "no"),
                "reason": row.reason,
                "total": f"{passed}/{count}",
            }
        )
    return out


def format_table(rows: Sequence[GradeRow]) -> str:
    """Return the rows as a plain-text table, with each file's total.

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned.

    Returns
    -------
    str
        A header line and one line per row, columns aligned with spaces.

    Examples
    --------
    >>> print(format_table([GradeRow("a.ipynb", 1, "check_x", True),
    ...                     GradeRow("a.ipynb", 2, "check_y", False, "Not yet. 3 is too small.")]))
    file     exercise  check    passed  total  reason
    a.ipynb  1         check_x  yes     1/2
    a.ipynb  2         check_y  no      1/2    Not yet. 3 is too small.
    """
    rows = _check_rows(rows)
    columns = ("file", "exercise", "check", "passed", "total", "reason")
    table = [dict(zip(columns, columns, strict=True)), *_records(rows)]
    widths = {c: max(len(r[c]) for r in table) for c in columns[:-1]}
    lines = []
    for record in table:
        cells = [record[c].ljust(widths[c]) for c in columns[:-1]] + [record["reason"]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _writable(path: Any) -> Path:
    path = _check_path(path, "path")
    if path.is_dir():
        raise ValueError(
            f"`path` must name a file, not a folder. Received: path={check.describe(str(path))}"
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValueError(
            f"`path` must be in an existing folder. Received: path={str(path)!r} "
            f"({str(folder)!r} does not exist)"
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(
            f"`path` must be writable. Received: path={str(path)!r} (permission denied)"
        )
    return path


def _write_table(path: Path, fields: Sequence[str], records: Iterable[dict]) -> Path:
    """Write ``records`` to ``path`` as CSV with the columns ``fields``; return ``path``."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(records)
    return path


def write_csv(rows: Sequence[GradeRow], path: str | Path) -> Path:
    """Write one row per exercise as CSV (columns file, exercise, check, passed, reason, total).

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned.
    path : str or Path
        The CSV file to write (replaced if it exists).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        If ``path`` is a folder, or its folder is missing or not writable.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> rows = [GradeRow("a.ipynb", 1, "check_x", True), GradeRow("a.ipynb", 2, "check_y", False, "Not yet.")]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_csv(rows, pathlib.Path(folder) / "grades.csv")
    ...     print(path.read_text(encoding="utf-8").splitlines())
    ['file,exercise,check,passed,reason,total', 'a.ipynb,1,check_x,yes,,1/2', 'a.ipynb,2,check_y,no,Not yet.,1/2']
    """
    rows = _check_rows(rows)
    return _write_table(_writable(path), CSV_FIELDS, _records(rows))


def write_summary_csv(rows: Sequence[GradeRow], path: str | Path) -> Path:
    """Write one row per submission as CSV (columns file, passed, exercises, total, notes).

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned.
    path : str or Path
        The CSV file to write (replaced if it exists).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        If ``path`` is a folder, or its folder is missing or not writable.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> rows = [GradeRow("a.ipynb", 1, "check_x", True), GradeRow("a.ipynb", 2, "check_y", False, "Not yet.")]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_summary_csv(rows, pathlib.Path(folder) / "grades.csv")
    ...     print(path.read_text(encoding="utf-8").splitlines())
    ['file,passed,exercises,total,notes', 'a.ipynb,1,2,1/2,']
    """
    rows = _check_rows(rows)
    return _write_table(_writable(path), SUMMARY_FIELDS, summary(rows))
