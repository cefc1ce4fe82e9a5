"""Train 10-unit LSTM / GRU / simplified-GRU next-symbol predictors on aⁿbⁿ and aⁿbⁿcⁿ.

After Weiss, Goldberg and Yahav (2018): train on n in 1..50 (a curriculum of growing n), then
measure with ``cells`` the largest n up to which each model is right on every n (up to 1000).
Several seeds per cell; the best seed of each cell ships as ``assets/models/<task>-<cell>/`` and
the full per-seed table goes to ``assets/models/counting_table.json``.

    python -m cells.train.train_counting [--tasks anbn anbncn] [--cells lstm gru sgru] [--seeds 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

import cells
from cells.tasks import counting
from cells.train.modules import SimplifiedGRU

MODELS = Path("assets/models")
TABLE = MODELS / "counting_table.json"
RNNS = {"lstm": nn.LSTM, "gru": nn.GRU, "sgru": SimplifiedGRU}
CELL_TITLES = {"lstm": "LSTM", "gru": "GRU", "sgru": "simplified GRU"}
HIDDEN = 10
EMBED = 8
STEPS = 2500
LR = 0.01
TIME_LIMIT = 600.0  # seconds per model, a safety net only: STEPS ends training first
DATE = "2026-11-23"


class Net(nn.Module):
    """embedding -> one recurrent layer -> linear head at every step (logits of the sigmoids)."""

    def __init__(self, cell: str, vocab_size: int, n_labels: int, hidden: int = HIDDEN):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, EMBED)
        self.rnn = RNNS[cell](EMBED, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_labels)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:  # (B, T) -> (B, T, K)
        out, _ = self.rnn(self.embedding(ids))  # (B, T, H)
        return self.head(out)


def batch(task: str, ns: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Token ids (B, T), 0/1 targets (B, T, K) and a step mask (B, T), padded with <unk>."""
    tok = cells.CharTokenizer(counting.vocab(task))
    n_labels = len(counting.labels(task))
    strings = [counting.string(task, n) for n in ns]
    t_max = max(len(s) for s in strings)
    ids = np.zeros((len(ns), t_max), np.int64)
    y = np.zeros((len(ns), t_max, n_labels), np.float32)
    mask = np.zeros((len(ns), t_max), np.float32)
    for b, (n, s) in enumerate(zip(ns, strings, strict=True)):
        ids[b, : len(s)] = [t.id for t in tok(s)]
        y[b, : len(s)] = counting.targets(task, n)
        mask[b, : len(s)] = 1.0
    return torch.from_numpy(ids), torch.from_numpy(y), torch.from_numpy(mask)


def masked_loss(logits: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Half the mean over all steps, half the mean over strings of each string's mean.

    The second half keeps short strings (n = 1, 2) from being drowned by long ones.
    """
    per = nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none").sum(-1)
    per = per * mask  # (B, T)
    by_step = per.sum() / mask.sum()
    by_string = (per.sum(1) / mask.sum(1)).mean()
    return 0.5 * (by_step + by_string)


def all_right(net: Net, data: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> bool:
    ids, y, mask = data
    with torch.no_grad():
        wrong = ((net(ids) > 0) != (y > 0.5)).any(-1) & (mask > 0)  # (B, T)
    return not bool(wrong.any())


def train_one(
    task: str,
    cell: str,
    seed: int,
    steps: int = STEPS,
    hidden: int = HIDDEN,
    max_n: int = counting.TRAIN_MAX_N,
    time_limit: float = TIME_LIMIT,
) -> tuple[Net, dict]:
    """Adam on the full batch n = 1..N, N growing from 5 to ``max_n`` over the first 40% of steps.

    Stops early once every string of the training range is right and the loss is below 2e-4.
    """
    torch.manual_seed(seed)
    net = Net(cell, len(counting.vocab(task)), len(counting.labels(task)), hidden)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=LR / 10)
    full = batch(task, list(range(1, max_n + 1)))
    start, losses, n_cur = time.time(), [], 0
    data = full
    for step in range(steps):
        grow = min(1.0, step / max(1.0, 0.4 * steps))
        n_new = max(1, min(max_n, int(round(5 + grow * (max_n - 5)))))
        if n_new != n_cur:
            n_cur = n_new
            data = batch(task, list(range(1, n_cur + 1)))
        ids, y, mask = data
        loss = masked_loss(net(ids), y, mask)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if n_cur == max_n and loss.item() < 2e-4 and step % 25 == 0 and all_right(net, full):
            break
        if time.time() - start > time_limit:
            break
    with torch.no_grad():
        final = float(masked_loss(net(full[0]), full[1], full[2]))
    info = {
        "steps": len(losses),
        "seconds": round(time.time() - start, 1),
        "first_loss": losses[0],
        "final_loss": final,
        "train_all_right": int(all_right(net, full)),
    }
    return net, info


def export(net: Net, folder: Path, task: str, card: dict) -> Path:
    tokenizer = cells.CharTokenizer(counting.vocab(task)).config()
    return cells.export_torch(
        folder,
        rnn=net.rnn,
        embedding=net.embedding,
        head=net.head,
        head_activation="sigmoid",
        labels=counting.labels(task),
        tokenizer=tokenizer,
        card=card,
    )


def base_card(task: str, cell: str, seed: int, info: dict, hidden: int, max_n: int) -> dict:
    lets = counting.letters(task)
    lang = "".join(f"{ch}ⁿ" for ch in lets)
    return {
        "id": f"{task}-{cell}",
        "title": f"{hidden}-unit {CELL_TITLES[cell]} counting {lang}",
        "task": task,
        "task_title": counting.TITLES[task],
        "head": {"readout": "every", "labels": counting.labels(task)},
        "training": {
            "data": f"generated strings $ {' '.join(ch + '^n' for ch in lets)}, n = 1..{max_n}"
            " (next-symbol sets as multi-label targets)",
            "command": "python -m cells.train.train_counting",
            "seed": seed,
            "steps": info["steps"],
            "seconds": info["seconds"],
            "max_n": max_n,
            "optimizer": f"Adam lr {LR} cosine to {LR / 10}, full batch, grad-norm clip 1.0",
            "curriculum": f"n up to 5 growing linearly to {max_n} over the first 40% of steps",
            "loss": "binary cross-entropy per symbol, every step; half per step, half per string",
            "final_train_loss": round(info["final_loss"], 6),
            "hidden_size": hidden,
            "embedding_size": EMBED,
        },
        "notices": [],
        "date": DATE,
    }


def finish_card(card: dict, model: cells.Model, metrics: dict, table: list[dict]) -> dict:
    task, cell = card["task"], card["id"].split("-", 1)[1]
    best, train_max = metrics["max_n_all_correct"], metrics["train_max_n"]
    reach = f"≥ {best}" if metrics["first_wrong_n"] == 0 else str(best)
    seeds = ", ".join(str(r["max_n_all_correct"]) for r in table)
    card["metrics"] = metrics
    card["metric_summary"] = f"right on every n up to {reach} (trained on n ≤ {train_max})"
    card["summary"] = (
        f"Reads ${counting.string(task, 3)[1:]}… and predicts after every symbol which symbols may"
        f" come next; trained on n ≤ {train_max}, this {CELL_TITLES[cell]} (best of"
        f" {len(table)} seeds) is right on every n up to {reach}. Per seed: {seeds}."
    )
    card["seed_table"] = table
    card["samples"] = [counting.string(task, n) for n in (3, 8, 20, 50, 51, 100, 300)]
    card["notable_units"] = counting.counting_units(model, task)
    return card


def run(
    tasks: list[str], cell_names: list[str], seeds: int, steps: int, out: Path = MODELS
) -> dict:
    torch.set_num_threads(1)
    out.mkdir(parents=True, exist_ok=True)
    table_path = out / TABLE.name
    full = json.loads(table_path.read_text()) if table_path.exists() else {}
    for task in tasks:
        for cell in cell_names:
            rows, best = [], None
            for seed in range(seeds):
                net, info = train_one(task, cell, seed, steps)
                card = base_card(task, cell, seed, info, HIDDEN, counting.TRAIN_MAX_N)
                with tempfile.TemporaryDirectory() as tmp:
                    folder = export(net, Path(tmp) / "m", task, card)
                    metrics = counting.evaluate(cells.load(folder))
                row = {"seed": seed, **metrics, **{k: info[k] for k in ("steps", "seconds")}}
                row["final_train_loss"] = round(info["final_loss"], 6)
                rows.append(row)
                print(f"{task}-{cell} seed {seed}: {row}", flush=True)
                key = (metrics["max_n_all_correct"], -info["final_loss"])
                if best is None or key > best[0]:
                    best = (key, net, card)
            _, net, card = best
            folder = out / card["id"]
            if folder.exists():
                shutil.rmtree(folder)
            export(net, folder, task, card)
            model = cells.load(folder)
            metrics = counting.evaluate(model)
            export(net, folder, task, finish_card(card, model, metrics, rows))
            full.setdefault(task, {})[cell] = rows
            table_path.write_text(json.dumps(full, indent=1) + "\n")
            print(f"wrote {folder}: {card['metric_summary']}", flush=True)
    return full


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", nargs="+", default=list(counting.LANGS), choices=list(counting.LANGS))
    p.add_argument("--cells", nargs="+", default=list(RNNS), choices=list(RNNS))
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--steps", type=int, default=STEPS)
    a = p.parse_args(argv)
    run(a.tasks, a.cells, a.seeds, a.steps)


if __name__ == "__main__":
    main()
