"""Dependencies run one way (DESIGN.md): ``app → cells (+ cells.tasks) → numpy`` and
``cells/train → cells, cells.tasks, torch``. Three static rules over every import (also inside
functions, also via importlib/__import__, relative ones resolved), each with controls that prove
the scan can fail, and the same rules at run time in a fresh interpreter:

- the inference core (``cells/`` except ``cells/tasks/`` and ``cells/train/``) imports no task and
  no training code, nor streamlit, torch, plotly, pandas or the app;
- ``cells/tasks/`` imports no torch and no training code, nor streamlit, plotly, pandas or the app;
- ``app/`` imports no training code (anything under ``cells.train``) except the training door
  ``cells.train.jobs``, which itself imports no torch and no other training code at module level
  (its workers do, in their own processes).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("streamlit", "torch", "plotly", "pandas")


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# ---------------------------------------------------------------- the static scan


def module_name(path: Path, root: Path = ROOT) -> str:
    """``cells/tasks/charlm.py`` -> ``cells.tasks.charlm``; a package's ``__init__`` -> the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def _resolve(name: str | None, level: int, package: str) -> str:
    """The absolute name of a relative import ``from <level dots><name>`` inside ``package``."""
    if level == 0:
        return name or ""
    base = package.split(".") if package else []
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, name] if name else base)


def _called_import(node: ast.Call, package: str) -> list[str]:
    """``importlib.import_module("x"[, pkg])`` / ``__import__("x")``: the module named, if written
    as a string (an f-string: its constant head, e.g. f"cells.train.{x}" -> cells.train)."""
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if called not in ("import_module", "__import__") or not node.args:
        return []
    arg = node.args[0]
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        head = str(arg.values[0].value)
        name = head.rstrip(".") if head.endswith(".") else head.rpartition(".")[0]
        return [name] if name else []
    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        return []
    if arg.value.startswith("."):  # import_module(".tasks", "cells")
        anchor = node.args[1] if len(node.args) > 1 else None
        if isinstance(anchor, ast.Constant) and isinstance(anchor.value, str):
            level = len(arg.value) - len(arg.value.lstrip("."))
            return [_resolve(arg.value.lstrip(".") or None, level, anchor.value)]
        return [_resolve(arg.value.lstrip(".") or None, 1, package)]
    return [arg.value]


def imported_modules(source: str, module: str = "", is_package: bool = False
                     ) -> list[tuple[int, str]]:
    """Every (line, absolute module name) a source imports or may import: ``from a import b``
    gives both ``a`` and ``a.b`` (b may be a submodule); relative imports are resolved against
    ``module`` (the source's own dotted name)."""
    package = _package(module, is_package)
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, package)
            names = [base] if base else []
            names += [f"{base}.{a.name}" if base else a.name for a in node.names if a.name != "*"]
        elif isinstance(node, ast.Call):
            names = _called_import(node, package)
        found += [(node.lineno, n) for n in names]
    return found


def matches(name: str, forbidden: tuple[str, ...]) -> bool:
    """``name`` is one of ``forbidden`` or inside one of them (``torch.nn`` in ``torch``)."""
    return any(name == f or name.startswith(f + ".") for f in forbidden)


def excused(name: str, line_names: set[str], allowed: tuple[str, ...]) -> bool:
    """An allowed module (``cells.train.jobs``), or its package named by the same import statement
    (``from cells.train import jobs`` also yields ``cells.train``)."""
    if matches(name, allowed):
        return True
    return any(a.startswith(name + ".") for a in allowed) and any(matches(n, allowed) for n in line_names)


def forbidden_imports(source: str, forbidden: tuple[str, ...], module: str = "",
                      is_package: bool = False, filename: str = "<source>",
                      allowed: tuple[str, ...] = ()) -> list[str]:
    found = imported_modules(source, module, is_package)
    by_line: dict[int, set[str]] = {}
    for line, name in found:
        by_line.setdefault(line, set()).add(name)
    return [f"{filename}:{line}: {name}" for line, name in found
            if matches(name, forbidden) and not excused(name, by_line[line], allowed)]


@dataclass(frozen=True)
class Rule:
    name: str
    files: Callable[[Path], list[Path]]  # the project root -> the sources the rule covers
    forbidden: tuple[str, ...]
    allowed: tuple[str, ...] = ()  # inside ``forbidden`` but let through (the training door)

    def violations(self, root: Path = ROOT) -> list[str]:
        hits = []
        for path in self.files(root):
            hits += forbidden_imports(path.read_text("utf-8"), self.forbidden,
                                      module_name(path, root), path.name == "__init__.py",
                                      str(path.relative_to(root)), self.allowed)
        return hits


def core_sources(root: Path) -> list[Path]:
    cells = root / "cells"
    outside = (cells / "tasks", cells / "train")
    return sorted(p for p in cells.rglob("*.py") if not any(p.is_relative_to(o) for o in outside))


def tasks_sources(root: Path) -> list[Path]:
    return sorted((root / "cells" / "tasks").rglob("*.py"))


def app_sources(root: Path) -> list[Path]:
    return sorted((root / "app").rglob("*.py"))


CORE = Rule("core", core_sources, (*HEAVY, "app", "cells.tasks", "cells.train"))
TASKS = Rule("tasks", tasks_sources, (*HEAVY, "app", "cells.train"))
DOOR = "cells.train.jobs"  # the one training module the page may import (no torch in it)
APP = Rule("app", app_sources, ("cells.train",), (DOOR,))
RULES = {r.name: r for r in (CORE, TASKS, APP)}


def test_the_rules_cover_the_right_files():
    core, tasks, app = (r.files(ROOT) for r in (CORE, TASKS, APP))
    cells = ROOT / "cells"
    assert len(core) >= 15 and {cells / "__init__.py", cells / "probe.py", cells / "lstm.py"} <= set(core)
    assert not any(p.is_relative_to(cells / "tasks") or p.is_relative_to(cells / "train") for p in core)
    assert {cells / "tasks" / "__init__.py", cells / "tasks" / "charlm.py"} <= set(tasks)
    assert ROOT / "app" / "sample_text.py" in app and ROOT / "app" / "views" / "findunit.py" in app


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_holds(rule):
    assert RULES[rule].violations() == []


# (rule, the file it is planted in, source): each must be flagged by that rule
PLANTED = [
    ("core", "cells/probe.py", "from cells.tasks import charlm"),
    ("core", "cells/probe.py", "from cells import tasks"),
    ("core", "cells/probe.py", "import cells.tasks.agreement as agreement"),
    ("core", "cells/probe.py", "from cells.train.metrics import TASKS"),
    ("core", "cells/probe.py", "from .tasks import counting"),
    ("core", "cells/probe.py", "from . import train"),
    ("core", "cells/__init__.py", "from .tasks import inside_quotes"),  # in cells/__init__.py
    ("core", "cells/probe.py", "def f():\n    from cells.tasks.counting import count_a_minus_b"),
    ("core", "cells/probe.py", "import importlib\nimportlib.import_module('cells.tasks')"),
    ("core", "cells/probe.py", "importlib.import_module('.train.zoo', 'cells')"),
    ("core", "cells/probe.py", "importlib.import_module(f'cells.train.{name}')"),
    ("core", "cells/probe.py", "m = __import__('cells.train.zoo')"),
    ("core", "cells/probe.py", "import torch"),
    ("core", "cells/probe.py", "from torch.nn import functional as F"),
    ("core", "cells/probe.py", "import numpy, streamlit as st"),
    ("core", "cells/probe.py", "from plotly import graph_objects as go"),
    ("core", "cells/probe.py", "import pandas as pd"),
    ("core", "cells/probe.py", "try:\n    import plotly\nexcept ImportError:\n    pass"),
    ("core", "cells/probe.py", "from app import charts"),
    ("tasks", "cells/tasks/charlm.py", "import torch"),
    ("tasks", "cells/tasks/charlm.py", "from torch import nn"),
    ("tasks", "cells/tasks/charlm.py", "from cells.train import seqtrain"),
    ("tasks", "cells/tasks/charlm.py", "from cells.train.modules import SimplifiedGRU"),
    ("tasks", "cells/tasks/charlm.py", "from ..train import metrics"),
    ("tasks", "cells/tasks/charlm.py", "from .. import train"),
    ("tasks", "cells/tasks/charlm.py", "def f():\n    import torch\n    return torch"),
    ("tasks", "cells/tasks/charlm.py", "importlib.import_module('torch.nn')"),
    ("tasks", "cells/tasks/charlm.py", "import streamlit"),
    ("tasks", "cells/tasks/charlm.py", "from app.views import findunit"),
    ("app", "app/sample_text.py", "from cells.train.tasks import charlm"),
    ("app", "app/sample_text.py", "from cells.train import metrics"),
    ("app", "app/sample_text.py", "from cells import train"),
    ("app", "app/sample_text.py", "import cells.train.zoo"),
    ("app", "app/sample_text.py", "def f():\n    from cells.train import zoo"),
    ("app", "app/views/findunit.py", "importlib.import_module('cells.train.metrics')"),
    ("app", "app/views/train.py", "from cells.train import jobs, job_worker"),
    ("app", "app/views/train.py", "from cells.train import jobs\nfrom cells.train import seqtrain"),
    ("app", "app/views/train.py", "import cells.train"),
    ("app", "app/views/train.py", "from cells import train"),
    ("app", "app/views/train.py", "from cells.train.jobs_extra import x"),
]


def scan_planted(rule: str, file: str, source: str) -> list[str]:
    """The rule's scan of ``source`` as if it were the project file ``file``."""
    return forbidden_imports(source, RULES[rule].forbidden, module_name(ROOT / file),
                             file.endswith("__init__.py"), file, RULES[rule].allowed)


@pytest.mark.parametrize(("rule", "file", "source"), PLANTED)
def test_each_rule_flags_a_planted_import(rule, file, source):
    assert scan_planted(rule, file, source), source


# (rule, file, source): each must pass that rule
ALLOWED = [
    ("core", "cells/probe.py", "import numpy as np"),
    ("core", "cells/probe.py", "from cells.tokenize import Token"),
    ("core", "cells/__init__.py", "from cells.probe import rank_units"),
    ("core", "cells/probe.py", "from . import torch_bridge"),  # cells' own module named torch_bridge
    ("core", "cells/probe.py", "import torchlike  # another package whose name starts with torch"),
    ("core", "cells/probe.py", "import cells.tasksmith"),  # only cells.tasks itself and below
    ("core", "cells/probe.py", "x = 'import torch'"),
    ("tasks", "cells/tasks/charlm.py", "import cells"),
    ("tasks", "cells/tasks/charlm.py", "from cells.probe import rank_units"),
    ("tasks", "cells/tasks/charlm.py", "from .datautil import DATA"),
    ("tasks", "cells/tasks/charlm.py", "from cells.tasks import agreement"),
    ("app", "app/sample_text.py", "from cells import tasks"),
    ("app", "app/sample_text.py", "import cells.tasks.charlm"),
    ("app", "app/sample_text.py", "import streamlit as st"),
    ("app", "app/views/train.py", "from cells.train import jobs"),
    ("app", "app/views/train.py", "import cells.train.jobs"),
    ("app", "app/views/train.py", "from cells.train.jobs import Settings, submit"),
]


@pytest.mark.parametrize(("rule", "file", "source"), ALLOWED)
def test_each_rule_lets_the_rest_through(rule, file, source):
    assert scan_planted(rule, file, source) == []


def test_a_planted_file_in_a_copy_of_the_tree_is_found(tmp_path):
    """Control for test_rule_holds: the whole check (file selection + scan) on a tree with one
    planted import per rule reports exactly those."""
    plants = {
        "cells/__init__.py": "from cells.probe import rank_units\n",
        "cells/probe.py": "import numpy\n\ndef f():\n    from cells.tasks import charlm\n",
        "cells/tasks/__init__.py": "",
        "cells/tasks/charlm.py": "from ..train import seqtrain\n",
        "cells/train/zoo.py": "import torch\nfrom cells.tasks import charlm\n",  # allowed there
        "app/views/findunit.py": "from cells import tasks\nfrom cells.train import metrics\n",
    }
    for rel, text in plants.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert CORE.violations(tmp_path) == ["cells/probe.py:4: cells.tasks",
                                         "cells/probe.py:4: cells.tasks.charlm"]
    assert TASKS.violations(tmp_path) == ["cells/tasks/charlm.py:1: cells.train",
                                          "cells/tasks/charlm.py:1: cells.train.seqtrain"]
    assert APP.violations(tmp_path) == ["app/views/findunit.py:2: cells.train",
                                        "app/views/findunit.py:2: cells.train.metrics"]


# ---------------------------------------------------------------- the same at run time

# prints the loaded modules that are heavy, the app's, or task / training code
LOADED = (
    "import sys\n"
    "bad = lambda m: (m.split('.')[0] in {'streamlit', 'torch', 'plotly', 'pandas', 'app'}\n"
    "                 or m in ('cells.tasks', 'cells.train')\n"
    "                 or m.startswith(('cells.tasks.', 'cells.train.')))\n"
    "print(sorted({m for m in sys.modules if bad(m)}))\n"
)


def test_import_cells_loads_no_task_training_or_heavy_module():
    assert _python("import cells\n" + LOADED) == "[]"


def test_the_run_time_probe_sees_cells_tasks_once_imported():
    """Control for the test above: the same probe reports cells.tasks (and torch) when loaded."""
    out = _python("import cells, cells.tasks\n" + LOADED)
    assert "'cells.tasks'" in out and "'cells.tasks.charlm'" in out
    assert "'torch'" in _python("import cells, torch\n" + LOADED)


def test_every_core_module_loads_no_task_training_or_heavy_module():
    code = (
        "import importlib, pkgutil, cells\n"
        "names = [m.name for m in pkgutil.iter_modules(cells.__path__, 'cells.')\n"
        "         if m.name not in ('cells.tasks', 'cells.train')]\n"
        "for n in names: importlib.import_module(n)\n"
        "print(len(names))\n" + LOADED
    )
    count, loaded = _python(code).split("\n")
    assert int(count) >= 15  # every module was really imported
    assert loaded == "[]"


def test_the_page_loads_only_the_training_door_and_no_torch():
    """Every module of the app imported in a fresh interpreter: of ``cells.train`` only the door
    (and its package) is loaded, and no torch."""
    code = (
        "import importlib, pkgutil, sys, app, app.views\n"
        "names = [m.name for m in pkgutil.iter_modules(app.__path__, 'app.')\n"
        "         if m.name != 'app.gatescope']\n"
        "names += [m.name for m in pkgutil.iter_modules(app.views.__path__, 'app.views.')]\n"
        "for n in names: importlib.import_module(n)\n"
        "print(len(names), 'app.views.train' in sys.modules)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'\n"
        "             or m.startswith('cells.train')))\n"
    )
    counts, loaded = _python(code).split("\n")[-2:]
    count, has_train = counts.split()
    assert int(count) >= 20 and has_train == "True"
    assert loaded == str(sorted(["cells.train", DOOR]))


def test_every_tasks_module_loads_no_torch_and_no_training_code():
    code = (
        "import importlib, pkgutil, sys, cells.tasks\n"
        "names = [m.name for m in pkgutil.iter_modules(cells.tasks.__path__, 'cells.tasks.')]\n"
        "for n in names: importlib.import_module(n)\n"
        "print(len(names))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "             {'streamlit', 'torch', 'plotly', 'pandas', 'app'}\n"
        "             or m == 'cells.train' or m.startswith('cells.train.')))\n"
    )
    count, loaded = _python(code).split("\n")
    assert int(count) >= 7
    assert loaded == "[]"
