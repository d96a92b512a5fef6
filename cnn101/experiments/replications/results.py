"""The results files: writing a record, and reading one back only if the code is unchanged.

A results file (``tutorials/replications/NAME.json``, in :data:`RESULTS_DIR`) is the
JSON of a record from :func:`cnn101.experiments.replications.replicate`.
:func:`check_results` refuses a file whose digest (:func:`cnn101.verdicts.code_digest`
of the files it lists) no longer matches the code, and names the command that makes
a new one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cnn101 import _validation as check
from cnn101.experiments.replications.running import (
    DIGEST_FILES,
    REPLICATIONS,
    SCHEMA,
    command_for,
)
from cnn101.verdicts import code_digest

__all__ = ["RESULTS_DIR", "check_results", "write_results"]

RESULTS_DIR = Path(__file__).resolve().parents[3] / "tutorials" / "replications"
REQUIRED = (
    "schema",
    "replication",
    "paper",
    "seeds",
    "arms",
    "differences",
    "verdict",
    "command",
    "versions",
    "machine",
    "date",
    "code",
)


def write_results(results: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write a results record (from :func:`replicate`) as JSON; return the path.

    Parameters
    ----------
    results : dict
        A record from :func:`cnn101.experiments.replications.replicate`.
    path : str or path-like
        The file to write; missing folders are made.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    TypeError
        If ``results`` is not a dict or ``path`` not a path.
    ValueError
        If ``results`` lacks a key of a results record, or ``path`` cannot be written
        (:func:`cnn101._validation.writable_file`).

    Examples
    --------
    >>> import tempfile
    >>> record = json.loads((RESULTS_DIR / "kanazawa2014.json").read_text())
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_results(record, Path(folder) / "new" / "kanazawa2014.json")
    ...     json.loads(path.read_text()) == record
    True
    """
    if not isinstance(results, dict):
        raise TypeError(
            f"`results` must be a record (a dict) from replicate(). Received: "
            f"results={check.describe(results)}"
        )
    if any(k not in results for k in REQUIRED):
        raise ValueError(
            f"`results` must be a record from replicate() with the keys {REQUIRED}. "
            f"Received: {check.describe(results)}"
        )
    path = check.writable_file(path, "path", make_folders=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")
    return path


def _read(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"`path` must name a readable results file. Received: path={str(path)!r} ({error})"
        ) from None
    if not isinstance(record, dict) or any(k not in record for k in REQUIRED):
        raise ValueError(f"{path} is not a results file: it needs the keys {REQUIRED}.")
    if record["replication"] not in REPLICATIONS or record["schema"] != SCHEMA:
        raise ValueError(
            f"{path} holds an unknown replication or schema "
            f"({record['replication']!r}, {record['schema']!r})."
        )
    if not isinstance(record["code"], dict):
        raise ValueError(f"{path} is not a results file: its `code` is not a mapping.")
    return record


def check_results(path: str | os.PathLike) -> dict[str, Any]:
    """Read a results file and refuse it if it is malformed or its code has changed since.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    dict
        The record.

    Raises
    ------
    ValueError
        If the file is not a results record, or if the digest of the files it
        depends on (``code.files``) is not the one it was made with; the message
        names the command that makes a new one.

    Examples
    --------
    A record made by the present code is read back; one made by other code is refused:

    >>> import tempfile
    >>> record = json.loads((RESULTS_DIR / "kanazawa2014.json").read_text())
    >>> record["code"]["digest"] = code_digest(DIGEST_FILES["kanazawa2014"])  # as made now
    >>> record["code"]["files"] = [f"cnn101/{f}" for f in DIGEST_FILES["kanazawa2014"]]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     check_results(write_results(record, Path(folder) / "fresh.json"))["replication"]
    'kanazawa2014'
    >>> record["code"]["digest"] = "0" * 64
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     try:
    ...         check_results(write_results(record, Path(folder) / "stale.json"))
    ...     except ValueError as error:
    ...         print("stale" in str(error), "replications kanazawa2014 --seeds" in str(error))
    True True
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"`path` must be a path. Received: path={check.describe(path)}")
    path = Path(path)
    record = _read(path)
    name = record["replication"]
    expected = [f"cnn101/{f}" for f in DIGEST_FILES[name]]
    if record["code"].get("files") != expected or record["code"].get("digest") != code_digest(
        DIGEST_FILES[name]
    ):
        rerun = command_for(name, record["seeds"], smoke=record.get("smoke", False), out=str(path))
        raise ValueError(
            f"{path} was made by other code than the present {', '.join(expected)}: "
            f"its results are stale. Re-run `{rerun}` and commit the new file."
        )
    return record
