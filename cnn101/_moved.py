"""Old paths of public functions that moved to another module, kept for one release.

A module whose function moved sets ``__getattr__ = forward(__name__, {...})``: a
module-level ``__getattr__`` (PEP 562) that Python calls only for a name the module
does not define. The old name then still resolves, warns :class:`DeprecationWarning`
naming the new home, and imports that home only then, so importing the old module
does not load the new one's dependencies (matplotlib, for the figure helpers).
Remove the name from its ``forward`` call in the release after the move.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["forward", "moved_message"]


def moved_message(old: str, new: str) -> str:
    """Return the warning for a name that moved from ``old`` to ``new``.

    Parameters
    ----------
    old, new : str
        The dotted paths of the name before and after the move.

    Returns
    -------
    str

    Examples
    --------
    >>> moved_message("cnn101.pyramids.show_pyramid", "cnn101.plotting.show_pyramid")
    'cnn101.pyramids.show_pyramid moved to cnn101.plotting.show_pyramid; the old path is removed in the next release'
    """
    return f"{old} moved to {new}; the old path is removed in the next release"


def forward(module: str, moved: Mapping[str, str]) -> Callable[[str], Any]:
    """Return a module ``__getattr__`` that finds each moved name in its new module.

    Parameters
    ----------
    module : str
        The old module's ``__name__``.
    moved : mapping of str to str
        Each moved name and the module that now defines it (under the same name), or
        ``"module:new_name"`` for a name that was also renamed.

    Returns
    -------
    __getattr__ : callable
        Takes a name; for a moved one it warns ``DeprecationWarning`` and returns the
        object from the new module (imported then), for any other raises
        ``AttributeError`` as a module does.

    Examples
    --------
    >>> import warnings
    >>> lookup = forward("old", {"sqrt": "math"})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     root = lookup("sqrt")
    >>> root(9.0), caught[0].category.__name__
    (3.0, 'DeprecationWarning')
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     ceiling = forward("old", {"round_up": "math:ceil"})("round_up")
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
            moved_message(f"{module}.{name}", f"{new}.{new_name}"),
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(new), new_name)

    return __getattr__
