"""What docs_hooks/readability.py puts on the built pages, and alt text from a real kernel.

A tiny notebook run in a Jupyter kernel carries the figures' alt text in its outputs; the
rest read the session's site build: the tutorial header and "Next" paragraph from
tutorials/tutorials.yml, the teachers' table from the same file, alt text on every
figure and no tooling comments in the code shown. The hook's functions alone are tested
in tests/test_readability_hook.py.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, tutorial_notebooks
from test_readability_hook import TUTORIALS, hook, notebooks_hook


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _page(site: Path, stem: str) -> Path:
    """The built page of ``stem`` (the site has file URLs: it works opened from disk)."""
    return site / f"{stem}.html"


# --------------------------------------------------------------------------- a real kernel


def test_executed_notebooks_carry_figure_alt_text_and_not_the_hidden_cell(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt"),
        nbformat.v4.new_code_cell(
            "fig, ax = plt.subplots()\nax.set_title('a line')\nax.plot([0, 1]);"
        ),
        nbformat.v4.new_code_cell(
            "from cnn101 import plotting\nimport numpy as np\n"
            "plotting.show_image(np.eye(3), title='eye').figure"
        ),
    ]
    path = tmp_path / "01_tiny.ipynb"
    nbformat.write(nb, path)
    executed, _ = notebooks_hook.execute_notebook(path, tmp_path)
    assert [c.source for c in executed.cells] == [c.source for c in nb.cells]
    out = executed.cells[1].outputs + executed.cells[2].outputs
    alts = [o.metadata["image/png"]["alt"] for o in out if "image/png" in o.get("data", {})]
    assert alts == ["a line.", "eye."]
    written = tmp_path / "executed.ipynb"
    nbformat.write(executed, written)
    found = hook.figure_alt_texts(written)
    assert sorted(found.values()) == ["a line.", "eye."]


# --------------------------------------------------------------------------- the built site


@pytest.fixture(scope="module")
def site(built_site) -> Path:
    return built_site.site


def test_each_tutorial_page_has_its_header_and_next_paragraph(site):
    for number, record in enumerate(TUTORIALS, start=1):
        soup = _soup(_page(site, Path(record["notebook"]).stem))
        header = soup.select_one("ul.cnn101-tutorial-facts")
        assert header is not None, record["notebook"]
        text = " ".join(header.get_text(" ").split())
        assert f"Time: {record['time']}" in text
        assert "top to bottom in about " in text and "not measured" not in text
        h1 = soup.select_one("h1")
        assert h1.get_text().replace("¶", "").strip() == record["title"]  # one title
        assert soup.select_one("title").get_text().startswith(record["title"])
        nav = [a.get_text(" ", strip=True) for a in soup.select("nav.md-nav a.md-nav__link")]
        assert record["title"] in nav
        for before in record["after"]:
            assert f"{before}. {TUTORIALS[before - 1]['title']}" in text
        following = soup.select_one("p.cnn101-next")
        assert following is not None and following.get_text().startswith("Next:")
        if number < len(TUTORIALS):
            link = following.select_one("a")["href"]
            assert link == f"{Path(TUTORIALS[number]['notebook']).stem}.html"


def test_teachers_page_shows_the_table(site):
    soup = _soup(_page(site, "teachers"))
    (table,) = [t for t in soup.select("table") if "Prerequisites" in t.get_text()]
    heads = [th.get_text() for th in table.select("thead th")]
    assert heads == ["Tutorial, class time", "Prerequisites", "Runs in"], "short enough for a phone"
    rows = table.select("tbody tr")
    assert len(rows) == len(TUTORIALS)
    assert rows[0].select_one("td").get_text().startswith("1. How a CNN sees, ")
    for row in rows:  # a measured cold run, said with its unit
        assert re.search(r"about \d+ (s|min)", row.select("td")[-1].get_text()), row
    assert hook.TABLE_MARKER not in str(soup)


def test_figures_have_alt_text_and_code_has_no_tooling_comments(site):
    for notebook in tutorial_notebooks():
        soup = _soup(_page(site, notebook.stem))
        figures = soup.select(".jp-RenderedImage img")
        assert figures, notebook.name
        bad = [img.get("alt") for img in figures if img.get("alt") in (None, hook.DEFAULT_ALT)]
        assert not bad, f"{notebook.name}: {len(bad)} figures without alt text"
        code = "\n".join(pre.get_text() for pre in soup.select(".jp-InputArea-editor pre"))
        code += "\n".join(t.get_text() for t in soup.select(".clipboard-copy-txt"))
        assert not re.search(r"^\s*# (isort|fmt):", code, re.MULTILINE), notebook.name


def test_the_data_file_is_not_published(site):
    assert not (site / hook.DATA).exists()
    assert html.escape(hook.DATA) not in (site / "sitemap.xml").read_text(encoding="utf-8")
    assert (ROOT / "tutorials" / hook.DATA).is_file()
