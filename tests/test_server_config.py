"""The shipped `.streamlit/config.toml` keeps a classroom server safe: no tracebacks in the page, no
usage statistics sent, small uploads. Streamlit reads it when started from the project root."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".streamlit" / "config.toml"


def test_config_has_safe_classroom_defaults():
    cfg = tomllib.loads(CONFIG.read_text("utf-8"))
    assert cfg["client"]["showErrorDetails"] == "none"
    assert cfg["browser"]["gatherUsageStats"] is False
    assert 1 <= cfg["server"]["maxUploadSize"] <= 32  # MB; Streamlit's default is 200
    assert cfg["server"]["fileWatcherType"] == "none"


def test_streamlit_reads_it_from_the_project_root():
    """The values Streamlit itself resolves, in a fresh process started where the README says."""
    code = (
        "from streamlit import config\n"
        "config.get_config_options(force_reparse=True)\n"
        "print(config.get_option('client.showErrorDetails'), config.get_option('server.maxUploadSize'),"
        " config.get_option('browser.gatherUsageStats'))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    assert out == ["none", "16", "False"]


def test_elsewhere_streamlit_falls_back_to_its_unsafe_defaults(tmp_path):
    """Control: started outside the project, the same probe sees Streamlit's own defaults."""
    code = (
        "from streamlit import config\n"
        "config.get_config_options(force_reparse=True)\n"
        "print(config.get_option('client.showErrorDetails'), config.get_option('server.maxUploadSize'))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, check=True, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
                         ).stdout.split()
    assert out == ["full", "200"]
