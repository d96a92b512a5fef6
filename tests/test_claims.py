"""The claims registry and records (cnn101.claims) and the claims-page hook (docs_hooks/claims.py).

The hook tests drive the hook's functions on small fake executed notebooks whose outputs
are made the way IPython makes them (``IPython.core.formatters.format_display_data``), so
they check what a real kernel would write. The claims page of the site build is tested in
tests/site/test_claims_site.py.
"""

from __future__ import annotations

import dataclasses
import json
import re
from urllib.parse import urlsplit

import nbformat
import numpy as np
import pytest
import source_sentences
from bs4 import BeautifulSoup
from conftest import ROOT, load_hook
from IPython.core.formatters import format_display_data

from cnn101 import claims

hook = load_hook("claims")
REFERENCE_NOTEBOOKS = ("01_how_a_cnn_sees.ipynb", "02_translation_invariance.ipynb",
                       "03_spatial_resolution_and_scale.ipynb", "04_image_pyramids.ipynb",
                       "05_feature_map_alignment.ipynb",
                       "06_transfer_across_resolutions.ipynb")  # fmt: skip
SOURCES = ROOT.parent / "shared" / "sources"  # the source documents, where they are kept


_words = source_sentences.words  # quotes, Markdown links and spaces normalised


# --------------------------------------------------------------------------- the registry


def test_registry_holds_the_claims_in_order_each_owned_by_a_tutorial():
    ids = [c.id for c in claims.CLAIMS]
    assert len(ids) == len(set(ids)) >= 30
    notebooks = {p.name for p in hook_docs_dir().glob("[0-9][0-9]_*.ipynb")}
    for claim in claims.CLAIMS:
        assert claim.notebook in notebooks, claim
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", claim.id)
        assert urlsplit(claim.source_url).scheme == "https" and urlsplit(claim.source_url).netloc
        assert claim.statement.endswith(".") and claim.source
        assert claim.quote and claim.literature, claim.id
        assert re.search(r"\]\(https://", claim.literature) or "tutorial" in claim.literature, (
            f"{claim.id}: the literature column cites its sources with links"
        )
    with pytest.raises(dataclasses.FrozenInstanceError):
        claims.CLAIMS[0].id = "x"


@pytest.mark.skipif(not SOURCES.is_dir(), reason="the source documents are not here")
def test_every_quote_is_the_sources_own_words():
    texts = {path.name: _words(path.read_text(encoding="utf-8")) for path in SOURCES.glob("*.*")}
    for claim in claims.CLAIMS:
        quote = _words(claim.quote)
        assert any(quote in text for text in texts.values()), f"{claim.id}: {claim.quote!r}"


@pytest.mark.skipif(not SOURCES.is_dir(), reason="the source documents are not here")
def test_every_sentence_of_every_source_is_a_claim_or_marked_as_none():
    """Each source sentence holds a claim's quote, lies in one, or is marked (source_sentences)."""
    ids = {claim.id for claim in claims.CLAIMS}
    quotes = [_words(claim.quote) for claim in claims.CLAIMS]
    assert set(source_sentences.MARKS) == {
        path.name for path in SOURCES.glob("*.*") if path.name != "README.md"
    }
    unmarked, unused = [], []
    for name, marks in source_sentences.MARKS.items():
        found = source_sentences.sentences((SOURCES / name).read_text(encoding="utf-8"))
        for sentence in found:
            if any(q in sentence or sentence in q for q in quotes):
                continue
            mark = next((m for start, m in marks.items() if sentence.startswith(start)), None)
            if mark is None:
                unmarked.append(f"{name}: {sentence!r}")
        for start, mark in marks.items():
            assert mark.strip(), f"{name}: the mark of {start!r} is empty"
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", mark) is None or mark in ids, (
                f"{name}: {start!r} is marked with {mark!r}, which is no claim's id"
            )
            if not any(sentence.startswith(start) for sentence in found):
                unused.append(f"{name}: {start!r}")
    assert not unmarked, "sentences that are neither a claim nor marked:\n" + "\n".join(unmarked)
    assert not unused, "marks that match no sentence of their source:\n" + "\n".join(unused)


def test_the_sentence_splitter_cuts_prose_and_skips_code_headings_and_front_matter():
    text = (
        "---\ntitle: A post\n---\n### A heading of several words here\n"
        "image = np.array([\n[0, 0, 1],\n])\n"
        "It holds for many cases. Does it hold [here](https://x.org) too? Yes it does, surely.\n"
        "[1] A. Author. A reference with many words in it. 2001.\n"
    )
    assert source_sentences.sentences(text) == [
        "It holds for many cases.",
        "Does it hold here too?",
        "Yes it does, surely.",
    ]


def test_not_tested_records_a_reason_and_no_numbers():
    r = claims.not_tested("pyramid-octave", reason="A name, not something to measure.")
    data, _ = format_display_data(r)
    assert data[claims.MIME_TYPE]["verdict"] == "not tested here"
    assert data[claims.MIME_TYPE]["values"] == {}
    assert "Verdict: not tested here" in BeautifulSoup(data["text/html"], "html.parser").text
    with pytest.raises(ValueError, match="`reason`"):
        claims.not_tested("pyramid-octave", reason=" ")
    with pytest.raises(ValueError, match="`claim_id`"):
        claims.not_tested("nope", reason="x")
    with pytest.raises(ValueError, match="`verdict`"):  # a measured verdict needs record()
        claims.record("pyramid-octave", verdict="not tested here", evidence="x")


def hook_docs_dir():
    from conftest import docs_dir

    return docs_dir()


def test_record_validates_its_arguments():
    with pytest.raises(ValueError, match=r"`claim_id`.*Received: claim_id='nope'"):
        claims.record("nope", verdict="confirmed", evidence="x")
    with pytest.raises(ValueError, match=r"`verdict`.*Received: verdict='true'"):
        claims.record("pyramid-storage", verdict="true", evidence="x")
    with pytest.raises(ValueError, match="`evidence`"):
        claims.record("pyramid-storage", verdict="partly", evidence="  ")
    with pytest.raises(TypeError, match="`values`"):
        claims.record("pyramid-storage", verdict="partly", evidence="x", values=[1.0])
    with pytest.raises(ValueError, match=r"values\['r'\]"):
        claims.record("pyramid-storage", verdict="partly", evidence="x", values={"r": np.nan})
    with pytest.raises(TypeError, match=r"values\['r'\]"):
        claims.record("pyramid-storage", verdict="partly", evidence="x", values={"r": "1"})
    # an integer no float can hold is refused by name, not an OverflowError
    with pytest.raises(ValueError, match=r"values\['a'\]"):
        claims.record("pyramid-storage", verdict="partly", evidence="x", values={"a": 10**400})
    with pytest.raises(TypeError, match="`verdict`"):
        claims.record("pyramid-storage", verdict=3, evidence="x")
    with pytest.raises(TypeError, match="`claim_id`"):
        claims.record(3, verdict="partly", evidence="x")


def test_record_displays_a_box_with_the_anchor_and_carries_json():
    r = claims.record(
        "aspp-no-pooling", verdict="partly", evidence="v3 has <a pooling> branch.",
        values={"taps": np.float32(3.5), "n": np.int64(2)},
    )  # fmt: skip
    data, _ = format_display_data(r)  # what IPython puts in the cell's output
    assert set(data) >= {"text/plain", "text/html", claims.MIME_TYPE}
    payload = data[claims.MIME_TYPE]
    assert payload == {
        "id": "aspp-no-pooling", "verdict": "partly", "evidence": "v3 has <a pooling> branch.",
        "values": {"taps": 3.5, "n": 2.0}, "notebook": "04_image_pyramids.ipynb", "parts": [],
    }  # fmt: skip
    json.dumps(payload, allow_nan=False)
    box = BeautifulSoup(data["text/html"], "html.parser").find(id="claim-aspp-no-pooling")
    assert box is not None and "Verdict: partly" in box.get_text()
    assert "<a pooling>" in box.get_text()  # escaped, shown as text
    assert box.find("a")["href"] == claims.get_claim("aspp-no-pooling").source_url
    assert "PARTLY" in data["text/plain"]


# --------------------------------------------------------------------------- the hook


def _claim(claim_id: str, notebook: str):
    return claims.Claim(claim_id, "A source", "https://example.org/a", "It holds.", notebook)


def _executed_notebook(*cells: list) -> nbformat.NotebookNode:
    """A fake executed notebook: each argument is a list of objects a cell displays."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# Fake"))
    for count, shown in enumerate(cells, start=1):
        cell = nbformat.v4.new_code_cell("...", execution_count=count)
        for obj in shown:
            data, metadata = format_display_data(obj)
            cell.outputs.append(nbformat.v4.new_output("display_data", data, metadata=metadata))
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nbformat.reads(nbformat.writes(nb), as_version=4)  # as read back from disk


def _record(claim, verdict="confirmed"):
    return claims.ClaimRecord(claim, verdict, f"{claim.id} measured 0.5.", {"x": 0.5})


def test_hook_reads_records_from_outputs_and_builds_the_table():
    a, b = _claim("a-claim", "01_x.ipynb"), _claim("b-claim", "01_x.ipynb")
    nb = _executed_notebook([1.0], [_record(a)], ["text", _record(b, "refuted")])
    found = hook.records_in(nb, "01_x.ipynb")
    assert [(f.id, f.verdict, f.cell) for f in found] == [
        ("a-claim", "confirmed", 2), ("b-claim", "refuted", 3)
    ]  # fmt: skip
    records = hook.check_records(found, (a, b))
    page = hook.claims_markdown((a, b), records)
    assert "[tutorial 1, cell 2](01_x.ipynb#claim-a-claim)" in page
    assert "**refuted**" in page and "b-claim measured 0.5." in page
    assert "[A source](https://example.org/a)" in page


def test_the_table_quotes_the_source_and_shows_the_literature_and_untested_claims():
    a = claims.Claim(
        "a-claim",
        "A source",
        "https://example.org/a",
        "It holds.",
        "01_x.ipynb",
        "it holds, I guess",
        "[Someone (2020)](https://arxiv.org/abs/2001.00001) | yes",
    )
    b = claims.Claim("b-claim", "A source", "https://example.org/a", "It is so.", "01_x.ipynb")
    nb = _executed_notebook([_record(a)], [claims.ClaimRecord(b, "not tested here", "A name.")])
    page = hook.claims_markdown(
        (a, b), hook.check_records(hook.records_in(nb, "01_x.ipynb"), (a, b))
    )
    assert "<em>“it holds, I guess”</em>" in page
    assert "[Someone (2020)](https://arxiv.org/abs/2001.00001) \\| yes" in page
    assert "<strong>Why not measured:</strong> A name." in page
    assert "**not tested here**</span> | [tutorial 1, discussed at cell 2]" in page
    assert "1 confirmed, 0 partly, 0 refuted, 0 not detected, 1 not tested here" in page  # fmt: skip


def test_a_notebook_that_stops_recording_a_claim_fails_the_hook():
    a, b = _claim("a-claim", "01_x.ipynb"), _claim("b-claim", "01_x.ipynb")
    found = hook.records_in(_executed_notebook([_record(a)], [2.0]), "01_x.ipynb")
    with pytest.raises(hook.ClaimsError, match=r"'b-claim' is not recorded: 01_x\.ipynb"):
        hook.check_records(found, (a, b))
    # Only a reduced config may leave out a notebook, by naming it.
    assert set(hook.check_records(found, (a, b), skip_notebooks=["01_x.ipynb"])) == {"a-claim"}


def test_a_claim_recorded_twice_or_by_another_notebook_fails_the_hook():
    a = _claim("a-claim", "01_x.ipynb")
    twice = hook.records_in(_executed_notebook([_record(a)], [_record(a)]), "01_x.ipynb")
    with pytest.raises(hook.ClaimsError, match="recorded 2 times"):
        hook.check_records(twice, (a,))
    elsewhere = hook.records_in(_executed_notebook([_record(a)]), "02_y.ipynb")
    with pytest.raises(hook.ClaimsError, match=r"belongs to 01_x\.ipynb but is recorded in 02_y"):
        hook.check_records(elsewhere, (a,))
    unknown = hook.records_in(_executed_notebook([_record(a)]), "01_x.ipynb")
    with pytest.raises(hook.ClaimsError, match="unknown claim 'a-claim'"):
        hook.check_records(unknown, (_claim("other", "01_x.ipynb"),))


def test_the_committed_config_requires_every_claim():
    from conftest import ROOT, load_config

    config = load_config(ROOT / "mkdocs.yml")
    hooks = config["hooks"]
    assert hooks.index("docs_hooks/claims.py") > hooks.index("docs_hooks/notebooks.py")
    assert "claims_skip_notebooks" not in (config.get("extra") or {})
    nav_pages = [next(iter(item.values())) for item in config["nav"] if isinstance(item, dict)]
    assert "claims.md" in nav_pages


# --------------------------------------------------------------------------- the references


@pytest.mark.parametrize("notebook", REFERENCE_NOTEBOOKS)
def test_tutorial_ends_with_references_with_well_formed_links(notebook):
    nb = nbformat.read(hook_docs_dir() / notebook, as_version=4)
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    refs = [i for i, c in enumerate(markdown) if re.search(r"^## References\s*$", c.source, re.M)]
    assert refs == [len(markdown) - 1], "a `## References` cell is the last markdown cell"
    links = re.findall(r"\[([^\]]+)\]\(([^)\s]+)\)", markdown[-1].source)
    external = 0
    for _text, url in links:
        parts = urlsplit(url)
        if not parts.scheme:  # a page of this site, e.g. the claims page
            assert parts.path == "claims.md" or (hook_docs_dir() / parts.path).is_file(), url
            continue
        external += 1
        assert parts.scheme == "https" and "." in parts.netloc, url
        if "arxiv.org" in parts.netloc:
            assert re.fullmatch(r"/abs/\d{4}\.\d{4,5}", parts.path), url
        if "doi.org" in parts.netloc:
            assert re.fullmatch(r"/10\.\d{4,9}/\S+", parts.path), url
    assert external >= 2, "References link their sources"
    body = "\n".join(c.source for c in markdown[:-1])
    assert re.search(r"\]\(https://", body), "claims in the text cite their source with a link"
