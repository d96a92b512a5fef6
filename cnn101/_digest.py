"""Digests of source files and library versions, and cache folders: one home for each.

The experiment engine (:mod:`cnn101.experiments`) and the site's build hooks
(``docs_hooks/``) both key caches on "the code and the libraries that made this": the
package's source files, the versions of the libraries whose behaviour can change a
result, and a folder that an environment variable may move. This module holds those
three helpers, and imports nothing heavier than the standard library (no TensorFlow),
so the build can use it without loading the package's numerical code.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cnn101 import _validation as check

__all__ = ["cache_folder", "digest_files", "package_versions", "update"]


def package_versions(names: Iterable[str]) -> dict[str, str]:
    """Return the Python version and the installed version of each distribution.

    Parameters
    ----------
    names : iterable of str
        Distribution names, as pip spells them (``"scikit-image"``, not ``"skimage"``).

    Returns
    -------
    dict of str to str
        ``{"python": sys.version, name: version, ...}``; a distribution that is not
        installed gets ``"not installed"`` (a key that changes once it is installed).

    Examples
    --------
    >>> versions = package_versions(["numpy", "no-such-distribution"])
    >>> sorted(versions)
    ['no-such-distribution', 'numpy', 'python']
    >>> versions["no-such-distribution"]
    'not installed'
    """
    if isinstance(names, str | bytes) or not isinstance(names, Iterable):
        raise TypeError(
            f"`names` must be an iterable of names, not one string. Received: names={check.describe(names)}"
        )
    versions = {"python": sys.version}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def update(digest: Any, label: str, data: bytes) -> None:
    """Add ``data`` to ``digest`` under ``label``, length-prefixed (no two inputs collide).

    Parameters
    ----------
    digest : hashlib hash object
        Updated in place.
    label : str
        What ``data`` is (a file's relative path, a distribution's name).
    data : bytes
        Its content.

    Examples
    --------
    >>> a, b = hashlib.sha256(), hashlib.sha256()
    >>> update(a, "x", b"12"); update(a, "y", b"3")
    >>> update(b, "x", b"1"); update(b, "y", b"23")
    >>> a.hexdigest() == b.hexdigest()
    False
    """
    digest.update(f"{label}\0{len(data)}\0".encode())
    digest.update(data)


def _source_files(root: Path, suffixes: tuple[str, ...] | None) -> list[Path]:
    return [
        path
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and "__pycache__" not in path.relative_to(root).parts
        and path.suffix != ".pyc"
        and (suffixes is None or path.suffix in suffixes)
    ]


def digest_files(
    root: str | os.PathLike,
    digest: Any = None,
    *,
    prefix: str = "",
    suffixes: Iterable[str] | None = None,
    versions: Mapping[str, str] | None = None,
) -> Any:
    """Add every source file under ``root`` (and optionally versions) to a sha256 digest.

    Files are taken in sorted order, each labelled ``prefix + its path relative to
    root`` (POSIX form), length-prefixed (:func:`update`); bytecode (``__pycache__``,
    ``*.pyc``) is left out. ``versions`` (e.g. from :func:`package_versions`) are added
    after the files, sorted by name, each labelled ``version:<name>``.

    Parameters
    ----------
    root : path-like
        The folder, e.g. the ``cnn101`` package.
    digest : hashlib hash object, optional
        Updated in place; by default a new ``hashlib.sha256()``.
    prefix : str, optional
        Put before each file's label (e.g. ``"package:"``).
    suffixes : iterable of str, optional
        Only files with these suffixes (e.g. ``(".py",)``); by default every file.
    versions : mapping of str to str, optional
        Library versions to add.

    Returns
    -------
    hashlib hash object
        ``digest`` (or the new one), for ``.hexdigest()``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = Path(folder, "a.py").write_text("x = 1")
    ...     before = digest_files(folder).hexdigest()
    ...     _ = Path(folder, "a.py").write_text("x = 2")
    ...     after = digest_files(folder).hexdigest()
    ...     same = digest_files(folder, suffixes=[".txt"]).hexdigest() == hashlib.sha256().hexdigest()
    >>> before != after, same
    (True, True)
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"`root` must be an existing folder. Got {str(root)!r}")
    digest = hashlib.sha256() if digest is None else digest
    chosen = None if suffixes is None else tuple(suffixes)
    for path in _source_files(root, chosen):
        update(digest, prefix + path.relative_to(root).as_posix(), path.read_bytes())
    for name, version in sorted((versions or {}).items()):
        update(digest, f"version:{name}", version.encode())
    return digest


def cache_folder(env: str, default: str | os.PathLike) -> Path:
    """Return the folder named by environment variable ``env``, else ``default``.

    Parameters
    ----------
    env : str
        The variable's name, e.g. ``"CNN101_EXPERIMENT_CACHE"``; an empty value counts
        as unset.
    default : path-like
        The folder without it.

    Returns
    -------
    pathlib.Path
        The variable's folder made absolute, or ``default`` as given. Nothing is created.

    Examples
    --------
    >>> cache_folder("CNN101_NO_SUCH_VARIABLE", "/tmp/cache")
    PosixPath('/tmp/cache')
    """
    check.text(env, "env", optional=False, empty=False)
    configured = os.environ.get(env)
    return Path(configured).resolve() if configured else Path(default)
