"""The metrics command's baseline column: each task's baseline beside its models, "—" where a task
has none or a baseline lacks a metric, a failing baseline named instead of raised."""

from __future__ import annotations

from cells.train import metrics

ROWS = {"m-lstm": {"nats_per_char": 1.3, "eval_chars": 10}, "m-gru": {"nats_per_char": 1.25,
                                                                      "eval_chars": 10}}


def body(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()
            if line.startswith("| ")]


def test_baseline_columns_follow_the_models():
    base = [{"model": "KN 8-gram", "nats_per_char": 1.17}, {"model": "other", "eval_chars": 9}]
    rows = body(metrics.table("charlm", ROWS, {}, base))
    assert rows[0] == ["metric", "m-gru", "m-lstm", "baseline: KN 8-gram", "baseline: other"]
    assert rows[1] == ["nats_per_char", "1.25", "1.3", "1.17", "—"]
    assert rows[2] == ["eval_chars", "10", "10", "—", "9"]


def test_a_task_without_baseline_shows_a_dash_column():
    rows = body(metrics.table("sentiment", ROWS, {"m-gru": {"eval_chars"}}, []))
    assert rows[0][-1] == "baseline"
    assert [r[-1] for r in rows[1:]] == ["—", "—"]
    assert rows[2][1] == "10 ≠card"


def test_baselines_of_reads_the_hook(monkeypatch):
    monkeypatch.setitem(metrics.BASELINES, "toy", lambda: {"model": "bag of words", "accuracy": 0.8})
    assert metrics.baselines_of("toy") == [{"model": "bag of words", "accuracy": 0.8}]
    monkeypatch.setitem(metrics.BASELINES, "two", lambda: [{"model": "a"}, {"model": "b"}])
    assert [b["model"] for b in metrics.baselines_of("two")] == ["a", "b"]
    assert metrics.baselines_of("no-such-task") == []

    def broken():
        raise OSError("data file missing")

    monkeypatch.setitem(metrics.BASELINES, "broken", broken)
    assert metrics.baselines_of("broken") == [{"model": "baseline failed: OSError: data file missing"}]


def test_the_char_lms_have_the_kneser_ney_baseline():
    assert metrics.BASELINES["charlm"] is metrics.charlm_baseline
