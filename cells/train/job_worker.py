"""One training job started from the page, in its own process (the other side of ``jobs.py``).

    python -m cells.train.job_worker <job folder>

Reads ``<job folder>/settings.json`` (written by ``cells.train.jobs``), caps its own memory, trains
with one torch thread and writes only JSON and safetensors into the job folder:

    progress.json          state, step, every step's loss, the held-out metric at each snapshot
    snapshots/s<step>/     the model at that step (weights.safetensors + card.json): the time-lapse
    model/                 the trained model, its card with the settings and the held-out metric

A file ``stop`` in the job folder ends training at the next step; the model so far is kept.
"""

from __future__ import annotations

import datetime
import json
import os
import resource
import sys
import time
import traceback
from pathlib import Path

import numpy as np

import cells
from cells.tasks import agreement, counting
from cells.train.jobs import TRAIN_MAX_N

# what the worker writes; the page reads these names through cells.train.jobs
PROGRESS = "progress.json"
SETTINGS = "settings.json"
STOP = "stop"
SNAPSHOTS = "snapshots"
MODEL = "model"
WRITE_EVERY = 0.25  # seconds between progress writes
MEMORY_WORDS = ("failed to map", "Cannot allocate", "can't allocate", "out of memory")
CELL_TITLES = {"lstm": "LSTM", "gru": "GRU", "sgru": "simplified GRU", "rnn": "vanilla RNN"}


def write_json(path: Path, data: dict) -> None:
    """Atomically: the page never reads half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    os.replace(tmp, path)


def limit_memory(megabytes: int) -> None:
    """Address-space cap of this process (torch and all): an allocation beyond it fails here,
    not in the server."""
    cap = int(megabytes) << 20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


class Progress:
    """``progress.json``: what the page shows while the job runs and after."""

    def __init__(self, folder: Path, settings: dict):
        self.folder = folder
        self.data = {
            "state": "running", "step": 0, "steps": int(settings["steps"]), "losses": [],
            "heldout": [], "heldout_name": "", "snapshots": [], "error": "", "seconds": 0.0,
            "metric_summary": "", "stopped_by": "", "pid": os.getpid(),
        }
        self.start = time.time()
        self.parent = os.getppid()
        self.last_write = 0.0
        self.write()

    def write(self, force: bool = True) -> None:
        now = time.time()
        if force or now - self.last_write >= WRITE_EVERY:
            self.data["seconds"] = round(now - self.start, 2)
            write_json(self.folder / PROGRESS, self.data)
            self.last_write = now

    def loss(self, step: int, value: float) -> None:
        self.data["step"] = step
        self.data["losses"].append(round(float(value), 5))
        self.write(force=False)

    def finish(self, state: str, **fields) -> None:
        self.data.update(state=state, **fields)
        self.write()


# ---------------------------------------------------------------- the tasks, torch side


class CountingTask:
    """aⁿbⁿ next-symbol sets, the curriculum of ``train_counting`` (n up to 5 growing to max_n)."""

    id = "anbn"
    heldout_name = "max_n_all_correct"
    probe = counting.string("anbn", 8)
    head_activation = "sigmoid"
    eval_max_n = 200

    def __init__(self, settings: dict):
        from cells.train import train_counting as tc

        self.tc = tc
        self.steps = int(settings["steps"])
        self.max_n = int(settings.get("max_n", TRAIN_MAX_N))
        self.vocab = counting.vocab(self.id)
        self.labels = counting.labels(self.id)
        self.n_cur = 0
        self.data = None

    def loss(self, net, step: int):
        grow = min(1.0, step / max(1.0, 0.4 * self.steps))
        n_new = max(1, min(self.max_n, int(round(5 + grow * (self.max_n - 5)))))
        if n_new != self.n_cur:
            self.n_cur = n_new
            self.data = self.tc.batch(self.id, list(range(1, n_new + 1)))
        ids, y, mask = self.data
        logits, _ = net(ids)
        return self.tc.masked_loss(logits, y, mask)

    def tokenizer(self) -> dict:
        return cells.CharTokenizer(self.vocab).config()

    def card(self) -> dict:
        return {"task": self.id, "task_title": counting.TITLES[self.id],
                "head": {"readout": "every", "labels": self.labels},
                "samples": [counting.string(self.id, n) for n in (3, 8, 20, 40, 80)]}

    def training_fields(self) -> dict:
        return {"max_n": self.max_n, "data": f"generated strings $ a^n b^n, n = 1..{self.max_n}",
                "curriculum": f"n up to 5 growing linearly to {self.max_n} over the first 40% of"
                " steps", "loss": "binary cross-entropy per symbol, every step"}

    def evaluate(self, model: cells.Model, final: bool) -> tuple[float, dict, str]:
        metrics = counting.evaluate(model, self.eval_max_n)
        best = metrics["max_n_all_correct"]
        reach = f"≥ {best}" if metrics["first_wrong_n"] == 0 else str(best)
        return best, metrics, f"right on every n up to {reach} (trained on n ≤ {self.max_n})"

    def notable(self, model: cells.Model) -> list[dict]:
        return counting.counting_units(model, self.id, n=self.max_n)


class AgreementTask:
    """Subject–verb agreement across distractors (``train_agreement``), on a smaller training set."""

    id = "agreement"
    heldout_name = "accuracy"
    probe = "the keys to the old cabinets"
    head_activation = "softmax"
    batch = 64
    train_size = 4000
    eval_per_k = 40

    def __init__(self, settings: dict):
        import torch

        from cells.train import train_agreement as ta

        self.torch, self.ta = torch, ta
        self.vocab = agreement.vocab()
        self.labels = agreement.LABELS
        self.tok = cells.WordTokenizer(self.vocab, lowercase=True)
        sentences = agreement.train_set(self.train_size)
        self.rows = ta.encode(sentences, self.tok)
        self.targets = torch.tensor([s.number for s in sentences])
        self.rng = np.random.default_rng(int(settings["seed"]))

    def loss(self, net, step: int):
        idx = self.rng.integers(0, len(self.rows), self.batch)
        ids, last = self.ta.pad([self.rows[i] for i in idx])
        logits, _ = net(ids)  # (B, T, 2)
        picked = logits[self.torch.arange(len(last)), last]  # (B, 2)
        return self.torch.nn.functional.cross_entropy(picked, self.targets[idx])

    def tokenizer(self) -> dict:
        return self.tok.config()

    def card(self) -> dict:
        return {"task": self.id, "task_title": "Subject–verb agreement",
                "head": {"readout": "last", "labels": self.labels}, "samples": agreement.samples()}

    def training_fields(self) -> dict:
        return {"data": f"{self.train_size} generated sentence prefixes (cells/tasks/agreement.py)",
                "batch_size": self.batch,
                "loss": "cross-entropy of the output at the last token (just before the verb)"}

    def evaluate(self, model: cells.Model, final: bool) -> tuple[float, dict, str]:
        metrics = agreement.evaluate(model, self.eval_per_k * (2 if final else 1))
        acc = float(metrics["accuracy"])
        return round(acc, 4), metrics, f"held-out accuracy {acc:.1%} ({metrics['n_test']} prefixes)"

    def notable(self, model: cells.Model) -> list[dict]:
        return [agreement.number_unit(model, 100)]


TASKS = {t.id: t for t in (CountingTask, AgreementTask)}
EMBED = {"anbn": 8, "agreement": 32}
LR = {"anbn": 0.01, "agreement": 3e-3}


# ---------------------------------------------------------------- training


def card_for(task, settings: dict, step: int, seconds: float) -> dict:
    cell, hidden = settings["cell"], int(settings["hidden"])
    return {
        "id": f"trained-{task.id}-{cell}",
        "title": f"{hidden}-unit {CELL_TITLES[cell]} trained in the page ({task.card()['task_title']})",
        **task.card(),
        "training": {
            "command": "trained in the page (python -m cells.train.job_worker)",
            "cell": cell, "hidden_size": hidden, "steps": step, "steps_asked": int(settings["steps"]),
            "seed": int(settings["seed"]), "seconds": round(seconds, 1),
            "embedding_size": EMBED[task.id],
            "optimizer": f"Adam lr {LR[task.id]}, cosine to {LR[task.id] / 10}, grad-norm clip 1.0",
            **task.training_fields(),
        },
        "notices": ["trained in a browser session; not part of the shipped models"],
        "date": datetime.date.today().isoformat(),
    }


def export(net, task, settings: dict, folder: Path, step: int, seconds: float) -> cells.Model:
    cells.export_torch(folder, rnn=net.rnn, embedding=net.embedding, head=net.head,
                       head_activation=task.head_activation, labels=task.labels,
                       tokenizer=task.tokenizer(), card=card_for(task, settings, step, seconds))
    return cells.load(folder)


def add_metrics(folder: Path, task, model: cells.Model, metrics: dict, summary: str) -> None:
    card = json.loads((folder / "card.json").read_text("utf-8"))
    card["metrics"] = metrics
    card["metric_summary"] = summary
    card["summary"] = f"{card['title']}: {summary}."
    card["notable_units"] = task.notable(model)
    write_json(folder / "card.json", card)


def train(folder: Path, settings: dict, progress: Progress) -> None:
    import torch

    from cells.train.seqtrain import SeqModel, seed_all

    seed_all(int(settings["seed"]))
    task = TASKS[settings["task"]](settings)
    steps, every = int(settings["steps"]), int(settings["snapshot_every"])
    progress.data["heldout_name"] = task.heldout_name
    progress.data["probe"] = task.probe
    net = SeqModel(settings["cell"], len(task.vocab), EMBED[task.id], int(settings["hidden"]),
                   len(task.labels))
    lr = LR[task.id]
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=lr / 10)
    deadline = progress.start + float(settings["time_limit"])

    def snapshot(step: int) -> None:
        snap = folder / SNAPSHOTS / f"s{step:06d}"
        net.eval()
        model = export(net, task, settings, snap, step, time.time() - progress.start)
        net.train()
        value, _, _ = task.evaluate(model, final=False)
        progress.data["snapshots"].append(step)
        progress.data["heldout"].append([step, value])
        progress.write()

    snapshot(0)
    step, stopped_by = 0, ""
    while step < steps:
        if os.getppid() != progress.parent:  # the server is gone: nobody will read the result
            progress.finish("stopped", step=step, stopped_by="server_gone")
            return
        if (folder / STOP).exists():
            stopped_by = "user"
            break
        if time.time() > deadline:
            stopped_by = "time_limit"
            break
        loss = task.loss(net, step)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        progress.loss(step, loss.item())
        if step % every == 0 and step < steps:
            snapshot(step)
    snapshot(step)
    net.eval()
    out = folder / MODEL
    model = export(net, task, settings, out, step, time.time() - progress.start)
    value, metrics, summary = task.evaluate(model, final=True)
    add_metrics(out, task, model, metrics, summary)
    progress.finish("stopped" if stopped_by else "done", step=step, metric_summary=summary,
                    heldout_final=value, stopped_by=stopped_by)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m cells.train.job_worker <job folder>", file=sys.stderr)
        return 2
    folder = Path(args[0])
    settings = json.loads((folder / SETTINGS).read_text("utf-8"))
    progress = Progress(folder, settings)
    try:
        limit_memory(int(settings["memory_mb"]))
        if settings.get("fail_for_test"):  # the door's tests: a job that fails on purpose
            raise RuntimeError(str(settings["fail_for_test"]))
        train(folder, settings, progress)
    except Exception as e:  # noqa: BLE001 - every failure becomes a message the page shows
        traceback.print_exc()
        error, kind = f"{type(e).__name__}: {e}", "worker"
        if isinstance(e, MemoryError) or any(w in str(e) for w in MEMORY_WORDS):
            error = f"out of memory (the job is capped at {settings['memory_mb']} MB): {error}"
            kind = "memory"
        progress.finish("failed", error=error, error_kind=kind)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
