"""Old paths that still answer, each until the release that removes it.

Three kinds of old path, one message (:func:`message`) and one rule: every entry names
the release that removes it (``removed_in``), and the warning says so.

* a **name** that moved out of a module: the module sets ``__getattr__ =
  forward(__name__, {...}, removed_in=...)``, a module-level ``__getattr__`` (PEP 562)
  that Python calls only for a name the module does not define; the new home is
  imported only then;
* a **module** that was renamed: an entry of :data:`MODULE_ALIASES`. One import finder
  (:func:`install`, registered by ``import cnn101``) answers the old dotted path: the
  import warns :class:`DeprecationWarning` once and gives a module holding the new
  module's public names; ``python -m <old path>`` prints a one-line note on stderr and
  runs ``python -m <new path>``;
* a **method** that was replaced: decorate it with :func:`deprecated_method`.

Remove an entry in the release it names.
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any, NamedTuple

__all__ = [
    "MODULE_ALIASES",
    "ModuleAlias",
    "deprecated_method",
    "forward",
    "install",
    "message",
]


class ModuleAlias(NamedTuple):
    """A renamed module's new dotted path and the release that removes its old one."""

    new: str
    removed_in: str


#: Each old dotted module path that still answers, as its new module.
MODULE_ALIASES: dict[str, ModuleAlias] = {
    "cnn101.scale": ModuleAlias("cnn101.corners", removed_in="0.4.0"),
    "cnn101.plotting.training": ModuleAlias("cnn101.plotting.results", removed_in="0.4.0"),
    "cnn101.exercises.invariance": ModuleAlias("cnn101.exercises.shift", removed_in="0.4.0"),
    "cnn101.replicate": ModuleAlias("cnn101.experiments.replications", removed_in="0.4.0"),
}


def message(old: str, new: str, removed_in: str) -> str:
    """Return the warning for something that moved from ``old`` to ``new``.

    Parameters
    ----------
    old, new : str
        The old and new dotted paths (or commands).
    removed_in : str
        The cnn101 version that removes the old path.

    Returns
    -------
    str

    Examples
    --------
    >>> message("cnn101.scale", "cnn101.corners", "0.4.0")
    'cnn101.scale moved to cnn101.corners; the old path is removed in cnn101 0.4.0'
    """
    return f"{old} moved to {new}; the old path is removed in cnn101 {removed_in}"


def forward(module: str, moved: Mapping[str, str], *, removed_in: str) -> Callable[[str], Any]:
    """Return a module ``__getattr__`` that finds each moved name in its new module.

    Parameters
    ----------
    module : str
        The old module's ``__name__``.
    moved : mapping of str to str
        Each moved name and the module that now defines it (under the same name), or
        ``"module:new_name"`` for a name that was also renamed.
    removed_in : str
        The cnn101 version that removes these old paths.

    Returns
    -------
    __getattr__ : callable
        Takes a name; for a moved one it warns ``DeprecationWarning`` and returns the
        object from the new module (imported then), for any other raises
        ``AttributeError`` as a module does.

    Examples
    --------
    >>> import warnings
    >>> lookup = forward("old", {"sqrt": "math"}, removed_in="0.4.0")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     root = lookup("sqrt")
    >>> root(9.0), caught[0].category.__name__
    (3.0, 'DeprecationWarning')
    >>> str(caught[0].message)
    'old.sqrt moved to math.sqrt; the old path is removed in cnn101 0.4.0'
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     ceiling = forward("old", {"round_up": "math:ceil"}, removed_in="0.4.0")("round_up")
    >>> ceiling(2.5), str(caught[0].message).split(";")[0]
    (3, 'old.round_up moved to math.ceil')
    """
    moved = dict(moved)

    def __getattr__(name: str) -> Any:
        if name not in moved:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        new, _, new_name = moved[name].partition(":")
        new_name = new_name or name
        warnings.warn(
            message(f"{module}.{name}", f"{new}.{new_name}", removed_in),
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(new), new_name)

    return __getattr__


def deprecated_method(new: str, *, removed_in: str) -> Callable[[Callable], Callable]:
    """Return a decorator for a method replaced by ``new``: it warns, then runs.

    Parameters
    ----------
    new : str
        What to call instead, as the warning should name it.
    removed_in : str
        The cnn101 version that removes the method.

    Returns
    -------
    decorator : callable
        Wraps a method so that each call warns ``DeprecationWarning`` (naming the
        method's qualified name, ``new`` and ``removed_in``) and then runs it.

    Examples
    --------
    >>> import warnings
    >>> class Box:
    ...     @deprecated_method("Box.size", removed_in="0.4.0")
    ...     def area(self):
    ...         return 4
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     Box().area()
    4
    >>> str(caught[0].message)
    'Box.area moved to Box.size; the old path is removed in cnn101 0.4.0'
    """

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(
                message(method.__qualname__, new, removed_in), DeprecationWarning, stacklevel=2
            )
            return method(*args, **kwargs)

        return wrapper

    return decorate


def _public_names(module: ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return list(names)


class _AliasLoader(importlib.abc.Loader):
    """Makes an old module path: its import warns; run as a command, it runs the new one."""

    def create_module(self, spec: Any) -> None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        alias = MODULE_ALIASES[module.__name__]
        warnings.warn(
            message(module.__name__, alias.new, alias.removed_in),
            DeprecationWarning,
            stacklevel=2,
        )
        target = importlib.import_module(alias.new)
        names = _public_names(target)
        module.__dict__.update({name: getattr(target, name) for name in names})
        module.__all__ = names
        module.__doc__ = (
            f"The old path of :mod:`{alias.new}`, removed in cnn101 {alias.removed_in}."
        )

    def get_code(self, fullname: str) -> Any:
        """Return what ``python -m <old path>`` runs: a note on stderr, then the new command."""
        alias = MODULE_ALIASES[fullname]
        note = "note: " + message(
            f"python -m {fullname}", f"python -m {alias.new}", alias.removed_in
        )
        source = (
            "import runpy, sys\n"
            f"print({note!r}, file=sys.stderr)\n"
            # argv[0] names the program until runpy sets the new module's file (an unset
            # argv[0] breaks libraries that read sys.argv on import, TensorFlow among them)
            f"sys.argv[0] = {fullname!r}\n"
            f"runpy.run_module({alias.new!r}, run_name='__main__', alter_sys=True)\n"
        )
        return compile(source, f"<{fullname}>", "exec")


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Finds the old module paths of :data:`MODULE_ALIASES`, and only those."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in MODULE_ALIASES:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader())


def install() -> None:
    """Register the finder of the old module paths, once (``import cnn101`` calls it).

    Examples
    --------
    >>> install()
    >>> sum(isinstance(f, _AliasFinder) for f in sys.meta_path)
    1
    """
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())  # first: it answers its old paths only
