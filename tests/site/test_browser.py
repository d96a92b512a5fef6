"""The built site in a real browser: offline, no console errors, figures, math, search, dark mode.

Headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) opens every
page of the session's site build, served from 127.0.0.1. Skipped only when Chromium
is missing outside CI; in CI (``CI=true``) a missing browser is a failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import require_chromium  # the browser harness: tests/conftest.py

require_chromium()


class Tab:
    """One browser tab that records console errors and requests to other hosts."""

    def __init__(self, browser, base_url: str):
        self.base_url = base_url
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.failed: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", lambda r: self.failed.append(r.url) if r.status >= 400 else None)
        self.context.route("**/*", self._route)

    def _failed(self, request):
        """Record a request that got no answer (a missing file is caught as a 4xx response).

        Chromium aborts requests still in flight when a tab moves on (often the favicon):
        those say nothing about the site.
        """
        if request.failure != "net::ERR_ABORTED":
            self.failed.append(request.url)

    def _route(self, route):
        """Let requests to the site through; record and refuse any other."""
        url = route.request.url
        if url.startswith((self.base_url, "data:", "blob:")):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def open(self, path: str):
        for found in (self.errors, self.foreign, self.failed):
            found.clear()
        self.page.goto(self.base_url + path, wait_until="networkidle")
        return self.page


@pytest.fixture
def tab(browser, base_url):
    opened = Tab(browser, base_url)
    yield opened
    opened.context.close()


def site_paths(site: Path) -> list[str]:
    """URL paths of every page of the site ("" for the home page; pages are ``x.html``)."""
    return [
        ""
        if html.name == "index.html" and html.parent == site
        else html.relative_to(site).as_posix()
        for html in sorted(site.rglob("*.html"))
        if html.name != "404.html"
    ]


def test_every_page_is_offline_clean_and_shows_its_images(built_site, tab):
    problems = []
    for path in site_paths(built_site.site):
        page = tab.open(path)
        broken_images = page.evaluate(
            """() => [...document.images]
                 .filter(img => !(img.complete && img.naturalWidth > 0))
                 .map(img => img.currentSrc.slice(0, 80))"""
        )
        math_errors = page.locator(".katex-error").count()
        for kind, found in (
            ("console error", tab.errors),
            ("request to another host", tab.foreign),
            ("failed request", tab.failed),
            ("image not shown", broken_images),
            ("math error", [math_errors] if math_errors else []),
        ):
            problems += [f"/{path}: {kind}: {item}" for item in found]
    assert not problems, "\n".join(problems)


# Text of the rendered markdown with typeset formulas and code taken out.
UNTYPESET_TEXT = """els => els.map(e => {
    const copy = e.cloneNode(true);
    copy.querySelectorAll(".katex, code, pre").forEach(n => n.remove());
    return copy.textContent;
}).join(" ")"""


def test_math_is_typeset_on_markdown_and_notebook_pages(built_site, tab):
    home = tab.open("")
    assert home.locator(".arithmatex .katex").count() >= 2, "home page formulas not rendered"
    assert "\\(" not in home.locator(".arithmatex").evaluate_all(UNTYPESET_TEXT)
    typeset = 0
    for path in [p for p in site_paths(built_site.site) if p[:2].isdigit()]:
        page = tab.open(path)
        typeset += page.locator(".jp-RenderedMarkdown .katex").count()
        left = page.locator(".jp-RenderedMarkdown").evaluate_all(UNTYPESET_TEXT)
        raw = re.findall(r"\$\$?[^$\s][^$]*\$", left)
        assert not raw, f"/{path}: formulas left as TeX: {raw[:3]}"
    assert typeset > 0, "no notebook page has typeset math"


def test_search_finds_the_pooling_tutorials(tab):
    page = tab.open("")
    page.click("input.md-search__input")
    page.keyboard.type("pooling")
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=15_000)
    hrefs = results.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    tutorials = [h for h in hrefs if re.search(r"\b0[124]_[a-z_]+\.html", h or "")]
    assert tutorials, f"no pooling tutorial among the search results: {hrefs}"


def test_dark_mode_toggle_switches_the_color_scheme(tab):
    page = tab.open("01_how_a_cnn_sees.html")
    scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    assert scheme == "default"
    page.locator("label.md-header__button[for^=__palette]:visible").click()
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.jp-Cell .jp-InputArea-editor')).backgroundColor"
    )
    channels = [int(c) for c in background[background.index("(") + 1 : -1].split(",")[:3]]
    assert sum(channels) < 3 * 128, f"code cells stay light in dark mode: {background}"
