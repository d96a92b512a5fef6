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

Every exercise below full marks gets a reason a teacher can read out, and so does the
student's row of the summary (:func:`student_notes`): a deleted exercise cell, an exercise
left as handed out, another tutorial's notebook (by its checks or its metadata; it is not
run), a check called with other parameters, a check replaced or defined in the notebook
(ignored), metadata that disagrees with the handout, a file that is not a notebook, the
time limit (:data:`KINDS`). The class report (:func:`class_report`, :func:`report_html`)
counts them per exercise.

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
import collections
import csv
import html
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
    "KINDS",
    "GradeRow",
    "class_report",
    "format_table",
    "grade",
    "grade_notebook",
    "load_manifest",
    "report_html",
    "student_notes",
    "summary",
    "totals",
    "write_class_report",
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
REPORT_FIELDS = (
    "exercise",
    "check",
    "passed",
    "students",
    "most_common_reason",
    "students_not_passed",
)
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
    if request["op"] == "replaced":
        import sys
        reply = []
        for module_name, module in list(sys.modules.items()):
            if module_name != "cnn101.exercises" and not module_name.startswith("cnn101.exercises."):
                continue
            prefix = "" if module_name == "cnn101.exercises" else module_name[17:] + "."
            for attr in getattr(module, "__all__", []):
                obj = getattr(module, attr, None)
                owners = [(prefix + attr, obj)] if not isinstance(obj, type) else [
                    (f"{attr}.{key}", value) for key, value in vars(obj).items()
                ]
                for label, value in owners:
                    if isinstance(value, types.FunctionType) and not str(
                        getattr(value, "__module__", "")
                    ).startswith("cnn101."):
                        reply.append(label)
        for key, value in list(space.items()):
            if key.startswith("check_") and isinstance(value, types.FunctionType) and not str(
                getattr(value, "__module__", "")
            ).startswith("cnn101."):
                reply.append(f"{key} (defined in the notebook)")
        reply = sorted(set(reply))
    elif request["op"] == "values":
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
    kind : str
        What happened, as one of the keys of :data:`KINDS` ("wrong", "deleted", "time
        limit", ...); "" for a passing answer. The class report counts these.

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
    kind: str = ""


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
            if not isinstance(exercise.get("starter", ""), str):
                problem = f"exercise {number}'s starter is not a string"
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
        meta = (
            data.get("metadata", {}).get("cnn101")
            if isinstance(data.get("metadata"), dict)
            else None
        )
        named = meta.get("tutorial") if isinstance(meta, dict) else None
        try:  # the tutorial its metadata names (a student version), else the file's name
            data = handout.manifest(
                data, tutorial=named if isinstance(named, str) and named else path.stem
            )
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


def _tutorial_of(check_name: str) -> str:
    """'tutorial 1, "How a CNN sees"' for a check of cnn101.exercises.basics (its docstring)."""
    function = _checks().get(check_name)
    module = importlib.import_module(function.__module__) if function is not None else None
    found = re.search(r'tutorial (\d+), "([^"]+)"', (module.__doc__ or "") if module else "")
    if found is None:
        return f"the tutorial of {check_name}"
    return f'tutorial {found.group(1)}, "{found.group(2)}"'


def _own_metadata(nb: Any) -> Any:
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    return meta.get("cnn101") if isinstance(meta, dict) else None


def _other_tutorial(cells: list, nb: Any, manifest: dict) -> str:
    """Say so when the submission is another tutorial's notebook (by its checks or metadata)."""
    wanted = {e["check"] for e in manifest["exercises"]}
    called = set()
    for cell in cells:
        if cell.get("cell_type") == "code":
            called |= {handout._call_name(c) for c in handout.check_calls(_source(cell))}
    if called & wanted:
        return ""
    known = _checks()
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


def _metadata_notes(cells: list, nb: Any, manifest: dict, kernel_name: str) -> list[str]:
    """Return what the metadata says that disagrees with the handout (graded as handed out)."""
    notes = []
    meta = _own_metadata(nb)
    numbers = {e["number"] for e in manifest["exercises"]}
    if meta is not None and not isinstance(meta, dict):
        notes.append(f"its cnn101 metadata was edited (it is {check.describe(meta)})")
    elif isinstance(meta, dict):
        claimed, handed_out = meta.get("tutorial"), manifest.get("tutorial") or ""
        if "tutorial" in meta and handed_out and claimed != handed_out:
            notes.append(
                f"its metadata says it is tutorial {claimed!r}, the handout is {handed_out!r}"
            )
        if "version" in meta and meta["version"] != "student":
            notes.append(
                f"its metadata says it is the {meta['version']!r} version, not the student "
                "version handed out"
            )
        if "exercises" in meta and meta["exercises"] != len(numbers):
            notes.append(
                f"its metadata says it has {meta['exercises']!r} exercises, the handout "
                f"has {len(numbers)} (graded on the handout's)"
            )
    spec = nb.get("metadata", {}).get("kernelspec") if isinstance(nb, dict) else None
    spec_name = spec.get("name") if isinstance(spec, dict) else None
    if spec_name is not None and spec_name != kernel_name:
        notes.append(
            f"its metadata asks for the kernel {spec_name!r}; it was run with {kernel_name!r}"
        )
    where: dict[int, list[int]] = {}
    for index, cell in enumerate(cells):
        mark = (
            cell.get("metadata", {}).get("cnn101")
            if isinstance(cell.get("metadata"), dict)
            else None
        )
        if mark is None:
            continue
        number = handout._marked_number(cell)
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


def _same_code(a: str, b: str) -> bool:
    """Whether two cell sources are the same code, but for blank lines and trailing spaces."""

    def lines(source: str) -> list[str]:
        return [line.rstrip() for line in source.strip().splitlines() if line.strip()]

    return lines(a) == lines(b)


def _stop_kind(reason: str) -> str:
    return "time limit" if "longer than" in reason or "time limit" in reason else "stopped"


# --------------------------------------------------------------------------- grading


def _stopped_row(name: str, exercise: dict, reason: str, kind: str = "") -> GradeRow:
    kind = kind or _stop_kind(reason)
    return GradeRow(name, exercise["number"], exercise["check"], False, reason, kind)


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
    >>> row.passed, row.kind, row.reason.startswith("not graded: not a notebook")
    (False, 'not a notebook', True)
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
        reason = f"not graded: not a notebook (cannot read it as one: {str(error)[:200]})"
        return [_stopped_row(name, e, reason, "not a notebook") for e in exercises]
    other = _other_tutorial(cells, nb, manifest)
    if other:  # not run: none of its answers can be read as this handout's
        return [_stopped_row(name, e, f"not graded: {other}", "other tutorial") for e in exercises]

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

    deleted = {e["number"] for e in exercises if e["number"] not in at_cell}
    unchanged = {
        e["number"]
        for e in exercises
        if isinstance(e.get("starter"), str)
        and e["number"] in at_cell
        and _same_code(_source(cells[at_cell[e["number"]]]), e["starter"])
    }
    results: dict[int, GradeRow] = {}
    cell_errors: dict[int, str] = {}
    notes: list[tuple[str, str]] = [
        (note, "metadata") for note in _metadata_notes(cells, nb, manifest, kernel_name)
    ]
    replaced: list[str] = []
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
                                notes.append((f"{where} raised {error}", "cell error"))
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
                        found = kernel.request({"op": "replaced"})
                        if isinstance(found, list):
                            replaced = [str(f) for f in found]
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
        number = exercise["number"]
        row = results.get(number)
        if row is None:
            row = _stopped_row(name, exercise, f"not graded: {kernel.stopped or 'not reached'}")
        elif not row.passed and number in deleted and row.kind in ("wrong", "undefined", "error"):
            what = row.reason.removeprefix("not done: ")
            row = GradeRow(
                name,
                number,
                row.check,
                False,
                f"not done: its cell was deleted ({what})",
                "deleted",
            )
        elif not row.passed and number in unchanged and row.kind in ("wrong", "undefined", "error"):
            what = row.reason.removeprefix("not done: ")
            row = GradeRow(
                name, number, row.check, False, f"not done: left as handed out ({what})", "empty"
            )
        own = [r for r in replaced if r.split(" ")[0].rpartition(".")[2] == row.check]
        if own:
            reason = "; ".join(
                r for r in [row.reason, "its check was replaced in the notebook (ignored)"] if r
            )
            row = GradeRow(name, number, row.check, row.passed, reason, row.kind)
        rows.append(row)
    if replaced:
        notes.append(
            (
                f"the notebook replaced {', '.join(replaced)}; ignored: every answer was "
                "graded with cnn101's own checks",
                "replaced check",
            )
        )
    if kernel.stopped:
        notes.append((kernel.stopped, _stop_kind(kernel.stopped)))
    rows += [GradeRow(name, None, "", False, note, kind) for note, kind in notes]
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
        return GradeRow(
            name, number, check_name, False, "the answers could not be read back", "check failed"
        )
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
        return GradeRow(
            name, number, check_name, False, reason[:300], "error" if cell_error else "undefined"
        )

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
            "library",
        )

    check_fn = _checks()[check_name]
    try:
        feedback = check_fn(*args, **kwargs)
    except _Stopped:
        raise
    except Exception as error:  # a check meeting a value it did not foresee
        return GradeRow(
            name,
            number,
            check_name,
            False,
            f"the check failed on this answer: {error}"[:300],
            "check failed",
        )
    if not isinstance(feedback, Feedback):
        return GradeRow(
            name, number, check_name, False, "the check gave no verdict", "check failed"
        )
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
    return GradeRow(name, number, check_name, passed, reason[:300], "" if passed else "wrong")


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
        Called with one line per notebook once it is graded, with a bar of how far the
        class is ("3/11 [#####-----------] alice.ipynb: 3/4 in 12 s").

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
                f"{count}/{len(paths)} {_progress_bar(count, len(paths))} {path.name}: "
                f"{passed}/{total} in {time.monotonic() - start:.0f} s"
            )
    return rows


# --------------------------------------------------------------------------- reports


def _progress_bar(done: int, total: int, width: int = 20) -> str:
    """Return a text bar of ``done`` out of ``total`` ("[#####---------------]").

    Parameters
    ----------
    done, total : int
        Notebooks graded so far, and in all.
    width : int, default 20
        Characters between the brackets.

    Returns
    -------
    str

    Examples
    --------
    >>> _progress_bar(1, 4, width=8)
    '[##------]'
    >>> _progress_bar(0, 0, width=4)
    '[####]'
    """
    filled = width if total <= 0 else round(width * min(max(done, 0), total) / total)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def _numbers(numbers: Sequence[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def student_notes(rows: Sequence[GradeRow], file: str) -> str:
    """Return what happened in one submission, as one line a teacher can read out.

    Every exercise below full marks gets its reason (exercises with the same reason
    share it), then what the grader noticed on passing answers and on the whole
    notebook (an error outside the exercises, edited metadata, a replaced check, why
    the run stopped).

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned.
    file : str
        The submission (``GradeRow.file``).

    Returns
    -------
    str
        Parts joined with "; "; empty when every exercise passed and nothing was noticed.

    Examples
    --------
    >>> rows = [GradeRow("a.ipynb", 1, "check_x", True),
    ...         GradeRow("a.ipynb", 2, "check_y", False, "not done: `y` is not defined", "undefined"),
    ...         GradeRow("a.ipynb", 3, "check_z", False, "not done: `y` is not defined", "undefined")]
    >>> student_notes(rows, "a.ipynb")
    'exercises 2, 3: not done: `y` is not defined'
    """
    rows = _check_rows(rows)
    if not isinstance(file, str):
        raise TypeError(
            f"`file` must be a submission's file name (str). Received: file={check.describe(file)}"
        )
    return "; ".join(_note_parts(rows, file))


def _note_parts(rows: Sequence[GradeRow], file: str) -> list[str]:
    """Return the parts of :func:`student_notes`: one a reason (or a group of exercises)."""
    rows = [row for row in rows if row.file == file]
    groups: dict[str, list[int]] = {}
    for row in rows:
        if row.exercise is None:
            continue
        reason = row.reason or ("" if row.passed else KINDS.get(row.kind, "not passed"))
        if reason:
            groups.setdefault(reason, []).append(row.exercise)
    parts = [
        f"exercise{'s' if len(numbers) > 1 else ''} {_numbers(numbers)}: {reason}"
        for reason, numbers in groups.items()
    ]
    said = " ".join(groups)  # a stopped run is said once, where its exercises are
    parts += [
        row.reason for row in rows if row.exercise is None and row.reason and row.reason not in said
    ]
    return parts


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
        One record per file (the columns of :func:`write_summary_csv`); ``notes`` is
        :func:`student_notes`: the reason of every exercise below full marks, then the
        notes about the whole notebook.

    Examples
    --------
    >>> summary([GradeRow("a.ipynb", 1, "check_x", True),
    ...          GradeRow("a.ipynb", None, "", False, "cell 3 raised NameError: x")])
    [{'file': 'a.ipynb', 'passed': '1', 'exercises': '1', 'total': '1/1', 'notes': 'cell 3 raised NameError: x'}]
    """
    rows = _check_rows(rows)
    out = []
    for file, (passed, count) in totals(rows).items():
        out.append(
            {
                "file": file,
                "passed": str(passed),
                "exercises": str(count),
                "total": f"{passed}/{count}",
                "notes": student_notes(rows, file),
            }
        )
    return out


def class_report(rows: Sequence[GradeRow]) -> list[dict[str, str]]:
    """Return one record per exercise: how many passed, the commonest reason, who did not.

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned for the class.

    Returns
    -------
    list of dict of str to str
        In exercise order, with the columns of :data:`REPORT_FIELDS`: ``passed`` and
        ``students`` are counts, ``most_common_reason`` is the commonest kind of failure
        in words (:data:`KINDS`) with how many students it concerns, and
        ``students_not_passed`` lists the files below the mark, joined with "; ".

    Examples
    --------
    >>> rows = [GradeRow("a.ipynb", 1, "check_x", True),
    ...         GradeRow("b.ipynb", 1, "check_x", False, "Not yet. 3 is too small.", "wrong"),
    ...         GradeRow("c.ipynb", 1, "check_x", False, "Not yet. 9 is too big.", "wrong")]
    >>> [record] = class_report(rows)
    >>> record["passed"], record["students"], record["most_common_reason"]
    ('1', '3', 'wrong answer (the check said Not yet): 2 of 2')
    >>> record["students_not_passed"]
    'b.ipynb; c.ipynb'
    """
    rows = _check_rows(rows)
    exercises: dict[int, list[GradeRow]] = {}
    for row in rows:
        if row.exercise is not None:
            exercises.setdefault(row.exercise, []).append(row)
    out = []
    for number in sorted(exercises):
        group = exercises[number]
        failed = [row for row in group if not row.passed]
        kinds = collections.Counter(KINDS.get(row.kind, "not passed") for row in failed)
        common = ""
        if kinds:
            label, count = kinds.most_common(1)[0]
            common = f"{label}: {count} of {len(failed)}"
        out.append(
            {
                "exercise": str(number),
                "check": group[0].check,
                "passed": str(len(group) - len(failed)),
                "students": str(len(group)),
                "most_common_reason": common,
                "students_not_passed": "; ".join(row.file for row in failed),
            }
        )
    return out


_REPORT_STYLE = """
:root { color-scheme: light dark; --fg: #000000de; --muted: #0000008a; --bg: #fff;
  --primary: #4051b5; --line: #0000001f; --bar: #e8eaf6; --ok: #2e7d32; --no: #c62828; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e2e4e9; --muted: #e2e4e99a; --bg: #1e2129; --primary: #7c8ce0;
    --line: #e2e4e91f; --bar: #2e303e; --ok: #81c784; --no: #ef9a9a; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.6;
  font: 16px/1.6 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; }
header { background: #4051b5; color: #fff; padding: 0.7rem 1.2rem; font-size: 1.1rem; }
main { max-width: 61rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
h1 { font-weight: 300; font-size: 2rem; margin: 0.5rem 0 0.8rem; }
h2 { font-weight: 400; font-size: 1.4rem; margin: 2rem 0 0.6rem; }
.muted { color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
th, td { text-align: left; vertical-align: top; padding: 0.5rem 0.6rem;
  border-bottom: 1px solid var(--line); overflow-wrap: break-word; }
th { font-weight: 700; white-space: nowrap; }
td.num { white-space: nowrap; }
td ul { margin: 0; padding-left: 1.1rem; }
@media (max-width: 40em) {  /* a phone: each row a card, each cell labelled */
  table, tbody, tr, td { display: block; width: 100%; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  tr { border-bottom: 1px solid var(--line); padding: 0.6rem 0; }
  td { border: 0; padding: 0.1rem 0; }
  td::before { content: attr(data-label) ": "; font-weight: 700; }
}
.bar { display: block; height: 0.45rem; background: var(--bar); border-radius: 0.2rem;
  margin-top: 0.25rem; min-width: 4rem; }
.bar > span { display: block; height: 100%; background: var(--primary); border-radius: 0.2rem; }
.ok { color: var(--ok); } .no { color: var(--no); }
"""


def report_html(rows: Sequence[GradeRow], *, title: str = "Class report") -> str:
    """Return the class report as one static HTML page (no script, nothing fetched).

    The page opens from disk in any browser: per exercise how many passed (with a bar),
    the commonest reason for not passing and who is concerned; then one row per student
    with the total and :func:`student_notes`. It follows the light or dark colours of
    the reader's system.

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned for the class.
    title : str, default "Class report"
        The page's heading (for example the tutorial's name).

    Returns
    -------
    str
        The page's HTML.

    Examples
    --------
    >>> page = report_html([GradeRow("a.ipynb", 1, "check_x", True)], title="Tutorial 1")
    >>> "<h1>Tutorial 1</h1>" in page, "<script" in page, "http" in page
    (True, False, False)
    """
    rows = _check_rows(rows)
    if not isinstance(title, str):
        raise TypeError(f"`title` must be a string. Received: title={check.describe(title)}")
    esc = html.escape
    exercises = class_report(rows)
    students = summary(rows)
    lines = []
    for record in exercises:
        count, total = int(record["passed"]), int(record["students"])
        share = 100 * count / total if total else 0
        lines.append(
            f'<tr><td class="num" data-label="Exercise">{esc(record["exercise"])}</td>'
            f'<td data-label="Check"><code>{esc(record["check"])}</code></td>'
            f'<td class="num" data-label="Passed">{count} of {total}'
            f'<span class="bar" role="img" aria-label="{share:.0f} % passed">'
            f'<span style="width:{share:.0f}%"></span></span></td>'
            f'<td data-label="Most common reason">{esc(record["most_common_reason"]) or "-"}</td>'
            f'<td data-label="Not passed">{esc(record["students_not_passed"]) or "-"}</td></tr>'
        )
    people = []
    for record in students:
        full = record["passed"] == record["exercises"]
        mark = "ok" if full else "no"
        notes = "".join(f"<li>{esc(part)}</li>" for part in _note_parts(rows, record["file"]))
        people.append(
            f'<tr><td data-label="Notebook">{esc(record["file"])}</td>'
            f'<td class="num {mark}" data-label="Total">{esc(record["total"])}</td>'
            f'<td data-label="What happened">{f"<ul>{notes}</ul>" if notes else "-"}</td></tr>'
        )
    full_marks = sum(r["passed"] == r["exercises"] for r in students)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} &middot; cnn101</title>
<style>{_REPORT_STYLE}</style>
</head>
<body>
<header>cnn101 &middot; grades</header>
<main>
<h1>{esc(title)}</h1>
<p class="muted">{len(students)} notebooks graded, {full_marks} with full marks;
graded on {time.strftime("%Y-%m-%d %H:%M")} by <code>python -m cnn101.teaching grade</code>.
The grades are a first pass to read, not a verdict to publish unread.</p>
<h2>Per exercise</h2>
<div class="scroll"><table>
<thead><tr><th>Exercise</th><th>Check</th><th>Passed</th><th>Most common reason for not passing</th>
<th>Students not passed</th></tr></thead>
<tbody>
{chr(10).join(lines)}
</tbody></table></div>
<h2>Per student</h2>
<div class="scroll"><table>
<thead><tr><th>Notebook</th><th>Total</th><th>What happened</th></tr></thead>
<tbody>
{chr(10).join(people)}
</tbody></table></div>
</main>
</body>
</html>
"""


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
    ['file,passed,exercises,total,notes', 'a.ipynb,1,2,1/2,exercise 2: Not yet.']
    """
    rows = _check_rows(rows)
    return _write_table(_writable(path), SUMMARY_FIELDS, summary(rows))


def write_class_report(
    rows: Sequence[GradeRow], path: str | Path, *, title: str = "Class report"
) -> tuple[Path, Path]:
    """Write the class report as CSV (``path``) and as a static HTML page beside it.

    Parameters
    ----------
    rows : sequence of GradeRow
        What :func:`grade` returned for the class.
    path : str or Path
        The CSV file (one row per exercise, :func:`class_report`); the page goes next
        to it with the suffix ``.html`` (:func:`report_html`). Both are replaced.
    title : str, default "Class report"
        The page's heading.

    Returns
    -------
    (Path, Path)
        The CSV file and the HTML page.

    Raises
    ------
    ValueError
        If ``path`` is a folder, or its folder is missing or not writable.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> rows = [GradeRow("a.ipynb", 1, "check_x", False, "Not yet.", "wrong")]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     table, page = write_class_report(rows, pathlib.Path(folder) / "grades-class.csv")
    ...     print(table.read_text(encoding="utf-8").splitlines()[1], page.name)
    1,check_x,0,1,wrong answer (the check said Not yet): 1 of 1,a.ipynb grades-class.html
    """
    rows = _check_rows(rows)
    table = _writable(path)
    page = _writable(table.with_suffix(".html"))
    _write_table(table, REPORT_FIELDS, class_report(rows))
    page.write_text(report_html(rows, title=title), encoding="utf-8")
    return table, page
