"""A one-page site for the browser benchmarks: the real hook and assets, served locally.

``networks.py`` and ``playground.py`` each build the home page and their own page with
the site's theme, assets and hook into a temporary folder, serve it from 127.0.0.1 and
time it in headless Chromium.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without a log line per request."""

    def log_message(self, format, *args):
        pass


def build_site(base: Path, page: str, title: str, hook: str) -> Path:
    """Build the home page and ``tutorials/<page>`` with ``docs_hooks/<hook>``; return the site.

    The site's theme, assets and overrides are the real ones; a failed build exits with
    mkdocs' output.
    """
    docs = base / "docs"
    shutil.copytree(ROOT / "tutorials" / "assets", docs / "assets")
    shutil.copy(ROOT / "tutorials" / page, docs / page)
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config.update(
        docs_dir="docs",
        plugins=["search"],
        hooks=[str(ROOT / "docs_hooks" / hook)],
        nav=[{"Home": "index.md"}, {title: page}],
        validation={"links": {"not_found": "info", "anchors": "info"}},
    )
    config["theme"]["custom_dir"] = str(ROOT / "overrides")
    (base / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    site = base / "site"
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", "mkdocs.yml", "-d", str(site)]
    proc = subprocess.run(command, cwd=base, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"mkdocs build failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
    return site


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``site`` from 127.0.0.1 in a background thread; return the server and its URL."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def quantiles(values: list[float]) -> str:
    """Return ``"median | 10th percentile | 90th percentile"`` for a Markdown table row."""
    q = statistics.quantiles(values, n=10)
    return f"{statistics.median(values):.1f} | {q[0]:.1f} | {q[-1]:.1f}"
