"""Time the trained-networks page in headless Chromium: one move to every network updated; bytes.

Builds a small site (a home page and the networks page, with the real networks hook and
assets) into a temporary directory, serves it from 127.0.0.1 and opens the page in
Debian's Chromium through Playwright. It then moves the digit one pixel at a time (the
*Shift right* slider, alternating directions, both fill modes, zoom 1 and 1.3) and
measures, inside the page, one update after a move: every network's probabilities and
feature maps computed and drawn (the widget's ``render``), and the compute alone (the
five forward passes); and the renderer's CPU time per update (read from the operating
system: on a shared machine it grows much less with the load than the wall-clock time). Also each network's forward pass alone, a sweep of the 81 shifts
of +-4 pixels, and the bytes the page loads (its HTML, scripts, stylesheet and weights).

    python benchmarks/networks.py              # 40 moves
    python benchmarks/networks.py --moves 200

Goals: median update of all networks after a move <= 50 ms on a laptop CPU; the page with
its weights <= 1.5 MB.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
from pathlib import Path

from page_site import build_site, quantiles, serve

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
GOAL_MS = 50.0
GOAL_BYTES = 1.5e6

MEASURE = """
async (moves) => {
  const N = window.cnn101Network, w = N.widgets[0];
  const update = [], compute = [];
  for (let i = 0; i < moves; i++) {
    w.state.dx = i % 2 ? 1 : 0;
    w.state.mode = i % 4 < 2 ? "zero" : "circular";
    w.state.zoom = i % 8 < 4 ? 1 : 1.3;
    const t0 = performance.now();
    w.render();
    update.push(performance.now() - t0);
    compute.push(w.lastUpdateMs);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const single = {};
  for (const name of N.architectures) {
    const shape = N.networks[name].input_shape;
    const image = N.place(N.digits[0].image, N.digitSize, shape, {dx: 1});
    N.predictFlat(name, [image]);
    const times = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      N.predictFlat(name, [image]);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    single[name] = times[10];
  }
  const t0 = performance.now();
  await w.sweepShifts(4);
  const sweep = performance.now() - t0;
  return { update, compute, single, sweep };
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=40, help="moves to time")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = build_site(Path(tmp), "networks.md", "Trained networks", "networks.py")
        server, base = serve(site)
        url = base + "networks/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url, wait_until="load")
            page.wait_for_function("window.cnn101Network && window.cnn101Network.widgets")
            loaded = page.evaluate(
                """() => performance.getEntriesByType("resource")
                    .map((r) => r.name).concat([location.href])"""
            )
            run = page.evaluate(MEASURE, args.moves)
            before = renderer_cpu_seconds()
            page.evaluate(CPU_MOVES, args.moves)
            cpu_ms = 1000 * (renderer_cpu_seconds() - before) / args.moves
            browser.close()
        server.shutdown()

        print(f"## One move: every network updated ({args.moves} moves)")
        print("| what | median (ms) | 10th pct | 90th pct |")
        print("| --- | --- | --- | --- |")
        print(f"| update: 5 networks computed, bars and maps drawn | {quantiles(run['update'])} |")
        print(f"| of which the 5 forward passes | {quantiles(run['compute'])} |")
        print(f"| renderer CPU time per update (mean) | {cpu_ms:.1f} | | |")
        worst = statistics.median(run["update"])
        print(
            f"\nmedian update {worst:.1f} ms; goal <= {GOAL_MS:.0f} ms on a laptop CPU: "
            f"{'met' if worst <= GOAL_MS else 'NOT met'} on this machine"
        )
        print("\n| network | one forward pass, median of 20 (ms) |")
        print("| --- | --- |")
        for name, ms in run["single"].items():
            print(f"| {name} | {ms:.1f} |")
        print(f"\nsweep of the 81 shifts of +-4 pixels, all networks: {run['sweep']:.0f} ms")

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
