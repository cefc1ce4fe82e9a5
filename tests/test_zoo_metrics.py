"""The zoo command finds every trainer; the metrics command measures with cells alone and flags
any difference from a card."""

import json
import subprocess
import sys

import pytest
import torch

import cells
from cells.tasks import counting
from cells.train import metrics, train_counting, zoo
from tests.conftest import ROOT


def test_zoo_plan_has_every_trainer_and_fails_loudly(monkeypatch):
    order = zoo.plan()
    assert order[: len(zoo.EXPECTED)] == zoo.EXPECTED
    monkeypatch.setattr(zoo, "discover", lambda: ["train_counting"])
    with pytest.raises(SystemExit, match="train_agreement"):
        zoo.plan()


def test_every_trainer_has_main():
    import importlib

    for name in zoo.plan():
        assert callable(importlib.import_module(f"cells.train.{name}").main), name


def test_registry_covers_the_shipped_tasks_and_names_missing_modules():
    for task in ("charlm", "sentiment", "names", "anbn", "anbncn", "agreement"):
        assert task in metrics.TASKS
    with pytest.raises(metrics.TaskError, match="no evaluation module registered"):
        metrics.task_module("no-such-task")
    monkeypatch_name = "cells.tasks.not_written_yet"
    metrics.TASKS["later"] = monkeypatch_name
    try:
        with pytest.raises(metrics.TaskError, match="does not exist"):
            metrics.task_module("later")
    finally:
        del metrics.TASKS["later"]


def _run_metrics(*args):
    return subprocess.run(
        [sys.executable, "-m", "cells.train.metrics", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


def test_metrics_command_equal_then_different(tmp_path):
    torch.set_num_threads(1)
    net, info = train_counting.train_one("anbn", "gru", seed=0, steps=5, hidden=3, max_n=4)
    card = train_counting.base_card("anbn", "gru", 0, info, 3, 4)
    folder = train_counting.export(net, tmp_path / "anbn-gru", "anbn", card)
    card = json.loads((folder / "card.json").read_text())
    card["metrics"] = counting.evaluate(cells.load(folder))
    (folder / "card.json").write_text(json.dumps(card))
    ok = _run_metrics("--models", str(tmp_path))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "| max_n_all_correct |" in ok.stdout
    card["metrics"]["max_n_all_correct"] += 1
    card["metrics"]["extra"] = 1.0
    (folder / "card.json").write_text(json.dumps(card))
    bad = _run_metrics("--models", str(tmp_path))
    assert bad.returncode == 1
    assert "max_n_all_correct: card" in bad.stdout and "extra" in bad.stdout
    card["task"] = "timeseries"
    (folder / "card.json").write_text(json.dumps(card))
    missing = _run_metrics("--models", str(tmp_path), "--only", "timeseries")
    assert missing.returncode == 1 and "does not exist" in missing.stdout


def test_metrics_refuses_torch():
    code = "from cells.train import metrics; metrics.forbid_torch(); import torch"
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode != 0 and "cells alone" in r.stderr
