"""MkDocs hook: run every tutorial notebook in a fresh kernel before it is rendered.

mkdocs-jupyter's own execution is switched off (``execute: false`` in mkdocs.yml):
its cache keys only on the notebook's bytes, so a change to ``cnn101`` would leave
stale outputs on the site, and by default it renders a failing cell instead of
failing the build. Here each ``*.ipynb`` page is executed with nbclient (fresh
kernel over IPC, cwd = docs_dir; a hidden first cell makes each figure carry its
alt text, see ``HIDDEN_SETUP``) and the executed copy is cached under a key made
of everything its outputs depend on: the notebook's bytes, every file under
``cnn101/``, the Python and library versions and this file's own source. A build
never shows outputs older than the code it documents.

A notebook with an ``## Exercises`` section also gets its answer key from the same
run: the exercise cells with their solutions filled in
(:func:`cnn101.teaching.handout.answer_key`) are appended to the notebook and run
in the same kernel after its last cell, then put in place of the exercise cells in a
second copy. The answer key therefore costs seconds, not a second execution, and a
solution that fails its check fails the build.

The executed copy then replaces the page's source path, so mkdocs-jupyter renders
it with outputs (and caches that rendering keyed on the executed bytes). Cells
tagged ``remove-cell`` are dropped from the executed copy. A cell error, any
``stderr`` output (TensorFlow log lines, Python warnings) or a timeout fails the
build with a short, readable message.

Cache layout (directory from ``$CNN101_NOTEBOOK_CACHE``, else ``.cache/notebooks``
next to mkdocs.yml)::

    <stem>-<key[:20]>.ipynb   executed notebook, remove-cell cells dropped
    <stem>-<key[:20]>.answers.ipynb   executed answer key (notebooks with exercises)
    <stem>-<key[:20]>.json    {"notebook", "key", "seconds", "executed_at", "versions",
                               "package", "machine", "load", "training", "cold"}
    experiments/<stem>/       the networks the notebook trained (its training cache)
    render/                   mkdocs-jupyter's HTML cache (keyed on the executed bytes)

Run times. Each notebook trains into its own training cache, emptied whenever
``cnn101`` or a library version changed (the trained networks would be retrained
anyway). A notebook run with that cache empty is a cold first run: its record's
``cold`` holds its seconds, the machine (processor, cores, system) and the date. A
notebook edited while ``cnn101`` stayed the same finds its networks trained and runs
faster (``"training": "cached"``); its record then carries the last cold run forward,
so the pages state both times (docs_hooks/readability.py), never a shortened one as if
it were cold. ``load`` is the machine's load average when the run began.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import logging
import os
import platform
import re
import shutil
import tempfile
import time
from pathlib import Path

import sitebuild
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from sitebuild import ExecutedNotebook, RunTime

from cnn101._digest import digest_files, package_versions, update

REMOVE_TAG = "remove-cell"
ANSWER_TAG = "answer-key"  # appended solution cells, run after the notebook
# Cells that only feed the build: their code is left off the page, their output kept.
BUILD_ONLY_TAG = "build-only"
HIDE_INPUT_TAG = "remove-input"  # mkdocs.yml: remove_tag_config.remove_input_tags
CELL_TIMEOUT_S = 900
KERNEL_NAME = "python3"
# Runs before a notebook's own cells and is left out of the executed copy: every
# displayed figure gets cnn101.plotting.describe_figure's sentence in its output
# metadata, which docs_hooks/readability.py writes into the page as the image's alt.
HIDDEN_SETUP = (
    "from cnn101.plotting import register_alt_text as _register_alt_text\n"
    "_register_alt_text()\n"
    "del _register_alt_text"
)
# Distributions whose version can change a notebook's outputs.
VERSIONED_PACKAGES = (
    "tensorflow",
    "keras",
    "numpy",
    "scipy",
    "matplotlib",
    "scikit-image",
    "mlxtend",
    "ipykernel",
    "nbclient",
)
# TensorFlow/absl C++ log lines (glog prefix such as "I0000 00:00:..." or "W1122 03:05:...").
_GLOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d", re.MULTILINE)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

log = logging.getLogger("mkdocs.hooks.notebooks")
HOOK = "docs_hooks/notebooks.py"


class NotebookBuildError(PluginError):
    """A tutorial notebook failed to execute cleanly."""


# --------------------------------------------------------------------------- cache key


def notebook_versions() -> dict[str, str]:
    """Return the Python version and the versions of the packages in the cache key."""
    return package_versions(VERSIONED_PACKAGES)


def cache_key(
    notebook: Path,
    package_dir: Path,
    versions: dict[str, str] | None = None,
) -> str:
    """Return the sha256 of everything an executed notebook's outputs depend on.

    The notebook, every file of the package, the library versions, the kernel, and the
    source of this hook and of the shared build module.
    """
    digest = hashlib.sha256()
    notebook = Path(notebook)
    update(digest, "notebook-name", notebook.name.encode())
    update(digest, "notebook", notebook.read_bytes())
    versions = notebook_versions() if versions is None else versions
    digest_files(package_dir, digest, prefix="package:", versions=versions)
    update(digest, "kernel", KERNEL_NAME.encode())
    update(digest, "hook", Path(__file__).read_bytes())
    update(digest, "shared", Path(sitebuild.__file__).read_bytes())
    return digest.hexdigest()


def package_key(package_dir: Path, versions: dict[str, str]) -> str:
    """Return the sha256 of the package's files and the library versions (what training depends on)."""
    digest = hashlib.sha256()
    digest_files(package_dir, digest, prefix="package:", versions=versions)
    return digest.hexdigest()


def machine() -> str:
    """Describe this machine as a run time needs it: processor, cores available, system."""
    processor = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                processor = " ".join(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    processor = processor or platform.processor() or platform.machine() or "unknown processor"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{processor}, {cores} cores, {platform.system() or 'unknown system'}"


def run_time(record: dict) -> RunTime:
    """Read the run times of an execution record (older records: their own run, training unknown)."""
    cold = record.get("cold") if isinstance(record.get("cold"), dict) else None
    if cold is None and "training" not in record:  # a record from before cold runs were kept
        cold = {"seconds": record["seconds"], "machine": "", "executed_at": record["executed_at"]}
    return RunTime(
        seconds=float(record["seconds"]),
        training=str(record.get("training", "none")),
        cold_seconds=None if cold is None else float(cold["seconds"]),
        machine="" if cold is None else str(cold.get("machine", "")),
        executed_at="" if cold is None else str(cold.get("executed_at", "")),
        load=cold.get("load") if cold is not None else None,
    )


def _previous_record(cache_dir: Path, notebook: Path) -> dict | None:
    """The execution record of the notebook's last run, if any (read before it is replaced)."""
    for old in sorted(Path(cache_dir).glob(f"{notebook.stem}-*.json")):
        try:
            record = json.loads(old.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("notebook") == notebook.name:
            return record
    return None


def cache_paths(cache_dir: Path, notebook: Path, key: str) -> tuple[Path, Path]:
    """Return the (executed notebook, metadata JSON) paths of a cache entry."""
    stem = f"{Path(notebook).stem}-{key[:20]}"
    return Path(cache_dir) / f"{stem}.ipynb", Path(cache_dir) / f"{stem}.json"


def answers_path(executed: Path) -> Path:
    """Return the path of the executed answer key stored next to an executed notebook."""
    return Path(executed).with_suffix(".answers.ipynb")


# --------------------------------------------------------------------------- execution


def _first_lines(text: str, n: int) -> str:
    lines = text.strip().splitlines()
    more = ["    ..."] if len(lines) > n else []
    return "\n".join([*(f"    {line}" for line in lines[:n]), *more])


def _describe_error(nb, name: str, exc: BaseException) -> str:
    """Return a readable message for a failed execution: cell number, source, error."""
    for index, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                trace = _ANSI.sub("", "\n".join(output.get("traceback", [])))
                tail = "\n".join(trace.strip().splitlines()[-12:])
                return (
                    f"Notebook {name} failed in cell {index}:\n"
                    f"{_first_lines(cell.source, 8)}\n"
                    f"{output.get('ename')}: {output.get('evalue')}\n"
                    f"--- end of traceback ---\n{tail}"
                )
    return f"Notebook {name} failed: {type(exc).__name__}: {_ANSI.sub('', str(exc))[-2000:]}"


def check_outputs(nb, name: str) -> None:
    """Raise :class:`NotebookBuildError` on stderr output, errors or TF log lines."""
    for index, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            text = output.get("text", "") if kind == "stream" else ""
            if kind == "error" or (kind == "stream" and output.get("name") == "stderr"):
                what = "an error" if kind == "error" else "output on stderr"
                shown = text or f"{output.get('ename')}: {output.get('evalue')}"
                raise NotebookBuildError(
                    f"Notebook {name}: cell {index} wrote {what} (warnings and TensorFlow "
                    f"log lines must not reach the page):\n{_first_lines(cell.source, 8)}\n"
                    f"--- output ---\n{_first_lines(_ANSI.sub('', shown), 15)}"
                )
            if _GLOG_LINE.search(text):
                raise NotebookBuildError(
                    f"Notebook {name}: cell {index} printed a TensorFlow log line:\n"
                    f"{_first_lines(text, 10)}"
                )


def drop_removed_cells(nb, tag: str = REMOVE_TAG) -> None:
    """Remove the cells tagged ``tag`` in place and renumber the prompts 1, 2, ..."""
    nb.cells = [c for c in nb.cells if tag not in c.get("metadata", {}).get("tags", [])]
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
            for output in cell.outputs:
                if "execution_count" in output:
                    output.execution_count = count


def serves_the_build_only(cell) -> bool:
    """Whether a code cell only feeds the build: tagged ``build-only``, or nothing but
    ``claims.record(...)`` / ``claims.not_tested(...)`` calls, each possibly wrapped in
    ``display(...)`` (a claim's bookkeeping; its verdict box is the output)."""
    import ast

    if cell.get("cell_type") != "code":
        return False
    if BUILD_ONLY_TAG in cell.get("metadata", {}).get("tags", []):
        return True
    source = cell.get("source", "")
    try:
        tree = ast.parse("".join(source) if isinstance(source, list) else source)
    except SyntaxError:
        return False

    def is_record_call(call) -> bool:
        func = call.func if isinstance(call, ast.Call) else None
        return (
            isinstance(func, ast.Attribute)
            and func.attr in ("record", "not_tested")
            and isinstance(func.value, ast.Name)
            and func.value.id == "claims"
        )

    def is_record(node) -> bool:
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            return False
        call = node.value
        if isinstance(call.func, ast.Name) and call.func.id == "display" and len(call.args) == 1:
            call = call.args[0]
        return is_record_call(call)

    return bool(tree.body) and all(is_record(node) for node in tree.body)


def hide_build_only_inputs(nb) -> int:
    """Tag the cells that only feed the build ``remove-input``; return how many."""
    count = 0
    for cell in nb.cells:
        if serves_the_build_only(cell):
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if HIDE_INPUT_TAG not in tags:
                tags.append(HIDE_INPUT_TAG)
            count += 1
    return count


def append_answer_cells(nb) -> list[tuple[int, int]]:
    """Append the answer key's exercise cells to ``nb``, tagged ``answer-key``.

    Returns (exercise cell index, appended cell index) pairs; none when the notebook
    has no exercises.
    """
    import nbformat

    from cnn101.teaching import handout

    try:
        found = handout.exercises(nb)
    except ValueError:  # no `## Exercises` section: no answer key
        return []
    key = handout.answer_key(nb)
    pairs = []
    for exercise in found:
        cell = nbformat.from_dict(key["cells"][exercise.cell])
        cell.metadata.setdefault("tags", []).append(ANSWER_TAG)
        if "id" in cell:  # cell ids are unique in a notebook
            cell.id = f"{cell.id[:56]}-answer"
        pairs.append((exercise.cell, len(nb.cells)))
        nb.cells.append(cell)
    nb.metadata["cnn101_answer_key"] = key["metadata"]["cnn101"]
    return pairs


def split_answer_key(nb, pairs: list[tuple[int, int]]):
    """Return the executed answer key; leave ``nb`` as the executed notebook alone."""
    answers = copy.deepcopy(nb)
    length = min(appended for _, appended in pairs)  # the notebook's own cells
    for exercise, appended in pairs:
        cell = answers.cells[appended]
        cell.metadata["tags"] = [t for t in cell.metadata["tags"] if t != ANSWER_TAG]
        if not cell.metadata["tags"]:
            del cell.metadata["tags"]
        if "id" in cell:
            cell.id = answers.cells[exercise].id
        answers.cells[exercise] = cell
    answers.metadata["cnn101"] = answers.metadata.pop("cnn101_answer_key")
    del nb.metadata["cnn101_answer_key"]
    answers.cells = answers.cells[:length]
    drop_removed_cells(answers, ANSWER_TAG)  # renumbers the prompts in cell order
    drop_removed_cells(nb, ANSWER_TAG)
    return answers


def _kernel_env() -> dict[str, str]:
    """The build's environment, minus the variable that stops ipykernel capturing fd 2.

    Under pytest (``PYTEST_CURRENT_TEST`` set), ipykernel does not redirect file
    descriptors 1 and 2, so TensorFlow's C++ log lines would bypass the stderr check.
    """
    return {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}


def execute_notebook(
    notebook: Path, cwd: Path, timeout: int = CELL_TIMEOUT_S, *, nb=None, env=None
):
    """Execute ``notebook`` (or ``nb``, read from it) top to bottom in a fresh kernel.

    ``env`` adds variables to the kernel's environment where the build has not set
    them. Returns (nb, seconds).
    """
    import nbclient
    import nbformat
    from traitlets.config import Config

    nb = nbformat.read(notebook, as_version=4) if nb is None else nb
    with tempfile.TemporaryDirectory(prefix="cnn101-kernel-") as sockets:
        # IPC transport: no TCP ports, no "running over TCP without encryption" warning.
        config = Config({"KernelManager": {"transport": "ipc", "ip": f"{sockets}/kernel"}})
        client = nbclient.NotebookClient(
            nb,
            config=config,
            kernel_name=KERNEL_NAME,
            timeout=timeout,
            allow_errors=False,
            record_timing=False,
            resources={"metadata": {"path": str(cwd)}},
        )
        # The kernel echoes what it captures from its file descriptors to its own
        # stdout/stderr: send that to a file, not into the build's progress output.
        kernel_log = Path(sockets) / "kernel.log"
        nb.cells.insert(0, nbformat.v4.new_code_cell(HIDDEN_SETUP))
        start = time.perf_counter()
        failure = None
        try:
            with kernel_log.open("wb") as log_file:
                client.execute(
                    stdout=log_file, stderr=log_file, env={**(env or {}), **_kernel_env()}
                )
        except Exception as exc:  # CellExecutionError, CellTimeoutError, DeadKernelError, ...
            failure = exc
        del nb.cells[0]  # the hidden setup cell: cell numbers in messages are the notebook's
        if failure is not None:
            message = _describe_error(nb, notebook.name, failure)
            if not any(
                o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", [])
            ):
                tail = kernel_log.read_text(errors="replace").strip().splitlines()[-20:]
                message += "\n--- end of kernel log ---\n" + "\n".join(tail)
            raise NotebookBuildError(message) from None
        seconds = time.perf_counter() - start
    return nb, seconds


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def ensure_executed(
    notebook: Path, cache_dir: Path, package_dir: Path, cwd: Path
) -> ExecutedNotebook:
    """Return the cached executed copy of ``notebook``, executing it on a cache miss."""
    import nbformat

    notebook = Path(notebook)
    versions = notebook_versions()
    key = cache_key(notebook, package_dir, versions)
    executed, meta = cache_paths(cache_dir, notebook, key)
    answers = answers_path(executed)
    if executed.is_file() and meta.is_file():
        record = json.loads(meta.read_text(encoding="utf-8"))
        return ExecutedNotebook(
            notebook,
            executed,
            meta,
            key,
            record["seconds"],
            True,
            answers if answers.is_file() else None,
            run_time(record),
        )

    nb = nbformat.read(notebook, as_version=4)
    pairs = append_answer_cells(nb)
    # Trained results (cnn101.experiments) are cached next to the executed notebooks, one
    # folder per notebook, emptied when cnn101 or a library changed: a run that starts
    # with it empty (always so in a fresh cache directory, as in the tests) is cold.
    package = package_key(package_dir, versions)
    previous = _previous_record(cache_dir, notebook)
    trained = Path(cache_dir) / "experiments" / notebook.stem
    if trained.is_dir() and (previous is None or previous.get("package") != package):
        shutil.rmtree(trained)
    warm = trained.is_dir() and any(trained.iterdir())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    experiments = {"CNN101_EXPERIMENT_CACHE": str(trained)}
    nb, seconds = execute_notebook(notebook, cwd, nb=nb, env=experiments)
    trains = trained.is_dir() and any(trained.iterdir())
    check_outputs(nb, notebook.name)
    answer_key = split_answer_key(nb, pairs) if pairs else None
    drop_removed_cells(nb)
    hide_build_only_inputs(nb)  # the page shows their output (a claim's verdict), not the code
    cache_dir.mkdir(parents=True, exist_ok=True)
    for old in cache_dir.glob(f"{notebook.stem}-*"):  # older entries of this notebook
        if old.suffix in (".ipynb", ".json"):
            old.unlink()
    _write_atomic(executed, nbformat.writes(nb))
    if answer_key is not None:
        _write_atomic(answers, nbformat.writes(answer_key))
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    record = {
        "notebook": notebook.name,
        "key": key,
        "seconds": round(seconds, 3),
        "executed_at": now,
        "versions": versions,
        "package": package,
        "machine": machine(),
        "load": None if load is None else round(load, 2),
        "training": "cached" if warm else ("cold" if trains else "none"),
    }
    if warm:  # shortened by the training cache: keep the last cold run, if there was one
        last = previous.get("cold") if isinstance(previous, dict) else None
        record["cold"] = last if isinstance(last, dict) else None
    else:
        record["cold"] = {
            "seconds": record["seconds"],
            "machine": record["machine"],
            "executed_at": now,
            "load": record["load"],
        }
    _write_atomic(meta, json.dumps(record, indent=2))  # written last: marks the entry complete
    return ExecutedNotebook(
        notebook,
        executed,
        meta,
        key,
        seconds,
        False,
        answers if answer_key else None,
        run_time(record),
    )


# --------------------------------------------------------------------------- mkdocs events


def on_config(config):
    build = sitebuild.state(config)
    build.own[HOOK] = sitebuild.package_dir()  # the cnn101 the kernel imports
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None:
        raise PluginError("docs_hooks/notebooks.py needs the mkdocs-jupyter plugin.")
    if plugin.config["execute"] or plugin.config["allow_errors"]:
        raise PluginError(
            "mkdocs-jupyter must run with `execute: false` and `allow_errors: false`: "
            "docs_hooks/notebooks.py executes the notebooks."
        )
    # Keep mkdocs-jupyter's rendering cache with ours (one directory to clear).
    plugin.config["cache_dir"] = str(build.cache_dir / "render")
    # One line per notebook comes from this hook; hide mkdocs-jupyter's per-page lines.
    for name in ("mkdocs.mkdocs-jupyter", "mkdocs.plugins.mkdocs_jupyter"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return config


@event_priority(-50)  # after mkdocs-jupyter has made the notebooks pages (its on_files)
def on_files(files, config):
    """Execute every notebook now: ``state.runs`` then holds each one's executed copy.

    Every page can then say how long every tutorial runs (readability.py), and the
    claims page and the answer keys read the executed copies (claims.py, downloads.py).
    """
    build = sitebuild.state(config)
    runs = {}
    for file in files:
        if file.src_uri.endswith(".ipynb") and file.is_documentation_page():
            run = ensure_executed(
                build.docs_dir / file.src_uri, build.cache_dir, build.own[HOOK], build.docs_dir
            )
            how = "cached, ran" if run.from_cache else "executed in"
            log.info(f"Notebook {file.src_uri}: {how} {run.seconds:.1f} s")
            runs[file.src_uri] = run
    build.runs = runs
    return files


@event_priority(50)  # before mkdocs-jupyter reads the page's source path
def on_pre_page(page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return page
    run = sitebuild.state(config).executed(page.file.src_uri, by=HOOK)
    page.file.abs_src_path = str(run.executed)
    return page
