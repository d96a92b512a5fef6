"""Hostile input everywhere in the public API, fed in child processes.

``tests/_hostile.py`` walks the public names of every module and calls each function,
method and layer with a table of hostile inputs (see its docstring for the rules).
It runs in a child process: a call that kills the process (a signal inside a C
kernel) is reported as a crash and the walk goes on in a fresh child from the next
case, so the suite survives; a call that never returns is reported as a hang.

Not one file per module: the walk covers every public name of every module from one
table, so a new function is walked without a test written for it; the argument checks
of one module, case by case, are in that module's tests/test_<module>.py.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WALKER = HERE / "_hostile.py"
sys.path.insert(0, str(HERE))

import _hostile  # noqa: E402

# Seconds one case may run before it counts as a hang (the first case of a child
# also imports TensorFlow, on a shared 2-core machine).
CASE_TIMEOUT = 180


def walk(modules: list[str], case_timeout: float = CASE_TIMEOUT) -> dict[str, dict]:
    """Run the walker over ``modules``; return {case key: outcome}, crashes and hangs included."""
    outcomes: dict[str, dict] = {}
    start = 0
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    # A function given a path writes it relative to the working folder: keep it out of the tree.
    scratch = tempfile.mkdtemp(prefix="hostile-")
    while True:
        with tempfile.TemporaryFile("w+") as stderr:
            process = subprocess.Popen(
                [sys.executable, str(WALKER), f"--start={start}", *modules],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env=env,
                cwd=scratch,
            )
            lines: queue.Queue = queue.Queue()

            def read(stream=process.stdout, sink=lines) -> None:
                for line in stream:
                    sink.put(line)
                sink.put(None)

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            current, finished, restart = None, False, None
            while True:
                try:
                    line = lines.get(timeout=case_timeout)
                except queue.Empty:
                    process.kill()
                    process.wait()
                    index, key = current if current else (start, f"case {start}")
                    outcomes[key] = {"key": key, "problem": f"hang: no answer in {case_timeout} s"}
                    restart = index + 1
                    break
                if line is None:
                    code = process.wait()
                    if finished:
                        break
                    stderr.seek(0)
                    tail = stderr.read()[-800:]
                    index, key = current if current else (start, f"case {start}")
                    outcomes[key] = {
                        "key": key,
                        "problem": f"crash: the process died with status {code}",
                        "where": tail,
                    }
                    restart = index + 1
                    break
                record = json.loads(line)
                if "done" in record:
                    finished = True
                elif "start" in record:
                    current = (record["index"], record["start"])
                else:
                    outcomes[record["key"]] = record
                    current = None
            reader.join(timeout=10)
            process.stdout.close()
        if restart is None:
            return outcomes
        start = restart


@pytest.fixture(scope="session")
def hostile_outcomes() -> dict[str, dict]:
    return walk(_hostile.module_names())


def _problems(outcomes: dict[str, dict], module: str) -> list[str]:
    prefix = f"{module}."
    return [
        f"{key} -> {outcome['problem']}: {outcome.get('raised', '')[:200]}"
        for key, outcome in outcomes.items()
        if outcome.get("problem") and (key.startswith(prefix) or key.startswith(f"{module} |"))
    ]


@pytest.mark.parametrize("module", _hostile.module_names())
def test_hostile_inputs_get_named_errors(hostile_outcomes, module):
    """Only ValueError/TypeError naming the argument; valid NumPy scalars accepted; no crash."""
    cases = [k for k in hostile_outcomes if k.startswith(f"{module}.")]
    assert cases, f"no case reached the module {module}"
    problems = _problems(hostile_outcomes, module)
    assert not problems, "\n".join(problems)


def test_walker_covers_every_public_name():
    """Every public function and class of every module has its base call in the walk."""
    missing = []
    for module in _hostile.module_names():
        for target, _ in _hostile.public_callables(module):
            if target in _hostile.SKIP or target in _hostile.RECORDS:
                continue
            try:
                next(iter(_hostile._cases_for(target, _)))
            except LookupError as error:
                missing.append(str(error))
    assert not missing, "\n".join(missing)


def test_walker_catches_crashes_hangs_raw_errors_and_silence():
    """The harness itself, on deliberately broken functions (tests/_hostile_examples.py)."""
    outcomes = walk(["=_hostile_examples"], case_timeout=8)
    problems = {
        key: outcome["problem"] for key, outcome in outcomes.items() if "problem" in outcome
    }
    assert problems["_hostile_examples.crashes(size) | 0"].startswith("crash")
    assert problems["_hostile_examples.hangs(size) | -1"].startswith("hang")
    assert problems["_hostile_examples.leaks(size) | 2**64"] == "raw builtins.IndexError"
    assert problems["_hostile_examples.silent(size) | float 2.5"] == "accepted silently"
    # a wrong type refused as a wrong value fails, and the other way round
    assert problems["_hostile_examples.wrong_class(size) | string"] == (
        "raised ValueError, expected TypeError"
    )
    assert "_hostile_examples.wrong_class(size) | 0" not in problems
    # the walk went on after the crash and the hang, in fresh processes
    assert "_hostile_examples.crashes(size) | 2**64" in outcomes
    assert "_hostile_examples.hangs(size) | 2**64" in outcomes
    assert not [key for key in problems if key.startswith("_hostile_examples.checked")]
