"""The tutorial pages read well in a browser, on a laptop (1280 x 900) and a phone (390 x 844).

Headless Chromium opens every tutorial page of the session's site build at both sizes
and measures what a student sees: code that fits its box, outputs never cut off (on a phone
their lines unwrapped), figures that open larger when the page shows them small, alt
text, no sideways scroll of the page, and the colour scheme the system prefers.
"""

from __future__ import annotations

import tomllib

import pytest
from conftest import ROOT, load_hook, tutorial_notebooks
from test_browser import Tab

pytestmark = pytest.mark.slow

LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DEFAULT_ALT = load_hook("readability").DEFAULT_ALT
SMALL = 0.6  # a figure shown below this fraction of its width must open larger
# The notebooks' code is formatted to this many characters: such a line fits one row.
LINE_LENGTH = tomllib.loads((ROOT / "tutorials" / "ruff.toml").read_text())["line-length"]

MEASURE = r"""(lineLength) => {
  const rect = e => e.getBoundingClientRect();
  const overlaps = (a, b) =>
    a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const rows = element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return new Set([...range.getClientRects()].filter(r => r.width > 0)
      .map(r => Math.round(r.top))).size;
  };
  const code = [...document.querySelectorAll(
    '.jp-InputArea-editor pre, .jp-RenderedMarkdown .highlight pre')];
  const wide = code.filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => `${p.scrollWidth} > ${p.clientWidth} px: ${p.textContent.trim().split('\n')[0]}`);
  const covered = [...document.querySelectorAll('.jp-InputArea-editor')].filter(editor => {
    const button = editor.querySelector('clipboard-copy');
    const pre = editor.querySelector('pre');
    return button && pre && overlaps(rect(button), rect(pre));
  }).map(editor => editor.textContent.trim().split('\n')[0]);
  // A code line no longer than the formatter's width shows on one row.
  const lines = [...document.querySelectorAll('.cnn101-line')];
  const folded = lines.filter(line =>
    line.textContent.replace(/\n$/, '').length <= lineLength && rows(line) > 1
  ).map(line => line.textContent.trim().slice(0, 60));
  const longLines = lines.filter(line => line.textContent.replace(/\n$/, '').length > lineLength)
    .map(line => line.textContent.trim());
  // A line the browser wrapped shows as more rows than the text has lines.
  const wrapped = [...document.querySelectorAll('.jp-OutputArea-output pre')].filter(pre =>
    rows(pre) > pre.textContent.split('\n').filter(line => line.trim()).length
  ).map(pre => pre.textContent.trim().slice(0, 60));
  // An output block whose text runs past its right edge is cut off (behind a scroll bar).
  const cut = [...document.querySelectorAll('.jp-OutputArea-output pre')].filter(pre =>
    pre.scrollWidth > pre.clientWidth + 1
  ).map(pre => `${pre.scrollWidth} > ${pre.clientWidth} px: ${pre.textContent.trim().slice(0, 60)}`);
  const figures = [...document.querySelectorAll('.jp-RenderedImage img')].map((img, index) => ({
    index, alt: img.alt, natural: img.naturalWidth, shown: rect(img).width,
  }));
  const text = document.querySelector('.jp-RenderedMarkdown p');
  return {
    code: code.length, lines: lines.length, wide, covered, folded, longLines, wrapped, cut, figures,
    sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    textPx: parseFloat(getComputedStyle(text).fontSize),
  };
}"""


def opens_larger(page, index: int) -> bool:
    """Click figure ``index``: does a larger copy of it show, and does Escape close it?"""
    figure = page.locator(".jp-RenderedImage img").nth(index)
    shown = figure.evaluate("img => img.getBoundingClientRect().width")
    figure.click()
    big = page.locator(".cnn101-lightbox img")
    try:
        big.wait_for(state="visible", timeout=3_000)
    except Exception:
        return False
    page.wait_for_function("document.querySelector('.cnn101-lightbox img').complete")
    width = big.evaluate("img => img.getBoundingClientRect().width")
    page.keyboard.press("Escape")
    closed = page.locator(".cnn101-lightbox").count() == 0
    return closed and width >= 1.2 * shown


@pytest.fixture(scope="module")
def measured(built_site, browser, base_url) -> dict:
    """{(viewport name, page path): measurements} for every tutorial page at both sizes."""
    paths = [f"{nb.stem}.html" for nb in tutorial_notebooks()]
    found = {}
    for name, viewport in (("1280", LAPTOP), ("390", PHONE)):
        tab = Tab(browser, base_url)
        tab.page.set_viewport_size(viewport)
        try:
            for path in paths:
                page = tab.open(path)
                result = page.evaluate(MEASURE, LINE_LENGTH)
                result["not_enlarged"] = [
                    f"figure {f['index']} ({f['shown']:.0f} of {f['natural']} px)"
                    for f in result["figures"]
                    if f["shown"] < SMALL * f["natural"] and not opens_larger(page, f["index"])
                ]
                found[name, path] = result
        finally:
            tab.context.close()
    return found


def problems(measured: dict, key: str, sizes=("1280", "390")) -> list[str]:
    return [
        f"{size} px /{path}: {item}"
        for (size, path), result in measured.items()
        if size in sizes
        for item in result[key]
    ]


def test_every_tutorial_page_was_measured(measured):
    assert len(measured) == 2 * len(tutorial_notebooks())
    assert all(r["code"] and r["figures"] for r in measured.values()), "a page without code/figures"
    too_long = sorted(set(problems(measured, "longLines", sizes=("1280",))))
    print(f"{len(too_long)} code lines longer than {LINE_LENGTH} characters (they wrap):")
    print("\n".join(too_long))


def test_code_fits_its_box_at_1280(measured):
    wide = problems(measured, "wide", sizes=("1280",))
    assert not wide, f"{len(wide)} code blocks scroll sideways:\n" + "\n".join(wide)


def test_code_lines_of_the_formatted_width_fit_one_row_at_1280(measured):
    folded = problems(measured, "folded", sizes=("1280",))
    assert not folded, f"lines of <= {LINE_LENGTH} characters wrap:\n" + "\n".join(folded)
    assert all(r["lines"] for r in measured.values()), "code lines are not marked"


def test_copy_button_never_covers_code(measured):
    covered = problems(measured, "covered")
    assert not covered, "\n".join(covered)


def test_no_output_is_cut_off_at_1280(measured):
    """On a laptop a printed line longer than the column wraps; nothing hides on the right."""
    cut = problems(measured, "cut", sizes=("1280",))
    assert not cut, f"{len(cut)} output blocks cut off:\n" + "\n".join(cut)


def test_outputs_keep_their_lines_on_a_phone(measured):
    """On a phone an output keeps its lines (tables stay aligned) and scrolls in its block."""
    wrapped = problems(measured, "wrapped", sizes=("390",))
    assert not wrapped, f"{len(wrapped)} output blocks wrapped:\n" + "\n".join(wrapped)


def test_small_figures_open_larger_on_click(measured):
    small = problems(measured, "not_enlarged")
    assert not small, "\n".join(small)


def test_every_figure_has_real_alt_text(measured):
    bad = [
        f"/{path}: figure {f['index']}: {f['alt']!r}"
        for (size, path), result in measured.items()
        if size == "1280"
        for f in result["figures"]
        if f["alt"].strip() == DEFAULT_ALT or len(f["alt"].split()) < 2
    ]
    assert not bad, "\n".join(bad)


def test_phone_page_does_not_scroll_sideways_and_text_stays_readable(measured):
    for (size, path), result in measured.items():
        assert result["sideways"] <= 0, f"{size} px /{path} scrolls {result['sideways']} px"
        assert result["textPx"] >= 14, f"{size} px /{path}: text {result['textPx']} px"


@pytest.mark.parametrize("prefers", ["dark", "light"])
def test_the_palette_follows_the_system_and_the_toggle_still_works(browser, base_url, prefers):
    context = browser.new_context(viewport=LAPTOP, color_scheme=prefers)
    try:
        page = context.new_page()
        page.goto(f"{base_url}{tutorial_notebooks()[0].stem}.html", wait_until="networkidle")
        expected, other = ("slate", "default") if prefers == "dark" else ("default", "slate")
        scheme = "document.body.getAttribute('data-md-color-scheme')"
        assert page.evaluate(scheme) == expected
        page.locator("label.md-header__button[for^=__palette]:visible").click()
        page.wait_for_function(f"{scheme} === '{other}'")
    finally:
        context.close()
