"""Long training of a character language model with checkpoints, resume and export.

    python -m cells.train.charlm_long --arch lstm --budget-seconds 8400 \\
        --checkpoint-dir /work/train/charlm-lstm --resume          # train (or go on training)
    python -m cells.train.charlm_long --arch lstm --checkpoint-dir /work/train/charlm-lstm \\
        --export assets/models                                     # ship the best checkpoint

The recipe (``RECIPE``; the same for LSTM, GRU and vanilla RNN so that their order is a fair
result): a 1-layer cell of 512 units (the explorer shows chosen units; 512 keeps it fast), trained
on the fit part of ``charlm.fit_split()`` (the training paragraphs minus 1% kept for validation),
with truncated backpropagation through time: every epoch the paragraphs are shuffled (seeded by
the epoch), joined by newlines and cut into ``batch_size`` parallel streams read ``seq_len``
characters at a time with the state carried (and reset with a small probability, so the model also
learns to start from a zero state as ``charlm.evaluate`` does). Adam with a short warm-up then a
cosine decay, gradient-norm clipping, dropout before the head.

The budget is *CPU seconds* of this single-threaded process (``time.process_time``), summed over
resumes: on a shared machine wall-clock time depends on the neighbours, CPU time much less, so the
three cells get the same compute. The learning-rate schedule follows the budget used.

Every ``--checkpoint-every`` CPU seconds the model is scored on the validation paragraphs (each
read from a zero state, as ``charlm.evaluate`` reads the held-out ones) and ``last.pt`` is written
atomically (model, optimizer, step, epoch and chunk, the carried state, torch's RNG, CPU seconds
used, best validation score); ``best.pt`` holds the weights with the best validation score. With
``--resume`` training continues exactly where ``last.pt`` left it. The log goes to
``<checkpoint-dir>/train.log`` and to stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from cells.tasks import charlm
from cells.tasks.datautil import MODELS
from cells.tokenize import CharTokenizer
from cells.train import seqtrain

SEED = 11
RECIPE = {
    "num_layers": 1,
    "hidden_size": 512,
    "embedding_size": 64,
    "batch_size": 64,
    "seq_len": 128,
    "lr": 2e-3,
    "warmup_fraction": 0.01,  # of the budget
    "lr_final_fraction": 0.03,
    "weight_decay": 0.0,
    "grad_clip": 1.0,
    "out_dropout": 0.1,
    "state_reset_prob": 0.05,
    "budget_seconds": 8400.0,  # CPU seconds
    "checkpoint_every": 300.0,  # CPU seconds
}
CHECKPOINT_KEYS = ("model", "optimizer", "step", "epoch", "chunk", "state", "rng", "cpu_seconds",
                   "best_val", "best_step", "config", "arch", "history")


def lr_at(progress: float, cfg: dict) -> float:
    """Learning rate when ``progress`` (0..1) of the budget is used: linear warm-up, cosine decay."""
    warm = cfg["warmup_fraction"]
    if progress < warm:
        return cfg["lr"] * max(progress / warm, 0.01)
    p = min(1.0, (progress - warm) / max(1.0 - warm, 1e-9))
    final = cfg["lr_final_fraction"]
    return cfg["lr"] * (final + (1 - final) * 0.5 * (1 + math.cos(math.pi * p)))


def encode_paragraphs(texts: list[str], tok: CharTokenizer) -> list[np.ndarray]:
    """Each paragraph followed by the separator, as token ids: [(len+1,) int64]."""
    return [charlm.char_ids(p + charlm.SEPARATOR, tok.vocab) for p in texts]


def epoch_rows(paras: list[np.ndarray], epoch: int, batch: int, seed: int):
    """The training stream of ``epoch`` (paragraphs shuffled by a seed of the epoch) as
    (inputs, targets), each (B, cols) int64."""
    order = np.random.default_rng([seed, epoch]).permutation(len(paras))
    ids = np.concatenate([paras[i] for i in order])  # (N,)
    cols = (len(ids) - 1) // batch
    data = torch.from_numpy(ids[: batch * cols + 1].copy())
    return data[:-1].view(batch, cols), data[1:].view(batch, cols)


def build_model(arch: str, vocab_size: int, cfg: dict) -> seqtrain.SeqModel:
    if cfg["num_layers"] != 1:
        raise ValueError(f"num_layers: the recipe trains 1-layer models, got {cfg['num_layers']}")
    return seqtrain.SeqModel(arch, vocab_size, cfg["embedding_size"], cfg["hidden_size"],
                             vocab_size, out_dropout=cfg["out_dropout"])


@torch.no_grad()
def validation_nats(model: seqtrain.SeqModel, paras: list[np.ndarray], batch: int = 32) -> float:
    """Mean next-character cross-entropy over ``paras`` (ids without the separator), each read
    from a zero state and scored from its second character: what ``charlm.evaluate`` measures."""
    was_training = model.training
    model.eval()
    order = sorted(range(len(paras)), key=lambda i: len(paras[i]))
    nll, n = 0.0, 0
    for start in range(0, len(order), batch):
        group = [paras[i] for i in order[start : start + batch] if len(paras[i]) >= 2]
        if not group:
            continue
        width = max(len(p) for p in group)
        x = torch.zeros(len(group), width, dtype=torch.long)  # (B, T), right-padded
        mask = torch.zeros(len(group), width - 1, dtype=torch.bool)  # (B, T-1)
        for r, p in enumerate(group):
            x[r, : len(p)] = torch.from_numpy(p)
            mask[r, : len(p) - 1] = True
        logits, _ = model(x)  # (B, T, V); right padding cannot reach earlier steps
        logp = torch.log_softmax(logits[:, :-1].double(), dim=-1)
        picked = logp.gather(2, x[:, 1:, None])[..., 0]  # (B, T-1)
        nll -= float(picked[mask].sum())
        n += int(mask.sum())
    model.train(was_training)
    return nll / max(n, 1)


def save_atomic(obj: dict, path: Path) -> None:
    """torch.save to a temporary file in the same folder, flushed, then renamed over ``path``."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict:
    """A checkpoint written by ``save_atomic``; tensors and plain data only (no pickled code)."""
    ck = torch.load(path, weights_only=True)
    missing = [k for k in CHECKPOINT_KEYS if k not in ck]
    if missing:
        raise ValueError(f"{path}: expected a checkpoint with keys {CHECKPOINT_KEYS}, missing {missing}")
    return ck


def _recipe(cfg: dict) -> dict:
    """The settings a resumed run must share with the saved one (how often it saves may change)."""
    return {k: v for k, v in cfg.items() if k != "checkpoint_every"}


def cpu_clock() -> float:
    return time.process_time()


class Logger:
    def __init__(self, path: Path | None):
        self.path = path

    def __call__(self, line: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        print(f"{stamp} {line}", flush=True)
        if self.path is not None:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(f"{stamp} {line}\n")


def train(
    arch: str,
    fit: list[np.ndarray],
    val: list[np.ndarray],
    vocab_size: int,
    cfg: dict,
    ckdir: Path,
    *,
    resume: bool = False,
    clock: Callable[[], float] = cpu_clock,
    max_steps: int | None = None,
    stop_at_seconds: float | None = None,
    log_every: int = 100,
    seed: int = SEED,
) -> dict:
    """Train until the CPU budget is used (or ``max_steps`` steps in this call, or
    ``stop_at_seconds`` CPU seconds in all: the schedule still follows the whole budget, so a model
    stopped there can be compared with another stopped at the same point); returns the last
    checkpoint. ``clock`` is injectable so that tests can make time deterministic."""
    ckdir.mkdir(parents=True, exist_ok=True)
    log = Logger(ckdir / "train.log")
    seqtrain.seed_all(seed)
    model = build_model(arch, vocab_size, cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    step, epoch, chunk, state, used = 0, 0, 0, None, 0.0
    best_val, best_step, history = float("inf"), -1, []
    last = ckdir / "last.pt"
    if resume and last.exists():
        ck = load_checkpoint(last)
        if ck["arch"] != arch or _recipe(ck["config"]) != _recipe(cfg):
            raise ValueError(f"{last}: saved for {ck['arch']} {ck['config']}, asked to resume {arch} {cfg}")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        step, epoch, chunk, used = ck["step"], ck["epoch"], ck["chunk"], ck["cpu_seconds"]
        state = ck["state"] if ck["state"] is None or arch != "lstm" else tuple(ck["state"])
        best_val, best_step, history = ck["best_val"], ck["best_step"], list(ck["history"])
        torch.set_rng_state(ck["rng"])
        log(f"{arch}: resumed at step {step} (epoch {epoch}, chunk {chunk}), {used:.0f} CPU s used,"
            f" best validation {best_val:.4f} nats/char at step {best_step}")
    elif resume:
        log(f"{arch}: --resume but no {last}; starting fresh")
    b, s = cfg["batch_size"], cfg["seq_len"]
    rows_x, rows_y = epoch_rows(fit, epoch, b, seed)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    wall0, since = time.time(), clock()
    since_ck = used
    run_loss, run_n, steps_here = 0.0, 0, 0

    def checkpoint() -> dict:
        nonlocal best_val, best_step
        v = validation_nats(model, val)
        if v < best_val:
            best_val, best_step = v, step
            save_atomic({"model": model.state_dict(), "step": step, "val": v, "arch": arch,
                         "config": cfg, "cpu_seconds": used}, ckdir / "best.pt")
        history.append({"step": step, "cpu_seconds": round(used, 1), "val_nats": round(v, 4)})
        ck = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step,
              "epoch": epoch, "chunk": chunk,
              "state": None if state is None else (list(state) if isinstance(state, tuple) else state),
              "rng": torch.get_rng_state(), "cpu_seconds": used, "best_val": best_val,
              "best_step": best_step, "config": cfg, "arch": arch, "history": history}
        save_atomic(ck, last)
        log(f"{arch}: checkpoint at step {step}: validation {v:.4f} nats/char (best {best_val:.4f}"
            f" at step {best_step}), {used:.0f}/{cfg['budget_seconds']:.0f} CPU s,"
            f" {time.time() - wall0:.0f} wall s in this run")
        return ck

    while True:
        if max_steps is not None and steps_here >= max_steps:  # before reading the clock: a resumed
            return checkpoint()  # run then sees the same clock readings as an uninterrupted one
        now = clock()
        used, since = used + (now - since), now
        if used >= cfg["budget_seconds"]:
            ck = checkpoint()
            log(f"{arch}: budget of {cfg['budget_seconds']:.0f} CPU s used after {step} steps")
            return ck
        if stop_at_seconds is not None and used >= stop_at_seconds:
            ck = checkpoint()
            log(f"{arch}: stopped at {used:.0f} CPU s (--stop-at-seconds) after {step} steps")
            return ck
        if used - since_ck >= cfg["checkpoint_every"]:
            checkpoint()
            since_ck = used
        if chunk >= rows_x.shape[1] // s:
            epoch, chunk, state = epoch + 1, 0, None
            rows_x, rows_y = epoch_rows(fit, epoch, b, seed)
            log(f"{arch}: epoch {epoch} starts at step {step}")
        x = rows_x[:, chunk * s : (chunk + 1) * s]  # (B, S)
        y = rows_y[:, chunk * s : (chunk + 1) * s]
        if state is not None:
            keep = (torch.rand(b) >= cfg["state_reset_prob"]).float()[None, :, None]  # (1, B, 1)
            state = (tuple(z.detach() * keep for z in state) if isinstance(state, tuple)
                     else state.detach() * keep)
        for g in opt.param_groups:
            g["lr"] = lr_at(used / cfg["budget_seconds"], cfg)
        logits, state = model(x, state)  # (B, S, V)
        loss = loss_fn(logits.reshape(-1, vocab_size), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
        opt.step()
        step, chunk, steps_here = step + 1, chunk + 1, steps_here + 1
        run_loss, run_n = run_loss + loss.item(), run_n + 1
        if step % log_every == 0:
            wall = time.time() - wall0
            log(f"{arch} step {step}: train {run_loss / run_n:.4f} nats/char, lr"
                f" {opt.param_groups[0]['lr']:.2e}, {used:.0f} CPU s, {steps_here / max(wall, 1e-9):.2f}"
                " steps/s (wall)")
            run_loss, run_n = 0.0, 0


def export_best(arch: str, ckdir: Path, out: Path, tok: CharTokenizer, held: list[str]) -> dict:
    """Ship ``best.pt`` as ``out/charlm-<arch>``: safetensors + card with held-out metrics measured
    by cells, the recipe, steps and CPU seconds trained. Returns the metrics."""
    from cells.train import train_charlm  # the card's quote-unit finish is shared

    best = torch.load(ckdir / "best.pt", weights_only=True)
    last = load_checkpoint(ckdir / "last.pt")
    cfg = best["config"]
    model = build_model(arch, len(tok.vocab), cfg)
    model.load_state_dict(best["model"])
    texts = charlm.eval_paragraphs(held)
    sample = charlm.SAMPLES[0]
    ident = f"charlm-{arch}"
    card = {
        "id": ident,
        "title": f"Character {train_charlm.TITLES[arch]} on Austen + classics",
        "task": charlm.TASK,
        "task_title": charlm.TITLE,
        "summary": "",
        "head": {"readout": "every"},
        "training": {
            "data": "assets/data/corpus/austen.txt.gz + classics.txt.gz: the 95% training paragraphs"
            f" (held-out 5% fixed by seed {charlm.SEED}) minus 1% kept for validation"
            f" (charlm.fit_split, seed {charlm.SEED + 2})",
            "command": f"python -m cells.train.charlm_long --arch {arch} --budget-seconds"
            f" {cfg['budget_seconds']:g}"
            + (f" --stop-at-seconds {float(last['cpu_seconds']):g}"  # stopped before the budget
               if last["cpu_seconds"] < cfg["budget_seconds"] else "")
            + " --checkpoint-dir DIR --resume; then --export",
            "seed": SEED,
            **cfg,
            "budget_kind": "CPU seconds of one single-threaded process (time.process_time)",
            "steps": best["step"],
            "steps_total": last["step"],
            "cpu_seconds": round(float(best["cpu_seconds"]), 1),
            "cpu_seconds_total": round(float(last["cpu_seconds"]), 1),
            "validation_nats_per_char": round(float(best["val"]), 4),
            "validation_history": last["history"],
            "optimizer": "Adam, warm-up then cosine learning-rate decay over the CPU budget,"
            " gradient-norm clipping, dropout before the head; best validation checkpoint",
        },
        "samples": charlm.SAMPLES + charlm.examples(4),
        "notable_units": [],
        "notices": list(charlm.NOTICES),
        "date": time.strftime("%Y-%m-%d"),
    }
    x = torch.tensor([t.id for t in tok(sample)])
    metrics = seqtrain.export(
        out / ident, model, tokenizer=tok.config(), card=card,
        evaluate=lambda m: charlm.evaluate(m, texts),
        summarize=lambda m: f"held-out {m['nats_per_char']:.3f} nats/char",
        check=(x, sample), labels=tok.vocab,
    )
    train_charlm.finish_card(out / ident, arch, metrics, texts)
    return metrics


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", choices=["lstm", "gru", "rnn"], required=True)
    ap.add_argument("--checkpoint-dir", type=Path, required=True)
    ap.add_argument("--resume", action="store_true", help="go on from <checkpoint-dir>/last.pt")
    ap.add_argument("--budget-seconds", type=float, default=RECIPE["budget_seconds"],
                    help="CPU seconds in all (summed over resumes)")
    ap.add_argument("--checkpoint-every", type=float, default=RECIPE["checkpoint_every"])
    ap.add_argument("--hidden", type=int, default=RECIPE["hidden_size"])
    ap.add_argument("--layers", type=int, default=RECIPE["num_layers"])
    ap.add_argument("--max-steps", type=int, default=None, help="stop after this many steps (trials)")
    ap.add_argument("--stop-at-seconds", type=float, default=None,
                    help="stop (with a checkpoint) once this many CPU seconds are used in all; the"
                    " learning-rate schedule still follows --budget-seconds")
    ap.add_argument("--export", type=Path, default=None, metavar="MODELS_DIR",
                    help=f"export best.pt as MODELS_DIR/charlm-<arch> (e.g. {MODELS}) instead of training")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    train_texts, held = charlm.split()
    tok = CharTokenizer(charlm.build_vocab(train_texts))
    if args.export is not None:
        metrics = export_best(args.arch, args.checkpoint_dir, args.export, tok, held)
        print(json.dumps(metrics))
        return
    cfg = dict(RECIPE, hidden_size=args.hidden, num_layers=args.layers,
               budget_seconds=args.budget_seconds, checkpoint_every=args.checkpoint_every)
    fit_texts, val_texts = charlm.fit_split(train_texts)
    fit = encode_paragraphs(fit_texts, tok)
    val = [p[:-1] for p in encode_paragraphs(val_texts, tok)]
    train(args.arch, fit, val, len(tok.vocab), cfg, args.checkpoint_dir, resume=args.resume,
          max_steps=args.max_steps, stop_at_seconds=args.stop_at_seconds)


if __name__ == "__main__":
    main()
