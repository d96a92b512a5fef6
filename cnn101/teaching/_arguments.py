"""Checks of the teacher's tools' path arguments (a file to read, a file to write).

Generic checks that :mod:`cnn101._validation` does not hold; they follow its rule: a
wrong type is a ``TypeError``, a wrong value a ``ValueError``, each naming the argument,
what it received and what it expects.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cnn101._validation import describe


def file_path(value: Any, name: str) -> Path:
    """Return ``value`` as a Path if it is a non-empty ``str`` or ``os.PathLike``, else raise TypeError.

    Examples
    --------
    >>> file_path("grades.csv", "path").name
    'grades.csv'
    """
    if not isinstance(value, str | os.PathLike) or not str(value):
        raise TypeError(
            f"`{name}` must be a file path (str or pathlib.Path). Received: {name}={describe(value)}"
        )
    return Path(value)


def writable_file(value: Any, name: str = "path") -> Path:
    """Return ``value`` as a Path to a file that can be written (replaced if it exists), else raise.

    Raises
    ------
    TypeError
        If ``value`` is not a path.
    ValueError
        If it is a folder, its folder does not exist, or either is not writable.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     writable_file(Path(folder))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `path` must name a file, not a folder. ...
    """
    path = file_path(value, name)
    if path.is_dir():
        raise ValueError(
            f"`{name}` must name a file, not a folder. Received: {name}={describe(str(path))}"
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValueError(
            f"`{name}` must be in an existing folder. Received: {name}={str(path)!r} "
            f"({str(folder)!r} does not exist)"
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(
            f"`{name}` must be writable. Received: {name}={str(path)!r} (permission denied)"
        )
    return path
