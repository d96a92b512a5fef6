"""MkDocs hook: the page "Replications", built from the committed results files.

``python -m cnn101.experiments.replications NAME`` writes
``tutorials/replications/NAME.json`` (see :mod:`cnn101.experiments.replications`).
``on_files`` adds the generated page ``replications.md``; when it is rendered, every
results file is read with :func:`cnn101.experiments.replications.check_results`, which refuses a file whose code digest no
longer matches the files it depends on: the build then fails with the command
that makes a new one. Each replication gets the paper's claim (quoted), a plot
and a table of ours beside it, the differences of setting, the command that
reproduces ours and the verdict sentence. The plots are inline SVG (the page
requests nothing from other hosts). A missing results file fails the build too.
"""

from __future__ import annotations

import html
import io
import logging
from pathlib import Path

from cycler import cycler
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

PAGE = "replications.md"
RESULTS = "replications"  # under docs_dir

log = logging.getLogger("mkdocs.hooks.replications")

INTRO = """# Replications

The tutorials test what a blog post and a forum say. The papers behind them make
stronger claims. Here three of them are re-run small, on the 5,000 MNIST digits
that ship with cnn101, each over several seeds; every number below is read from a
results file that `python -m cnn101.experiments.replications` wrote, with the seeds, the
command, the library versions, the machine and a digest of the code that made
it. Every seed draws its own training set and every run is scored on one shared
test set, so each score belongs to a seed and a test digit; the 95 % intervals
count both sources of error once: `cnn101.experiments.accuracy_interval` for
one network (never outside 0 to 1), `cnn101.experiments.paired_difference` for
the difference of two, paired by seed and test digit. A difference is
*detected* when its interval excludes 0; where it is not, the table gives the
smallest difference the run would have detected (with 80 % power). A small
re-run that does not show a paper's effect does not refute the paper: the
differences of setting are listed with each result.
"""


def _command(name: str) -> str:
    """Return the command that makes the full results file of replication ``name``."""
    from cnn101.experiments.replications import command_for

    return command_for(name, range(10))


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


# A figure 4.8 inches wide is 461 CSS px: on a 390 px phone (about 350 px of column) it
# keeps 76 % of its size, so 10-point labels stay 10 px tall and 9-point legends 9 px.
# Its text stays text (not outlines): sharp when enlarged, and measurable by the tests.
FIGURE_WIDTH_IN = 4.8
FIGURE_STYLE = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    # Okabe and Ito's colours: told apart with any common colour blindness.
    "axes.prop_cycle": cycler(color=["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7"]),
    "font.size": 10,
    "axes.titlesize": 10,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
}


def _figure(record: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(FIGURE_STYLE):
        return _draw_figure(record, plt)


def _draw_figure(record: dict, plt) -> str:
    name, arms = record["replication"], record["arms"]
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH_IN, 3.4))
    if name == "jansson2022":
        x = record["test"]["x"]
        for label, arm in arms.items():
            mean = arm["mean"]
            low = [m - lo for m, (lo, _) in zip(mean, arm["ci95"], strict=True)]
            high = [hi - m for m, (_, hi) in zip(mean, arm["ci95"], strict=True)]
            ax.errorbar(x, mean, yerr=[low, high], marker="o", capsize=3, label=label)
        ax.axvline(record["test"]["train_scale"], color="grey", ls=":", label="training scale")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("test scale (1 = the training size)")
        ax.set_ylabel("test accuracy")
        ax.set_title("Trained at one scale, tested at every scale (ours)")
        ax.set_ylim(top=1.0)
    elif name == "zhang2019":
        paper = record["paper"]["numbers"]
        plt.close(fig)
        fig, (left, ax) = plt.subplots(2, 1, figsize=(FIGURE_WIDTH_IN, 6.6))
        left.plot(paper["accuracy"], paper["consistency"], color="grey", lw=1)
        for label, a, c in zip(paper["arms"], paper["accuracy"], paper["consistency"], strict=True):
            left.plot(a, c, marker="o", ls="", label=label)
        left.set_xlabel("ImageNet top-1 accuracy")
        left.set_ylabel("consistency under shifts")
        left.set_title(f"The paper: {paper['network']}")
        left.legend()
        left.grid(alpha=0.3)
        for label, arm in arms.items():
            a, c = arm["accuracy"], arm["consistency"]
            ax.errorbar(
                a["mean"],
                c["mean"],
                xerr=[[a["mean"] - a["ci95"][0]], [a["ci95"][1] - a["mean"]]],
                yerr=[[c["mean"] - c["ci95"][0]], [c["ci95"][1] - c["mean"]]],
                marker="o",
                capsize=3,
                label=label,
            )
        ax.set_xlabel("test accuracy")
        ax.set_ylabel("consistency under shifts")
        ax.set_title("Anti-aliased max pooling on the digits (ours)")
    else:
        labels = list(arms)
        means = [arms[k]["mean"] * 100 for k in labels]
        errs = [
            [(arms[k]["mean"] - arms[k]["ci95"][0]) * 100 for k in labels],
            [(arms[k]["ci95"][1] - arms[k]["mean"]) * 100 for k in labels],
        ]
        ax.bar(labels, means, yerr=errs, capsize=4, color=["#999999", "#0072B2"], label="ours")
        paper = record["paper"]["numbers"]["error"]
        for i, label in enumerate(labels):
            if paper.get(label) is not None:
                ax.plot(i, paper[label] * 100, "k*", ms=12, label="the paper (6 splits)")
        ax.set_ylabel("test error (%)")
        ax.set_title("MNIST-Scale-like digits:\nours (bars) and the paper (star)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    title = html.escape(" ".join(ax.get_title().split()), quote=True)
    svg = _svg(fig).replace("<svg", f'<svg role="img" aria-label="{title}"', 1)
    plt.close(fig)
    return (
        f'<figure class="cnn101-svg-figure" markdown="0">{svg}'
        f"<figcaption>{title}</figcaption></figure>"
    )


def _interval(summary: dict, scale: float = 1.0, digits: int = 3) -> str:
    """Return "mean<br>(low to high)": the interval on its own line keeps columns narrow."""
    lo, hi = summary["ci95"]
    return (
        f"{summary['mean'] * scale:.{digits}f}<br>"
        f"({lo * scale:.{digits}f} to {hi * scale:.{digits}f})"
    )


def _table(record: dict) -> str:
    name, arms = record["replication"], record["arms"]
    if name == "jansson2022":  # one row per test scale, one column per network
        scales = record["test"]["x"]
        rows = [
            "| test scale | " + " | ".join(arms) + " |",
            "|---" * (len(arms) + 1) + "|",
        ]
        for i, s in enumerate(scales):
            cells = [
                f"{arm['mean'][i]:.2f}<br>({arm['ci95'][i][0]:.2f} to {arm['ci95'][i][1]:.2f})"
                for arm in arms.values()
            ]
            rows.append(f"| {s:.2f}x | " + " | ".join(cells) + " |")
    elif name == "zhang2019":
        paper = record["paper"]["numbers"]
        rows = [
            "| pooling | paper: accuracy | paper: consistency | ours: accuracy | ours: consistency |",
            "|---|---|---|---|---|",
        ]
        for i, (label, arm) in enumerate(arms.items()):
            rows.append(
                f"| {label} | {paper['accuracy'][i]:.3f} | {paper['consistency'][i]:.3f} | "
                f"{_interval(arm['accuracy'])} | {_interval(arm['consistency'])} |"
            )
    else:
        paper = record["paper"]["numbers"]["error"]
        rows = ["| network | paper: test error (%) | ours: test error (%) |", "|---|---|---|"]
        for label, arm in arms.items():
            theirs = "not read here" if paper.get(label) is None else f"{paper[label] * 100:.2f}"
            rows.append(f"| {label} | {theirs} | {_interval(arm, 100, 2)} |")
    return "\n".join([*rows, "", _differences_table(record)])


def _detected(d: dict) -> str:
    """Return "yes", or "no (would detect 0.012)": a difference's verdict from its interval."""
    if d["detected"]:
        return "yes"
    return f"no (would detect {d['detectable']:.3f})"


def _difference(d: dict) -> str:
    """Return "+0.26 *<br>(+0.17 to +0.35)": mean, detected mark, interval below."""
    mark = " *" if d["detected"] else ""
    return f"{d['mean']:+.2f}{mark}<br>({d['ci95'][0]:+.2f} to {d['ci95'][1]:+.2f})"


def _differences_table(record: dict) -> str:
    """Return the paired differences: one row each, or per scale (jansson2022).

    Per test scale, the comparisons go in two tables of at most four columns each: the
    differences between networks, and each network's change from the training scale.
    A difference of a record with test scales that belongs to no one scale (its
    ``scale`` is None) gets a row of its own below them.
    """
    differences = record["differences"]
    if record["test"].get("x") is None:
        return _rows_table(differences)
    per_scale = {k: d for k, d in differences.items() if d.get("scale") is not None}
    others = {k: d for k, d in differences.items() if d.get("scale") is None}
    tables = _per_scale_tables(per_scale, record["test"]["x"])
    if others:
        tables.append(_rows_table(others))
    return "\n\n".join(tables)


def _per_scale_tables(differences: dict, scales: list) -> list[str]:
    by_column: dict[str, dict] = {}
    for d in differences.values():
        by_column.setdefault(d["comparison"], {})[d["scale"]] = d
    groups = {
        "Paired differences between networks (ours), 95 % intervals; \\* detected:": [
            c for c in by_column if ":" not in c
        ],
        "Each network's change from the training scale (ours), 95 % intervals; \\* detected:": [
            c for c in by_column if ":" in c
        ],
    }
    tables = []
    for title, columns in groups.items():
        if not columns:
            continue
        names = [c.split(":")[0] for c in columns]
        rows = [
            title,
            "",
            "| test scale | " + " | ".join(names) + " |",
            "|---" * (len(columns) + 1) + "|",
        ]
        for s in scales:
            if not any(s in by_column[c] for c in columns):
                continue  # the training scale, where a change is 0 by definition
            cells = [
                _difference(by_column[c][s]) if s in by_column[c] else "\u2014" for c in columns
            ]
            rows.append(f"| {s:.2f}x | " + " | ".join(cells) + " |")
        tables.append("\n".join(rows))
    return tables


def _rows_table(differences: dict) -> str:
    rows = [
        "| paired difference (ours) | mean (95 % interval) | detected (else: smallest detectable) |",
        "|---|---|---|",
    ]
    for label, d in differences.items():
        rows.append(
            f"| {label} | {d['mean']:+.3f} ({d['ci95'][0]:+.3f} to {d['ci95'][1]:+.3f}) | "
            f"{_detected(d)} |"
        )
    return "\n".join(rows)


def check_bounds(record: dict) -> None:
    """Raise :class:`PluginError` if a shown accuracy, error or consistency leaves [0, 1].

    Every arm's score is a proportion: its mean and its 95 % interval lie in [0, 1]
    (``cnn101.experiments.accuracy_interval``), so a record with an interval past 1
    (such as "0.959 (0.915 to 1.003)") was made by another formula and is not shown.
    """

    def bounds(values, where):
        for value in values:
            if not 0.0 <= float(value) <= 1.0:
                raise PluginError(
                    f"Replication {record['replication']}: {where} has {value}, outside "
                    f"[0, 1]: run `{_command(record['replication'])}` again."
                )

    for label, arm in record["arms"].items():
        summaries = [arm[k] for k in ("accuracy", "consistency") if k in arm] or [arm]
        for summary in summaries:
            mean, ci95 = summary["mean"], summary["ci95"]
            if isinstance(mean, list):  # one per test scale
                values = [*mean, *(v for pair in ci95 for v in pair)]
            else:
                values = [mean, *ci95]
            bounds(values, f"arm {label!r}")


def section(record: dict) -> str:
    """Return the Markdown of one replication from its results record."""
    paper = record["paper"]
    seeds = ", ".join(map(str, record["seeds"]))
    stopped = (
        "every run stopped by patience"
        if record.get("all_stopped_by_patience")
        else "some runs stopped at the step budget"
    )
    lines = [
        f"## {paper['authors']} ({paper['venue']})",
        "",
        f"*{paper['title']}*, [arXiv:{paper['arxiv']}](https://arxiv.org/abs/{paper['arxiv']}).",
        "",
        f"**The paper** ({paper['where']}): \u201c{paper['claim']}\u201d {paper['also']}",
        f"Its setting: {paper['setting']}"
        + (
            f" Its numbers: {paper['numbers']['source']}."
            if paper.get("numbers")
            else " Its accuracy curves are in its figures; no numbers were read from them"
            " here, so the plot shows ours alone beside the quoted claim."
        ),
        "",
        "**Ours** (seeds " + seeds + f"; {stopped}; {record['minutes']} min on "
        f"{record['machine']['cpu_count']} CPU cores, {record['date']}):",
        "",
        _figure(record),
        "",
        _table(record),
        "",
        f"**Verdict.** {record['verdict']}",
        "",
        "Differences of setting that may explain a gap: "
        + "; ".join(record["differences_of_setting"])
        + ".",
        "",
        f"Reproduce: `{record['command']}` (digest of "
        + ", ".join(f"`{f}`" for f in record["code"]["files"])
        + f": `{record['code']['digest'][:12]}`); the whole record, every seed's scores "
        f"included: [`{record['replication']}.json`]({RESULTS}/{record['replication']}.json).",
        "",
    ]
    return "\n".join(lines)


def replications_markdown(docs_dir: Path) -> str:
    """Return the whole page, checking every results file (a stale one fails)."""
    from cnn101.experiments.replications import REPLICATIONS, check_results

    parts = [INTRO]
    for name in REPLICATIONS:
        path = docs_dir / RESULTS / f"{name}.json"
        if not path.is_file():
            raise PluginError(f"The Replications page needs {path}: run `{_command(name)}`.")
        try:
            record = check_results(path)
        except ValueError as error:
            raise PluginError(str(error)) from None
        if record.get("smoke"):
            raise PluginError(f"{path} is a smoke run: run `{_command(name)}` for the full size.")
        check_bounds(record)
        parts.append(section(record))
    return "\n".join(parts)


def on_files(files, config):
    """Add the Replications page (filled in when it is rendered)."""
    files.append(File.generated(config, PAGE, content="# Replications\n"))
    return files


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri != PAGE:
        return markdown
    text = replications_markdown(Path(config.docs_dir))
    log.info("Replications page: built from the results files")
    return text
