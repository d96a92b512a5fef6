"""What docs_hooks/readability.py and cnn101.plotting add to the pages a student reads.

Unit tests drive the hook's functions and the figure-description helpers directly
(IPython's own display formatter is the reference for the alt-text metadata); the
rest read the session's site build: the tutorial header and "Next" paragraph from
tutorials/tutorials.yml, the teachers' table from the same file, alt text on every
figure and no tooling comments in the code shown.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import ROOT, docs_dir, load_hook, tutorial_notebooks
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.pylabtools import select_figure_formats
from matplotlib.figure import Figure
from mkdocs.exceptions import PluginError

from cnn101 import plotting

hook = load_hook("readability")
notebooks_hook = load_hook("notebooks")
TUTORIALS = hook.load_tutorials(docs_dir() / hook.DATA)


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _page(site: Path, stem: str) -> Path:
    """The built page of ``stem`` (the site has file URLs: it works opened from disk)."""
    return site / f"{stem}.html"


# --------------------------------------------------------------------------- the one table


def test_the_table_has_one_record_per_tutorial_in_order():
    assert [r["notebook"] for r in TUTORIALS] == [nb.name for nb in tutorial_notebooks()]


def test_the_teachers_page_renders_its_table_from_the_data():
    source = (docs_dir() / "teachers.md").read_text(encoding="utf-8")
    assert hook.TABLE_MARKER in source and "| Tutorial |" not in source, "one source"
    table = hook.teachers_table(TUTORIALS).splitlines()
    assert len(table) == 2 + len(TUTORIALS)
    assert table[4].startswith("| [3. Spatial resolution and scale](03_")
    assert "[1. How a CNN sees](01_how_a_cnn_sees.ipynb); [2. Translation" in table[4]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"after": [3]}, "must list earlier tutorials"),
        ({"time": None}, "lacks time"),
    ],
)
def test_a_wrong_record_is_a_build_error(tmp_path, change, message):
    record = {**TUTORIALS[1], **change}
    record = {k: v for k, v in record.items() if v is not None}
    path = tmp_path / "tutorials.yml"
    path.write_text(yaml.safe_dump([TUTORIALS[0], record]), encoding="utf-8")
    with pytest.raises(PluginError, match=message):
        hook.load_tutorials(path)


def test_run_time_is_said_in_seconds_or_minutes():
    assert hook.run_time(12.1) == "about 12 s"
    assert hook.run_time(150) == "about 2 min"
    assert hook.run_time(None) == "not measured"


def test_the_home_page_lists_the_tutorials_from_the_data():
    source = (docs_dir() / "index.md").read_text(encoding="utf-8")
    assert hook.LIST_MARKER in source
    for record in TUTORIALS:  # each title is written once: in tutorials.yml
        assert record["title"] not in source.replace(hook.LIST_MARKER, ""), record["title"]
    listed = hook.tutorials_list(TUTORIALS, {TUTORIALS[1]["notebook"]: 133.0}).splitlines()
    assert listed[1].startswith(f"2. [{TUTORIALS[1]['title']}](02_") and "about 2 min" in listed[1]
    assert "not measured" in listed[0]


def test_the_h1_takes_the_title_and_keeps_its_permalink():
    content = '<h1 id="x">Old title<a class="anchor-link" href="#x">&#182;</a></h1><p>text</p>'
    assert hook.set_title(content, "New & title") == (
        '<h1 id="x">New &amp; title<a class="anchor-link" href="#x">&#182;</a></h1><p>text</p>'
    )


# --------------------------------------------------------------------------- code and figures


def test_tooling_comments_are_dropped_from_shown_and_copied_code():
    shown = (
        '<span class="n">basics</span>\n\n<span class="c1"># isort: split</span>\n'
        '<span class="kn">import</span> keras\n'
    )
    copied = "from cnn101 import ops\n# isort: split\nimport keras  # fmt: skip\n"
    assert hook.strip_tooling_comments(shown) == (
        '<span class="n">basics</span>\n\n<span class="kn">import</span> keras\n'
    )
    assert hook.strip_tooling_comments(copied) == (
        "from cnn101 import ops\nimport keras  # fmt: skip\n"
    ), "a trailing comment on a line of code stays"


def test_alt_texts_go_to_their_figures_by_hash():
    page = (
        f'<img alt="{hook.DEFAULT_ALT}" class="" src="fig-0123456789abcdef.png"/>'
        '<img alt="x" src="fig-fedcba9876543210.png"/><img src="../assets/logo.png">'
    )
    out, missing = hook.set_alt_texts(page, {"0123456789abcdef": 'two "maps"'})
    assert '<img alt="two &quot;maps&quot;" class="" src="fig-0123456789abcdef.png"/>' in out
    assert missing == ["fig-fedcba9876543210.png"]
    assert '<img src="../assets/logo.png">' in out


def test_describe_figure_uses_caption_suptitle_titles_and_labels():
    fig = plotting.show_feature_maps(np.zeros((4, 4, 3)), titles=["a", "b", "c"], suptitle="S")
    assert plotting.describe_figure(fig) == "S: 3 panels: a; b; c."
    plotting.caption(fig, "Three  empty\nmaps.")
    assert plotting.describe_figure(fig) == "Three empty maps. S: 3 panels: a; b; c."
    ax = Figure().add_subplot(title="loss", xlabel="epoch", ylabel="value")
    assert plotting.describe_figure(ax.figure) == "loss (value against epoch)."
    assert plotting.describe_figure(Figure()) == ""
    with pytest.raises(ValueError, match="text"):
        plotting.caption(fig, "  ")
    with pytest.raises(TypeError, match="fig"):
        plotting.describe_figure(ax)


def test_register_alt_text_puts_the_description_in_ipython_display_metadata():
    shell = InteractiveShell.instance()
    formatters = shell.display_formatter
    formatters.mimebundle_formatter.pop(Figure, None)
    select_figure_formats(shell, {"png"})  # what %matplotlib inline does
    fig = plotting.show_pipeline([("image", np.eye(4)), ("pool", np.eye(2))])
    assert "alt" not in formatters.format(fig)[1].get("image/png", {})
    assert plotting.register_alt_text(shell) is True
    try:
        data, metadata = formatters.format(fig)
        assert "image/png" in data, "the figure itself is still rendered"
        assert metadata["image/png"]["alt"] == "2 panels: image 4x4; pool 2x2."
        assert formatters.format(Figure())[1] == {}, "nothing to say: no alt"
    finally:
        formatters.mimebundle_formatter.pop(Figure, None)
        formatters.formatters["image/png"].pop(Figure, None)


def test_wide_grids_wrap_instead_of_growing_past_the_column():
    seven = plotting.show_feature_maps(np.zeros((4, 4, 7)), ncols=7)
    assert seven.get_figwidth() <= plotting.MAX_FIGURE_WIDTH
    rows = {round(ax.get_position().y0, 2) for ax in seven.axes}
    assert len(rows) == 2 and len(seven.axes) == 7
    five = plotting.show_pipeline([(str(i), np.eye(3)) for i in range(5)])
    assert five.get_figwidth() <= plotting.MAX_FIGURE_WIDTH and len(five.axes) == 5
    four = plotting.show_feature_maps(np.zeros((4, 4, 4)))
    assert len({round(ax.get_position().y0, 2) for ax in four.axes}) == 1, "4 fit in a row"


@pytest.mark.slow
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
    rows = soup.select("table")[0].select("tbody tr")  # the first table: the tutorials
    assert len(rows) == len(TUTORIALS)
    assert [r.select_one("td").get_text() for r in rows][:1] == ["1. How a CNN sees"]
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


def test_cells_that_only_record_a_claim_are_found_by_rule():
    def cell(source, tags=()):
        return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source}

    rule = notebooks_hook.serves_the_build_only
    assert rule(cell("claims.record(\n    'id',\n    verdict='confirmed',\n)"))
    assert rule(cell("x = measure()", tags=["build-only"]))
    assert not rule(cell("x = 1\nclaims.record('id', verdict='confirmed')"))
    assert not rule(cell("record('id')")) and not rule(cell("plt.show()"))
    assert rule(cell("claims.not_tested('id', reason='a name')"))
    assert rule(cell("display(claims.record('a', verdict='partly'))\nclaims.record('b')"))
    assert not rule(cell("display(claims.record('a'), x)")) and not rule(cell("print(x)"))
    found = 0
    for path in tutorial_notebooks():
        nb = json.loads(path.read_text(encoding="utf-8"))
        for c in nb["cells"]:
            source = "".join(c["source"]).strip()
            if c["cell_type"] == "code" and source.startswith("claims.record("):
                if source.endswith(")") and source.count("claims.record(") == 1:
                    found += rule(c)
    assert found >= 5, "the tutorials record their claims in cells of their own"
    for path in tutorial_notebooks():  # and every cell that records one only records
        nb = json.loads(path.read_text(encoding="utf-8"))
        for c in nb["cells"]:
            source = "".join(c["source"])
            if c["cell_type"] == "code" and re.search(r"claims\.(record|not_tested)\(", source):
                assert rule(c), f"{path.name}: a claim's record shares a cell:\n{source[:200]}"


def test_inline_math_in_the_table_of_contents_reads_as_text():
    class Item:
        def __init__(self, title, children=()):
            self.title, self.children = title, list(children)

    items = [Item("Top", [Item("Try every zoom, not only $T' = T$")])]
    hook.plain_toc_titles(items)
    assert items[0].children[0].title == "Try every zoom, not only T' = T"
