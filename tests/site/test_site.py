"""The documentation site: strict build, clean pages, working links, offline assets, cache.

Most tests read the one cold build made per session (``built_site`` in conftest.py); the
execution tests run tiny notebooks through ``docs_hooks/notebooks.py`` in a Jupyter
kernel. What needs neither (mkdocs.yml, the cache key) is in tests/test_site_sources.py.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import run_build, tutorial_notebooks
from mkdocs.exceptions import PluginError
from test_site_sources import _tiny_notebook, hooks

MAX_PAGE_BYTES = 1_500_000
GLOG_LINE = re.compile(r"^\s*[IWEF]\d{4} \d\d:\d\d:\d\d", re.MULTILINE)
# Strings that only a TensorFlow/absl/CUDA log line or a Python error would put in an output.
LOG_MARKERS = (
    "Traceback (most recent call last)",
    "oneDNN custom operations",
    "absl::",
    "cuda_",
    "cuDNN",
    "Could not find cuda",
    "TF-TRT",
    "This TensorFlow binary is optimized",
    "tensorflow/core/",
    "All log messages before absl",
)
CDN_HOSTS = ("cdnjs", "unpkg.com", "jsdelivr", "googleapis", "mathjax.org", "requirejs")


# --------------------------------------------------------------------------- helpers


@cache
def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def notebook_page(site: Path, notebook: Path) -> Path:
    return site / f"{notebook.stem}.html"  # the offline plugin turns directory URLs off


def site_path_prefix(config: dict) -> str:
    """The URL path the site is served under in production ("/cnn101/")."""
    return urlsplit(config.get("site_url", "/")).path or "/"


def resolve(site: Path, page: Path, url: str, prefix: str) -> Path:
    """Return the file in ``site`` that a relative or root-relative ``url`` points at."""
    path = unquote(urlsplit(url).path)
    if path.startswith("/"):
        assert path.startswith(prefix), f"{url!r} is outside the site path {prefix!r}"
        target = site / path[len(prefix) :]
    else:
        target = (page.parent / path) if path else page
    target = Path(target.as_posix().rstrip("/") or site)
    return target / "index.html" if target.is_dir() else target


def removed_cell_lines(notebook: Path) -> list[str]:
    nb = nbformat.read(notebook, as_version=4)
    lines = []
    for cell in nb.cells:
        if "remove-cell" in cell.metadata.get("tags", []):
            lines += [line.strip() for line in cell.source.splitlines() if len(line.strip()) >= 20]
    return lines


@pytest.fixture(scope="session")
def site(built_site) -> Path:
    return built_site.site


@pytest.fixture(scope="session")
def notebooks() -> list[Path]:
    return tutorial_notebooks()


# --------------------------------------------------------------------------- the build


def test_strict_build_succeeds_with_clean_progress_output(built_site, notebooks):
    lines = [line for line in built_site.log.splitlines() if line.strip()]
    noisy = [
        line for line in lines
        if not line.startswith("INFO") or re.search(r"warn|error|kernel|tcp", line, re.I)
    ]  # fmt: skip
    assert not noisy, "unexpected build output:\n" + "\n".join(noisy)
    for notebook in notebooks:
        ran = [line for line in lines if f"Notebook {notebook.name}: executed in" in line]
        assert len(ran) == 1, f"{notebook.name} should be executed once in a cold build"


def test_rebuild_with_nothing_changed_reuses_cache_and_is_fast(built_site, notebooks, tmp_path):
    warm = run_build(tmp_path / "site", built_site.cache).check()
    assert "executed in" not in warm.log, warm.log
    assert warm.log.count(": cached, ran") == len(notebooks)
    assert warm.seconds <= 0.10 * built_site.seconds, (
        f"rebuild took {warm.seconds:.1f} s, cold build {built_site.seconds:.1f} s"
    )


def test_no_traceback_stderr_or_tensorflow_log_line_on_any_page(site):
    for page in html_pages(site):
        soup = _soup(page)
        assert not soup.select('[data-mime-type="application/vnd.jupyter.stderr"]'), page
        text = soup.get_text()
        assert "Traceback (most recent call last)" not in text, page
        for output in soup.select(".jp-OutputArea"):
            out = output.get_text()
            assert not GLOG_LINE.search(out), f"{page}: TensorFlow log line\n{out[:500]}"
            hits = [m for m in LOG_MARKERS if m.lower() in out.lower()]
            assert not hits, f"{page}: log output {hits}\n{out[:500]}"
            assert "cuda" not in out.lower(), f"{page}: CUDA message in an output\n{out[:500]}"


def test_api_pages_show_no_sphinx_role_names(site):
    """Cross-references (:func:`run`) reach the page as code, citations (.. [1]) as [1]."""
    role = re.compile(r":(func|meth|class|mod|attr|data|const|exc|obj|ref):`?|\.\. \[\d+\]")
    for page in (site / "reference").rglob("*.html"):
        text = _soup(page).get_text()
        assert not role.search(text), (page, role.search(text).group(0))


def test_tutorial_pages_carry_their_figures(site, notebooks):
    for notebook in notebooks:
        page = notebook_page(site, notebook)
        images = _soup(page).select(".jp-OutputArea img")
        assert images, f"{page} shows no figure"
        for img in images:
            src = img["src"]
            assert (
                src.startswith("data:image/png;base64,") or resolve(site, page, src, "/").is_file()
            )


def test_no_page_loads_anything_from_another_host(site, mkdocs_config):
    own_host = urlsplit(mkdocs_config["site_url"]).netloc
    for page in html_pages(site):
        soup = _soup(page)
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"),
                          ("source", "src"), ("iframe", "src"), ("video", "src")):  # fmt: skip
            for element in soup.find_all(tag, attrs={attr: True}):
                url = element[attr]
                host = urlsplit(url).netloc
                assert not url.startswith("//"), f"{page}: protocol-relative {url}"
                assert not host or host == own_host, f"{page}: <{tag} {attr}={url}>"
        text = page.read_text(encoding="utf-8")
        for cdn in CDN_HOSTS:
            assert cdn not in text, f"{page} mentions {cdn}"
        for script in soup.find_all("script", src=False):
            assert "import(" not in script.get_text(), f"{page}: inline script imports code"


def test_no_broken_internal_link(site, mkdocs_config):
    prefix = site_path_prefix(mkdocs_config)
    broken = []
    for page in html_pages(site):
        soup = _soup(page)
        for tag, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
            for element in soup.find_all(tag, attrs={attr: True}):
                url = element[attr]
                parts = urlsplit(url)
                if parts.scheme or parts.netloc or url.startswith(("#", "data:")) or not url:
                    continue
                target = resolve(site, page, url, prefix)
                if not target.is_file():
                    broken.append(f"{page.relative_to(site)}: {url}")
                elif parts.fragment and target.suffix == ".html":
                    ids = {e["id"] for e in _soup(target).find_all(id=True)}
                    if unquote(parts.fragment) not in ids:
                        broken.append(f"{page.relative_to(site)}: {url} (no such anchor)")
    assert not broken, "broken links:\n" + "\n".join(broken[:40])


def test_colab_badge_and_download_match_each_notebook(site, notebooks, mkdocs_config):
    repo = urlsplit(mkdocs_config["repo_url"]).path.strip("/")
    for notebook in notebooks:
        page = notebook_page(site, notebook)
        soup = _soup(page)
        colab = soup.select("a.cnn101-colab")
        assert len(colab) == 1, page
        expected = (
            f"https://colab.research.google.com/github/{repo}/blob/main/tutorials/{notebook.name}"
        )
        assert colab[0]["href"] == expected
        badge = colab[0].find("img")
        assert badge["src"].endswith(".svg") and "//" not in badge["src"]
        assert resolve(site, page, badge["src"], "/").is_file()
        download = soup.select("a.cnn101-download")
        assert len(download) == 1, page
        assert download[0]["href"].endswith(notebook.name)
        target = resolve(site, page, download[0]["href"], "/")
        assert target.read_bytes() == notebook.read_bytes(), "the download is the clean source"
        student = soup.select("a.cnn101-student")  # "ready to hand out": no solution in it
        assert len(student) == 1 and "ready to hand out" in student[0]["title"], page
        handed_out = resolve(site, page, student[0]["href"], "/").read_text(encoding="utf-8")
        assert "<summary>Solution" not in handed_out and '"version": "student"' in handed_out


def test_remove_cell_cells_are_not_on_the_page(site, notebooks):
    for notebook in notebooks:
        lines = removed_cell_lines(notebook)
        assert lines, f"{notebook.name} has no remove-cell cell"
        soup = _soup(notebook_page(site, notebook))
        assert not soup.select(".celltag_remove-cell")
        text = soup.get_text()
        shown = [line for line in lines if line in text]
        assert not shown, f"{notebook.name}: remove-cell source on the page: {shown}"


def test_solutions_are_collapsed_in_details(site, notebooks):
    for notebook in notebooks:
        soup = _soup(notebook_page(site, notebook))
        heading = soup.find(lambda t: t.name == "h2" and t.get_text().strip(" ¶") == "Exercises")
        assert heading is not None, f"{notebook.name}: no Exercises heading"
        details = heading.find_all_next("details")
        assert details, f"{notebook.name}: no <details> after the Exercises heading"
        summaries = [s for s in soup.find_all("summary") if "Solution" in s.get_text()]
        assert summaries, f"{notebook.name}: no Solution summary"
        for summary in summaries:
            block = summary.parent
            assert block.name == "details" and not block.has_attr("open"), notebook.name
            assert block.find(["pre", "code"]), f"{notebook.name}: a solution without code"


def test_math_is_left_for_the_vendored_renderer(site):
    home = _soup(site / "index.html")
    assert home.select(".arithmatex"), "the home page's formulas are not marked up"
    scripts = [s["src"] for s in home.find_all("script", src=True)]
    assert any(src.endswith("katex.min.js") for src in scripts)
    assert any(src.endswith("math.js") for src in scripts)


def test_the_site_root_holds_only_what_a_reader_needs(site):
    """Pages, the notebooks offered for download, their figures and the site's own files."""
    machinery = {"404.html", "objects.inv", "sitemap.xml", "sitemap.xml.gz"}
    stray = [
        f.name
        for f in site.iterdir()
        if f.is_file()
        and f.name not in machinery
        and f.suffix not in (".html", ".ipynb")
        and not re.fullmatch(r"fig-[0-9a-f]{16}\.png", f.name)
    ]
    assert not stray, f"files a reader does not need at the site root: {stray}"


def test_no_page_is_over_the_size_limit(site):
    """A page and the figures it shows weigh at most 1.5 MB."""
    for page in html_pages(site):
        images = {img["src"] for img in _soup(page).find_all("img", src=True)}
        files = {resolve(site, page, src, "/") for src in images if ":" not in src}
        weight = page.stat().st_size + sum(f.stat().st_size for f in files if f.is_file())
        assert weight <= MAX_PAGE_BYTES, f"{page} weighs {weight} bytes with its figures"


def test_recorded_execution_times_exist(built_site, notebooks):
    """Each notebook's run time is recorded; benchmarks/notebook_budget.py checks it in CI."""
    for notebook in notebooks:
        records = list(built_site.cache.glob(f"{notebook.stem}-*.json"))
        assert len(records) == 1, records
        record = json.loads(records[0].read_text(encoding="utf-8"))
        assert record["notebook"] == notebook.name and record["seconds"] > 0


# --------------------------------------------------------------------------- execution in a kernel


def test_executes_once_then_reuses_until_the_code_changes(tmp_path, package):
    notebook = _tiny_notebook(tmp_path / "01_tiny.ipynb", "print(6 * 7)", "6 * 7")
    cache_dir = tmp_path / "cache"
    first = hooks.ensure_executed(notebook, cache_dir, package, tmp_path)
    assert not first.from_cache and first.seconds > 0
    executed = nbformat.read(first.executed, as_version=4)
    assert [c.source for c in executed.cells if c.cell_type == "code"] == ["print(6 * 7)", "6 * 7"]
    assert executed.cells[1].outputs[0]["text"] == "42\n"
    assert [c.execution_count for c in executed.cells[1:]] == [1, 2], "prompts renumbered"
    assert json.loads(first.meta.read_text())["seconds"] == pytest.approx(first.seconds, abs=1e-3)

    again = hooks.ensure_executed(notebook, cache_dir, package, tmp_path)
    assert again.from_cache and again.executed == first.executed

    (package / "ops.py").write_text("# the documented code changed\n", encoding="utf-8")
    stale = hooks.ensure_executed(notebook, cache_dir, package, tmp_path)
    assert not stale.from_cache and stale.key != first.key
    assert not first.executed.exists(), "the outdated entry is evicted"


def test_a_run_shortened_by_the_training_cache_keeps_the_cold_time(tmp_path, package):
    """The record says whether training was cached, and carries the last cold run forward."""
    train = (  # what cnn101.experiments does on a cache miss: store a trained run
        "import os, pathlib\n"
        "folder = pathlib.Path(os.environ['CNN101_EXPERIMENT_CACHE'])\n"
        "folder.mkdir(parents=True, exist_ok=True)\n"
        "(folder / 'run.json').write_text('{}')"
    )
    notebook = _tiny_notebook(tmp_path / "01_trains.ipynb", train)
    cache_dir = tmp_path / "cache"
    cold = hooks.ensure_executed(notebook, cache_dir, package, tmp_path)
    assert cold.run_time.training == "cold"
    assert cold.run_time.cold_seconds == pytest.approx(cold.seconds, abs=1e-3)
    assert cold.run_time.machine == hooks.machine() and "cores" in cold.run_time.machine

    _tiny_notebook(notebook, train, "1 + 1")  # the notebook changed, cnn101 did not
    cached = hooks.ensure_executed(notebook, cache_dir, package, tmp_path)
    assert not cached.from_cache and cached.run_time.training == "cached"
    assert cached.run_time.cold_seconds == cold.run_time.cold_seconds
    assert cached.run_time.executed_at == cold.run_time.executed_at
    assert hooks.ensure_executed(notebook, cache_dir, package, tmp_path).run_time == (
        cached.run_time
    ), "read back from the record"

    (package / "ops.py").write_text("# the code changed\n", encoding="utf-8")
    again = hooks.ensure_executed(notebook, cache_dir, package, tmp_path)
    assert again.run_time.training == "cold", "the training cache is emptied for new code"
    assert again.run_time.cold_seconds == pytest.approx(again.seconds, abs=1e-3)

    plain = hooks.ensure_executed(
        _tiny_notebook(tmp_path / "02_plain.ipynb", "6 * 7"), cache_dir, package, tmp_path
    )
    assert plain.run_time.training == "none"


def test_stderr_output_fails_the_build(tmp_path, package):
    notebook = _tiny_notebook(
        tmp_path / "02_noisy.ipynb", "import os\nos.write(2, b'W0000 00:00:00 noisy C++ log\\n')"
    )
    with pytest.raises(PluginError, match=r"02_noisy\.ipynb: cell 3 wrote output on stderr"):
        hooks.ensure_executed(notebook, tmp_path / "cache", package, tmp_path)
    written = [p for p in tmp_path.rglob("*.json") if package not in p.parents]  # not its data
    assert not written, "a failed run leaves no cache entry"


def test_failing_cell_fails_the_build_with_a_readable_message(tmp_path, package):
    notebook = _tiny_notebook(tmp_path / "03_broken.ipynb", "x = 1", "assert x == 2, 'x is not 2'")
    with pytest.raises(PluginError, match=r"03_broken\.ipynb failed in cell 4") as info:
        hooks.ensure_executed(notebook, tmp_path / "cache", package, tmp_path)
    message = str(info.value)
    assert "AssertionError: x is not 2" in message and "assert x == 2" in message
    assert "\x1b[" not in message, "no terminal colour codes in the build log"
