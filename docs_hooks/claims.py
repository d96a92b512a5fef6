"""MkDocs hook: the page "Claims and verdicts", built from the executed notebooks.

Each claim of the tutorials' sources is listed in ``cnn101.claims.CLAIMS`` with the
notebook that tests it. The cell that measures it ends with ``cnn101.claims.record(...)``,
whose output carries a JSON entry (MIME type ``application/vnd.cnn101.claim+json``)
next to the HTML verdict box (``<div id="claim-<id>">``) that the page shows. A claim the
tutorials do not measure is recorded the same way with ``cnn101.claims.not_tested(...)``:
verdict "not tested here", the reason, no numbers.

``on_files`` adds the generated page ``claims.md``; when it is rendered, the claim
records are read out of the cell outputs of every executed notebook, which
docs_hooks/notebooks.py made in its ``on_files`` (the build state's ``runs``, see
docs_hooks/sitebuild.py; without them the build stops with the hooks' order), and its
Markdown is made: one short table row per claim with the claim, its linked source, the
verdict and a link to the cell's verdict box; the source's words, the measured figure and
what the literature says fold under the claim (one click or tap opens them).

The build fails if a claim in ``CLAIMS`` is not recorded by its notebook, is recorded
twice, or is recorded by another notebook. Nothing is optional in the project's
mkdocs.yml; a reduced config used while writing a notebook may list, under
``extra: {claims_skip_notebooks: [...]}``, notebooks that are not in that build.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sitebuild
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

PAGE = "claims.md"
MIME_TYPE = "application/vnd.cnn101.claim+json"
VERDICT_MARK = {
    "confirmed": "confirmed",
    "partly": "partly",
    "refuted": "refuted",
    "not detected": "not detected",
    "not tested here": "not tested here",
}

log = logging.getLogger("mkdocs.hooks.claims")


class ClaimsError(PluginError):
    """The notebooks do not record every claim exactly once."""


@dataclass(frozen=True)
class Found:
    """One claim record read out of an executed notebook."""

    id: str
    verdict: str
    evidence: str
    values: dict
    notebook: str  # the notebook the record names (the claim's owner)
    found_in: str  # the notebook it was found in
    cell: int  # 1-based index of the cell among the notebook's code cells
    parts: tuple = ()  # a trained claim's rules with their recorded intervals and verdicts


def records_in(nb, name: str) -> list[Found]:
    """Return the claim records in the outputs of executed notebook ``nb`` (file ``name``)."""
    found = []
    code_cells = [cell for cell in nb.cells if cell.get("cell_type") == "code"]
    for index, cell in enumerate(code_cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") not in ("execute_result", "display_data"):
                continue
            data = output.get("data", {}).get(MIME_TYPE)
            if data is None:
                continue
            if isinstance(data, str):  # some writers store JSON mime data as text
                data = json.loads(data)
            try:
                found.append(
                    Found(
                        id=data["id"],
                        verdict=data["verdict"],
                        evidence=data["evidence"],
                        values=dict(data.get("values") or {}),
                        notebook=data["notebook"],
                        found_in=name,
                        cell=index,
                        parts=tuple(data.get("parts") or ()),
                    )
                )
            except (KeyError, TypeError) as error:
                raise ClaimsError(
                    f"Notebook {name}: code cell {index} has a malformed claim record "
                    f"({error!r}): {data!r}"
                ) from None
    return found


def check_records(
    found: Iterable[Found], claims: Sequence, skip_notebooks: Iterable[str] = ()
) -> dict[str, Found]:
    """Return ``{claim id: record}``; raise :class:`ClaimsError` unless each claim is recorded once.

    Every claim in ``claims`` must be recorded exactly once, by its own notebook. Claims
    owned by a notebook in ``skip_notebooks`` may be missing (only for reduced configs).
    """
    skip = set(skip_notebooks)
    known = {claim.id: claim for claim in claims}
    by_id: dict[str, list[Found]] = {}
    problems = []
    for record in found:
        if record.id not in known:
            problems.append(
                f"{record.found_in}, code cell {record.cell}: unknown claim {record.id!r}"
            )
            continue
        by_id.setdefault(record.id, []).append(record)
    for claim in claims:
        records = by_id.get(claim.id, [])
        if not records:
            if claim.notebook not in skip:
                problems.append(
                    f"claim {claim.id!r} is not recorded: {claim.notebook} must end a cell "
                    f'with cnn101.claims.record("{claim.id}", verdict=..., evidence=...) or, '
                    f'if it is not measured, cnn101.claims.not_tested("{claim.id}", reason=...)'
                )
            continue
        if len(records) > 1:
            where = ", ".join(f"{r.found_in} code cell {r.cell}" for r in records)
            problems.append(f"claim {claim.id!r} is recorded {len(records)} times ({where})")
        for r in records:
            if r.found_in != claim.notebook:
                problems.append(
                    f"claim {claim.id!r} belongs to {claim.notebook} but is recorded in "
                    f"{r.found_in}, code cell {r.cell}"
                )
    if problems:
        raise ClaimsError(
            "The claims page cannot be built:\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return {claim_id: records[0] for claim_id, records in by_id.items()}


def _cell(text: str) -> str:
    """Escape text for a Markdown table cell (HTML and pipes; Markdown links still work)."""
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def _parts_cell(parts: Sequence) -> str:
    """A trained claim's rules with their recorded intervals, folded into the table cell.

    The summary line counts the rules' verdicts; opening it lists each rule with its
    interval, seeds and verdict (a row stays short until a reader asks for the detail).
    """
    if not parts:
        return ""
    from cnn101.claims import describe_part

    counts: dict[str, int] = {}
    for part in parts:
        counts[part["verdict"]] = counts.get(part["verdict"], 0) + 1
    tally = ", ".join(f"{n} {verdict}" for verdict, n in counts.items())
    seeds = sorted({part["seeds"] for part in parts})
    items = "".join(f"<br>• {_cell(describe_part(p))}" for p in parts)
    return (
        f"<details><summary><strong>Recorded runs:</strong> {len(parts)} rules, {tally} "
        f"({'/'.join(map(str, seeds))} seeds each)</summary>{items}</details>"
    )


def _details_cell(claim, record: Found) -> str:
    """The claim's source words, evidence and literature, folded under one summary line."""
    quote = getattr(claim, "quote", "")
    literature = _cell(getattr(claim, "literature", "")) or "nothing cited"
    label = "Why not measured" if record.verdict == "not tested here" else "Measured"
    lines = [f"<strong>The source says:</strong> <em>“{_cell(quote)}”</em>"] if quote else []
    lines += [
        f"<strong>{label}:</strong> {_cell(record.evidence)}{_parts_cell(record.parts)}",
        f"<strong>Literature:</strong> {literature}",
    ]
    return (
        '<details class="claim-details"><summary>Evidence and literature</summary>'
        + "<br>".join(lines)
        + "</details>"
    )


def claims_markdown(claims: Sequence, records: dict[str, Found]) -> str:
    """Return the Markdown of the claims page (links to notebooks are relative .ipynb paths).

    One short row per claim: the claim, its source, the verdict and a link to the cell
    that measured it. The claim's cell folds, under one summary line, the source's own
    words, the measured evidence (or why it is not measured) and what the literature says
    (Markdown links kept, the rest escaped), so that a row stays a line or two at every
    width and the detail is one click or tap away.
    """
    counts = {v: sum(r.verdict == v for r in records.values()) for v in VERDICT_MARK}
    lines = [
        "# Claims and verdicts",
        "",
        "The tutorials test what their sources say. Each row is one claim of a blog post, "
        "a forum thread or a paper, with the verdict the tutorial's measurement gives it; "
        "**Measured in** links to the cell that measured it. Open **Evidence and "
        "literature** under a claim for the source's own words, the figure behind the "
        "verdict and what published work finds. The page is generated from the executed "
        "notebooks each time the site is built, so it always shows the numbers the "
        "tutorials show.",
        "",
        f"{len(records)} claims: {counts['confirmed']} confirmed, {counts['partly']} partly, "
        f"{counts['refuted']} refuted, {counts['not detected']} not detected, "
        f"{counts['not tested here']} not tested here.",
        "",
        "A claim that training tests gets no verdict typed by hand: the claim declares, "
        "before its run, which comparison would confirm it, in which direction, and the "
        "smallest effect that would matter; its verdict is computed from a recorded run of "
        "ten or more seeds (made by `python -m cnn101.experiments.evidence NAME`, whose "
        "seeds no page uses), at the page's data size and at five times it. Each rule's row "
        "shows its interval, the number of seeds and test digits, and its verdict.",
        "",
        '<div class="claims-table" markdown>',
        "",
        "| Claim | Source | Verdict | Measured in |",
        "| --- | --- | --- | --- |",
    ]
    for claim in claims:
        record = records.get(claim.id)
        if record is None:
            continue
        tutorial = claim.notebook.split("_", 1)[0].lstrip("0")
        where = "discussed at cell" if record.verdict == "not tested here" else "cell"
        link = f"[tutorial {tutorial}, {where} {record.cell}]({claim.notebook}#claim-{claim.id})"
        verdict = VERDICT_MARK[record.verdict]
        badge = f'<span class="claim-verdict claim-verdict--{verdict.replace(" ", "-")}">'
        lines.append(
            f'| <span id="{claim.id}"></span>{_cell(claim.statement)}'
            f"{_details_cell(claim, record)} "
            f"| [{_cell(claim.source)}]({claim.source_url}) "
            f"| {badge}**{verdict}**</span> | {link} |"
        )
    lines += [
        "",
        "</div>",
        "",
        "Verdicts: *confirmed* — the measurement agrees with the claim as stated (for a "
        "trained claim: every rule's interval lies on the claimed side); *partly* — it "
        "holds only in part or under a condition the source does not state (for a trained "
        "claim: some rules confirmed, some refuted); *refuted* — the measurement "
        "contradicts it (for a trained claim: the intervals exclude every effect that "
        "would matter in the claimed direction); *not detected* — a trained claim's "
        "intervals decide neither way (the row gives the smallest effect the run could "
        "detect); *not tested here* — the tutorials measure nothing that could decide it "
        "(the row says why), and the literature is all there is.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- mkdocs events

HOOK = "docs_hooks/claims.py"


def on_files(files, config):
    """Add the claims page (its Markdown is filled in when it is rendered)."""
    sitebuild.state(config).own[HOOK] = [
        f.src_uri for f in files.documentation_pages() if f.src_uri.endswith(".ipynb")
    ]
    files.append(File.generated(config, PAGE, content="# Claims and verdicts\n"))
    return files


def collect(build, notebooks: Iterable[str]) -> list[Found]:
    """Return the claim records of the executed ``notebooks`` (src_uris) of this build."""
    import nbformat

    found = []
    for src_uri in notebooks:
        executed = build.executed(src_uri, by=HOOK).executed
        found += records_in(nbformat.read(executed, as_version=4), Path(src_uri).name)
    return found


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri != PAGE:
        return markdown
    from cnn101.claims import CLAIMS

    build = sitebuild.state(config)
    found = collect(build, build.own[HOOK])
    skip = config.get("extra", {}).get("claims_skip_notebooks", [])
    records = check_records(found, CLAIMS, skip_notebooks=skip)
    log.info(f"Claims page: {len(records)} of {len(CLAIMS)} claims recorded")
    return claims_markdown(CLAIMS, records)
