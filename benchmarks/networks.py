"""Time the trained-networks page in headless Chromium: one move to every network updated; bytes.

Builds a small site (a home page and the networks page, with the real networks hook and
assets) into a temporary directory, serves it from 127.0.0.1 and opens the page in
Debian's Chromium through Playwright. It then moves the digit one pixel at a time (the
*Shift right* slider, alternating directions, both fill modes, zoom 1 and 1.3) and
measures, inside the page, one update after a move: every network's probabilities and
feature maps computed and drawn (the widget's ``render``), and the compute alone (the
five forward passes); and the renderer's CPU time per update (read from the operating
system: on a shared machine it grows much less with the load than the wall-clock time).
Also each network's forward pass alone (its probabilities; and with every feature map
read, as an update needs), a sweep of the 81 shifts of +-4 pixels, and the bytes the
page loads (its HTML, scripts, stylesheet and weights).

With ``--against REV`` the same site is also served with ``networks.js`` and
``networks-page.js`` as they were at git revision ``REV``, in a second tab, and the two
are timed side by side: the moves alternate between the tabs in rounds, so that both
see the same load.

    python benchmarks/networks.py                  # 40 moves
    python benchmarks/networks.py --moves 200
    python benchmarks/networks.py --against main   # the page's scripts at main, side by side

Goals: median update of all networks after a move <= 50 ms on a laptop CPU; the page with
its weights <= 1.5 MB.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from page_site import build_site, quantiles, serve

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
GOAL_MS = 50.0
GOAL_BYTES = 1.5e6

SCRIPTS = ("networks.js", "networks-page.js")  # what --against takes from another revision

MOVES = """
async ([first, moves]) => {
  const w = window.cnn101Network.widgets[0];
  const update = [], compute = [];
  for (let i = first; i < first + moves; i++) {
    w.state.dx = i % 2 ? 1 : 0;
    w.state.mode = i % 4 < 2 ? "zero" : "circular";
    w.state.zoom = i % 8 < 4 ? 1 : 1.3;
    const t0 = performance.now();
    w.render();
    update.push(performance.now() - t0);
    compute.push(w.lastComputeMs === undefined ? null : w.lastComputeMs);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return { update, compute };
}
"""

SINGLE = """
() => {
  const N = window.cnn101Network;
  const median = (f) => {
    f();
    const times = [];
    for (let i = 0; i < 21; i++) {
      const t0 = performance.now();
      f();
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b)[10];
  };
  const single = {};
  for (const name of N.architectures) {
    const shape = N.networks[name].input_shape;
    const image = N.place(N.digits[0].image, N.digitSize, shape, {dx: 1});
    const rows = [];
    for (let i = 0; i < shape[0]; i++) rows.push(image.subarray(i * shape[1], (i + 1) * shape[1]));
    single[name] = {
      probabilities: median(() => N.predictFlat(name, [image])),
      maps: median(() => N.run(name, rows).maps.forEach((map) => map.data)),
    };
  }
  return single;
}
"""

KERNELS = """
async () => {
  const N = window.cnn101Network, out = {};
  for (const name of N.architectures) {
    const shape = N.networks[name].input_shape;
    const image = N.place(N.digits[0].image, N.digitSize, shape, {dx: 1});
    const rows = [];
    for (let i = 0; i < shape[0]; i++) rows.push(image.subarray(i * shape[1], (i + 1) * shape[1]));
    const totals = {};
    for (let repeat = 0; repeat < 10; repeat++) {
      const profile = await tf.profile(() => { N.run(name, rows).maps.forEach((map) => map.data); });
      for (const k of profile.kernels) {
        const entry = (totals[k.name] = totals[k.name] || { ms: 0, calls: 0 });
        entry.ms += k.kernelTimeMs / 10;
        entry.calls += 1 / 10;
      }
    }
    out[name] = totals;
  }
  return out;
}
"""

SWEEP = """
async () => {
  const t0 = performance.now();
  await window.cnn101Network.widgets[0].sweepShifts(4);
  return performance.now() - t0;
}
"""

CPU_MOVES = """
(moves) => {
  const w = window.cnn101Network.widgets[0];
  for (let i = 0; i < moves; i++) {
    w.state.dx = i % 2 ? 1 : 0;
    w.render();
  }
}
"""


def renderer_cpu_seconds() -> float:
    """CPU seconds used so far by the Chromium renderers this process started.

    On a shared machine wall-clock times grow with the load; the CPU time a renderer
    spends on the same work grows much less, so both are reported.
    """
    import psutil

    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if "--type=renderer" in " ".join(child.cmdline()):
                times = child.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
    return total


def reference_site(site: Path, revision: str) -> Path:
    """A copy of ``site`` whose networks scripts are those of git ``revision``."""
    reference = site.with_name("site-" + revision.replace("/", "-"))
    shutil.copytree(site, reference)
    for name in SCRIPTS:
        path = f"tutorials/assets/javascripts/{name}"
        proc = subprocess.run(
            ["git", "show", f"{revision}:{path}"], cwd=ROOT, capture_output=True, check=False
        )
        if proc.returncode != 0:
            sys.exit(f"git show {revision}:{path} failed: {proc.stderr.decode()[-500:]}")
        (reference / "assets" / "javascripts" / name).write_bytes(proc.stdout)
    return reference


def open_page(browser, url: str):
    """A tab with the networks page loaded and its widget built."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url, wait_until="load")
    page.wait_for_function("window.cnn101Network && window.cnn101Network.widgets")
    return page


def measure(pages: dict, moves: int, rounds: int = 4) -> dict:
    """Time ``moves`` moves per tab, alternating between the tabs in ``rounds`` rounds."""
    runs = {label: {"update": [], "compute": []} for label in pages}
    share = -(-moves // rounds)
    for start in range(0, moves, share):
        for label, page in pages.items():
            part = page.evaluate(MOVES, [start, min(share, moves - start)])
            runs[label]["update"] += part["update"]
            runs[label]["compute"] += part["compute"]
    for label, page in pages.items():
        before = renderer_cpu_seconds()
        page.evaluate(CPU_MOVES, moves)
        runs[label]["cpu_ms"] = 1000 * (renderer_cpu_seconds() - before) / moves
        runs[label]["single"] = page.evaluate(SINGLE)
        runs[label]["sweep"] = page.evaluate(SWEEP)
    return runs


def report(runs: dict, moves: int) -> None:
    """Print the timing tables, one column group per tab."""
    labels = list(runs)
    print(
        f"## One move: every network updated ({moves} moves per page, load average "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())})"
    )
    print(
        "| what | "
        + " | ".join(f"{label}: median (ms) | 10th pct | 90th pct" for label in labels)
        + " |"
    )
    print("| --- |" + " --- | --- | --- |" * len(labels))
    print(
        "| update: 5 networks computed, bars and maps drawn | "
        + " | ".join(quantiles(runs[label]["update"]) for label in labels)
        + " |"
    )
    cells = []
    for label in labels:
        compute = [c for c in runs[label]["compute"] if c is not None]
        cells.append(quantiles(compute) if compute else "n/a | | ")
    print("| of which the 5 forward passes | " + " | ".join(cells) + " |")
    print(
        "| renderer CPU time per update (mean) | "
        + " | ".join(f"{runs[label]['cpu_ms']:.1f} | | " for label in labels)
        + " |"
    )
    for label in labels:
        worst = statistics.median(runs[label]["update"])
        print(
            f"\n{label}: median update {worst:.1f} ms; goal <= {GOAL_MS:.0f} ms on a laptop "
            f"CPU: {'met' if worst <= GOAL_MS else 'NOT met'} on this machine"
        )
    if len(labels) == 2:
        a, b = (statistics.median(runs[label]["update"]) for label in labels)
        print(f"{labels[0]} / {labels[1]}, median update: {a / b:.2f}x")
    print(
        "\n| network | "
        + " | ".join(
            f"{label}: probabilities, median of 21 (ms) | with its feature maps" for label in labels
        )
        + " |"
    )
    print("| --- |" + " --- | --- |" * len(labels))
    for name in runs[labels[0]]["single"]:
        print(
            f"| {name} | "
            + " | ".join(
                f"{runs[label]['single'][name]['probabilities']:.1f} | "
                f"{runs[label]['single'][name]['maps']:.1f}"
                for label in labels
            )
            + " |"
        )
    for label in labels:
        print(
            f"\n{label}: sweep of the 81 shifts of +-4 pixels, all networks: "
            f"{runs[label]['sweep']:.0f} ms"
        )


def report_kernels(kernels: dict) -> None:
    """Print, per tab and network, the kernels of one update's pass (mean of 10, >= 0.1 ms)."""
    for label, networks in kernels.items():
        print(f"\n## {label}: TensorFlow.js kernels of one forward pass with its maps (mean of 10)")
        print("| network | kernel: ms (calls) |")
        print("| --- | --- |")
        for name, totals in networks.items():
            ranked = sorted(totals.items(), key=lambda item: -item[1]["ms"])
            cells = [f"{k} {v['ms']:.1f} ({v['calls']:.0f})" for k, v in ranked if v["ms"] >= 0.1]
            total = sum(v["ms"] for v in totals.values())
            print(f"| {name} | total {total:.1f}: " + ", ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=40, help="moves to time per page")
    parser.add_argument(
        "--against", metavar="REV", help="also time the page's scripts at git revision REV"
    )
    parser.add_argument(
        "--kernels",
        action="store_true",
        help="also list each network's TensorFlow.js kernels and their time (tf.profile)",
    )
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = build_site(Path(tmp), "networks.md", "Trained networks", "networks.py")
        server, base = serve(site)
        servers = [server]
        url = base + "networks/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            pages = {"this tree": open_page(browser, url)}
            if args.against:
                ref_server, ref_base = serve(reference_site(site, args.against))
                servers.append(ref_server)
                pages = {args.against: open_page(browser, ref_base + "networks/"), **pages}
            loaded = pages["this tree"].evaluate(
                """() => performance.getEntriesByType("resource")
                    .map((r) => r.name).concat([location.href])"""
            )
            runs = measure(pages, args.moves)
            kernels = (
                {label: page.evaluate(KERNELS) for label, page in pages.items()}
                if args.kernels
                else {}
            )
            browser.close()
        for each in servers:
            each.shutdown()

        report(runs, args.moves)
        if args.kernels:
            report_kernels(kernels)

        print("\n## What the page loads (local server)")
        print("| file | bytes | gzip bytes |")
        print("| --- | --- | --- |")
        total = total_gz = 0
        prefix = base
        for name in loaded:
            rel = name.removeprefix(prefix).split("#")[0]
            path = site / (rel + "index.html" if rel.endswith("/") or not rel else rel)
            if not path.is_file():
                continue
            data = path.read_bytes()
            gz = len(gzip.compress(data, compresslevel=9))
            total, total_gz = total + len(data), total_gz + gz
            print(f"| `{rel or 'index.html'}` | {len(data):,} | {gz:,} |")
        print(f"| everything the page loads | {total:,} | {total_gz:,} |")
        print(
            f"\npage with its weights {total / 1e6:.2f} MB; goal <= {GOAL_BYTES / 1e6:.1f} MB: "
            f"{'met' if total <= GOAL_BYTES else 'NOT met'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
