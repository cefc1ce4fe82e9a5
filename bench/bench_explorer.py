"""The explorer's speed in a real browser, side by side with a minimal Streamlit app.

    /work/venv/bin/python bench/bench_explorer.py [--reps 15] [--reps-long 8]

Starts two real ``streamlit run`` servers — the explorer (``app/gatescope.py``) on a char-level
LSTM, and ``bench/minimal_app.py`` (one ``st.text_input``, printed back with ``st.write``) — and
drives Debian's headless chromium with Playwright. Every figure is timed *in the page*: a capturing
``keydown`` listener records ``performance.now()`` at the key press, then a
``requestAnimationFrame`` loop records the first frame at which the expected result is in the DOM
(page loads: from navigation start). Both apps are measured the same way, interleaved repetition by
repetition in one run, and the table compares medians, so that load on the shared machine hits both
sides alike.

1. minimal app, rerun round trip: type a new value, Enter -> the new text is shown;
2. explorer, one step: ArrowRight -> the readout says the new step, every Gatescope chart's cursor
   shape sits on it (layout and drawn path), and the equations panel was redrawn for it;
3. explorer, a new 200-character sentence: Ctrl+Enter -> every Gatescope chart holds the new x
   labels and has drawn its ticks and cursor, and the stepper shows the new tokens at step 0;
4. first full render: page load -> all charts and the stepper drawn (explorer) / the text input
   shown (minimal app);
5. a 2,000-character sentence (2,000 tokens): the step time as in 2, and the WebSocket bytes the
   page receives per update — one step (until it settles: the stepper's deferred step sync ~0.4 s
   after the key press and the rerun it causes) and the new sentence.

The model: ``assets/models/charlm-*`` when there is one, else the dev model
``/work/dev/models/charlm-lstm`` (2 layers x 128 units); the run says which. The explorer is served
with ``GATESCOPE_MODELS`` pointing at a temporary folder that links only that model.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

import cells  # noqa: E402
from app.charts import step_labels  # noqa: E402
from app.labels import visible  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1000}
DEV_MODELS = Path("/work/dev/models")
STEP_WORD = "step"  # the English stepper's word for "step" (app/i18n.py)
WORDS = ("the dogs that Mrs Smith kept were barking while a cat slept on the warm mat and "
         "nobody in the quiet house noticed how late it had become so they all went out into "
         "rain wind light garden river stone bread window music paper").split()

# In-page helpers, installed in every page before its scripts run.
HELPERS = r"""
(() => {
  if (window.__gsb) return;
  const B = (window.__gsb = { result: null, loaded: null });
  B.stepper = () => {
    for (const h of document.querySelectorAll('[data-testid=stBidiComponentIsolated]')) {
      const r = h.shadowRoot && h.shadowRoot.querySelector('[data-testid=gs-stepper]');
      if (r) return r;
    }
    return null;
  };
  B.charts = () => Array.from(document.querySelectorAll('.js-plotly-plot')).filter(
    (g) => g.layout && g.layout.meta && g.layout.meta.gatescope === 'heatmap');
  B.cursorPath = (g) => {
    const p = g.querySelector('.shapelayer path');
    return p ? p.getAttribute('d') : null;
  };
  B.firstTick = (g) => {
    const t = g.querySelector('.xtick text');
    return t ? t.textContent : null;
  };
  B.readout = () => {
    const s = B.stepper();
    const r = s && s.querySelector('[data-testid=gs-readout]');
    return r ? r.textContent : null;
  };
  B.conds = {
    minimal: (a) => Array.from(document.querySelectorAll('[data-testid=stMarkdownContainer]'))
      .some((e) => e.textContent.trim() === a.text),
    minimalLoaded: () => {
      const i = document.querySelector('[data-testid=stTextInput] input');
      if (!i) return false;
      const r = i.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    },
    step: (a) => {
      const s = B.stepper();
      if (!s) return false;
      const ro = s.querySelector('[data-testid=gs-readout]');
      if (!ro || ro.textContent !== a.readout) return false;
      const h4 = s.querySelector('[data-testid=gs-equations] h4');
      if (!h4 || h4 === a.h4Before || !h4.textContent.includes(a.panel)) return false;
      const cs = B.charts();
      if (cs.length !== a.charts) return false;
      return cs.every((g, k) => g.layout.shapes[0].x0 === a.t - 0.5 && B.cursorPath(g) !== null
        && B.cursorPath(g) !== a.pathsBefore[k]);
    },
    sentence: (a) => {
      const s = B.stepper();
      if (!s) return false;
      const ro = s.querySelector('[data-testid=gs-readout]');
      if (!ro || ro.textContent !== a.readout) return false;
      const toks = s.querySelectorAll('.gs-strip .gs-tok');
      if (toks.length !== a.n || toks[0].textContent !== a.first
        || toks[a.n - 1].textContent !== a.last) return false;
      const cs = B.charts();
      if (cs.length !== a.charts) return false;
      return cs.every((g) => g.data[0].x.length === a.n && g.data[0].x[0] === a.x0
        && g.data[0].x[a.n - 1] === a.xl && g.data[0].x.join('\u001f') === a.labels
        && B.firstTick(g) === a.tick0 && B.cursorPath(g) !== null);
    },
    explorerLoaded: (a) => {
      const s = B.stepper();
      if (!s || !s.querySelector('[data-testid=gs-equations] h4')) return false;
      if (B.readout() !== a.readout) return false;
      const cs = B.charts();
      return cs.length === a.charts && cs.every((g) => g._fullLayout && g.data[0].x.length === a.n
        && B.firstTick(g) !== null && B.cursorPath(g) !== null);
    },
  };
  B.arm = (name, arg, key, ctrl) => {
    B.result = null;
    const cond = B.conds[name];
    if (name === 'step') {
      const s = B.stepper();
      arg.h4Before = s && s.querySelector('[data-testid=gs-equations] h4');
      arg.pathsBefore = B.charts().map(B.cursorPath);
    }
    const onKey = (ev) => {
      if (ev.key !== key || ev.ctrlKey !== !!ctrl) return;
      window.removeEventListener('keydown', onKey, true);
      const t0 = performance.now();
      const poll = () => {
        const now = performance.now();
        let ok = false;
        try { ok = cond(arg); } catch (e) { ok = false; }
        if (ok) B.result = { ms: now - t0 };
        else if (now - t0 > 120000) B.result = { ms: null };
        else requestAnimationFrame(poll);
      };
      requestAnimationFrame(poll);
    };
    window.addEventListener('keydown', onKey, true);
  };
  B.watchLoad = (name, arg) => {
    const poll = () => {
      let ok = false;
      try { ok = !!document.body && B.conds[name](arg); } catch (e) { ok = false; }
      if (ok) B.loaded = performance.now();  // since navigation start
      else requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  };
})();
"""


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(script: Path, port: int, env: dict, log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
           "--server.runOnSave", "false"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_healthy(port: int, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server on port {port} not healthy after {timeout} s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and nothing else
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def choose_model() -> tuple[Path, str]:
    shipped = sorted((ROOT / "assets" / "models").glob("charlm-*/card.json"))
    preferred = [p for p in shipped if p.parent.name == "charlm-lstm"] or shipped
    if preferred:
        return preferred[0].parent, "shipped (assets/models)"
    return DEV_MODELS / "charlm-lstm", "dev, random weights (/work/dev/models)"


# ---------------------------------------------------------------- in-page measurement


class Frames:
    """WebSocket frames the page receives (server -> browser), with their sizes."""

    def __init__(self, page: Page) -> None:
        self.log: list[tuple[float, int]] = []
        page.on("websocket", self._ws)

    def _ws(self, ws) -> None:
        ws.on("framereceived", lambda payload: self.log.append((time.perf_counter(), len(payload))))

    def since(self, mark: int) -> tuple[int, int]:
        part = self.log[mark:]
        return len(part), sum(size for _, size in part)


def wait_result(page: Page) -> float:
    page.wait_for_function("() => window.__gsb.result !== null", timeout=150_000, polling=100)
    ms = page.evaluate("() => window.__gsb.result.ms")
    if ms is None:
        raise SystemExit("the page never reached the expected state (120 s)")
    return float(ms)


def settle(page: Page, frames: Frames, min_ms: int = 0, quiet_ms: int = 700) -> None:
    """Until the script has stopped, nothing is stale and no frame has arrived for ``quiet_ms``."""
    if min_ms:
        page.wait_for_timeout(min_ms)
    while True:
        page.wait_for_function(
            "() => { const app = document.querySelector('[data-testid=stApp]');"
            " return app && app.getAttribute('data-test-script-state') === 'notRunning'"
            " && !document.querySelector('[data-stale=true]'); }", timeout=150_000, polling=50)
        last = frames.log[-1][0] if frames.log else 0.0
        idle = time.perf_counter() - last
        if idle * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(int(quiet_ms - idle * 1000) + 20)


def blur(page: Page) -> None:
    page.evaluate("() => document.activeElement && document.activeElement.blur()")


def minimal_round_trip(page: Page, frames: Frames, value: str) -> tuple[float, int, int]:
    page.bring_to_front()
    box = page.get_by_role("textbox", name="Value")
    box.fill(value)
    page.evaluate("([a]) => window.__gsb.arm('minimal', a, 'Enter', false)", [{"text": value}])
    mark = len(frames.log)
    box.press("Enter")
    ms = wait_result(page)
    settle(page, frames, quiet_ms=300)
    return (ms, *frames.since(mark))


def explorer_step(page: Page, frames: Frames, charts: int) -> tuple[float, int, int]:
    page.bring_to_front()
    blur(page)
    readout = page.evaluate("() => window.__gsb.readout()")  # "step k / N"
    k, n_last = (int(v) for v in readout.removeprefix(STEP_WORD).split("/"))
    t = k + 1
    if t > n_last:
        raise SystemExit(f"cannot step past the end: {readout}")
    arg = {"t": t, "readout": f"{STEP_WORD} {t} / {n_last}", "panel": f"{STEP_WORD} {t} ·",
           "charts": charts}
    page.evaluate("([a]) => window.__gsb.arm('step', a, 'ArrowRight', false)", [arg])
    mark = len(frames.log)
    page.keyboard.press("ArrowRight")
    ms = wait_result(page)
    # the stepper tells the server ~0.4 s after the last key press; that rerun belongs to the step
    settle(page, frames, min_ms=600, quiet_ms=800)
    return (ms, *frames.since(mark))


def stable_chart_count(page: Page, quiet_ms: int = 1500) -> int:
    """The number of Gatescope charts once it has not changed for ``quiet_ms`` (charts drawn in the
    page by Plotly.js appear a moment after the script run that sent them)."""
    count, since = -1, time.perf_counter()
    while True:
        now = page.evaluate("() => window.__gsb.charts().filter((g) => g._fullLayout).length")
        if now != count:
            count, since = now, time.perf_counter()
        elif (time.perf_counter() - since) * 1000 >= quiet_ms:
            return count
        page.wait_for_timeout(100)


def sentence_arg(tokens: list[str], charts: int) -> dict:
    labels = step_labels(tokens)
    n = len(tokens)
    return {"n": n, "readout": f"{STEP_WORD} 0 / {n - 1}", "first": visible(tokens[0]),
            "last": visible(tokens[-1]), "charts": charts, "x0": labels[0], "xl": labels[-1],
            "labels": "\x1f".join(labels), "tick0": visible(tokens[0])}


def explorer_sentence(page: Page, frames: Frames, text: str, tokens: list[str],
                      charts: int) -> tuple[float, int, int]:
    page.bring_to_front()
    box = page.get_by_role("textbox", name="Sentence")
    box.fill(text)
    page.evaluate("([a]) => window.__gsb.arm('sentence', a, 'Enter', true)",
                  [sentence_arg(tokens, charts)])
    mark = len(frames.log)
    box.press("Control+Enter")
    ms = wait_result(page)
    settle(page, frames, quiet_ms=800)
    blur(page)
    return (ms, *frames.since(mark))


def first_render(context, url: str, cond: str, arg: dict) -> float:
    page = context.new_page()
    try:
        watch = f"\nwindow.__gsb.watchLoad({json.dumps(cond)}, {json.dumps(arg)});"
        page.add_init_script(HELPERS + watch)
        page.goto(url)
        page.wait_for_function("() => window.__gsb.loaded !== null", timeout=150_000, polling=100)
        return float(page.evaluate("() => window.__gsb.loaded"))
    finally:
        page.close()


def sentence(rng: random.Random, chars: int, first: str) -> str:
    words = [first + rng.choice(WORDS)]
    while sum(len(w) + 1 for w in words) <= chars:
        words.append(rng.choice(WORDS))
    return " ".join(words)[: chars - 1].rstrip().ljust(chars - 1, "s") + "."


# ---------------------------------------------------------------- report


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=15, help="repetitions of figures 1-4")
    ap.add_argument("--reps-long", type=int, default=8, help="repetitions at 2,000 tokens")
    ap.add_argument("--seed", type=int, default=0)
    opts = ap.parse_args()
    rng = random.Random(opts.seed)

    model_dir, origin = choose_model()
    model = cells.load(model_dir)
    rec = model.recurrent
    print(f"model: {model_dir.name} from {model_dir.parent} — {origin}; {rec.cell}, "
          f"{rec.num_layers} layer(s) x {rec.hidden_size} units")
    samples = list(model.card.samples)
    default_tokens = [t.text for t in model.tokenizer(samples[0])] if samples else []

    tmp = Path(tempfile.mkdtemp(prefix="gs-bench-"))
    (tmp / "models").mkdir()
    (tmp / "models" / model_dir.name).symlink_to(model_dir.resolve())
    env = dict(os.environ, GATESCOPE_MODELS=str(tmp / "models"))
    ports = {"explorer": free_port(), "minimal": free_port()}
    procs = {
        "explorer": start_server(ROOT / "app" / "gatescope.py", ports["explorer"], env,
                                 tmp / "explorer.log"),
        "minimal": start_server(ROOT / "bench" / "minimal_app.py", ports["minimal"], env,
                                tmp / "minimal.log"),
    }
    url = {k: f"http://127.0.0.1:{p}/" for k, p in ports.items()}
    try:
        for k, proc in procs.items():
            wait_healthy(ports[k], proc, tmp / f"{k}.log")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport=VIEWPORT)
            context.add_init_script(HELPERS)
            results = run(context, url, model, default_tokens, rng, opts)
            browser.close()
    finally:
        for proc in procs.values():
            stop_server(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    report(results, opts)


def run(context, url: dict, model, default_tokens: list[str], rng: random.Random, opts) -> dict:
    r: dict[str, list] = {k: [] for k in (
        "min_rt", "min_bytes", "step", "step_bytes", "sent", "sent_bytes", "load_exp", "load_min",
        "min_rt_long", "step_long", "step_long_bytes", "sent_long", "sent_long_bytes")}
    tokens_of = lambda text: [t.text for t in model.tokenizer(text)]  # noqa: E731
    load_arg = {"n": len(default_tokens), "readout": f"{STEP_WORD} 0 / {len(default_tokens) - 1}"}

    # long-lived pages, one per app
    mini = context.new_page()
    mini_frames = Frames(mini)
    mini.goto(url["minimal"])
    mini.get_by_role("textbox", name="Value").wait_for(timeout=120_000)
    settle(mini, mini_frames)
    exp = context.new_page()
    exp_frames = Frames(exp)
    exp.goto(url["explorer"])
    exp.wait_for_function("() => window.__gsb.readout() !== null && window.__gsb.charts().length > 0",
                          timeout=150_000)
    settle(exp, exp_frames)
    charts = stable_chart_count(exp)
    load_arg["charts"] = charts
    print(f"explorer: {charts} Gatescope charts; default sentence {len(default_tokens)} tokens")

    # warm-up (not counted): one of each
    minimal_round_trip(mini, mini_frames, "warm up")
    text = sentence(rng, 200, "W")
    explorer_sentence(exp, exp_frames, text, tokens_of(text), charts)
    explorer_step(exp, exp_frames, charts)

    print(f"figures 1-3: {opts.reps} repetitions, interleaved", flush=True)
    letters = "ABCDEFGHIJKLMNOPRSTUVY"
    for rep in range(opts.reps):
        text = sentence(rng, 200, letters[rep % len(letters)])
        ms, nf, nb = explorer_sentence(exp, exp_frames, text, tokens_of(text), charts)
        r["sent"].append(ms)
        r["sent_bytes"].append((nf, nb))
        ms, nf, nb = explorer_step(exp, exp_frames, charts)
        r["step"].append(ms)
        r["step_bytes"].append((nf, nb))
        ms, nf, nb = minimal_round_trip(mini, mini_frames, f"value {rep} {rng.random():.6f}")
        r["min_rt"].append(ms)
        r["min_bytes"].append((nf, nb))
        print(f"  rep {rep + 1:2d}: minimal {r['min_rt'][-1]:7.1f} ms | step {r['step'][-1]:6.1f} ms"
              f" | sentence {r['sent'][-1]:7.1f} ms", flush=True)

    print(f"figure 4: first full render, {opts.reps} repetitions, alternating", flush=True)
    first_render(context, url["minimal"], "minimalLoaded", {})  # warm-up
    first_render(context, url["explorer"], "explorerLoaded", load_arg)
    for rep in range(opts.reps):
        order = ("minimal", "explorer") if rep % 2 == 0 else ("explorer", "minimal")
        for which in order:
            if which == "minimal":
                r["load_min"].append(first_render(context, url["minimal"], "minimalLoaded", {}))
            else:
                r["load_exp"].append(first_render(context, url["explorer"], "explorerLoaded",
                                                  load_arg))
        print(f"  rep {rep + 1:2d}: minimal {r['load_min'][-1]:7.1f} ms | explorer "
              f"{r['load_exp'][-1]:7.1f} ms", flush=True)

    print(f"figure 5: 2,000 tokens, {opts.reps_long} repetitions, interleaved", flush=True)
    for rep in range(opts.reps_long):
        if rep < 3 or rep % 3 == 0:  # a new long sentence now and then (each costs ~seconds)
            text = sentence(rng, 2000, letters[rep % len(letters)])
            toks = tokens_of(text)
            assert len(toks) == 2000, len(toks)
            ms, nf, nb = explorer_sentence(exp, exp_frames, text, toks, charts)
            r["sent_long"].append(ms)
            r["sent_long_bytes"].append((nf, nb))
        ms, nf, nb = explorer_step(exp, exp_frames, charts)
        r["step_long"].append(ms)
        r["step_long_bytes"].append((nf, nb))
        ms, _, _ = minimal_round_trip(mini, mini_frames, f"long {rep} {rng.random():.6f}")
        r["min_rt_long"].append(ms)
        sent = f" | sentence {r['sent_long'][-1]:7.1f} ms" if rep < 3 or rep % 3 == 0 else ""
        print(f"  rep {rep + 1:2d}: minimal {r['min_rt_long'][-1]:7.1f} ms | step "
              f"{r['step_long'][-1]:6.1f} ms{sent}", flush=True)
    return r


def kb(pairs: list[tuple[int, int]]) -> str:
    frames = med([f for f, _ in pairs])
    size = med([b for _, b in pairs])
    top = max(b for _, b in pairs) / 1024
    return f"{size / 1024:9.1f} KiB in {frames:g} frames (median; max {top:.1f} KiB)"


def report(r: dict, opts) -> None:
    m1, m5 = med(r["min_rt"]), med(r["min_rt_long"])
    rows = [
        ("1 minimal app rerun round trip", None, m1, None, None),
        ("2 one step (200 tokens)", med(r["step"]), m1, 0.5, "<="),
        ("3 new 200-char sentence", med(r["sent"]), m1, 2.0, "<="),
        ("4 first full render", med(r["load_exp"]), med(r["load_min"]), 2.0, "<="),
        ("5 one step (2,000 tokens)", med(r["step_long"]), m5, 0.5, "<="),
        ("5 new 2,000-char sentence", med(r["sent_long"]), m5, None, None),
    ]
    print()
    print(f"medians over {opts.reps} (figures 1-4) / {opts.reps_long} (figure 5) interleaved "
          "repetitions; ratio = explorer / minimal")
    print(f"{'figure':34} {'explorer ms':>12} {'minimal ms':>11} {'ratio':>7} {'target':>8}  result")
    for name, e, m, target, _ in rows:
        if e is None:
            print(f"{name:34} {'':>12} {m:11.1f} {'':>7} {'(ref)':>8}")
            continue
        ratio = e / m
        verdict = ("PASS" if ratio <= target else "FAIL") if target else "(info)"
        tgt = f"<= {target:g}" if target else "-"
        print(f"{name:34} {e:12.1f} {m:11.1f} {ratio:7.2f} {tgt:>8}  {verdict}")
    print()
    print("bytes received by the page per update (WebSocket frames, server -> browser):")
    print(f"  minimal app rerun            {kb(r['min_bytes'])}")
    print(f"  step, 200 tokens (+ sync)    {kb(r['step_bytes'])}")
    print(f"  new 200-char sentence        {kb(r['sent_bytes'])}")
    print(f"  step, 2,000 tokens (+ sync)  {kb(r['step_long_bytes'])}")
    print(f"  new 2,000-char sentence      {kb(r['sent_long_bytes'])}")


if __name__ == "__main__":
    main()
