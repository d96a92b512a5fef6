"""The claims page of the session's site build (docs_hooks/claims.py's output).

Every claim of cnn101.claims.CLAIMS has a row with its verdict, evidence and a link to
the cell that measured it. The registry and the hook alone are tested in
tests/test_claims.py.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from cnn101 import claims


@pytest.fixture(scope="session")
def site(built_site):
    return built_site.site


def test_claims_page_lists_every_claim_with_a_verdict_and_a_working_cell_link(site):
    from conftest import CONFIG, load_config

    # Only a reduced config (CNN101_DOCS_CONFIG) may leave notebooks out; mkdocs.yml does not.
    skipped = (load_config(CONFIG).get("extra") or {}).get("claims_skip_notebooks", [])
    expected = [claim for claim in claims.CLAIMS if claim.notebook not in skipped]
    page = site / "claims.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    rows = soup.select("table tbody tr")
    assert len(rows) == len(expected)
    for claim, row in zip(expected, rows, strict=True):
        cells = row.find_all("td", recursive=False)
        assert len(cells) == 4, "one short row: claim, source, verdict, cell"
        assert claim.statement.rstrip(".")[:30] in cells[0].get_text()
        assert cells[1].find("a")["href"] == claim.source_url
        verdict = cells[2].get_text().strip()
        allowed = claims.COMPUTED if claim.trained else (*claims.VERDICTS, claims.NOT_TESTED)
        assert verdict in allowed, (claim.id, verdict)
        # The evidence and the literature fold under the claim, one click away.
        details = cells[0].find("details", class_="claim-details")
        assert details is not None and not details.has_attr("open"), claim.id
        evidence = details.get_text()
        if verdict != "not tested here":
            assert re.search(r"Measured: .*\d", evidence), f"{claim.id}: no measured figure"
        else:
            assert "Why not measured: " in evidence, claim.id
        if claim.trained:  # each rule's recorded interval, seeds and verdict
            assert "Recorded runs:" in evidence, claim.id
            assert evidence.count("10 seeds x") == len(claim.rules), claim.id
        assert "Literature:" in evidence, claim.id
        assert details.find("a") or "tutorial" in evidence.split("Literature:")[1], claim.id
        assert cells[0].find(id=claim.id) is not None, f"{claim.id}: the row has lost its anchor"
        href = cells[3].find("a")["href"]
        path, fragment = urlsplit(href).path, unquote(urlsplit(href).fragment)
        assert fragment == f"claim-{claim.id}"
        target = (page.parent / path).resolve()
        assert target.name == claim.notebook.removesuffix(".ipynb") + ".html"
        box = BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser").find(id=fragment)
        assert box is not None, f"{href}: no element with id {fragment}"
        assert "Verdict:" in box.get_text(), "the record renders as its HTML box, not as JSON"
        assert claims.MIME_TYPE not in target.read_text(encoding="utf-8")
