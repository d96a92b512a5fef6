"""MkDocs hook: what a student reading a tutorial page needs besides the notebook.

One table, ``tutorials/tutorials.yml``, holds each tutorial's title, class time,
prerequisites and topic; the run time of each is the one ``docs_hooks/notebooks.py``
measured when it executed the notebook (never written by hand). From them this hook

* renders the teachers' page table (where ``teachers.md`` has ``<!-- tutorials-table -->``)
  and the home page's list of tutorials (``<!-- tutorials-list -->``);
* gives each tutorial page its title: the navigation, the browser tab and the page's H1
  all say the title of ``tutorials.yml``;
* puts a short header under each tutorial's title (time, what to do first, what runs it)
  and a "Next" paragraph at its end.

On every notebook page it also

* gives each figure its alternative text: the executed notebook carries, in each
  figure's output metadata, the sentence ``cnn101.plotting.describe_figure`` made from
  the figure's caption and titles (``docs_hooks/notebooks.py`` runs every notebook with
  ``register_alt_text``); the figure files are matched by the hash ``pages.py`` names
  them with, so its ``on_page_content`` runs after that of ``pages.py`` (a lower
  ``event_priority``), and reads the page's figures from the build state, which says so
  if ``pages.py`` has not run (see ``docs_hooks/sitebuild.py``);
* drops tooling comments on a line of their own (``# isort: split``, ``# fmt: off``)
  from the code shown and copied: they are for the formatter, not for the student;
* puts each line of a code cell (and of a code block in the text, such as a
  solution) in a ``<span class="cnn101-line">`` that knows its
  indentation (``--indent``), so that on a wide screen a line longer than the column
  (a long string or comment the formatter cannot break) wraps with a hanging indent
  instead of hiding behind a scroll bar (``extra.css``, "reading width").
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import re
from pathlib import Path

import markdown
import sitebuild
import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

DATA = "tutorials.yml"
TABLE_MARKER = "<!-- tutorials-table -->"
LIST_MARKER = "<!-- tutorials-list -->"
FIELDS = ("notebook", "title", "objectives", "time", "after", "background", "teaser")
DEFAULT_ALT = "No description has been provided for this image"

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_FIG_SRC = re.compile(r'\bsrc="(?:[^"]*/)?fig-([0-9a-f]{16})\.png"')
_ALT = re.compile(r'\salt="[^"]*"')
# A code cell's source (highlight-ipynb) or a code block in a markdown cell (highlight).
_CODE = re.compile(r'(<div class="highlight(?:-ipynb)?\b[^"]*"><pre>)(.*?)(</pre>)', re.DOTALL)
_CODE_TOKEN = re.compile(r"(<span\b[^>]*>|</span>|\n)")
_TAG = re.compile(r"<[^>]+>")
_LINKS_P = re.compile(r'<p class="cnn101-notebook-links">.*?</p>', re.DOTALL)
_H1_END = re.compile(r"</h1>", re.IGNORECASE)
_H1 = re.compile(r"(<h1\b[^>]*>)(.*?)</h1>", re.IGNORECASE | re.DOTALL)
# A line holding only a tooling comment, in highlighted code or in the copy-button text.
_TOOLING_LINE = re.compile(
    r'^[ \t]*(?:<span class="c1">)?#[ \t]*(?:isort|fmt):[ \t]*[\w-]+[ \t]*(?:</span>)?[ \t]*\n',
    re.MULTILINE,
)

log = logging.getLogger("mkdocs.hooks.readability")
HOOK = "docs_hooks/readability.py"


# --------------------------------------------------------------------------- the table


def load_tutorials(path: Path) -> list[dict]:
    """Read ``tutorials.yml``: a list of records, each with every field in ``FIELDS``."""
    records = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(records, list) or not records:
        raise PluginError(f"{path} must hold a list of tutorials. Received: {records!r}")
    for number, record in enumerate(records, start=1):
        missing = [f for f in FIELDS if not isinstance(record, dict) or f not in record]
        if missing:
            raise PluginError(f"{path}: tutorial {number} lacks {', '.join(missing)}.")
        if not all(isinstance(n, int) and 1 <= n < number for n in record["after"]):
            raise PluginError(
                f"{path}: `after` of tutorial {number} must list earlier tutorials' numbers. "
                f"Received: {record['after']!r}"
            )
    return records


def inline_html(text: str) -> str:
    """Markdown of one line (code spans, emphasis, links) as HTML without the <p>."""
    out = markdown.markdown(text)
    return out[3:-4] if out.startswith("<p>") and out.endswith("</p>") else out


def prerequisites(record: dict, tutorials: list[dict], link) -> str:
    """Markdown saying what to know first: the earlier tutorials, then the background."""
    items = [link(tutorials[n - 1], f"{n}. {tutorials[n - 1]['title']}") for n in record["after"]]
    if record["background"]:
        items.append(record["background"])
    return "; ".join(items) if items else "none"


def run_time(seconds: float | None) -> str:
    """Say a measured run time in seconds or minutes ("not measured" without one)."""
    if seconds is None:
        return "not measured"
    return f"about {seconds:.0f} s" if seconds < 90 else f"about {seconds / 60:.0f} min"


def _cold(measured) -> float | None:
    """The cold run's seconds of a RunTime (docs_hooks/sitebuild.py), a bare number, or None."""
    if measured is None or isinstance(measured, int | float):
        return measured
    return measured.cold_seconds


def stated_run_time(measured) -> str:
    """Say how long a notebook runs: its cold first run, and the cached run where shorter.

    ``measured`` is the notebook's ``sitebuild.RunTime`` (or a number of seconds, or None).
    """
    text = run_time(_cold(measured))
    if measured is None or isinstance(measured, int | float) or measured.training != "cached":
        return text
    cached = f"{run_time(measured.seconds)} with its trained networks cached"
    if measured.cold_seconds is None:
        return f"cold run not measured; {cached}"
    return f"{text} ({cached})"


def _machines(times: dict) -> str:
    """Where and when the cold runs were measured, said once for the table."""
    runs = {
        (t.machine, t.executed_at[:10])
        for t in times.values()
        if t is not None and not isinstance(t, int | float) and t.cold_seconds is not None
    }
    if not runs:
        return ""
    said = "; ".join(
        f"{machine or 'a machine not recorded'}, on {day}" for machine, day in sorted(runs)
    )
    loads = sorted(
        t.load
        for t in times.values()
        if getattr(t, "load", None) is not None and t.cold_seconds is not None
    )
    busy = ""
    if loads:  # a shared machine runs slower: say how busy it was
        span = f"{loads[0]:.1f}" if loads[0] == loads[-1] else f"{loads[0]:.1f} to {loads[-1]:.1f}"
        busy = f" (its load average was {span} when the runs began)"
    return f" The cold runs were measured by the site build on {said}{busy}."


def teachers_table(tutorials: list[dict], seconds: dict | None = None) -> str:
    """The teachers' page table, then each tutorial's objectives, in Markdown.

    The table keeps to three short columns (tutorial and class time, prerequisites, run
    time) so that it reads on a phone; what students can do after each tutorial follows it as a
    list. ``seconds`` maps each notebook to its ``sitebuild.RunTime`` (or a number).
    """
    seconds = seconds or {}

    def link(record, text):
        return f"[{text}]({record['notebook']})"

    rows = [
        "| Tutorial, class time | Prerequisites | Runs in |",
        "| --- | --- | --- |",
    ]
    for number, record in enumerate(tutorials, start=1):
        cells = (
            link(record, f"{number}. {record['title']}") + f", {record['time']}",
            prerequisites(record, tutorials, link),
            stated_run_time(seconds.get(record["notebook"])),
        )
        rows.append("| " + " | ".join(cells) + " |")
    note = (
        '"Runs in" is a cold first run of the notebook alone, top to bottom: a fresh '
        "kernel and no trained network cached, so every network it trains is trained."
        + _machines(seconds)
        + " Where the build found a notebook's networks trained already (the notebook "
        "changed, `cnn101` did not), its shorter run follows in brackets. The very first "
        "run after an install can take longer, while the computer first reads TensorFlow "
        "from disk."
    )
    objectives = [
        f"- **{number}. {record['title']}**: students can {' '.join(record['objectives'].split())}."
        for number, record in enumerate(tutorials, start=1)
    ]
    return "\n".join(rows) + "\n\n" + note + "\n\nAfter each tutorial:\n\n" + "\n".join(objectives)


def tutorials_list(tutorials: list[dict], seconds: dict | None = None) -> str:
    """The home page's numbered list of the tutorials, in Markdown."""
    seconds = seconds or {}
    return "\n".join(
        f"{number}. [{record['title']}]({record['notebook']}): "
        f"{' '.join(record['teaser'].split())} (runs in "
        f"{stated_run_time(seconds.get(record['notebook']))})."
        for number, record in enumerate(tutorials, start=1)
    )


def tutorial_header(record: dict, tutorials: list[dict], url_of, seconds=None) -> str:
    """HTML of the header under a tutorial's title (``seconds``: the notebook's RunTime)."""

    def link(other, text):
        return f"[{text}]({url_of(other['notebook'])})"

    facts = (
        ("Time", f"{html.escape(record['time'])} with the exercises"),
        ("Before this", inline_html(prerequisites(record, tutorials, link))),
        (
            "Runs on",
            f"a laptop CPU, top to bottom in {html.escape(stated_run_time(seconds))} (a cold "
            "first run, measured when this site was built"
            + (
                f" on {html.escape(seconds.machine)}"
                if getattr(seconds, "machine", "") and seconds.cold_seconds is not None
                else ""
            )
            + "); Colab or your own "
            "Python with <code>cnn101</code> installed; nothing is downloaded while it runs",
        ),
    )
    items = "".join(f"<li><strong>{name}:</strong> {value}</li>" for name, value in facts)
    return f'<ul class="cnn101-tutorial-facts">{items}</ul>'


def next_paragraph(record: dict, tutorials: list[dict], url_of) -> str:
    """HTML of the "Next" paragraph at the end of a tutorial."""
    number = tutorials.index(record) + 1
    if number < len(tutorials):
        following = tutorials[number]
        text = (
            f'<a href="{url_of(following["notebook"])}">{number + 1}. '
            f"{html.escape(following['title'])}</a>: "
            f"{inline_html(' '.join(following['teaser'].split()))}."
        )
    else:
        text = (
            f"this was the last tutorial. Go back to the "
            f'<a href="{url_of("index.md")}">overview</a>, or look up any function in the '
            f'<a href="{url_of("reference/index.md")}">API reference</a>.'
        )
    return f'<p class="cnn101-next"><strong>Next:</strong> {text}</p>'


# --------------------------------------------------------------------------- figures, code


def figure_alt_texts(executed_notebook: Path) -> dict[str, str]:
    """Return {first 16 hex digits of the PNG's sha256: alt text} for an executed notebook."""
    nb = json.loads(Path(executed_notebook).read_text(encoding="utf-8"))
    found = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("image/png")
            alt = output.get("metadata", {}).get("image/png", {}).get("alt", "")
            if data and alt:
                png = base64.b64decode("".join(data) if isinstance(data, list) else data)
                found[hashlib.sha256(png).hexdigest()[:16]] = " ".join(alt.split())
    return found


def set_alt_texts(content: str, alts: dict[str, str]) -> tuple[str, list[str]]:
    """Write each figure's alt text into its <img>; return (HTML, figures left without)."""
    missing = []

    def replace(match: re.Match) -> str:
        tag = match.group(0)
        src = _FIG_SRC.search(tag)
        if src is None:
            return tag
        alt = alts.get(src.group(1))
        if not alt:
            missing.append(f"fig-{src.group(1)}.png")
            return tag
        tag = _ALT.sub("", tag)
        return tag.replace("<img", f'<img alt="{html.escape(alt)}"', 1)

    return _IMG.sub(replace, content), missing


def split_code_lines(code: str) -> str:
    """Wrap each line of highlighted code in ``<span class="cnn101-line">``.

    Pygments' token spans may run across lines (a multi-line string): they are closed
    at the end of each line and opened again on the next, so every line is a complete
    element. The newline stays inside its line, so copied text keeps its lines.
    """
    lines: list[str] = []
    current: list[str] = []
    open_tags: list[str] = []
    for token in _CODE_TOKEN.split(code):
        if token == "\n":
            lines.append("".join([*current, "</span>" * len(open_tags)]))
            current = list(open_tags)
        elif token.startswith("<span"):
            open_tags.append(token)
            current.append(token)
        elif token == "</span>":
            if open_tags:
                open_tags.pop()
            current.append(token)
        elif token:
            current.append(token)
    last = "".join(current)
    if _TAG.sub("", last):
        lines.append(last + "</span>" * len(open_tags))
        newline = [True] * (len(lines) - 1) + [False]
    else:
        newline = [True] * len(lines)
    out = []
    for line, ends in zip(lines, newline, strict=True):
        text = html.unescape(_TAG.sub("", line))
        indent = len(text) - len(text.lstrip(" "))
        out.append(
            f'<span class="cnn101-line" style="--indent: {indent}ch">{line}'
            f"{chr(10) if ends else ''}</span>"
        )
    return "".join(out)


def mark_code_lines(content: str) -> str:
    """Apply :func:`split_code_lines` to every highlighted code block of a notebook page."""
    return _CODE.sub(lambda m: m.group(1) + split_code_lines(m.group(2)) + m.group(3), content)


def strip_tooling_comments(content: str) -> str:
    """Remove lines that hold only an ``# isort:`` or ``# fmt:`` comment."""
    return _TOOLING_LINE.sub("", content)


# --------------------------------------------------------------------------- mkdocs events


def on_config(config):
    sitebuild.state(config).own[HOOK] = load_tutorials(Path(config.docs_dir) / DATA)
    return config


def on_files(files, config):
    data = files.get_file_from_path(DATA)
    if data is not None:  # a source file of the build, not a page of the site
        files.remove(data)
    return files


def measured_seconds(config) -> dict:
    """{notebook: its sitebuild.RunTime}, from docs_hooks/notebooks.py's records (on_files)."""
    return sitebuild.state(config).run_times(by=HOOK)


def set_title(content: str, title: str) -> str:
    """Put ``title`` in the page's first H1, keeping its id and permalink."""
    match = _H1.search(content)
    if match is None:
        return content
    inner = match.group(2)
    anchor = inner.find("<a ")
    rest = inner[anchor:] if anchor >= 0 else ""
    return content[: match.start(2)] + html.escape(title) + rest + content[match.end(2) :]


_INLINE_MATH = re.compile(r"\$([^$]+)\$")


SEARCH_BOOST = 2.0  # a tutorial's sections rank above the API pages that name a term


def set_search_terms(page, record: dict) -> None:
    """Give the search index a tutorial's title and key terms (``search`` in tutorials.yml).

    mkdocs-material's search reads ``page.meta``: its ``tags`` field weighs far more than
    the text (Material's default field boosts), so a query with one of the tutorial's key
    terms lists the tutorial whose subject it is before the pages that only mention it;
    ``search.boost`` lifts every section of a tutorial a little above the reference pages.
    """
    page.meta["tags"] = [record["title"], *record.get("search", [])]
    page.meta.setdefault("search", {})["boost"] = SEARCH_BOOST


def plain_toc_titles(items) -> None:
    """Show a heading's inline math ``$T' = T$`` in the table of contents as ``T' = T``."""
    for item in items:
        item.title = _INLINE_MATH.sub(r"\1", item.title)
        plain_toc_titles(item.children)


def on_page_markdown(markdown_text, page, config, files):
    tutorials = sitebuild.state(config).own[HOOK]
    if TABLE_MARKER in markdown_text:
        markdown_text = markdown_text.replace(
            TABLE_MARKER, teachers_table(tutorials, measured_seconds(config))
        )
    if LIST_MARKER in markdown_text:
        markdown_text = markdown_text.replace(
            LIST_MARKER, tutorials_list(tutorials, measured_seconds(config))
        )
    return markdown_text


@event_priority(-10)  # after pages.py (0) has named the figure files fig-<hash>.png
def on_page_content(html_text, page, config, files):
    src_uri = page.file.src_uri
    if not src_uri.endswith(".ipynb"):
        return html_text
    build = sitebuild.state(config)
    build.page_figures(src_uri, by=HOOK)  # the names set_alt_texts matches: pages.py ran
    tutorials = build.own[HOOK]

    def url_of(target: str) -> str:
        file = files.get_file_from_path(target)
        if file is None:
            raise PluginError(f"{DATA} names {target!r}, which is not a page of the site.")
        return html.escape(file.url_relative_to(page.file))

    content = mark_code_lines(strip_tooling_comments(html_text))
    content, missing = set_alt_texts(content, figure_alt_texts(Path(page.file.abs_src_path)))
    if missing:  # a warning fails the strict build
        log.warning(
            f"Notebook {src_uri}: {len(missing)} figure(s) without a title, axis label or "
            f"caption to describe them ({', '.join(missing[:3])}). Give each figure a title "
            "or call cnn101.plotting.caption(fig, '...')."
        )
    record = next((r for r in tutorials if r["notebook"] == src_uri), None)
    if record is None:
        return content
    plain_toc_titles(page.toc.items if page.toc else [])
    set_search_terms(page, record)
    page.title = record["title"]  # the navigation and the browser tab
    if page.toc and page.toc.items and page.toc.items[0].level == 1:
        page.toc.items[0].title = record["title"]
    content = set_title(content, record["title"])
    header = tutorial_header(
        record, tutorials, url_of, measured_seconds(config).get(record["notebook"])
    )
    anchor = _LINKS_P.search(content) or _H1_END.search(content)
    if anchor is None:
        raise PluginError(f"Notebook {src_uri} has no H1 title for the tutorial header.")
    content = content[: anchor.end()] + header + content[anchor.end() :]
    return content + next_paragraph(record, tutorials, url_of)
