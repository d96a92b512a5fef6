"""MkDocs hook: finish the notebook pages rendered by mkdocs-jupyter.

For every ``*.ipynb`` page it

* puts an "Open in Colab" badge (a vendored SVG), a "Download notebook" link and a
  "Student version" link (``downloads/student/``, made by ``downloads.py``) under the H1. Both URLs are built from the page's source path: Colab opens
  ``<repo_url>/<edit_uri><src_uri>`` (``edit_uri`` is ``blob/main/tutorials/``), and
  the download is the clean, output-free source copied to ``site/<src_uri>``;
* moves the figures (inline base64 PNGs) into ``fig-<hash>.png`` files next to the
  page, and the ~600 kB of CSS that nbconvert inlines into each page into one shared
  stylesheet (``assets/stylesheets/notebook-<hash>.css``), with JupyterLab's dark
  variables applied under Material's dark scheme;
* removes every ``<script>`` of nbconvert's template that loads code from elsewhere
  (MathJax 2 and Mermaid from a CDN, RequireJS): math is typeset by the vendored
  KaTeX for the whole site, so a page requests nothing from any other host.
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import posixpath
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import mkdocs_jupyter
import sitebuild
from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

BADGE = "assets/colab-badge.svg"
CSS_DIR = "assets/stylesheets"

_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")', re.IGNORECASE)
_DATA_PNG = re.compile(r'(<img\b[^>]*?\bsrc=")data:image/png;base64,([A-Za-z0-9+/=\s]+)(")')
_H1_END = re.compile(r"</h1>", re.IGNORECASE)
_DARK_THEME = Path(mkdocs_jupyter.__file__).parent / "templates/mkdocs_html/assets/theme-dark.css"

log = logging.getLogger("mkdocs.hooks.pages")


def colab_url(repo_url: str, edit_uri: str, src_uri: str) -> str:
    """Return the Colab URL that opens ``src_uri`` (relative to docs_dir) from GitHub."""
    parts = urlsplit(repo_url)
    if parts.netloc != "github.com" or parts.path.strip("/").count("/") != 1:
        raise PluginError(f"`repo_url` must be https://github.com/<owner>/<repo>. Got {repo_url!r}")
    if not edit_uri.startswith("blob/"):
        raise PluginError(
            f"`edit_uri` must look like 'blob/<branch>/<docs_dir>/'. Got {edit_uri!r}"
        )
    return (
        "https://colab.research.google.com/github/"
        f"{parts.path.strip('/')}/{edit_uri.strip('/')}/{src_uri}"
    )


def _dark_css() -> str:
    """Return JupyterLab's dark theme variables, applied under Material's slate scheme."""
    css = _DARK_THEME.read_text(encoding="utf-8")
    return css.replace(".jupyter-wrapper{", '[data-md-color-scheme="slate"] .jupyter-wrapper{', 1)


def _keep_script(attrs: str, body: str) -> bool:
    """Keep only inline scripts that fetch nothing (the notebook copy buttons)."""
    if re.search(r"\bsrc\s*=", attrs) or "mathjax" in attrs.lower():
        return False
    return "://" not in body and "import(" not in body


def notebook_links(page, config) -> str:
    """Return the HTML of the Colab badge and the download link for a notebook page."""
    src_uri = page.file.src_uri
    colab = colab_url(config.repo_url, config.edit_uri, src_uri)
    badge = get_relative_url(BADGE, page.url)
    download = get_relative_url(src_uri, page.url)
    student = get_relative_url(f"downloads/student/{Path(src_uri).name}", page.url)
    name = html.escape(Path(src_uri).name)
    return (
        '<p class="cnn101-notebook-links">'
        f'<a class="cnn101-colab" href="{html.escape(colab)}" title="Run this notebook on Colab">'
        f'<img src="{badge}" alt="Open In Colab" width="117" height="20"></a> '
        f'<a class="cnn101-download" href="{download}" download="{name}" '
        f'title="This notebook, without outputs">Download {name}</a> · '
        f'<a class="cnn101-student" href="{student}" download="{name}" '
        'title="Without the solutions, ready to hand out">Student version</a></p>'
    )


def rewrite_links(content: str, page, files) -> str:
    """Point a notebook's relative links to other pages at those pages' site URLs.

    In Jupyter and on GitHub, ``[next](02_x.ipynb)`` is relative to the notebook file;
    on the site the page lives at ``01_x/``, so the link must become ``../02_x/``
    (mkdocs does this for Markdown pages, but not inside notebook HTML). A link to a
    ``.ipynb``/``.md`` file that is not in the docs is an error, like in Markdown.
    """

    def replace(match: re.Match) -> str:
        url = html.unescape(match.group(2))
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path or url.startswith("/"):
            return match.group(0)
        target = posixpath.normpath(
            posixpath.join(posixpath.dirname(page.file.src_uri), parts.path)
        )
        file = files.get_file_from_path(target)
        if file is None or not file.is_documentation_page():
            if parts.path.endswith((".ipynb", ".md")):
                log.warning(f"Notebook {page.file.src_uri} links to {url!r}, which is not a page.")
            return match.group(0)
        new = file.url_relative_to(page.file) + (f"#{parts.fragment}" if parts.fragment else "")
        return f"{match.group(1)}{html.escape(new)}{match.group(3)}"

    return _HREF.sub(replace, content)


def extract_figures(content: str, page) -> tuple[str, dict[str, bytes]]:
    """Move inline base64 PNG figures into files next to the page.

    Base64 makes a figure a third larger and the page heavy to parse; as files, figures
    download in parallel and are cached. Returns (HTML, {site path: PNG bytes}).
    """
    figures: dict[str, bytes] = {}

    def replace(match: re.Match) -> str:
        data = base64.b64decode(match.group(2))
        name = f"fig-{hashlib.sha256(data).hexdigest()[:16]}.png"
        dest = posixpath.join(posixpath.dirname(page.file.dest_uri), name)
        figures[dest] = data
        return f"{match.group(1)}{get_relative_url(dest, page.url)}{match.group(3)}"

    return _DATA_PNG.sub(replace, content), figures


def process_notebook_html(content: str, page, config) -> tuple[str, str]:
    """Return (page HTML, shared CSS) for one rendered notebook page."""
    blocks = [m.group(1).strip() for m in _STYLE.finditer(content)]
    # mkdocs-jupyter also appends the Python repr of the inlined CSS list: not CSS.
    css = "\n".join(b for b in blocks if not (b.startswith("['") and b.endswith("']")))
    content = _STYLE.sub("", content)
    content = _SCRIPT.sub(
        lambda m: m.group(0) if _keep_script(m.group(1), m.group(2)) else "", content
    )
    links = notebook_links(page, config)
    content, found = _H1_END.subn(lambda m: m.group(0) + links, content, count=1)
    if not found:
        raise PluginError(f"Notebook {page.file.src_uri} has no H1 title (# Title) to sit under.")
    return content, f"{css}\n{_dark_css()}\n"


def on_page_content(html_text, page, config, files):
    """Finish a notebook page; its figure files go into ``state.figures`` (readability.py)."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html_text
    build = sitebuild.state(config)
    content, css = process_notebook_html(rewrite_links(html_text, page, files), page, config)
    name = f"notebook-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
    content, figures = extract_figures(content, page)
    build.figures[page.file.src_uri] = figures
    build.css[name] = css
    href = get_relative_url(f"{CSS_DIR}/{name}", page.url)
    return f'<link rel="stylesheet" href="{href}">\n{content}'


def on_post_build(config):
    build = sitebuild.state(config)
    site = Path(config.site_dir)
    (site / CSS_DIR).mkdir(parents=True, exist_ok=True)
    for name, css in build.css.items():
        (site / CSS_DIR / name).write_text(css, encoding="utf-8")
    for figures in build.figures.values():
        for dest, data in figures.items():
            (site / dest).write_bytes(data)
    for src_uri in build.figures:  # the notebook pages: the clean source, as students get it
        target = site / src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(config.docs_dir) / src_uri, target)
