"""Plotly.js for the in-page charts, served by Streamlit's static file serving as a file the browser
caches (``server.enableStaticServing`` in ``.streamlit/config.toml``), not re-sent with every page.

The file is plotly.js's core and its heatmap trace (heatmap and scatter are all these charts use),
bundled from plotly.js's sources as one plain script by ``assets/js/build`` (its README says how),
shipped in ``assets/js/`` and copied into ``app/static/`` when the app starts (nothing is
downloaded). Streamlit serves that folder at ``app/static/<name>`` relative to the page. A page
evaluates it on every visit, in a fraction of the time of plotly.js's official bundles
(``bench/bench_plotly_bundle.py``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import streamlit as st

STATIC = Path(__file__).resolve().parent / "static"
# The version is in the name, so a new bundle is a new URL and no browser keeps a stale copy.
NAME = "plotly-gatescope-4.1.1.min.js"
SOURCE = Path(__file__).resolve().parents[1] / "assets" / "js" / NAME
URL = f"app/static/{NAME}"  # relative to the page, so a base URL path (behind a proxy) still works


def ensure_plotly_js(static: Path = STATIC, source: Path = SOURCE) -> Path:
    """Copy the Plotly.js bundle into ``static`` unless an identical-size copy is there."""
    target = static / NAME
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        static.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copyfile(source, partial)
        partial.replace(target)  # atomic: a browser never sees half a file
    return target


# Fetch and run Plotly.js at the top of the explorer's page, while the server is still running the
# rest of the script: the heatmaps component (app/heatmaps.js) then finds it parsed, or awaits the
# same promise (window.__gsPlotlyLoading) instead of requesting it only when its payload arrives.
# The element is hidden (no gap in the page); the script runs once per page, not on every rerun.
LOADER = """<script id="gs-plotly-loader">
(() => {
  if (window.Plotly || window.__gsPlotlyLoading) return;
  const url = "__URL__";
  window.__gsPlotlyLoading = new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = url;
    s.async = true;
    s.onload = () => (window.Plotly ? resolve(window.Plotly)
      : reject(new Error(url + " did not define Plotly")));
    s.onerror = () => { window.__gsPlotlyLoading = null; reject(new Error("could not load " + url)); };
    document.head.appendChild(s);
  });
  window.__gsPlotlyLoading.catch(() => {});  // app/heatmaps.js shows the error where the charts go
})();
</script>
<style>[data-testid="stElementContainer"]:has(#gs-plotly-loader) { display: none; }</style>
""".replace("__URL__", URL)


def preload_ui() -> None:
    """Start loading Plotly.js now (call it early in the script of a page that draws heatmaps)."""
    ensure_plotly_js()
    st.html(LOADER, unsafe_allow_javascript=True)
