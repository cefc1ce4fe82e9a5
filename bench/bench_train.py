"""Train in the page: the default run's wall time, and what a training job costs other pages.

    python bench/bench_train.py [--reps 7]

1. The default run (``cells.train.jobs.DEFAULTS``: aⁿbⁿ, LSTM, 10 units, 1000 steps), one job,
   through the door as the page runs it: wall time from submit to finished (worker start, torch
   import, training, snapshots, export and the held-out evaluation), and its held-out result.
2. A real ``streamlit run`` server and Debian's chromium (Playwright). One tab (a student) trains
   in the Train view, its live part polling the server once a second; another tab (another
   student) is in the explorer on the shipped aⁿbⁿ LSTM. The round trip of the explorer tab: a new
   sentence (Enter) -> every heatmap in the page holds the new tokens, timed in the page with
   ``performance.now()``. Measured with no job, while the job trains, and with no job again,
   interleaved; the ratio is the median while training over the median with no job.

The machine's load average is printed with the figures: other processes on the shared cores move
them both.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from app.i18n import t  # noqa: E402
from cells.train import jobs  # noqa: E402
from tests.conftest import start_server  # noqa: E402
from tests.test_browser import ARGS, CHROMIUM, wait_idle, wait_ready  # noqa: E402

L = t("en")
V = L["train"]


def default_run(root: Path) -> tuple[float, jobs.Status]:
    pool = jobs.Pool()
    try:
        start = time.perf_counter()
        job = pool.submit(jobs.DEFAULTS, root)
        while not (st := pool.status(job)).finished:
            time.sleep(0.05)
        return time.perf_counter() - start, st
    finally:
        pool.shutdown()


def round_trip(pg: Page, text: str) -> float:
    """ms from Enter in the sentence box to every heatmap holding the new tokens."""
    box = pg.get_by_role("textbox", name=L["sentence"])
    box.fill(text)
    t0 = pg.evaluate("() => performance.now()")
    box.press("Enter")
    done = pg.wait_for_function(
        "n => { const g = Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".filter(g => g.layout && g.layout.meta && g.layout.meta.gatescope === 'heatmap');"
        " return g.length > 0 && g.every(p => p.data[0].x.length === n) && performance.now(); }",
        arg=len(text), polling="raf", timeout=120_000)
    ms = float(done.json_value()) - t0
    wait_idle(pg)
    return ms


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=7, help="round trips per condition and leg")
    opts = p.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        wall, st = default_run(Path(tmp))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"default run ({jobs.DEFAULTS.task}, {jobs.DEFAULTS.cell}, {jobs.DEFAULTS.hidden} units,"
          f" {jobs.DEFAULTS.steps} steps): {wall:.1f} s wall, {st.seconds:.1f} s in the worker;"
          f" {st.state}; {st.metric_summary}")

    proc, url = start_server()
    rng = random.Random(0)
    times: dict[str, list[float]] = {"no job": [], "training": []}
    try:
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            explorer = b.new_context(viewport={"width": 1280, "height": 720}).new_page()
            explorer.goto(f"{url}/?model=anbn-lstm")
            wait_ready(explorer)
            trainer = b.new_context(viewport={"width": 1280, "height": 720}).new_page()
            trainer.goto(f"{url}/?view=train")
            wait_idle(trainer)
            box = trainer.get_by_label(V["steps"], exact=True)
            box.fill(str(jobs.LIMITS.max_steps))
            box.press("Enter")
            wait_idle(trainer)
            last = 0

            def measure(label: str) -> None:
                nonlocal last
                for _ in range(opts.reps):
                    n = rng.choice([k for k in range(5, 60) if k != last])
                    last = n
                    ms = round_trip(explorer, "$" + "a" * n + "b" * n)
                    times[label].append(ms)

            measure("no job")
            trainer.bring_to_front()
            trainer.get_by_role("button", name=V["start"], exact=True).click()
            trainer.get_by_role("button", name=V["stop"], exact=True).first.wait_for(timeout=60_000)
            # until the worker has imported torch and is training
            trainer.wait_for_function(
                "() => Array.from(document.querySelectorAll('[data-testid=stProgress] [role=progressbar]'))"
                ".some(e => Number(e.getAttribute('aria-valuenow')) > 0)", timeout=120_000)
            explorer.bring_to_front()
            measure("training")
            still = trainer.get_by_role("button", name=V["stop"], exact=True).count() > 0
            trainer.bring_to_front()
            if still:
                trainer.get_by_role("button", name=V["stop"], exact=True).first.click()
            trainer.get_by_text(V["result"], exact=True).wait_for(timeout=120_000)
            explorer.bring_to_front()
            measure("no job")
            b.close()
    finally:
        proc.terminate()
        proc.wait(10)
    base, busy = statistics.median(times["no job"]), statistics.median(times["training"])
    print(f"explorer round trip (new sentence -> every heatmap redrawn), medians of"
          f" {len(times['no job'])} / {len(times['training'])}:")
    print(f"  no job        {base:7.0f} ms   {sorted(round(x) for x in times['no job'])}")
    print(f"  job training  {busy:7.0f} ms   {sorted(round(x) for x in times['training'])}")
    print(f"  ratio         {busy / base:7.2f}   (job still training at the end: {still})")


if __name__ == "__main__":
    main()
