"""The explorer's speed in a real browser, side by side with a minimal Streamlit app and a floor.

    python bench/bench_explorer.py [--reps 9] [--reps-long 0] [--skip-switch]

Starts two real ``streamlit run`` servers — the explorer (``app/gatescope.py``) on the char-level
language models (``charlm-*``: LSTM and GRU, so that switching architecture is measured) and
``bench/minimal_app.py`` (one ``st.text_input``, printed back with ``st.write``) — plus a static
page, ``bench/floor.html``, served with the app's own ``app/heatmaps.js`` and the same Plotly.js file
linked in. Debian's headless chromium is driven with Playwright. Every figure is timed *in the page*:
a capturing ``keydown``/``click`` listener records ``performance.now()`` at the key press or click,
then a ``requestAnimationFrame`` loop records the first frame at which the expected result is in
the DOM (page loads: from navigation start). Everything is measured interleaved, repetition by
repetition, in one run, and the table compares medians, so that load on the shared machine hits
every side alike: figures 1, 2 and 4 with the reference in one loop, figure 5 with the reference in
a loop of its own (its switches slowed the other pages' drawing when they shared a loop), and
figure 3 with the minimal app's first render.

The figures (issue 9):

1. a new 200-character sentence (Ctrl+Enter) -> every chart of the default view holds the new x
   labels and has drawn its ticks and cursor, and the stepper shows the new tokens at step 0;
2. the same with every unit shown (``?units=all``: every unit a row, 512 for the shipped LSTM);
3. first full render: page load -> all charts and the stepper drawn / the minimal app's text input;
4. one step: ArrowRight -> the readout says the new step, every chart's cursor (layout and drawn
   path) is on it, and the equations panel was redrawn for it;
5. switching architecture (charlm LSTM <-> GRU, radio click) or view (explorer -> another view ->
   back to the explorer, the back leg timed from the click) with the sentence kept -> every chart of
   the new model/view drawn with that sentence (charts are updated in place, so the condition also
   checks that they show the new model's gates).

The reference is the minimal app's rerun round trip (Enter -> the new value shown), measured
between the explorer's measurements. The **floor** of 1 and 2 is that round trip plus the time the
same charts take to be drawn by Plotly.js alone (``Plotly.react`` through ``app/heatmaps.js``) in
the blank floor page, from the very payload the explorer just received, at the width the explorer
gave them. Printed as information next to their targets: the floor of 3 (the minimal app's first
render plus a fresh floor page's own first render: Plotly.js loaded and the explorer's first charts
drawn) and of 5's architecture switch (the minimal round trip plus the new model's charts drawn by
Plotly.js alone), which show how much of a figure no server or Streamlit work could remove.
"""

from __future__ import annotations

import argparse
import functools
import http.server
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
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

import cells  # noqa: E402
from app import static_assets  # noqa: E402
from app.charts import step_labels  # noqa: E402
from app.labels import visible  # noqa: E402
from app.plotly_loader import with_plotly_loader  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1000}
DEV_MODELS = Path("/work/dev/models")
STEP_WORD = "step"  # the English stepper's word for "step" (app/i18n.py)
OTHER_VIEW = "Gate saturation"  # the view visited in figure 5 (English label)
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
  B.gates = () => B.charts().map((g) => g.layout.meta.gate).sort().join(',');
  B.heatmapsCtrl = () => {
    const g = document.querySelector('[data-testid=gs-heatmaps]');
    return g && g.parentElement.__gsHeatmaps;
  };
  B.payload = () => { const c = B.heatmapsCtrl(); return c ? c.latest : null; };
  // every heatmaps component of the page (the featured heatmap, the rest): payload and width
  B.payloads = () => Array.from(document.querySelectorAll('[data-testid=gs-heatmaps]'))
    .map((g) => ({ data: g.parentElement.__gsHeatmaps.latest, width: g.clientWidth }));
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
  B.idle = () => {
    const app = document.querySelector('[data-testid=stApp]');
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && !document.documentElement.dataset.gsSentence && !document.querySelector('[data-stale=true]');
  };
  // every chart of the view holds the sentence's x labels, its ticks and its cursor
  B.chartsDrawn = (a) => {
    const cs = B.charts();
    if (cs.length !== a.charts) return false;
    // a switch updates the charts in place: the new model's gates, not only the sentence's labels
    if (a.gates && B.gates() !== a.gates) return false;
    return cs.every((g) => g._fullLayout && g.data[0].x.length === a.n && g.data[0].x[0] === a.x0
      && g.data[0].x[a.n - 1] === a.xl && g.data[0].x.join('\u001f') === a.labels
      && B.firstTick(g) !== null && B.cursorPath(g) !== null);
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
    // any of a.options (the sentence kept, or the model's own sample if the app dropped it)
    anySentence: (a) => a.options.some((o) => B.conds.sentence(o)),
    sentence: (a) => {
      const s = B.stepper();
      if (!s) return false;
      const ro = s.querySelector('[data-testid=gs-readout]');
      if (!ro || ro.textContent !== a.readout) return false;
      const toks = s.querySelectorAll('.gs-strip .gs-tok');
      if (toks.length !== a.n || toks[0].textContent !== a.first
        || toks[a.n - 1].textContent !== a.last) return false;
      return B.chartsDrawn(a);
    },
    floor: (a) => B.chartsDrawn(a),
    // the explorer's heatmaps are gone (removed at the end of the other view's run) and it is idle
    otherView: () => B.idle() && !document.querySelector('[data-testid=gs-heatmaps]'),
    explorerLoaded: (a) => {
      const s = B.stepper();
      if (!s || !s.querySelector('[data-testid=gs-equations] h4')) return false;
      if (B.readout() !== a.readout) return false;
      const cs = B.charts();
      return cs.length === a.charts && cs.every((g) => g._fullLayout && g.data[0].x.length === a.n
        && B.firstTick(g) !== null && B.cursorPath(g) !== null);
    },
  };
  const pollFrom = (t0, cond, arg) => {
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
  // key: a key name, or 'click' (the next click anywhere)
  B.arm = (name, arg, key, ctrl) => {
    B.result = null;
    const cond = B.conds[name];
    if (name === 'step') {
      const s = B.stepper();
      arg.h4Before = s && s.querySelector('[data-testid=gs-equations] h4');
      arg.pathsBefore = B.charts().map(B.cursorPath);
    }
    const type = key === 'click' ? 'click' : 'keydown';
    const on = (ev) => {
      if (type === 'keydown' && (ev.key !== key || ev.ctrlKey !== !!ctrl)) return;
      window.removeEventListener(type, on, true);
      B.t0 = performance.now();
      pollFrom(B.t0, cond, arg);
    };
    window.addEventListener(type, on, true);
  };
  // where a sentence's time went in the explorer page: key -> the first payload in the heatmaps
  // component (from the sentence route; the rerun's, which repeats it, comes after), and the
  // component's own drawing of it (app/heatmaps.js measures it)
  B.split = () => {
    const data = performance.getEntriesByName('gatescope:heatmaps-data').find((e) => e.startTime >= B.t0);
    const draw = performance.getEntriesByName('gatescope:heatmaps-draw').find((e) => e.startTime >= B.t0);
    // the route's answer: its fetch starts in the page's own key listener, just before the bench's
    const route = performance.getEntriesByType('resource').find((e) =>
      e.name.includes('/api/gatescope/sentence') && e.startTime >= B.t0 - 50);
    const build = route && route.serverTiming.find((t) => t.name === 'build');
    return { arrive: data ? data.startTime - B.t0 : null, draw: draw ? draw.duration : null,
             answer: route ? route.responseEnd - B.t0 : null, build: build ? build.duration : null };
  };
  B.floorDraw = (items, arg) => {
    B.result = null;
    const t0 = performance.now();
    window.__floorMount(items);
    pollFrom(t0, B.conds.floor, arg);
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
        shot = Path(tempfile.gettempdir()) / "gs-bench-timeout.png"
        page.screenshot(path=str(shot), full_page=True)
        raise SystemExit(f"the page never reached the expected state (120 s); see {shot}")
    return float(ms)


def settle(page: Page, frames: Frames, min_ms: int = 0, quiet_ms: int = 700) -> None:
    """Until the script has stopped, nothing is stale and no frame has arrived for ``quiet_ms``."""
    if min_ms:
        page.wait_for_timeout(min_ms)
    while True:
        page.wait_for_function(
            "() => { const app = document.querySelector('[data-testid=stApp]');"
            " return app && app.getAttribute('data-test-script-state') === 'notRunning'"
            " && !document.documentElement.dataset.gsSentence"
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



def sentence(rng: random.Random, chars: int, first: str) -> str:
    words = [first + rng.choice(WORDS)]
    while sum(len(w) + 1 for w in words) <= chars:
        words.append(rng.choice(WORDS))
    return " ".join(words)[: chars - 1].rstrip().ljust(chars - 1, "s") + "."


def choose_models() -> tuple[list[Path], str]:
    """The char-level language models (LSTM first): shipped ones, else the dev models."""
    for folder, origin in ((ROOT / "assets" / "models", "shipped (assets/models)"),
                           (DEV_MODELS, "dev, random weights (/work/dev/models)")):
        found = sorted(p.parent for p in folder.glob("charlm-*/card.json"))
        if any(p.name == "charlm-lstm" for p in found):
            return sorted(found, key=lambda p: p.name != "charlm-lstm"), origin
    raise SystemExit("no charlm-lstm model in assets/models or /work/dev/models")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve_floor(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """bench/floor.html with the app's own heatmaps script (with its Plotly loader), .css and Plotly.js."""
    folder.mkdir()
    for name, src in (("index.html", ROOT / "bench" / "floor.html"),
                      ("heatmaps.css", ROOT / "app" / "heatmaps.css"),
                      ("plotly.min.js", static_assets.ensure_plotly_js())):
        (folder / name).symlink_to(src.resolve())
    (folder / "heatmaps.js").write_text(with_plotly_loader("heatmaps.js", "sentence_route.js"),
                                      "utf-8")  # as the page has it
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/index.html"


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
    page.evaluate("([a]) => window.__gsb.arm('sentence', a, 'Enter', false)",
                  [sentence_arg(tokens, charts)])
    mark = len(frames.log)
    box.press("Enter")
    ms = wait_result(page)
    settle(page, frames, quiet_ms=800)
    blur(page)
    return (ms, *frames.since(mark))


def route_split(page: Page) -> dict:
    """Where the page's last sentence went (``B.split``); then room for the next route answers
    (the browser keeps a limited number of resource timings)."""
    split = page.evaluate("() => window.__gsb.split()")
    page.evaluate("() => performance.clearResourceTimings()")
    return split


def floor_draw(floor: Page, explorer: Page, tokens: list[str]) -> float:
    """The explorer's last heatmaps payload drawn again by app/heatmaps.js in the blank page (which
    holds the previous payload, so this is a Plotly.react update, as in the app)."""
    items = explorer.evaluate("() => window.__gsb.payloads()")  # every heatmaps component's
    drawn = sum(len(i["data"]["panels"]) + (1 if i["data"].get("output") else 0) for i in items)
    floor.bring_to_front()
    gates = explorer.evaluate("() => window.__gsb.gates()")  # after a switch: the new model's
    floor.evaluate("([items, a]) => window.__gsb.floorDraw(items, a)",
                   [items, {**sentence_arg(tokens, drawn), "gates": gates}])
    ms = wait_result(floor)
    floor.wait_for_timeout(300)
    return ms


def click_timed(page: Page, frames: Frames, cond: str, arg: dict, target) -> float:
    page.bring_to_front()
    page.evaluate("([c, a]) => window.__gsb.arm(c, a, 'click', false)", [cond, arg])
    target.click()
    ms = wait_result(page)
    settle(page, frames, quiet_ms=800)
    return ms


def sidebar_choice(page: Page, label: str):
    return page.locator("[data-testid=stSidebar] label").filter(
        has=page.get_by_text(label, exact=True)).first


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


def open_explorer(context, url: str) -> tuple[Page, Frames, int]:
    page = context.new_page()
    frames = Frames(page)
    page.goto(url)
    page.wait_for_function("() => window.__gsb.readout() !== null && window.__gsb.charts().length > 0",
                           timeout=150_000)
    settle(page, frames)
    return page, frames, stable_chart_count(page)


def open_floor(context, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("() => window.__floorReady === true", timeout=60_000)
    return page


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=9, help="repetitions of every figure")
    ap.add_argument("--reps-long", type=int, default=0,
                    help="also: repetitions of a step and a new sentence at 2,000 tokens (info)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-switch", action="store_true",
                    help="leave figure 5 (and its page) out of the run: to see what its switches, "
                         "interleaved, cost the other figures")
    opts = ap.parse_args()
    rng = random.Random(opts.seed)

    model_dirs, origin = choose_models()
    models = {d.name: cells.load(d) for d in model_dirs}
    lstm = models["charlm-lstm"]
    gru_id = "charlm-gru" if "charlm-gru" in models and not opts.skip_switch else None
    rec = lstm.recurrent
    print(f"models: {', '.join(models)} — {origin}; charlm-lstm: {rec.num_layers} layer(s) x "
          f"{rec.hidden_size} units")
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="gs-bench-"))
    (tmp / "models").mkdir()
    for d in model_dirs:
        (tmp / "models" / d.name).symlink_to(d.resolve())
    env = dict(os.environ, GATESCOPE_MODELS=str(tmp / "models"))
    ports = {"explorer": free_port(), "minimal": free_port()}
    procs = {
        "explorer": start_server(ROOT / "app" / "gatescope.py", ports["explorer"], env,
                                 tmp / "explorer.log"),
        "minimal": start_server(ROOT / "bench" / "minimal_app.py", ports["minimal"], env,
                                tmp / "minimal.log"),
    }
    url = {k: f"http://127.0.0.1:{p}/" for k, p in ports.items()}
    floor_server, url["floor"] = serve_floor(tmp / "floor")
    url["floor_dir"] = str(tmp / "floor")  # figure 3's floor reads the first payloads from there
    try:
        for k, proc in procs.items():
            wait_healthy(ports[k], proc, tmp / f"{k}.log")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport=VIEWPORT)
            context.add_init_script(HELPERS)
            results = run(context, url, models, gru_id, rng, opts)
            browser.close()
    finally:
        floor_server.shutdown()
        for proc in procs.values():
            stop_server(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    results["load_end"] = os.getloadavg()
    report(results, opts)


def run(context, url: dict, models: dict, gru_id: str | None, rng: random.Random, opts) -> dict:
    model = models["charlm-lstm"]
    r: dict[str, list] = {k: [] for k in (
        "min_rt", "min_bytes", "step", "step_bytes", "sent", "sent_bytes", "floor", "split", "split_all",
        "sent_all",
        "sent_all_bytes", "floor_all", "load_exp", "load_min", "switch_arch", "switch_view",
        "floor_switch", "min_rt_switch", "load_floor",
        "min_rt_long", "step_long", "step_long_bytes", "sent_long", "sent_long_bytes")}
    tokens_of = lambda text: [t.text for t in model.tokenizer(text)]  # noqa: E731

    mini = context.new_page()
    mini_frames = Frames(mini)
    mini.goto(url["minimal"])
    mini.get_by_role("textbox", name="Value").wait_for(timeout=120_000)
    settle(mini, mini_frames)
    exp, exp_frames, charts = open_explorer(context, url["explorer"])
    # figure 3's floor: the payloads of the page as it opens (the model's sample), for first.json
    first_items = exp.evaluate("() => window.__gsb.payloads()")
    first_gates = exp.evaluate("() => window.__gsb.gates()")
    (Path(url["floor_dir"]) / "first.json").write_text(json.dumps(first_items), "utf-8")
    allp, all_frames, charts_all = open_explorer(context, url["explorer"] + "?units=all")
    floor, floor_all = open_floor(context, url["floor"]), open_floor(context, url["floor"])
    rows = allp.evaluate("() => window.__gsb.payload().rows.length")
    print(f"explorer: {charts} Gatescope charts (default view); {charts_all} with all units "
          f"({rows} rows per heatmap)", flush=True)

    # warm-up (not counted): one of each
    minimal_round_trip(mini, mini_frames, "warm up")
    text = sentence(rng, 200, "W")
    explorer_sentence(exp, exp_frames, text, tokens_of(text), charts)
    floor_draw(floor, exp, tokens_of(text))
    explorer_step(exp, exp_frames, charts)
    text_all = sentence(rng, 200, "X")
    explorer_sentence(allp, all_frames, text_all, tokens_of(text_all), charts_all)
    floor_draw(floor_all, allp, tokens_of(text_all))

    # figure 5's pages: the sentence typed in the LSTM, then in the GRU if the switch dropped it
    charts_gru = 0
    samples = {mid: tokens_of(m.card.samples[0]) if m.card.samples else []
               for mid, m in models.items()}  # what a model shows when the sentence is dropped
    if gru_id:
        sw, sw_frames, _ = open_explorer(context, url["explorer"])
        sw_text = sentence(rng, 200, "Z")
        sw_tokens = tokens_of(sw_text)
        explorer_sentence(sw, sw_frames, sw_text, sw_tokens, charts)
        sidebar_choice(sw, "GRU").click()
        settle(sw, sw_frames)
        kept = sw.get_by_role("textbox", name="Sentence").input_value() == sw_text
        print(f"  switching LSTM -> GRU {'keeps' if kept else 'does NOT keep'} the typed sentence"
              + ("" if kept else "; figure 5 then times drawing the model's own sample instead"))
        charts_gru = stable_chart_count(sw)
        floor_sw = open_floor(context, url["floor"])
        floor_draw(floor_sw, sw, sw_tokens if kept else samples[gru_id])  # holds the GRU's charts
        gates_gru = sw.evaluate("() => window.__gsb.gates()")
        sidebar_choice(sw, "LSTM").click()
        settle(sw, sw_frames)
        stable_chart_count(sw)
        gates_lstm = sw.evaluate("() => window.__gsb.gates()")
        # the floor page then holds the LSTM's charts, as the switch page does: the first switch's
        # floor (to the GRU) draws them anew, not the GRU charts it already shows (1.6 ms)
        floor_draw(floor_sw, sw, sw_tokens if kept else samples[model.id])
        print(f"  switch pages ready: LSTM {charts} charts, GRU {charts_gru} charts", flush=True)

    print(f"figures 1, 2, 4 and the reference: {opts.reps} repetitions, interleaved", flush=True)
    letters = "ABCDEFGHIJKLMNOPRSTUVY"
    for rep in range(opts.reps):
        text = sentence(rng, 200, letters[rep % len(letters)])
        toks = tokens_of(text)
        ms, nf, nb = explorer_sentence(exp, exp_frames, text, toks, charts)
        r["sent"].append(ms)
        r["sent_bytes"].append((nf, nb))
        r["split"].append(route_split(exp))
        r["floor"].append(floor_draw(floor, exp, toks))
        ms, nf, nb = explorer_step(exp, exp_frames, charts)
        r["step"].append(ms)
        r["step_bytes"].append((nf, nb))
        ms, nf, nb = minimal_round_trip(mini, mini_frames, f"value {rep} {rng.random():.6f}")
        r["min_rt"].append(ms)
        r["min_bytes"].append((nf, nb))
        text = sentence(rng, 200, letters[(rep + 7) % len(letters)])
        toks = tokens_of(text)
        ms, nf, nb = explorer_sentence(allp, all_frames, text, toks, charts_all)
        r["sent_all"].append(ms)
        r["sent_all_bytes"].append((nf, nb))
        r["split_all"].append(route_split(allp))
        r["floor_all"].append(floor_draw(floor_all, allp, toks))
        line = (f"  rep {rep + 1:2d}: minimal {r['min_rt'][-1]:6.1f} | step {r['step'][-1]:5.1f} | "
                f"sentence {r['sent'][-1]:6.1f} (floor draw {r['floor'][-1]:6.1f}) | all units "
                f"{r['sent_all'][-1]:6.1f} (floor draw {r['floor_all'][-1]:6.1f})")
        print(line + " ms", flush=True)

    # Figure 5 in a loop of its own, with its own reference: interleaved with the loop above, its
    # page's switches (a model loaded, a view of another kind) slowed the other pages' drawing (figure
    # 1: 1.09 x its floor in a run without them, 1.2-1.5 x with them), a cost no single page pays.
    if gru_id:
        print(f"figure 5 and the reference: {opts.reps} repetitions, interleaved", flush=True)
    for rep in range(opts.reps if gru_id else 0):
        to_gru = rep % 2 == 0
        n_charts = charts_gru if to_gru else charts
        gates = gates_gru if to_gru else gates_lstm  # the new model's charts, drawn
        arg = {"options": [{**sentence_arg(toks, n_charts), "gates": gates}
                           for toks in (sw_tokens, samples[gru_id if to_gru else model.id])]}
        target = sidebar_choice(sw, "GRU" if to_gru else "LSTM")
        r["switch_arch"].append(click_timed(sw, sw_frames, "anySentence", arg, target))
        # the switch's own floor (information): the new model's charts, which the floor page
        # last drew for the other model, drawn by Plotly.js alone
        shown = sw_tokens if kept else samples[gru_id if to_gru else model.id]
        r["floor_switch"].append(floor_draw(floor_sw, sw, shown))
        ms, _, _ = minimal_round_trip(mini, mini_frames, f"switch {rep} {rng.random():.6f}")
        r["min_rt_switch"].append(ms)
        click_timed(sw, sw_frames, "otherView", {}, sidebar_choice(sw, OTHER_VIEW))
        r["switch_view"].append(click_timed(sw, sw_frames, "anySentence", arg,
                                            sidebar_choice(sw, "Explorer")))
        print(f"  rep {rep + 1:2d}: minimal {r['min_rt_switch'][-1]:6.1f} | switch arch "
              f"{r['switch_arch'][-1]:6.1f} (floor draw {r['floor_switch'][-1]:6.1f}) | view "
              f"{r['switch_view'][-1]:6.1f} ms", flush=True)

    print(f"figure 3: first full render, {opts.reps} repetitions, alternating", flush=True)
    default_tokens = tokens_of(model.card.samples[0]) if model.card.samples else []
    load_arg = {"n": len(default_tokens), "readout": f"{STEP_WORD} 0 / {len(default_tokens) - 1}",
                "charts": charts}
    drawn = sum(len(i["data"]["panels"]) + (1 if i["data"].get("output") else 0) for i in first_items)
    floor_arg = {**sentence_arg(default_tokens, drawn), "gates": first_gates}
    first_render(context, url["minimal"], "minimalLoaded", {})  # warm-up
    first_render(context, url["explorer"], "explorerLoaded", load_arg)
    first_render(context, url["floor"] + "#first", "floor", floor_arg)
    for rep in range(opts.reps):
        order = ("minimal", "explorer") if rep % 2 == 0 else ("explorer", "minimal")
        for which in order:
            if which == "minimal":
                r["load_min"].append(first_render(context, url["minimal"], "minimalLoaded", {}))
            else:
                r["load_exp"].append(first_render(context, url["explorer"], "explorerLoaded",
                                                  load_arg))
                r["load_floor"].append(first_render(context, url["floor"] + "#first", "floor",
                                                    floor_arg))
        print(f"  rep {rep + 1:2d}: minimal {r['load_min'][-1]:7.1f} ms | explorer "
              f"{r['load_exp'][-1]:7.1f} ms", flush=True)

    if opts.reps_long:
        print(f"2,000 tokens (info): {opts.reps_long} repetitions, interleaved", flush=True)
    for rep in range(opts.reps_long):
        text = sentence(rng, 2000, letters[rep % len(letters)])
        toks = tokens_of(text)
        ms, nf, nb = explorer_sentence(exp, exp_frames, text, toks, charts)
        r["sent_long"].append(ms)
        r["sent_long_bytes"].append((nf, nb))
        ms, nf, nb = explorer_step(exp, exp_frames, charts)
        r["step_long"].append(ms)
        r["step_long_bytes"].append((nf, nb))
        ms, _, _ = minimal_round_trip(mini, mini_frames, f"long {rep} {rng.random():.6f}")
        r["min_rt_long"].append(ms)
    return r


# ---------------------------------------------------------------- report


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def kb(pairs: list[tuple[int, int]]) -> str:
    frames = med([f for f, _ in pairs])
    size = med([b for _, b in pairs])
    return f"{size / 1024:9.1f} KiB in {frames:g} frames (median)"


def report(r: dict, opts) -> None:
    m1 = med(r["min_rt"])
    floor1, floor2 = m1 + med(r["floor"]), m1 + med(r["floor_all"])
    rows = [  # name, explorer ms, floor ms or None, target, target is against ("floor" | "minimal")
        ("1 new 200-char sentence", med(r["sent"]), floor1, 1.25, "floor", m1),
        ("2 the same, all units", med(r["sent_all"]), floor2, 1.25, "floor", m1),
        ("4 one step", med(r["step"]), None, 0.5, "minimal", m1),
    ]
    m5 = med(r["min_rt_switch"]) if r["min_rt_switch"] else m1  # figure 5's own loop's reference
    if r["switch_arch"]:
        rows += [("5 switch LSTM <-> GRU", med(r["switch_arch"]), None, 3.0, "minimal", m5),
                 ("5 switch view, back to explorer", med(r["switch_view"]), None, 3.0, "minimal", m5)]
    print()
    if opts.skip_switch:
        print("figure 5 left out of this run (--skip-switch)")
    print(f"medians over {opts.reps} interleaved repetitions; minimal = the minimal app's rerun "
          f"round trip ({m1:.1f} ms; in figure 5's loop {m5:.1f} ms); floor = minimal + the same "
          "charts drawn by Plotly.js alone")
    print(f"{'figure':34} {'ms':>8} {'x minimal':>10} {'floor ms':>9} {'x floor':>8} {'target':>16}"
          "  result")
    for name, e, floor, target, against, ref in rows:
        ratio = e / (floor if against == "floor" else ref)
        fl = f"{floor:9.1f} {e / floor:8.2f}" if floor else f"{'':>9} {'':>8}"
        verdict = "PASS" if ratio <= target else "FAIL"
        print(f"{name:34} {e:8.1f} {e / ref:10.2f} {fl} {f'<= {target:g} x {against}':>16}  {verdict}")
    if r["floor_switch"]:
        fs = m5 + med(r["floor_switch"])
        print(f"{'  (info) switch LSTM <-> GRU floor':34} {fs:8.1f} {fs / m5:10.2f}   = minimal + "
              f"the new model's charts drawn by Plotly.js alone; the switch is "
              f"{med(r['switch_arch']) / fs:.2f} x this floor")
    le, lm = med(r["load_exp"]), med(r["load_min"])
    lf = lm + med(r["load_floor"])
    print(f"{'3 first full render':34} {le:8.1f} {le / lm:10.2f} {lf:9.1f} {le / lf:8.2f} "
          f"{'<= 2 x minimal':>16}  {'PASS' if le / lm <= 2 else 'FAIL'}   (minimal app's first "
          f"render {lm:.1f} ms; its floor: that + the floor page's own first render, Plotly.js "
          f"loaded and the same charts drawn, {med(r['load_floor']):.1f} ms)")
    print(f"floor draws alone (Plotly.js in the blank page): default view {med(r['floor']):.1f} ms, "
          f"all units {med(r['floor_all']):.1f} ms")
    for figure, key, floor_key in ((1, "split", "floor"), (2, "split_all", "floor_all")):
        split = [x for x in r[key] if x.get("arrive") is not None and x.get("draw") is not None]
        if not split:
            continue
        answered = [x for x in split if x.get("answer") is not None and x.get("build") is not None]
        route = (f"; the route's answer complete after {med([x['answer'] for x in answered]):.1f} ms, "
                 f"of which the server's build {med([x['build'] for x in answered]):.1f} ms"
                 if answered else "")
        print(f"figure {figure} in the explorer page: key -> payload in the heatmaps component "
              f"{med([x['arrive'] for x in split]):.1f} ms (the sentence route{route}); the "
              f"component's drawing {med([x['draw'] for x in split]):.1f} ms (the floor page's: "
              f"{med(r[floor_key]):.1f} ms)")
    if r["sent_long"]:
        ml = med(r["min_rt_long"])
        print(f"2,000 tokens (info): new sentence {med(r['sent_long']):.1f} ms "
              f"({med(r['sent_long']) / ml:.2f} x minimal), step {med(r['step_long']):.1f} ms "
              f"({med(r['step_long']) / ml:.2f} x minimal)")
    print()
    print("bytes received by the page per update (WebSocket frames, server -> browser):")
    print(f"  minimal app rerun            {kb(r['min_bytes'])}")
    print(f"  step (+ its deferred sync)   {kb(r['step_bytes'])}")
    print(f"  new 200-char sentence        {kb(r['sent_bytes'])}")
    print(f"  the same, all units          {kb(r['sent_all_bytes'])}")
    if r["sent_long"]:
        print(f"  new 2,000-char sentence      {kb(r['sent_long_bytes'])}")
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in r['load_end'])}")


if __name__ == "__main__":
    main()
