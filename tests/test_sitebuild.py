"""The build hooks' shared state (docs_hooks/sitebuild.py): one module, a declared order.

A hook that needs another hook's result reads it from the build state, which raises
BuildOrderError naming the hook and event that make it when that has not run yet.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import sitebuild
from conftest import load_hook

from cnn101 import _digest

HOOKS = ("notebooks", "pages", "claims", "readability", "downloads", "playground", "networks")


class _Config(dict):
    """The parts of MkDocs' config the hooks read: a dict with attributes."""

    def __init__(self, folder: Path):
        super().__init__(extra={})
        (folder / "mkdocs.yml").touch()
        (folder / "docs").mkdir(exist_ok=True)
        self.config_file_path = str(folder / "mkdocs.yml")
        self.docs_dir = str(folder / "docs")


def _page(src_uri: str, abs_src_path: str = "") -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri, abs_src_path=abs_src_path))


def test_every_hook_uses_the_one_shared_module():
    for name in HOOKS:
        assert load_hook(name).sitebuild is sitebuild, name


def test_the_state_is_made_once_per_config(tmp_path):
    config = _Config(tmp_path)
    build = sitebuild.state(config)
    assert sitebuild.state(config) is build
    assert sitebuild.state(_Config(tmp_path)) is not build, "a new build, a new state"
    assert build.config_dir == tmp_path.resolve() and build.runs is None


def test_readability_before_pages_says_so(tmp_path):
    readability = load_hook("readability")
    config = _Config(tmp_path)
    with pytest.raises(sitebuild.BuildOrderError, match=r"docs_hooks/pages\.py names"):
        readability.on_page_content("<h1>T</h1>", _page("01_x.ipynb"), config, files=None)
    # once pages.py has named the page's figures, it goes on
    executed = tmp_path / "01_x.ipynb"
    executed.write_text(json.dumps({"cells": []}), encoding="utf-8")
    build = sitebuild.state(config)
    build.figures["01_x.ipynb"] = {}
    build.own[readability.HOOK] = []
    page = _page("01_x.ipynb", str(executed))
    assert "cnn101-line" not in readability.on_page_content("<h1>T</h1>", page, config, None)


def test_readability_runs_after_pages_by_priority():
    readability, pages = load_hook("readability"), load_hook("pages")
    later = getattr(readability.on_page_content, "mkdocs_priority", 0)
    assert later < getattr(pages.on_page_content, "mkdocs_priority", 0)
    notebooks, downloads = load_hook("notebooks"), load_hook("downloads")
    assert notebooks.on_pre_page.mkdocs_priority > downloads.on_pre_page.mkdocs_priority


def test_hooks_needing_the_executed_notebooks_say_so(tmp_path):
    config = _Config(tmp_path)
    claims = load_hook("claims")
    sitebuild.state(config).own[claims.HOOK] = ["01_x.ipynb"]
    with pytest.raises(sitebuild.BuildOrderError, match=r"docs_hooks/notebooks\.py makes in"):
        claims.on_page_markdown("", _page(claims.PAGE), config, files=None)
    readability = load_hook("readability")
    with pytest.raises(sitebuild.BuildOrderError, match=r"readability\.py needs the executed"):
        readability.measured_seconds(config)
    downloads = load_hook("downloads")
    own = downloads.Handout("0.1.0", "public", notebooks=[tmp_path / "docs" / "01_x.ipynb"])
    sitebuild.state(config).own[downloads.HOOK] = own
    with pytest.raises(sitebuild.BuildOrderError, match=r"downloads\.py needs the executed"):
        downloads.on_env(None, config, files=None)
    # a notebook that notebooks.py did not run is named
    sitebuild.state(config).runs = {}
    with pytest.raises(sitebuild.BuildOrderError, match=r"copy of 01_x\.ipynb"):
        claims.on_page_markdown("", _page(claims.PAGE), config, files=None)


def test_cache_folder_and_versions_come_from_the_shared_helpers(tmp_path, monkeypatch):
    monkeypatch.setenv(sitebuild.CACHE_ENV, str(tmp_path / "c"))
    assert sitebuild.cache_dir(tmp_path) == _digest.cache_folder(sitebuild.CACHE_ENV, "x")
    notebooks = load_hook("notebooks")
    assert notebooks.notebook_versions() == _digest.package_versions(notebooks.VERSIONED_PACKAGES)
    with pytest.raises(TypeError, match="`names` must be an iterable of names"):
        _digest.package_versions("numpy")
    with pytest.raises(ValueError, match="`root` must be an existing folder"):
        _digest.digest_files(tmp_path / "missing")
    with pytest.raises(ValueError, match="`env` must be"):
        _digest.cache_folder("", "x")
    with pytest.raises(TypeError, match="`env` must be"):
        _digest.cache_folder(3, "x")


def test_file_digest_labels_each_file_by_its_path(tmp_path):
    (tmp_path / "a.py").write_bytes(b"12")
    (tmp_path / "b.py").write_bytes(b"3")
    first = _digest.digest_files(tmp_path).hexdigest()
    (tmp_path / "a.py").write_bytes(b"1")
    (tmp_path / "b.py").write_bytes(b"23")  # the same bytes in all, split differently
    assert _digest.digest_files(tmp_path).hexdigest() != first
    (tmp_path / "__pycache__").mkdir()
    before = _digest.digest_files(tmp_path).hexdigest()
    (tmp_path / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"bytecode")
    assert _digest.digest_files(tmp_path).hexdigest() == before
    versions = {"numpy": "1"}
    assert _digest.digest_files(tmp_path, versions=versions).hexdigest() != before
