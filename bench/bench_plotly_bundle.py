"""Plotly.js bundles side by side: the time a blank page takes to load and evaluate each one.

    python bench/bench_plotly_bundle.py [--reps 7] [--extra path/to/another.min.js ...]

The in-page charts (``app/heatmaps.js``, ``app/live_chart.js``) need Plotly.js's heatmap and scatter
traces only, and a page pays the bundle's evaluation on every load, on the browser's main thread
(the explorer's first render, figure 3 of ``bench/bench_explorer.py``). This compares the shipped
bundle (``assets/js/``, ``app.static_assets.SOURCE``: plotly.js's core and heatmap, built by
``assets/js/build``) with the full ``plotly.min.js`` that the pinned Python ``plotly`` package ships,
and with any ``--extra`` file (plotly.js's official cartesian bundle, say, from its npm package), in
Debian's headless chromium: a blank page adds a ``<script>`` and times until its ``load`` event
(fetched from a local server, then evaluated), alternating the bundles in one run, each in a fresh
page of the same browser context (so the HTTP cache serves all alike).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import plotly  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from app import static_assets  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGE = """<!doctype html><html><body><script>
window.load = (src) => new Promise((done) => {
  const t0 = performance.now(), s = document.createElement("script");
  s.src = src;
  s.onload = () => done({ ms: performance.now() - t0, heatmap: !!(window.Plotly && Plotly.PlotSchema
    && Plotly.PlotSchema.get().traces.heatmap) });
  document.head.appendChild(s);
});
</script></body></html>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--extra", type=Path, nargs="*", default=[],
                    help="other Plotly.js bundles to time beside these two")
    opts = ap.parse_args()
    bundles = {"shipped (core + heatmap)": static_assets.SOURCE,
               "full plotly.min.js": Path(plotly.__file__).parent / "package_data" / "plotly.min.js"}
    for path in opts.extra:
        bundles[path.name] = path
    folder = Path(tempfile.mkdtemp(prefix="gs-bundle-"))
    (folder / "index.html").write_text(PAGE, "utf-8")
    names = {}
    for k, (label, src) in enumerate(bundles.items()):
        names[label] = f"b{k}.js"
        (folder / names[label]).symlink_to(src.resolve())
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    times: dict[str, list[float]] = {label: [] for label in bundles}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context()
            for rep in range(opts.reps + 1):  # the first round warms the HTTP cache (not counted)
                order = list(bundles) if rep % 2 == 0 else list(bundles)[::-1]
                for label in order:
                    page = context.new_page()
                    page.goto(url)
                    got = page.evaluate("(src) => window.load(src)", names[label])
                    page.close()
                    if not got["heatmap"]:
                        raise SystemExit(f"{label}: Plotly has no heatmap trace")
                    if rep:
                        times[label].append(got["ms"])
            browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(folder, ignore_errors=True)
    shipped = statistics.median(times[next(iter(bundles))])
    for label, src in bundles.items():
        ms = statistics.median(times[label])
        print(f"{label:30} {src.stat().st_size / 1e6:5.1f} MB   load + evaluate {ms:7.1f} ms (median "
              f"of {opts.reps})")
    for label in list(bundles)[1:]:
        print(f"shipped / {label}: {shipped / statistics.median(times[label]):.2f}")
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
