"""Time a cold site build against a rebuild with nothing changed, and size the pages.

A cold build starts from an empty notebook cache, so it executes every tutorial; the
rebuild reuses that cache and must take at most 10% of the cold time. Both write to
temporary directories (the repository's ``site/`` and ``.cache/`` are left alone).

    python benchmarks/site_build.py                 # the repository's mkdocs.yml
    python benchmarks/site_build.py --config other/mkdocs.yml

Goals: rebuild <= 10% of the cold build; no page over 1.5 MB.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_RATIO = 0.10
MAX_PAGE_BYTES = 1_500_000


def build(config: Path, site: Path, cache: Path) -> tuple[float, str]:
    """Run ``mkdocs build --strict``; return (wall seconds, log). Exit on failure."""
    env = {**os.environ, "CNN101_NOTEBOOK_CACHE": str(cache), "NO_MKDOCS_2_WARNING": "1"}
    command = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "-f",
        str(config),
        "-d",
        str(site),
    ]
    start = time.perf_counter()
    proc = subprocess.run(
        command, cwd=config.parent, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        sys.exit(f"mkdocs build failed:\n{log[-4000:]}")
    return seconds, log


def page_weight(page: Path) -> int:
    """Bytes of an HTML page plus the local images it shows."""
    images = set(re.findall(r'<img\b[^>]*?\bsrc="([^"]+)"', page.read_text(encoding="utf-8")))
    local = [page.parent / src for src in images if ":" not in src and not src.startswith("/")]
    return page.stat().st_size + sum(p.stat().st_size for p in local if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "mkdocs.yml")
    args = parser.parse_args(argv)
    config = args.config.resolve()

    with tempfile.TemporaryDirectory(prefix="cnn101-site-bench-") as tmp:
        tmp = Path(tmp)
        cold_s, cold_log = build(config, tmp / "cold", tmp / "cache")
        warm_s, warm_log = build(config, tmp / "warm", tmp / "cache")
        pages = {p: p.stat().st_size for p in (tmp / "warm").rglob("*.html")}
        largest = max(pages, key=pages.get)
        largest_name = largest.relative_to(tmp / "warm").as_posix()
        weights = {p: page_weight(p) for p in pages}
        heaviest = max(weights, key=weights.get)
        heaviest_name = heaviest.relative_to(tmp / "warm").as_posix()
        executed = re.findall(r"Notebook (\S+): executed in ([\d.]+) s", cold_log)
        cached = warm_log.count(": cached, ran")
        total_bytes = sum(p.stat().st_size for p in (tmp / "warm").rglob("*") if p.is_file())

    ratio = warm_s / cold_s
    print(f"{'build':<28}{'seconds':>10}{'notebooks executed':>22}")
    print(f"{'cold (empty cache)':<28}{cold_s:>10.1f}{len(executed):>22}")
    print(f"{'rebuild, nothing changed':<28}{warm_s:>10.1f}{len(executed) - cached:>22}")
    print(f"{'rebuild / cold':<28}{ratio:>10.1%}   goal <= {MAX_RATIO:.0%}")
    print()
    for name, seconds in executed:
        print(f"  {name:<40} executed in {float(seconds):6.1f} s")
    print()
    print(f"largest page: {largest_name} ({pages[largest] / 1e6:.2f} MB of HTML, goal <= 1.5 MB)")
    print(f"heaviest page with its figures: {heaviest_name} ({weights[heaviest] / 1e6:.2f} MB)")
    print(f"pages: {len(pages)}, whole site: {total_bytes / 1e6:.1f} MB")
    ok = ratio <= MAX_RATIO and pages[largest] <= MAX_PAGE_BYTES
    print("goals met" if ok else "GOALS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
