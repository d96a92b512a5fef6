"""Shared fixtures: the documentation site, built once per test session.

Building the site executes every tutorial notebook, so it happens at most once per
``pytest`` run (session scope), and only if a test asks for it. The build is cold: a
temporary site dir and a temporary, empty notebook cache (``CNN101_NOTEBOOK_CACHE``),
so it proves the notebooks run now, with the current code, and the per-notebook
execution times it records are fresh.

Every test under ``tests/site/`` (it builds the site, opens a browser or runs a Jupyter
kernel) is marked ``slow`` by its folder, and so is any test elsewhere that asks for the
site build; ``pytest -m "not slow"`` runs neither (``pytest_collection_modifyitems``).

``CNN101_DOCS_CONFIG`` may point the tests at another mkdocs.yml (for example a copy
with only some notebooks while they are being written); the default is the repo's.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE_TESTS = ROOT / "tests" / "site"  # every test in this folder is slow
CONFIG = Path(os.environ.get("CNN101_DOCS_CONFIG", ROOT / "mkdocs.yml")).resolve()
BUILD_TIMEOUT_S = 3600


def load_config(path: Path = CONFIG) -> dict:
    """Return mkdocs.yml as a dict (it uses no custom YAML tags)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def docs_dir(config_path: Path = CONFIG) -> Path:
    return config_path.parent / load_config(config_path).get("docs_dir", "docs")


def tutorial_notebooks(config_path: Path = CONFIG) -> list[Path]:
    """The tutorial notebooks, ``NN_slug.ipynb`` in docs_dir, in order."""
    return sorted(docs_dir(config_path).glob("[0-9][0-9]_*.ipynb"))


# The hooks' shared module, docs_hooks/sitebuild.py, is imported as `import sitebuild`,
# by the hooks (MkDocs puts their folder on sys.path while it loads them) and by the tests.
HOOKS_DIR = ROOT / "docs_hooks"
if str(HOOKS_DIR) not in sys.path:
    sys.path.insert(0, str(HOOKS_DIR))


def load_hook(name: str) -> ModuleType:
    """Import ``docs_hooks/<name>.py`` as MkDocs does (hooks are files, not a package)."""
    module_name = f"cnn101_docs_hooks_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, HOOKS_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class SiteBuild:
    """The outcome of one ``mkdocs build --strict``."""

    site: Path
    cache: Path
    log: str
    seconds: float
    returncode: int

    def check(self) -> SiteBuild:
        if self.returncode != 0:
            pytest.fail(f"mkdocs build --strict failed:\n{self.log[-6000:]}", pytrace=False)
        return self


def run_build(site: Path, cache: Path, config_path: Path = CONFIG) -> SiteBuild:
    """Run ``mkdocs build --strict`` into ``site`` with notebook cache ``cache``."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"},
        "CNN101_NOTEBOOK_CACHE": str(cache),
        "NO_MKDOCS_2_WARNING": "1",  # Material's end-of-life banner
    }
    command = [
        sys.executable, "-m", "mkdocs", "build", "--strict",
        "--config-file", str(config_path), "--site-dir", str(site),
    ]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(
        command,
        cwd=config_path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    seconds = time.perf_counter() - start
    return SiteBuild(site, cache, proc.stdout + proc.stderr, seconds, proc.returncode)


@pytest.fixture(scope="session")
def site_build(tmp_path_factory) -> SiteBuild:
    """A cold build (empty cache) of the whole site; may have failed (see ``built_site``)."""
    base = tmp_path_factory.mktemp("docs")
    records = os.environ.get("CNN101_BUILD_RECORDS")  # CI: kept for benchmarks/notebook_budget.py
    return run_build(base / "site", Path(records) if records else base / "cache")


@pytest.fixture(scope="session")
def built_site(site_build) -> SiteBuild:
    """The cold build, failing the test with the build log if it did not succeed."""
    return site_build.check()


@pytest.fixture(scope="session")
def mkdocs_config() -> dict:
    return load_config()


def assert_not_yet(feedback, *, hint: str = "") -> None:
    """Assert that an exercise check said "Not yet" with a hint (matching ``hint``, if given)."""
    from cnn101.exercises import Feedback

    assert isinstance(feedback, Feedback)
    assert not feedback
    assert str(feedback).startswith("Not yet.")
    assert feedback.hint, "a failing check must give a hint"
    if hint:
        assert re.search(hint, feedback.hint, flags=re.IGNORECASE), feedback.hint


@pytest.fixture
def package(tmp_path) -> Path:
    """A copy of the cnn101 package, to change without touching the real one."""
    import sitebuild

    copy = tmp_path / "pkg" / "cnn101"
    shutil.copytree(sitebuild.package_dir(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def install_wheel(wheel: Path, folder: Path) -> Path:
    """Install ``wheel`` offline into a fresh venv in ``folder``; return the venv's python.

    ``pip install --no-deps --no-index``, then ``import cnn101`` with ``python -I`` (no
    PYTHONPATH, no user site) from ``folder``: asserts that the package and its metadata
    give the current version and that it was imported from the venv, not the source tree.
    """
    import venv

    from cnn101 import __version__

    env_dir = folder / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True
    )
    code = "import cnn101, importlib.metadata as m; print(cnn101.__version__, m.version('cnn101'), cnn101.__file__)"
    out = subprocess.run(
        [python, "-I", "-c", code], capture_output=True, text=True, check=True, cwd=folder
    ).stdout.split()
    assert out[:2] == [__version__, __version__]
    assert str(env_dir) in out[2], "imported from the venv, not from the source tree"
    return python


SITE_FIXTURES = frozenset({"site_build", "built_site"})


def pytest_collection_modifyitems(config, items) -> None:
    """Mark the tests of ``tests/site/`` slow, and those needing the site build also.

    A test in ``tests/site/`` builds the site, opens a browser or runs a Jupyter kernel;
    it is marked slow by its path. A test needs the cold build when it asks, directly or
    through another fixture, for ``site_build`` or ``built_site``: it is marked slow
    wherever it lives, and gets the build's time limit, so that the global per-test
    ``timeout`` (pyproject.toml) does not cut the build short. ``pytest -m "not slow"`` runs
    none of them.
    """
    for item in items:
        if SITE_TESTS in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.slow)
        if SITE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.timeout(BUILD_TIMEOUT_S + 600))


@pytest.fixture
def rng(request) -> np.random.Generator:
    """A generator seeded by the test's own id: its data do not depend on test order."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


# --- the browser harness of tests/site/ (Chromium, the served site, one browser) ----------

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; Playwright cannot download its own
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_chromium() -> None:
    """Skip the calling test module without Chromium, or fail in CI."""
    if CHROMIUM.exists():
        return
    if IN_CI:
        raise RuntimeError(f"CI=true but {CHROMIUM} is missing: install the chromium package")
    pytest.skip(
        f"{CHROMIUM} is not installed (apt-get install chromium); browser tests need it",
        allow_module_level=True,
    )


def launch(playwright):
    """Return headless Chromium from a running ``sync_playwright()``."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def base_url(built_site) -> Iterator[str]:
    """The site served by a local HTTP server on a random port."""
    handler = functools.partial(_QuietHandler, directory=str(built_site.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for a test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
