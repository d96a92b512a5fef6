"""What docs_hooks/readability.py adds to the pages a student reads, tested without a build.

The hook's functions are driven directly: the tutorials table of tutorials/tutorials.yml,
the teachers' table and home-page list made from it, titles, alt text placed by figure
hash, tooling comments dropped from the code shown. What the hook put on the built pages,
and the alt text of a notebook run in a kernel, are tested in
tests/site/test_readability_hook_site.py; the figure descriptions themselves
(cnn101.plotting.alt_text) in tests/plotting/test_alt_text.py.
"""

from __future__ import annotations

import json
import re

import pytest
import sitebuild
import yaml
from conftest import docs_dir, load_hook, tutorial_notebooks
from mkdocs.exceptions import PluginError

hook = load_hook("readability")

notebooks_hook = load_hook("notebooks")
TUTORIALS = hook.load_tutorials(docs_dir() / hook.DATA)


# --------------------------------------------------------------------------- the one table


def test_the_table_has_one_record_per_tutorial_in_order():
    assert [r["notebook"] for r in TUTORIALS] == [nb.name for nb in tutorial_notebooks()]


def test_the_teachers_page_renders_its_table_from_the_data():
    source = (docs_dir() / "teachers.md").read_text(encoding="utf-8")
    assert hook.TABLE_MARKER in source and "| Tutorial |" not in source, "one source"
    table = hook.teachers_table(TUTORIALS).splitlines()
    rows = [line for line in table if line.startswith("|")]
    assert len(rows) == 2 + len(TUTORIALS) and table[: len(rows)] == rows, "one table"
    assert rows[0] == "| Tutorial, class time | Prerequisites | Runs in |"
    assert rows[4].startswith("| [3. Spatial resolution and scale](03_")
    assert "[1. How a CNN sees](01_how_a_cnn_sees.ipynb); [2. Translation" in rows[4]
    for number, record in enumerate(TUTORIALS, 1):  # the objectives, as a list after it
        said = f"- **{number}. {record['title']}**: students can "
        assert [line for line in table if line.startswith(said)], record["title"]


def _times(**fields):
    base = {"seconds": 15.2, "training": "cold", "cold_seconds": 15.2}
    return sitebuild.RunTime(
        **{**base, "machine": "Xeon, 2 cores, Linux", **fields},
        executed_at="2026-12-07T09:00:00+00:00",
    )


def test_a_run_shortened_by_the_training_cache_states_both_times():
    assert hook.stated_run_time(_times()) == "about 15 s"
    assert hook.stated_run_time(_times(training="none")) == "about 15 s"
    cached = _times(seconds=41.0, training="cached", cold_seconds=118.0)
    assert hook.stated_run_time(cached) == (
        "about 2 min (about 41 s with its trained networks cached)"
    )
    never = _times(seconds=41.0, training="cached", cold_seconds=None)
    assert hook.stated_run_time(never) == (
        "cold run not measured; about 41 s with its trained networks cached"
    )
    assert hook.stated_run_time(None) == "not measured"
    table = hook.teachers_table(TUTORIALS, {TUTORIALS[1]["notebook"]: cached})
    assert "| about 2 min (about 41 s with its trained networks cached) |" in table
    assert "measured by the site build on Xeon, 2 cores, Linux, on 2026-12-07." in table
    busy = hook.teachers_table(TUTORIALS, {TUTORIALS[0]["notebook"]: _times(load=8.79)})
    assert "on 2026-12-07 (its load average was 8.8 when the runs began)." in busy
    header = hook.tutorial_header(TUTORIALS[1], TUTORIALS, lambda n: n, cached)
    assert "a cold first run, measured when this site was built on Xeon, 2 cores" in header


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
