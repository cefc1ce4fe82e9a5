"""Record the example run the Train view shows before anyone has trained: the default settings
(``jobs.DEFAULTS``) trained once through the same door and worker as a run started from the page;
its loss at every step and its held-out result go to ``assets/train/example-run.json``.

    nice -n 10 python -m cells.train.example_run

The page reads that JSON only (it never imports this module) and labels it as a recorded example.
"""

from __future__ import annotations

import datetime
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from cells.train import jobs

OUT = jobs.ROOT / "assets" / "train" / "example-run.json"
COMMAND = "nice -n 10 python -m cells.train.example_run"


def significant(value: float, digits: int = 4) -> float:
    return float(f"{value:.{digits}g}")


def record(out: Path = OUT) -> dict:
    settings = jobs.DEFAULTS
    with tempfile.TemporaryDirectory(prefix="gatescope-example-") as root:
        pool = jobs.Pool(jobs.Limits(max_workers=1))
        try:
            job = pool.submit(settings, root)
            while not (s := pool.status(job)).finished:
                time.sleep(0.5)
        finally:
            pool.shutdown()
    if s.state != "done":
        raise RuntimeError(f"the example run: expected state 'done', got {s.state!r} ({s.error})")
    fields = {k: v for k, v in asdict(settings).items() if k in ("task", "cell", "hidden", "steps", "seed")}
    data = {
        "settings": fields,
        "losses": [significant(v) for v in s.losses],  # one per step
        "heldout": [[int(step), float(v)] for step, v in s.heldout],  # (step, metric) per snapshot
        "heldout_name": s.heldout_name,
        "heldout_final": s.heldout_final,
        "seconds": round(s.seconds, 1),
        "command": COMMAND,
        "recorded": datetime.date.today().isoformat(),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1) + "\n", "utf-8")
    return data


if __name__ == "__main__":
    d = record()
    print(f"wrote {OUT}: {len(d['losses'])} steps in {d['seconds']} s, loss {d['losses'][0]} -> "
          f"{d['losses'][-1]}, held-out {d['heldout_name']} = {d['heldout_final']}", file=sys.stderr)
