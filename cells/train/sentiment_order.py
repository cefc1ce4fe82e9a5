"""The sentiment models next to the bag-of-words baselines, on the held-out split and on the
word-order test set, with exact McNemar tests (NumPy and ``cells`` only, no torch).

    python -m cells.train.sentiment_order                 # print the table
    python -m cells.train.sentiment_order --write-cards   # also store it in the sentiment cards

Both baselines (``cells.tasks.bow``) are trained on the same training split as the models, with
the models' vocabulary. The McNemar test pairs a model's verdict with a baseline's on the same
sentences. The exit code is 1 if a model does not beat both baselines on the word-order set with
p < ``ALPHA``.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path

import numpy as np

import cells
from cells.tasks import bow, sentiment
from cells.tasks.paired import discordant, mcnemar_exact
from cells.tokenize import WordTokenizer

MODELS = Path("assets/models")
ALPHA = 0.05
SETS = ("held_out", "word_order")


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, list]:
    fit, val, held = sentiment.split()
    return {"fit": fit, "validation": val, "held_out": held, "word_order": sentiment.word_order()}


@functools.lru_cache(maxsize=1)
def baseline_verdicts() -> dict[str, dict[str, np.ndarray]]:
    """{baseline: {"held_out": (N,) verdicts, "word_order": (M,) verdicts}}."""
    d = _data()
    tok = WordTokenizer(sentiment.build_vocab(d["fit"]), lowercase=True)
    fitted = bow.fit_baselines([(t, y) for _, t, y in d["fit"]],
                               [(t, y) for _, t, y in d["validation"]], tok)
    return {
        name: {s: model.predict(bow.bags([t for _, t, _ in d[s]], tok)) for s in SETS}
        for name, model in fitted.items()
    }


def labels(which: str) -> np.ndarray:
    return np.array([y for _, _, y in _data()[which]], np.int64)


def _by_group(which: str, right: np.ndarray) -> dict[str, float]:
    """Accuracy per source (held-out) or per kind (word-order set) of a (N,) hit array."""
    groups = np.array([g for g, _, _ in _data()[which]])
    return {str(g): round(float(right[groups == g].mean()), 4) for g in sorted(set(groups))}


def sentiment_baseline_rows() -> list[dict]:
    """One row per bag-of-words baseline, its metrics named as the models' cards name theirs:
    {"model", "accuracy", "accuracy_by_source", "held_out_sentences", "word_order_accuracy",
    "word_order_accuracy_by_kind"} (``cells.train.metrics`` can print them beside the models)."""
    rows = []
    for name, v in baseline_verdicts().items():
        held, order = (v[s] == labels(s) for s in SETS)
        rows.append({
            "model": name,
            "accuracy": round(float(held.mean()), 4),
            "accuracy_by_source": _by_group("held_out", held),
            "held_out_sentences": len(held),
            "word_order_accuracy": round(float(order.mean()), 4),
            "word_order_accuracy_by_kind": _by_group("word_order", order),
        })
    return rows


def compare(model: cells.Model) -> dict:
    """A model's accuracy on both sets and, against each baseline, the discordant counts and the
    exact McNemar p on each set."""
    right = {s: sentiment.verdicts(model, _data()[s]) == labels(s) for s in SETS}
    out: dict = {f"{s}_accuracy": round(float(right[s].mean()), 4) for s in SETS}
    for name, v in baseline_verdicts().items():
        entry = {}
        for s in SETS:
            only_model, only_base = discordant(right[s], v[s] == labels(s))
            entry[s] = {"only_model_right": only_model, "only_baseline_right": only_base,
                        "mcnemar_p": float(f"{mcnemar_exact(only_model, only_base):.3g}")}
        out[f"vs_{name}"] = entry
    return out


def beats_baselines(row: dict) -> bool:
    """Better than every baseline on the word-order set, with McNemar p < ALPHA."""
    keys = [k for k in row if k.startswith("vs_")]
    return bool(keys) and all(
        row[k]["word_order"]["only_model_right"] > row[k]["word_order"]["only_baseline_right"]
        and row[k]["word_order"]["mcnemar_p"] < ALPHA
        for k in keys
    )


def table(models: dict[str, dict], baselines: list[dict]) -> str:
    """Markdown: a row per model and baseline; McNemar p against each baseline on each set."""
    names = [b["model"] for b in baselines]
    head = ["model", "held-out accuracy", "word-order accuracy"]
    head += [f"McNemar p vs {n} ({s.replace('_', '-')})" for n in names for s in SETS]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for mid, row in models.items():
        ps = [f"{row[f'vs_{n}'][s]['mcnemar_p']:.3g}" for n in names for s in SETS]
        accs = [f"{100 * row[f'{s}_accuracy']:.1f}%" for s in SETS]
        lines.append("| " + " | ".join([mid, *accs, *ps]) + " |")
    for b in baselines:
        accs = [f"{100 * b[key]:.1f}%" for key in ("accuracy", "word_order_accuracy")]
        lines.append("| " + " | ".join([b["model"], *accs] + ["—"] * (len(head) - 3)) + " |")
    return "\n".join(lines)


def sentiment_folders(root: Path = MODELS) -> list[Path]:
    return sorted(p for p in root.glob("sentiment-*") if (p / "card.json").is_file())


def write_card(folder: Path, model: cells.Model, row: dict, baselines: list[dict]) -> None:
    """Store the word-order accuracy in the card's metrics (its held-out numbers must not change)
    and the comparison under "baselines"."""
    path = folder / "card.json"
    card = json.loads(path.read_text("utf-8"))
    measured = sentiment.evaluate(model)
    for key in ("accuracy", "accuracy_by_source", "held_out_sentences"):
        if card["metrics"].get(key) != measured[key]:
            raise SystemExit(f"{folder.name}: card {key} {card['metrics'].get(key)!r}, measured"
                             f" {measured[key]!r}; retrain or fix the card before --write-cards")
    card["metrics"] = measured
    card["baselines"] = {
        "command": "python -m cells.train.sentiment_order",
        "bag_of_words": baselines,
        "mcnemar_exact_two_sided": {k[3:]: v for k, v in row.items() if k.startswith("vs_")},
    }
    path.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", "utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=MODELS, help="folder of model folders")
    ap.add_argument("--write-cards", action="store_true", help="store the comparison in each card")
    a = ap.parse_args(argv)
    baselines = sentiment_baseline_rows()
    rows = {}
    for folder in sentiment_folders(a.models):
        model = cells.load(folder)
        rows[folder.name] = compare(model)
        if a.write_cards:
            write_card(folder, model, rows[folder.name], baselines)
    n_order = len(_data()["word_order"])
    print(f"held-out: {len(_data()['held_out'])} sentences; word-order set: {n_order} sentences"
          f" ({sentiment.WORD_ORDER_FILE.name}); exact two-sided McNemar p\n")
    print(table(rows, baselines))
    losers = [m for m, r in rows.items() if not beats_baselines(r)]
    if not rows or losers:
        print(f"\nnot better than both baselines on the word-order set with p < {ALPHA}:"
              f" {losers or 'no sentiment models found'}")
        return 1
    print(f"\nevery model beats both baselines on the word-order set with p < {ALPHA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
