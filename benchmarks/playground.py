"""Time the playground in headless Chromium: control change to redrawn pipeline, page load, bytes.

Builds a small site (home and playground pages, with the real hooks and assets) into a
temporary directory, serves it from 127.0.0.1 and opens the playground page in Debian's
Chromium through Playwright. On the 128x128 camera photo it changes one control at a
time (the kernel, the convolution stride, the shift slider) and measures, inside the page,
the time from the control's event to the redrawn stages (every canvas and overlay updated)
and to the next animation frame (the browser has painted them). Also the page's load time,
the time until every widget has drawn, and the bytes of script it loads.

    python benchmarks/playground.py               # 50 changes of each control
    python benchmarks/playground.py --changes 200

Goal: median control change to redrawn pipeline <= 16 ms (one frame at 60 Hz).
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
GOAL_MS = 16.0

MEASURE = """
async ([control, n]) => {
  const w = cnn101Playground.widgets[0];
  const find = (label) => [...w.root.querySelectorAll("label")].find((l) => l.textContent === label);
  const image = document.getElementById(find("Image").htmlFor);
  image.value = "camera";
  image.dispatchEvent(new Event("change"));
  await w.idle();
  const el = {
    kernel: document.getElementById(find("Kernel").htmlFor),
    stride: [...w.root.querySelectorAll("fieldset")]
      .find((f) => f.querySelector("legend").textContent === "Convolution").querySelector("select"),
    shift: document.getElementById(find("Shift right (pixels)").htmlFor),
  }[control];
  const values = {
    kernel: () => [...el.options].map((o) => o.value).filter((v) => !v.startsWith("custom")),
    stride: () => ["1", "2"],
    shift: () => ["1", "2", "3", "0"],
  }[control]();
  const work = [];
  const frame = [];
  for (let i = 0; i < n; i++) {
    el.value = values[(i + 1) % values.length];
    const t0 = performance.now();
    el.dispatchEvent(new Event(el.tagName === "SELECT" ? "change" : "input"));
    await w.idle();
    const t1 = performance.now();
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    work.push(t1 - t0);
    frame.push(performance.now() - t0);
  }
  return { work, frame, shape: w.result.shapes.image };
}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=50, help="changes per control")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = build_site(Path(tmp), "playground.md", "Playground", "playground.py")
        server, base = serve(site)
        url = base + "playground/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            loads = []
            for _ in range(5):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(url, wait_until="load")
                page.wait_for_function("window.cnn101Playground !== undefined")
                page.evaluate("async () => { await cnn101Playground.ready; }")
                loads.append(
                    page.evaluate(
                        """() => {
                          const nav = performance.getEntriesByType("navigation")[0];
                          const scripts = performance.getEntriesByType("resource")
                            .filter((r) => r.initiatorType === "script");
                          return {
                            load: nav.loadEventEnd, drawn: performance.now(),
                            scripts: scripts.map((r) => [r.name, r.decodedBodySize]),
                          };
                        }"""
                    )
                )
                context.close()
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(url, wait_until="load")
            page.evaluate("async () => { await cnn101Playground.ready; }")
            runs = {
                c: page.evaluate(MEASURE, [c, args.changes]) for c in ("kernel", "stride", "shift")
            }
            browser.close()
        server.shutdown()

        print(f"## Control change to redrawn pipeline ({args.changes} changes each)")
        print(
            "| control changed | input | median (ms) | 10th pct | 90th pct | to next frame, median (ms) |"
        )
        print("| --- | --- | --- | --- | --- | --- |")
        for control, run in runs.items():
            h, w = run["shape"]
            print(
                f"| {control} | {h}x{w} camera | {quantiles(run['work'])} | "
                f"{statistics.median(run['frame']):.1f} |"
            )
        worst = max(statistics.median(run["work"]) for run in runs.values())
        print(
            f"\nslowest median {worst:.1f} ms; goal <= {GOAL_MS:.0f} ms: {'met' if worst <= GOAL_MS else 'NOT met'}"
        )

        print("\n## Page load (5 fresh tabs, local server)")
        print(
            f"load event: median {statistics.median(t['load'] for t in loads):.0f} ms; "
            f"every widget drawn: median {statistics.median(t['drawn'] for t in loads):.0f} ms"
        )
        print("\n| script | bytes | gzip bytes |")
        print("| --- | --- | --- |")
        total = total_gz = 0
        for name, size in loads[0]["scripts"]:
            rel = name.removeprefix(base)
            data = (site / rel).read_bytes()
            gz = len(gzip.compress(data, compresslevel=9))
            total, total_gz = total + size, total_gz + gz
            print(f"| `{rel}` | {size:,} | {gz:,} |")
        print(f"| all scripts | {total:,} | {total_gz:,} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
