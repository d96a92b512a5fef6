"""What the site's build hooks share: the build's state, its order, and the cache helpers.

The hooks in this folder are files that MkDocs loads (``hooks:`` in mkdocs.yml), not a
package. MkDocs puts this folder on ``sys.path`` while it loads each hook, so every hook
imports this module the same way, ``import sitebuild``, and Python loads it once; the
tests put this folder on ``sys.path`` (``tests/conftest.py``) and import it the same way.

State is passed explicitly: one :class:`BuildState` per build, kept in the config
(:func:`state`), made by the first hook that asks for it in ``on_config``. No hook keeps
a module-global dict, and no hook reaches into another hook's module: a result one hook
makes for another is a field of the state, read through a method that raises
:class:`BuildOrderError` (saying which hook and event make it) when it is not made yet.

The order (MkDocs runs each event in the hooks' list order, unless a hook declares an
``event_priority``; higher runs first)::

    on_config        every hook: the state; readability.py reads tutorials.yml
    on_files   -50   notebooks.py executes every notebook       -> state.runs
                     (after mkdocs-jupyter has made the notebook pages)
                     claims.py, replications.py add their generated pages; downloads.py
                     declares the downloads; networks.py its exported networks
    on_pre_page  50  notebooks.py points the page at its executed copy
                 40  downloads.py (teachers mode) swaps in the copy without solutions
    on_page_markdown claims.py (its page) reads state.runs; readability.py the run times
    on_page_content   0  pages.py names the figure files fig-<hash>.png -> state.figures
                    -10  readability.py gives those figures their alt text (needs them)
    on_env           downloads.py writes the downloads (answer keys from state.runs);
                     networks.py exports the trained networks (experiment cache)
    on_post_build    pages.py writes figures and CSS; playground.py its data file

The helpers shared with the package (digests of source files, library versions, cache
folders) live in :mod:`cnn101._digest`; this module only names the build's own cache
folder and the package folder.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

from cnn101._digest import cache_folder, digest_files, package_versions, update

CACHE_ENV = "CNN101_NOTEBOOK_CACHE"
STATE_KEY = "cnn101_build_state"


class BuildOrderError(PluginError):
    """A hook asked for a result another hook has not made yet (the hooks' order is wrong)."""


def cache_dir(config_dir: Path) -> Path:
    """Return ``$CNN101_NOTEBOOK_CACHE`` or ``<config_dir>/.cache/notebooks``."""
    return cache_folder(CACHE_ENV, Path(config_dir) / ".cache" / "notebooks")


def package_dir() -> Path:
    """Return the folder of the ``cnn101`` package the kernel will import (not imported here)."""
    spec = importlib.util.find_spec("cnn101")
    if spec is None or spec.origin is None:
        raise PluginError("cnn101 is not installed: run `pip install -r requirements.txt`.")
    return Path(spec.origin).resolve().parent


def asset_tags(stylesheet: str, scripts: tuple[str, ...], page_url: str) -> tuple[str, str]:
    """Return a page widget's ``<link>`` and ``<script>`` tags, relative to ``page_url``.

    Examples
    --------
    >>> head, body = asset_tags("a.css", ("x.js", "y.js"), "page/")
    >>> head
    '<link rel="stylesheet" href="../a.css">'
    >>> body.splitlines()[1]
    '<script src="../y.js"></script>'
    """
    head = f'<link rel="stylesheet" href="{get_relative_url(stylesheet, page_url)}">'
    body = "\n".join(
        f'<script src="{get_relative_url(path, page_url)}"></script>' for path in scripts
    )
    return head, body


def hook_key(hook: Path, versioned: tuple[str, ...], package: Path | None = None) -> str:
    """Return a hash of a hook's file, the ``cnn101`` source files and library versions.

    ``package`` is the ``cnn101`` folder; by default the one Python imports. A hook
    caches what it exports under this key, so a change to the hook, to ``cnn101`` or to
    a library in ``versioned`` makes it again.
    """
    digest = hashlib.sha256()
    update(digest, "hook", Path(hook).read_bytes())
    return digest_files(
        package_dir() if package is None else package,
        digest,
        suffixes=(".py",),
        versions=package_versions(versioned),
    ).hexdigest()


@dataclass(frozen=True)
class RunTime:
    """How long a notebook ran, as its execution record says (docs_hooks/notebooks.py).

    ``cold_seconds`` is a cold first run: a fresh kernel, and no trained network in the
    notebook's training cache, so every network it trains is trained. A run that found
    its networks trained already (``training == "cached"``, the notebook changed but
    not ``cnn101``) is shorter: its record keeps the last cold run of the notebook, with
    the machine and the date of that run, or None if there was none.
    """

    seconds: float  # this build's run of the notebook
    training: str  # "none" (trains nothing), "cold" or "cached"
    cold_seconds: float | None
    machine: str  # the machine of the cold run
    executed_at: str  # the date of the cold run (ISO 8601, UTC)
    load: float | None = None  # the machine's load average when the cold run began


@dataclass(frozen=True)
class ExecutedNotebook:
    """A cache entry: the executed copy of one notebook and how long it ran."""

    source: Path
    executed: Path
    meta: Path
    key: str
    seconds: float
    from_cache: bool
    answers: Path | None = None
    run_time: RunTime | None = None


@dataclass
class BuildState:
    """Everything the hooks of one build hand each other (see the module's docstring)."""

    config_dir: Path
    docs_dir: Path
    cache_dir: Path
    # notebooks.py, on_files: {src_uri: its executed copy}; None until then.
    runs: dict[str, ExecutedNotebook] | None = None
    # pages.py, on_page_content: {notebook src_uri: {site path: PNG bytes}} and the CSS.
    figures: dict[str, dict[str, bytes]] = field(default_factory=dict)
    css: dict[str, str] = field(default_factory=dict)
    # Each hook's own settings for this build (readability's table, downloads' paths...):
    # {"docs_hooks/<hook>.py": object}, set in its on_config or on_files, read only by it.
    own: dict[str, Any] = field(default_factory=dict)

    def executed(self, src_uri: str, *, by: str) -> ExecutedNotebook:
        """Return the executed copy of notebook ``src_uri`` (made by notebooks.py, on_files)."""
        if self.runs is None:
            raise BuildOrderError(
                f"{by} needs the executed notebooks, which docs_hooks/notebooks.py makes in "
                "on_files: list docs_hooks/notebooks.py in mkdocs.yml's hooks (it runs first)."
            )
        if src_uri not in self.runs:
            raise BuildOrderError(
                f"{by} needs the executed copy of {src_uri}, which docs_hooks/notebooks.py did "
                f"not make (it ran {sorted(self.runs)})."
            )
        return self.runs[src_uri]

    def run_times(self, *, by: str) -> dict[str, RunTime | None]:
        """Return {notebook src_uri: its run times} (notebooks.py, on_files)."""
        if self.runs is None:
            self.executed("", by=by)  # raises the order error
        return {src_uri: run.run_time for src_uri, run in self.runs.items()}

    def page_figures(self, src_uri: str, *, by: str) -> dict[str, bytes]:
        """Return {site path: PNG bytes} of the figures pages.py moved out of page ``src_uri``."""
        if src_uri not in self.figures:
            raise BuildOrderError(
                f"{by} needs the figure files of {src_uri}, which docs_hooks/pages.py names in "
                "its on_page_content: that hook must run first (list it in mkdocs.yml's hooks)."
            )
        return self.figures[src_uri]


def state(config) -> BuildState:
    """Return this build's :class:`BuildState`, kept in ``config`` (made on the first call)."""
    found = config.get(STATE_KEY)
    if found is None:
        config_dir = Path(config.config_file_path).resolve().parent
        found = BuildState(
            config_dir=config_dir,
            docs_dir=Path(config.docs_dir),
            cache_dir=cache_dir(config_dir),
        )
        config[STATE_KEY] = found
    return found
