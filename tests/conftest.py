"""Shared fixtures: paths, the shipped model catalogue, a real `streamlit run` server, and the one
Debian chromium (driven by Playwright) that every browser test file uses."""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)  # on 2 shared cores torch's thread pool can stall a 1 ms forward for seconds

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app" / "gatescope.py"  # the script `streamlit run` and AppTest run
PAGE = ROOT / "app" / "page.py"  # what that script runs: the page and its VIEWS
MODELS = Path(os.environ.get("GATESCOPE_MODELS", ROOT / "assets" / "models"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's chromium
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "artifacts" / "screenshots"  # screenshots for a person to look at (not committed)


def page_views() -> list[str]:
    """The page's views in order: the keys of ``VIEWS`` in app/page.py, read from its source, so
    that a test listing every view never misses a new one."""
    tree = ast.parse(PAGE.read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["VIEWS"]:
            return [ast.literal_eval(k) for k in node.value.keys]
    raise AssertionError(f"expected a VIEWS = {{...}} dict in {PAGE}, found none")


def shipped_cards() -> dict[str, dict]:
    return {
        p.parent.name: json.loads(p.read_text("utf-8")) for p in sorted(MODELS.glob("*/card.json"))
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env_extra: dict | None = None, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start `python -m streamlit run app/gatescope.py` and wait until it answers."""
    port = port or free_port()
    env = {**os.environ, **(env_extra or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit did not start: {proc.stdout.read().decode()[-2000:]}")


@contextlib.contextmanager
def running_server(env_extra: dict | None = None) -> Iterator[str]:
    """A started server's URL for the ``with`` block; stopped after it."""
    proc, url = start_server(env_extra)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def server():
    with running_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, one per test module (every browser test file uses this one)."""
    from playwright.sync_api import sync_playwright  # only the browser tests need Playwright

    assert Path(CHROMIUM).exists(), f"Debian's chromium is required for the browser tests, not at {CHROMIUM}"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
