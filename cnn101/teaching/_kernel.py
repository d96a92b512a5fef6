"""The student's kernel, seen from the grader: run a cell, read values, call a function.

The grader runs a submission in a fresh Jupyter kernel (:meth:`Kernel.session`) and talks to
it through :class:`Kernel`: it runs the notebook's cells one by one with a time limit,
and after an exercise's cell sends a *request* (a small cell of its own, kept out of
the notebook) that writes the values of the answers to a JSON file. Values travel as
JSON and arrays by ``np.save`` without pickles, in both directions; a function answer
stays in the kernel, and :class:`RemoteFunction` calls it there. When the kernel dies,
ends itself or runs out of time, :class:`Stopped` says why.

Running notebooks needs ``nbclient`` and ``ipykernel``: ``pip install nbclient ipykernel``.
"""

from __future__ import annotations

import base64
import io
import json
import math
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cnn101 import _validation as check

# Seconds one call of a student's function may take while a check runs.
CALL_TIMEOUT_S = 60
# The most bytes of answer values read back from a kernel at once.
MAX_REPLY_BYTES = 64 * 2**20
MISSING_NBCLIENT = (
    "Grading runs notebooks with nbclient and ipykernel, which are not installed: "
    "run `pip install nbclient ipykernel` where cnn101 is installed."
)

# Runs in the student's kernel for each request of the grader: read values, call a function.
KERNEL_CODE = r"""
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


def installed_kernel(kernel_name: Any) -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    check.text(kernel_name, "kernel_name", optional=False)  # a wrong type: TypeError
    installed = sorted(KernelSpecManager().find_kernel_specs())
    if kernel_name not in installed:
        raise ValueError(
            f"`kernel_name` must be an installed Jupyter kernel, one of {installed}. "
            f"Received: kernel_name={check.describe(kernel_name)}"
        )
    return kernel_name


class Stopped(BaseException):  # not an error of the student's code: the run ended
    """The kernel died or ran out of time while the grader was talking to it."""


class Kernel:
    """The student's kernel, seen from the grader: run a cell, ask for values, call a function.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The submission; :meth:`run` executes its cells by index.
    work : Path
        The folder the notebook runs in (requests and replies are written there).
    kernel_name : str
        An installed Jupyter kernel (see :func:`installed_kernel`).
    timeout : float
        Seconds the whole notebook may run.
    """

    def __init__(self, nb: Any, work: Path, kernel_name: str, timeout: float):
        import nbclient
        from traitlets.config import Config

        config = Config({"KernelManager": {"transport": "ipc", "ip": str(work / ".kernel")}})
        self.client = nbclient.NotebookClient(
            nb,
            config=config,
            kernel_name=kernel_name,
            timeout=int(timeout) + 1,
            allow_errors=True,
            record_timing=False,
            resources={"metadata": {"path": str(work)}},
        )
        self.work, self._limit = work, timeout
        self.deadline = time.monotonic() + timeout
        self.stopped = ""
        self.requests = 0

    def session(self, work: Callable[[], Any]) -> None:
        """Start the kernel, call ``work()``, shut the kernel down; never raises.

        A run that stops (time limit, a dead kernel) or a kernel that does not start
        leaves the reason in ``stopped``.
        """
        try:
            with (self.work / ".kernel.log").open("wb") as log:
                with self.client.setup_kernel(stdout=log, stderr=log):
                    work()
        except Stopped:
            pass
        except Exception as error:  # the kernel did not start, ...
            self.stopped = self.stopped or f"stopped: {type(error).__name__}: {str(error)[:200]}"

    def remaining(self) -> float:
        """Return the seconds left before the notebook's time limit."""
        return self.deadline - time.monotonic()

    def run(self, cell, index: int | None, limit: float | None = None) -> None:
        """Execute ``cell``; on a time limit or a dead kernel, set ``stopped`` and raise Stopped."""
        import nbclient

        if self.stopped:
            raise Stopped(self.stopped)
        own = limit is not None and limit < self.remaining()
        seconds = limit if own else self.remaining()
        if seconds <= 0:
            self.stopped = f"stopped at the time limit of the notebook ({self._limit:g} s)"
            raise Stopped(self.stopped)
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
            raise Stopped(self.stopped) from None
        except nbclient.exceptions.DeadKernelError:
            self.stopped = self._death()
            raise Stopped(self.stopped) from None
        except Exception as error:  # a kernel that stopped answering, a broken channel
            if not self._alive():
                self.stopped = self._death()
            else:
                self.stopped = f"stopped: {type(error).__name__}: {str(error)[:200]}"
            raise Stopped(self.stopped) from None
        finally:
            if index is None:
                cells.pop()
        if not self._alive():  # os._exit can end the kernel before nbclient notices
            self.stopped = self._death()
            raise Stopped(self.stopped)

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
        """Run one request of the grader in the kernel; return its JSON reply, or None if unreadable."""
        import nbformat

        self.requests += 1
        request = self.work / f".grader-request-{self.requests}.json"
        reply = self.work / f".grader-reply-{self.requests}.json"
        request.write_text(json.dumps(payload), encoding="utf-8")
        cell = nbformat.v4.new_code_cell(KERNEL_CODE % (str(request), str(reply)))
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


def encode(value: Any) -> dict:
    """Encode a value the grader passes to a student's function as JSON (arrays by np.save)."""
    import numpy as np

    if value is None or isinstance(value, bool | int | float | str):
        return {"py": value}
    if isinstance(value, list | tuple):
        return {"list" if isinstance(value, list) else "tuple": [encode(v) for v in value]}
    array = np.asarray(value)
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return {"ndarray": base64.b64encode(buffer.getvalue()).decode(), "scalar": array.ndim == 0}


class Unreadable:
    """An answer the grader cannot read back (a dict, a model, ...): the check sees this."""

    def __init__(self, what: str):
        self.what = what

    def __repr__(self) -> str:
        return f"<{self.what}, which the grader cannot read>"


def decode(obj: Any, kernel: Kernel, functions: dict) -> Any:
    """Decode a value read from the kernel (never unpickled: JSON, np.load(allow_pickle=False))."""
    import numpy as np

    if not isinstance(obj, dict):
        return Unreadable("a malformed value")
    if "py" in obj and (obj["py"] is None or isinstance(obj["py"], bool | int | float | str)):
        return obj["py"]
    if isinstance(obj.get("list"), list):
        return [decode(v, kernel, functions) for v in obj["list"]]
    if isinstance(obj.get("tuple"), list):
        return tuple(decode(v, kernel, functions) for v in obj["tuple"])
    if isinstance(obj.get("ndarray"), str):
        try:
            array = np.load(io.BytesIO(base64.b64decode(obj["ndarray"])), allow_pickle=False)
        except (ValueError, OSError, TypeError):
            return Unreadable("a malformed array")
        return array[()] if obj.get("scalar") is True else array
    if isinstance(obj.get("function"), int):
        names = obj.get("names") if isinstance(obj.get("names"), list) else []
        proxy = RemoteFunction(kernel, obj["function"], str(obj.get("name", "?")))
        functions[id(proxy)] = {str(n) for n in names}
        return proxy
    return Unreadable(str(obj.get("unsupported", "a value")))


class RemoteFunction:
    """A student's function that stays in the student's kernel; calling it calls it there."""

    def __init__(self, kernel: Kernel, index: int, name: str):
        self._kernel, self._index, self.__name__ = kernel, index, name

    def __repr__(self) -> str:
        return f"<function {self.__name__} of the submission>"

    def __call__(self, *args, **kwargs):
        """Call the function in the student's kernel; its error comes back as one of the same name."""
        payload = {
            "op": "call",
            "function": self._index,
            "args": [encode(a) for a in args],
            "kwargs": {k: encode(v) for k, v in kwargs.items()},
        }
        reply = self._kernel.request(payload, limit=CALL_TIMEOUT_S)
        if not isinstance(reply, dict):
            raise RuntimeError("the function's result could not be read back")
        if "raised" in reply and isinstance(reply["raised"], list) and len(reply["raised"]) == 2:
            name, message = (str(part) for part in reply["raised"])
            raise type(name if name.isidentifier() else "Error", (Exception,), {})(message)
        return decode(reply.get("value"), self._kernel, {})
