"""The experiment cache: where trained runs are kept, and the key that says a run is still valid.

A run is stored (weights and a JSON record) under a key made of the recipe's
parameters, its data, the source of its functions, ``cnn101``'s source and the
library versions (:func:`cnn101._digest.package_versions`): running a cell again
is instant, and a code change recomputes. The folder is ``$CNN101_EXPERIMENT_CACHE``
when set, else ``~/.cache/cnn101/experiments`` (:func:`cache_dir`).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cnn101._digest import cache_folder, digest_files, package_versions

if TYPE_CHECKING:
    from cnn101.experiments.records import Recipe

__all__ = ["CACHE_ENV", "cache_dir"]


CACHE_ENV = "CNN101_EXPERIMENT_CACHE"


_VERSIONED = ("tensorflow", "keras", "numpy")


def cache_dir() -> Path:
    """Return the experiment cache directory (``$CNN101_EXPERIMENT_CACHE`` or ~/.cache).

    Returns
    -------
    pathlib.Path
        Not created here; :func:`run` creates it when it first stores a run.

    Examples
    --------
    >>> cache_dir().name in ("experiments", os.path.basename(os.environ.get(CACHE_ENV, "")))
    True
    """
    return cache_folder(CACHE_ENV, Path.home() / ".cache" / "cnn101" / "experiments")


def usable_cache_dir() -> Path:
    """Return :func:`cache_dir` after checking that a file can be written there."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as error:
        raise ValueError(
            f"The experiment cache directory {str(folder)!r} cannot be written "
            f"({type(error).__name__}: {error.strerror or error}). Set ${CACHE_ENV} to a "
            "writable folder (in Python, cache=False skips the cache)."
        ) from None
    return folder


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` through a temporary file beside it, then rename: never half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=path.name)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def digest_file(path: Path) -> str:
    """Return the SHA-256 hex digest of the file at ``path`` (a stored weights file)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


_RECORD_KEYS = {
    "history",
    "best_epoch",
    "best_step",
    "stopped",
    "seconds",
    "metrics",
    "weights",
    "digest",
}


def _content_digest(record: dict) -> str:
    """SHA-256 of a record's fields other than ``digest``, as canonical JSON."""
    content = {k: v for k, v in record.items() if k != "digest"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _numbers(value: Any) -> bool:
    """Whether ``value`` is a real number or a (nested) list of them (never a string)."""
    if isinstance(value, list):
        return all(_numbers(v) for v in value)
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_fields(record: Any) -> None:
    """Raise ValueError unless ``record`` holds every field of a run, each of its kind."""
    if not isinstance(record, dict) or not _RECORD_KEYS <= set(record):
        raise ValueError("missing fields")
    curves, metrics = record["history"], record["metrics"]
    if not (
        isinstance(curves, dict)
        and all(isinstance(curves.get(k), list) for k in ("loss", "val_loss", "step"))
        and len({len(curves[k]) for k in ("loss", "val_loss", "step")}) == 1
        and curves["step"]
        and all(_numbers(curves[k]) for k in ("loss", "val_loss", "step"))
    ):
        raise ValueError("malformed learning curves")
    if not isinstance(metrics, dict) or not all(
        isinstance(k, str) and _numbers(v) for k, v in metrics.items()
    ):
        raise ValueError("malformed metrics")
    for value in metrics.values():
        np.asarray(value, dtype=np.float64)  # a ragged list raises ValueError
    if (
        not all(isinstance(record[k], int) for k in ("best_epoch", "best_step"))
        or record["stopped"] not in ("patience", "budget")
        or not _numbers(record["seconds"])
    ):
        raise ValueError("malformed fields")


def write_record(record_path: Path, record: dict) -> None:
    """Store a run's record (JSON) with the digest of its fields, atomically.

    :func:`read_record` recomputes the digest: an entry whose values were changed
    since (a metric dropped, a number turned into text) is then trained again.
    """
    stored = {**record, "digest": _content_digest(record)}
    write_atomically(record_path, lambda path: path.write_text(json.dumps(stored)))


def read_record(record_path: Path, weights_path: Path) -> dict | None:
    """Return a cached run, or None (with one warning when the entry is damaged).

    Damaged: unreadable, not JSON, a field missing or of the wrong kind (a curve or a
    metric holding text), values changed since :func:`write_record` stored them (its
    digest), or a weights file that is not the one stored with it.
    """
    if not record_path.exists():
        return None
    try:
        record = json.loads(record_path.read_text())
        _check_fields(record)
        if _content_digest(record) != record["digest"]:
            raise ValueError("its values do not match its digest")
        if digest_file(weights_path) != record["weights"]:
            raise ValueError("the weights file does not match its record")
        return record
    except (OSError, ValueError, TypeError, OverflowError) as error:
        warnings.warn(
            f"The cached run {record_path} is damaged ({error}); training it again.",
            RuntimeWarning,
            stacklevel=4,
        )
        return None


def _source(fn: Any) -> bytes:
    try:
        return inspect.getsource(fn).encode()
    except (OSError, TypeError):
        code = getattr(fn, "__code__", None)
        return repr((getattr(fn, "__qualname__", repr(fn)), code and code.co_code)).encode()


def _package_digest() -> str:
    root = Path(__file__).resolve().parents[1]  # the cnn101 package
    versions = package_versions(_VERSIONED)  # with the Python version
    return digest_files(root, suffixes=(".py",), versions=versions).hexdigest()


def recipe_key(recipe: Recipe) -> str:
    digest = hashlib.sha256(_package_digest().encode())
    for fn in (recipe.build, recipe.evaluate, recipe.augment, recipe.draw):
        digest.update(_source(fn) if fn is not None else b"none")
    settings = [
        recipe.name,
        recipe.max_steps,
        recipe.patience,
        float(recipe.min_delta),
        recipe.batch_size,
        float(recipe.validation_fraction),
        dict(recipe.params),
    ]
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for array in (recipe.x, recipe.y, *(recipe.validation or ())):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()
