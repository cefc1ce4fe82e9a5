"""The Plotly.js bundle the in-page charts load: shipped, the one its README names, copied intact."""

from __future__ import annotations

import hashlib
import json
import re

from app import static_assets


def test_bundle_is_the_documented_build():
    text = static_assets.SOURCE.read_text("utf-8")
    assert text.startswith("/* plotly.js v4.1.1: core and heatmap, bundled for Gatescope")
    # a plain script that defines the global Plotly (no module wrapper): app/plotly_loader.js
    # adds it with a <script> tag and waits for window.Plotly
    assert text.splitlines()[1].startswith("var Plotly=(()=>{")
    readme = (static_assets.SOURCE.parent / "README.md").read_text("utf-8")
    digest = hashlib.sha256(static_assets.SOURCE.read_bytes()).hexdigest()
    assert f"sha256 `{digest}`" in readme, "assets/js/README.md names another file's sha256"
    assert (static_assets.SOURCE.parent / "LICENSE-plotly.js.txt").read_text("utf-8").startswith(
        "MIT License")


def test_bundle_holds_the_traces_the_charts_draw():
    # app/heatmaps.js draws "heatmap" and "scatter" traces; app/live_chart.js "scatter"
    text = static_assets.SOURCE.read_text("utf-8")
    for trace in ("heatmap", "scatter"):
        assert re.search(rf'name:"{trace}"', text), f"no {trace} trace module in the bundle"


def test_copied_into_static_folder(tmp_path):
    target = static_assets.ensure_plotly_js(static=tmp_path)
    assert target.name == static_assets.NAME and static_assets.URL.endswith(static_assets.NAME)
    assert target.read_bytes() == static_assets.SOURCE.read_bytes()
    (tmp_path / static_assets.NAME).write_bytes(b"truncated")  # a broken copy is replaced
    assert static_assets.ensure_plotly_js(static=tmp_path).read_bytes() == static_assets.SOURCE.read_bytes()


def test_build_recipe_names_the_shipped_version():
    # assets/js/build makes the shipped file: a new plotly.js there must give a new file name (URL)
    build = static_assets.SOURCE.parent / "build"
    package = json.loads((build / "package.json").read_text("utf-8"))
    lock = json.loads((build / "package-lock.json").read_text("utf-8"))
    version = package["devDependencies"]["plotly.js"]
    assert lock["packages"]["node_modules/plotly.js"]["version"] == version
    assert static_assets.NAME == f"plotly-gatescope-{version}.min.js"
    assert f"v{version}:" in static_assets.SOURCE.read_text("utf-8")[:100]
