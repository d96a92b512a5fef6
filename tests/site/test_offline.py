"""The built site opened from disk (file://) in headless Chromium, with no server.

A teacher copies ``site/`` to a classroom machine and opens ``index.html``: every
navigation link must land on its page (not a directory listing), search must find
"pooling", and nothing may be requested from any other host.
"""

from __future__ import annotations

import re

import pytest
from conftest import launch, require_chromium  # the browser harness: tests/conftest.py

require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

# Click (in the page, as folded nav sections are hidden) the nav link that points at `t`.
CLICK_LINK_TO = """t => [...document.querySelectorAll("nav.md-nav--primary a.md-nav__link[href]")]
    .find(a => a.href === t).click()"""


@pytest.fixture(scope="module")
def disk_tab(built_site):
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context()
        page = context.new_page()
        seen = {"foreign": [], "errors": []}

        def route(route):
            url = route.request.url
            if url.startswith(("file://", "data:", "blob:", "about:")):
                route.continue_()
            else:
                seen["foreign"].append(url)
                route.abort()

        context.route("**/*", route)
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        yield page, seen, built_site.site
        browser.close()


def test_every_navigation_link_opens_its_page_from_disk(disk_tab):
    page, seen, site = disk_tab
    home = (site / "index.html").as_uri()
    page.goto(home)
    links = page.eval_on_selector_all(
        "nav.md-nav--primary a.md-nav__link[href]", "els => els.map(e => e.href)"
    )
    targets = sorted({link for link in links if link.startswith("file://") and "#" not in link})
    assert len(targets) >= 8, targets
    for target in targets:  # each link clicked on the page the previous click opened
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.evaluate(CLICK_LINK_TO, target)
        assert page.url.split("#")[0] == target, (page.url, target)
        assert page.locator("article h1").count() >= 1, f"{page.url} shows no page"
        assert "Index of" not in page.title()
    assert not seen["foreign"], seen["foreign"]


def test_search_finds_pooling_from_disk(disk_tab):
    page, seen, site = disk_tab
    page.goto((site / "index.html").as_uri())
    page.click("label.md-search__icon, input.md-search__input", force=True)
    page.locator("input.md-search__input").focus()
    page.keyboard.type("pooling")
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=20_000)
    hrefs = results.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert any(re.search(r"0[124]_[a-z_]+\.html", h or "") for h in hrefs), hrefs
    assert not seen["foreign"], seen["foreign"]
    assert not seen["errors"], seen["errors"]
