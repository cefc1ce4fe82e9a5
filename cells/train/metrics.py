"""Re-measure every shipped model with ``cells`` alone (no torch) and check the cards' numbers.

    python -m cells.train.metrics                 # every model under assets/models/
    python -m cells.train.metrics --only agreement anbn

For each model folder, its card's ``task`` picks a module of ``cells.tasks`` (``TASKS``);
that module's ``evaluate(model)`` gives the held-out metrics. One markdown table per task is
printed (metrics as rows, models as columns), with the task's classic baseline(s) built from the
same training data in the last column(s) (``BASELINES``; "—" where a task has none yet, or for a
metric the baseline does not have). The exit code is 1 if any number differs from the
card's ``metrics`` by more than 1e-6 (relative), if a metric is missing on either side, or if a
task has no module; each difference is named. Baselines never change the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.abc
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cells
from cells import tasks

MODELS = Path("assets/models")
REL_TOL = 1e-6

# card["task"] -> the NumPy-only module with evaluate(model) -> dict: the tasks' registry, and a
# generic name some cards may use for the time-series task (its module is not written)
TASKS: dict[str, str] = {
    **{task: entry.module for task, entry in tasks.TASKS.items()},
    "timeseries": "cells.tasks.timeseries",
}


def charlm_baseline() -> dict:
    from cells.tasks import ngram  # NumPy only; counts are cached in memory, never written

    return ngram.baseline()


def sentiment_baselines() -> list[dict]:
    from cells.train import sentiment_order  # NumPy only: bag-of-words LR / naive Bayes

    return sentiment_order.sentiment_baseline_rows()


# card["task"] -> a NumPy-only function giving the task's classic baseline(s) measured on the same
# held-out split as the models: one dict, or a list of dicts, each with a "model" name and metrics
# named as the models' are (e.g. {"model": "Kneser-Ney 8-gram", "nats_per_char": 1.17}).
# Plug in a task's baseline here (e.g. "sentiment": bag-of-words logistic regression / naive Bayes).
BASELINES: dict[str, Callable[[], dict | list[dict]]] = {
    "charlm": charlm_baseline,
    "sentiment": sentiment_baselines,
}
NO_BASELINE = "—"


def baselines_of(task: str) -> list[dict]:
    """The task's baseline rows, or [] if it has none; a failing baseline is named, not raised."""
    fn = BASELINES.get(task)
    if fn is None:
        return []
    start = time.time()
    try:
        found = fn()
    except Exception as e:  # noqa: BLE001 - a broken baseline must not hide the models' check
        return [{"model": f"baseline failed: {type(e).__name__}: {e}"}]
    rows = [found] if isinstance(found, dict) else list(found)
    print(f"baseline of {task} in {time.time() - start:.1f} s", file=sys.stderr)
    return rows


class TaskError(RuntimeError):
    """A card's task has no usable evaluation module."""


class _NoTorch(importlib.abc.MetaPathFinder):
    """Refuses ``import torch``: these numbers must come from cells alone."""

    def find_spec(self, name, path=None, target=None):  # noqa: ANN001 - importlib's protocol
        if name == "torch" or name.startswith("torch."):
            raise ImportError(
                "cells.train.metrics measures with cells alone: a task module tried to import"
                f" {name!r}; keep cells/tasks/*.py NumPy-only"
            )
        return None


def forbid_torch() -> None:
    if "torch" in sys.modules:
        raise SystemExit("cells.train.metrics: torch is already imported; run it in a fresh process")
    if not any(isinstance(f, _NoTorch) for f in sys.meta_path):
        sys.meta_path.insert(0, _NoTorch())


def task_module(task: str):
    """The evaluation module of ``task``, or a TaskError saying what is missing."""
    name = TASKS.get(task)
    if name is None:
        raise TaskError(f"no evaluation module registered for task {task!r}; known: {sorted(TASKS)}")
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name and name.startswith(e.name):
            raise TaskError(f"task {task!r}: its module {name} does not exist (yet)") from e
        raise
    if not callable(getattr(module, "evaluate", None)):
        raise TaskError(f"task {task!r}: {name} has no evaluate(model)")
    return module


def flatten(d: dict, prefix: str = "") -> dict[str, object]:
    """``{"a": {"b": 1}}`` -> ``{"a/b": 1}``; lists are kept as values."""
    out: dict[str, object] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "/"))
        else:
            out[key] = v
    return out


def same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= REL_TOL * max(abs(a), abs(b)) or a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def compare(card_metrics: dict, measured: dict) -> list[str]:
    """Every difference between the card's metrics and the measured ones, in words."""
    want, got = flatten(card_metrics), flatten(measured)
    diffs = []
    for key in want:
        if key not in got:
            diffs.append(f"{key}: in the card ({want[key]!r}) but not measured")
        elif not same(want[key], got[key]):
            diffs.append(f"{key}: card {want[key]!r}, measured {got[key]!r}")
    diffs += [f"{key}: measured {got[key]!r} but not in the card" for key in got if key not in want]
    return diffs


def fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def table(task: str, rows: dict[str, dict], bad: dict[str, set[str]],
          baselines: list[dict] | None = None) -> str:
    """Markdown: one row per metric, one column per model, then one per baseline (its name heads
    the column; "—" for a metric it lacks, or a single "baseline" column of "—" if there is none);
    a mismatch with the card is marked ≠card."""
    ids = sorted(rows)
    keys: list[str] = []
    for i in ids:
        keys += [k for k in flatten(rows[i]) if k not in keys]
    base = [flatten({k: v for k, v in b.items() if k != "model"}) for b in baselines or []]
    heads = [f"baseline: {b.get('model', '?')}" for b in baselines or []] or ["baseline"]
    lines = [f"### {task}", "", "| metric | " + " | ".join(ids + heads) + " |",
             "|---|" + "---|" * (len(ids) + len(heads))]
    for k in keys:
        cells_ = []
        for i in ids:
            v = flatten(rows[i]).get(k, "")
            cells_.append(fmt(v) + (" ≠card" if k in bad.get(i, set()) else ""))
        cells_ += [fmt(b[k]) if k in b else NO_BASELINE for b in base] or [NO_BASELINE]
        lines.append(f"| {k} | " + " | ".join(cells_) + " |")
    return "\n".join(lines)


def model_folders(root: Path = MODELS) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / "card.json").is_file()) if root.is_dir() else []


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", nargs="+", metavar="TASK", help="only models of these tasks (or ids)")
    p.add_argument("--models", type=Path, default=MODELS, help="folder of model folders")
    p.add_argument("--no-baselines", action="store_true", help="skip the baselines (faster)")
    a = p.parse_args(argv)
    forbid_torch()
    by_task: dict[str, dict[str, dict]] = {}
    bad: dict[str, set[str]] = {}
    problems: list[str] = []
    folders = model_folders(a.models)
    if not folders:
        problems.append(f"no model folders under {a.models}")
    for folder in folders:
        try:
            model = cells.load(folder)
        except cells.ModelFileError as e:
            problems.append(f"{folder.name}: does not load: {e}")
            continue
        task = model.card.task
        if a.only and task not in a.only and model.id not in a.only:
            continue
        start = time.time()
        try:
            measured = task_module(task).evaluate(model)
        except TaskError as e:
            problems.append(f"{model.id}: {e}")
            continue
        diffs = compare(model.card.metrics, measured)
        if diffs:
            bad[model.id] = {d.split(":", 1)[0] for d in diffs}
            problems += [f"{model.id}: {d}" for d in diffs]
        by_task.setdefault(task, {})[model.id] = measured
        print(f"measured {model.id} ({task}) in {time.time() - start:.1f} s", file=sys.stderr)
    if a.only and not by_task and not problems:
        problems.append(f"--only {a.only}: no model of these tasks under {a.models}")
    for task in sorted(by_task):
        base = [] if a.no_baselines else baselines_of(task)
        print(table(task, by_task[task], bad, base) + "\n")
    if "torch" in sys.modules:  # belt and braces: the finder above should have stopped it
        problems.append("torch was imported while measuring")
    if problems:
        print("DIFFERENCES / PROBLEMS:\n" + "\n".join(f"- {x}" for x in problems))
        return 1
    n = sum(len(v) for v in by_task.values())
    print(f"all {n} models: measured metrics equal their cards' (rel. tol. {REL_TOL:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
