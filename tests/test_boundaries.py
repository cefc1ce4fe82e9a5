"""Dependencies run one way (DESIGN.md): app → cells → numpy. Nothing in ``cells/`` outside
``cells/train/`` imports streamlit, plotly, pandas or torch (nor the app), and ``import cells``
loads none of them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CELLS = ROOT / "cells"
HEAVY = ("streamlit", "torch", "plotly", "pandas")
FORBIDDEN = (*HEAVY, "app")  # and nothing reaches back up into the front end


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_import_cells_loads_no_heavy_package():
    code = (
        "import cells, sys; "
        "print(sorted({'streamlit','torch','plotly','pandas'} & set(sys.modules)))"
    )
    assert _python(code) == "[]"


def test_every_cells_module_outside_train_loads_no_heavy_package():
    code = (
        "import importlib, pkgutil, sys, cells\n"
        "names = [m.name for m in pkgutil.iter_modules(cells.__path__, 'cells.')\n"
        "         if m.name != 'cells.train']\n"
        "for n in names: importlib.import_module(n)\n"
        f"print(len(names), sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    )
    count, loaded = _python(code).split(" ", 1)
    assert int(count) >= 15  # every module was really imported
    assert loaded == "[]"


def test_the_subprocess_check_can_see_torch():
    """Control for the two tests above: the same probe does report torch once it is imported."""
    code = "import cells, torch, sys; print(sorted({'torch', 'plotly'} & set(sys.modules)))"
    assert _python(code) == "['torch']"


def forbidden_imports(source: str, filename: str = "<source>") -> list[str]:
    """Every import (also inside functions, also via importlib/__import__) of a forbidden package."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    names = [arg.value]
        for name in names:
            if name.split(".")[0] in FORBIDDEN:
                found.append(f"{filename}:{node.lineno}: {name}")
    return found


def cells_sources() -> list[Path]:
    return sorted(p for p in CELLS.rglob("*.py") if "train" not in p.relative_to(CELLS).parts[:1])


def test_no_cells_source_outside_train_imports_heavy_packages():
    files = cells_sources()
    assert len(files) >= 15 and CELLS / "lstm.py" in files
    assert not any(p.is_relative_to(CELLS / "train") for p in files)
    problems = [hit for p in files for hit in forbidden_imports(p.read_text("utf-8"), str(p))]
    assert problems == []


@pytest.mark.parametrize(
    "source",
    [
        "import torch",
        "import torch.nn as nn",
        "from torch import nn",
        "from torch.nn import functional as F",
        "import numpy, streamlit as st",
        "from plotly import graph_objects as go",
        "import pandas as pd",
        "def f():\n    import torch\n    return torch",
        "try:\n    import plotly\nexcept ImportError:\n    pass",
        "import importlib\nimportlib.import_module('torch')",
        "tf = __import__('pandas')",
        "from app import charts",
    ],
)
def test_the_scanner_catches_each_form(source):
    assert forbidden_imports(source), source


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np",
        "from cells.tokenize import Token",
        "from . import torch_bridge",  # relative: cells' own module named torch_bridge
        "import json",
        "import torchlike  # another package whose name starts with torch",
        "x = 'import torch'",
    ],
)
def test_the_scanner_lets_the_rest_through(source):
    assert forbidden_imports(source) == []
