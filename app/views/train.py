"""Train in the page: train a small LSTM, GRU, simplified GRU or RNN on a small task, watch the loss
fall and the gates form (a time-lapse of snapshots), then open the model in every view, compare it
with the shipped ones and download it.

Training never runs here: the page talks to ``cells.train.jobs`` (the door; no torch), which runs
each job in a worker process. The page only reads the JSON and safetensors the worker writes. The
live part (progress bar, loss curve, Stop) is a fragment that polls once a second, so only it
reruns while a job trains. A session's jobs live in a temporary folder of that session.
"""

from __future__ import annotations

import atexit
import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import cells
from app import charts, presentation
from app.expanders import how_to_read_ui
from app.i18n import arch_name, chart_words, task_name
from app.labels import signed
from app.live_chart_ui import live_chart_ui
from app.views.findunit import ranking
from app.views.saturation import scatter_figure
from cells import tasks
from cells.saturation import saturation
from cells.train import jobs

POLL = 1.0  # seconds between the live part's reruns while a job runs
RACE = ("lstm", "gru")
RUN = "_train_run"  # session: the job ids of the last run (one, or two in a race)
MODELS = "_train_models"  # session: job id -> its model's folder, for every finished job with one
ROOT = "_train_root"  # session: this session's temporary folder
SHOWN = "_train_shown"  # session: the run whose end the whole page has been redrawn for
TOP = 8
PRESENT_ABOVE_MAPS = 70 + 62 + 80  # presenting: the Train row, a bar, the slider (px)
LINE_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")  # Okabe-Ito: one per job, colour-blind safe
EXAMPLE = Path(__file__).resolve().parents[2] / "assets" / "train" / "example-run.json"
DETAIL_CHARS = 160  # the raw detail of a failure shown under its words


# ---------------------------------------------------------------- pure builders


def loss_figure(series: dict[str, list[float]], title: str, x_title: str, y_title: str,
                font_size: int = charts.FONT, width: int = charts.WIDTH, height: int = 300,
                example: bool = False) -> go.Figure:
    """One line per job: the loss at every training step (log scale). ``example``: the recorded
    example run, not this session's (``layout.meta.example``)."""
    fig = go.Figure()
    for k, (name, losses) in enumerate(series.items()):
        y = [float(v) for v in losses]  # plain lists: the page reads the curve as numbers
        fig.add_trace(go.Scatter(x=list(range(1, len(y) + 1)), y=y, mode="lines", name=name,
                                 line=dict(color=LINE_COLORS[k % len(LINE_COLORS)], width=2),
                                 hovertemplate="%{x}: %{y:.4g}<extra>%{fullData.name}</extra>"))
    fig.update_layout(height=height, margin=dict(l=60, r=10, b=50),
                      xaxis=dict(title=x_title, rangemode="tozero"),
                      # powers of ten only: Plotly draws the labels between them smaller
                      yaxis=dict(title=y_title, type="log", dtick=1, **charts.LOG_TICKS),
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right"),
                      showlegend=example or len(series) > 1,
                      uirevision="loss",  # a zoom survives the updates while it trains
                      meta={"gatescope": "loss", "example": example})
    return charts.readable(fig, title, font_size, width, top=int(1.5 * font_size))


@st.cache_data(show_spinner=False)
def example_run(path: str = str(EXAMPLE)) -> dict | None:
    """The run recorded with the default settings (``python -m cells.train.example_run``), shown
    before this session has trained anything; None when the file is missing."""
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        return None


def short_detail(error: str, chars: int = DETAIL_CHARS) -> str:
    """A failure's raw detail as a short inline code span: its last line (a log's tail ends with the
    exception), cut to ``chars``; inside a code span markdown and HTML are shown as typed."""
    lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
    text = lines[-1] if lines else ""
    if len(text) > chars:
        text = text[: chars - 1] + "…"
    text = text.replace("`", "'")
    return f"`{text}`" if text else ""


def failure_text(V: dict, s: jobs.Status) -> str:
    """Why a job failed, in the page's language, then the raw detail (short, as code)."""
    reason = V["errors"].get(s.error_kind or "worker", V["errors"]["worker"])
    reason = reason.format(memory=jobs.LIMITS.memory_mb)
    detail = short_detail(s.error)
    return f"{reason} {V['detail'].format(detail=detail)}" if detail else reason


def heldout_figure(series: dict[str, list[tuple[int, float]]], title: str, x_title: str,
                   y_title: str, mark: int | None = None, font_size: int = charts.FONT,
                   width: int = charts.WIDTH, height: int = 300) -> go.Figure:
    """One line per job: the held-out metric at each snapshot; a dotted line at ``mark``."""
    fig = go.Figure()
    for name, points in series.items():
        fig.add_trace(go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points],
                                 mode="lines+markers", name=name,
                                 hovertemplate="%{x}: %{y:.4g}<extra>%{fullData.name}</extra>"))
    shapes = [] if mark is None else [dict(type="line", x0=mark, x1=mark, y0=0, y1=1, yref="paper",
                                           line=dict(color=charts.CURSOR_COLOR, dash="dot"))]
    fig.update_layout(height=height, margin=dict(l=60, r=10, b=50), shapes=shapes,
                      xaxis=dict(title=x_title, rangemode="tozero"), yaxis=dict(title=y_title),
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right"),
                      meta={"gatescope": "heldout"})
    return charts.readable(fig, title, font_size, width, top=int(1.5 * font_size))


def zip_folder(folder: Path, name: str) -> bytes:
    """The model folder as a zip: ``<name>/weights.safetensors``, ``<name>/card.json``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                z.write(path, f"{name}/{path.name}")
    return buf.getvalue()


# ---------------------------------------------------------------- session state


def session_root() -> Path:
    """This browser session's temporary folder (jobs, snapshots, models)."""
    if ROOT not in st.session_state:
        st.session_state[ROOT] = tempfile.mkdtemp(prefix="gatescope-train-")
        atexit.register(shutil.rmtree, st.session_state[ROOT], ignore_errors=True)  # server exit
    return Path(st.session_state[ROOT])


def job_status(job_id: str) -> jobs.Status | None:
    try:
        return jobs.status(job_id)
    except KeyError:  # the server restarted: the pool no longer knows the job
        return None


def job_name(L: dict, settings: jobs.Settings) -> str:
    return arch_name(L, settings.cell)


def metric_text(V: dict, name: str, value: float | None) -> str:
    """The held-out result in the page's words ("" when there is none)."""
    if value is None or name not in V["metric"]:
        return ""
    return V["metric"][name].format(value=value, max_n=jobs.TRAIN_MAX_N)


def metric_line(L: dict, name: str, value: float | None) -> str:
    text = metric_text(L["train"], name, value)
    return f"{L['metrics']}: {text}" if text else ""


@st.cache_resource(max_entries=64, show_spinner=False)
def load_folder(folder: str, model_id: str) -> cells.Model:
    """A trained model or snapshot (safetensors + card; never unpickled)."""
    return cells.load(folder, id=model_id)


def model_id(job_id: str) -> str:
    return f"trained-{job_id}"


def trained_model(job_id: str) -> cells.Model | None:
    folder = st.session_state.get(MODELS, {}).get(job_id)
    return load_folder(folder, model_id(job_id)) if folder and Path(folder).exists() else None


LEAVE = "_train_leave"  # session: a button asked for another view; the whole page must rerun


def use_trained(job_id: str, view: str) -> None:
    """Button callback: show the trained model in ``view``. The button is in the view's fragment,
    whose rerun would draw this view again: ``render`` sees ``LEAVE`` and reruns the whole page."""
    st.session_state["use_trained"] = True
    st.session_state["trained_pick"] = job_id
    st.session_state["view"] = view
    st.session_state[LEAVE] = True


# ---------------------------------------------------------------- the sidebar


def trained_texts(model: cells.Model, L: dict) -> tuple[str, str, str] | None:
    """Title, summary and metrics of a model trained in this session, in the page's language
    (None for any other model: the string tables and the card have its words)."""
    if not model.id.startswith("trained-"):
        return None
    V = L["train"]
    title = V["title"].format(cell=arch_name(L, model.recurrent.cell),
                              hidden=model.recurrent.hidden_size)
    task = task_name(L, model.card.task, model.card.task_title)
    metrics = model.card.metrics
    name = "max_n_all_correct" if "max_n_all_correct" in metrics else "accuracy"
    value = metrics.get(name)
    return title, task, metric_text(V, name, float(value) if value is not None else None)


def trained_model_ui(L: dict) -> cells.Model | None:
    """In the sidebar, when this session has trained a model: use it instead of a shipped one."""
    found = {j: f for j, f in st.session_state.get(MODELS, {}).items() if Path(f).exists()}
    if not found:
        return None
    V = L["train"]
    labels = {}
    for job_id in found:
        m = trained_model(job_id)
        tr = m.card.training
        labels[job_id] = V["label"].format(cell=arch_name(L, m.recurrent.cell),
                                           hidden=m.recurrent.hidden_size,
                                           task=task_name(L, m.card.task, m.card.task_title),
                                           step=tr.get("steps", "?"))
    with st.sidebar.expander(V["sidebar"], expanded=bool(st.session_state.get("use_trained"))):
        on = st.checkbox(V["use"], key="use_trained")
        ids = list(found)
        if st.session_state.get("trained_pick") not in ids:
            st.session_state["trained_pick"] = ids[-1]
        pick = st.selectbox(V["which"], ids, key="trained_pick", format_func=labels.get,
                            disabled=len(ids) == 1)
    return trained_model(pick) if on else None


# ---------------------------------------------------------------- the view


def settings_ui(L: dict, stacked: bool = False) -> None:
    """The run's settings, kept in the session under their widget keys (``chosen_settings``);
    ``stacked``: task and cell one under the other, then the numbers (the presentation bar's
    popover), else all in one row."""
    V, lim = L["train"], jobs.LIMITS
    cols = [st.container(), st.container(), *st.columns(3)] if stacked else st.columns([2, 3, 1, 1, 1])
    cols[0].selectbox(V["task"], list(jobs.TASKS), key="tr_task",
                      format_func=lambda k: task_name(L, k, k))
    cols[1].radio(V["cell"], list(jobs.CELLS), key="tr_cell", horizontal=True,
                  format_func=lambda c: arch_name(L, c), disabled=st.session_state.get("tr_race", False))
    cols[2].number_input(V["hidden"], lim.min_hidden, lim.max_hidden, jobs.DEFAULTS.hidden,
                         key="tr_hidden")
    cols[3].number_input(V["steps"], 10, lim.max_steps, jobs.DEFAULTS.steps, step=100, key="tr_steps")
    cols[4].number_input(V["seed"], 0, 9999, jobs.DEFAULTS.seed, key="tr_seed")
    if stacked:
        st.checkbox(V["race"], key="tr_race")


def chosen_settings(state) -> list[jobs.Settings]:
    """The jobs the settings widgets ask for (two in a race), read when Train is pressed, so that a
    value changed just before the click counts."""
    d = jobs.DEFAULTS
    cells_ = RACE if state.get("tr_race") else (state.get("tr_cell", d.cell),)
    return [jobs.Settings(task=state.get("tr_task", d.task), cell=c,
                          hidden=int(state.get("tr_hidden", d.hidden)),
                          steps=int(state.get("tr_steps", d.steps)), seed=int(state.get("tr_seed", d.seed)))
            for c in cells_]


def start(L: dict) -> None:
    """Train button callback: submit the run's jobs; the errors go to the page."""
    ids = []
    try:
        for s in chosen_settings(st.session_state):
            ids.append(jobs.submit(s, session_root()))
    except ValueError:  # jobs.check's words are English (for the logs): the page says it in its language
        problems = [settings_problem(L, s) for s in chosen_settings(st.session_state)]
        st.session_state["_train_error"] = L["train"]["bad"].format(
            error=next((p for p in problems if p), L["train"]["bad_other"]))
    except RuntimeError:
        st.session_state["_train_error"] = L["train"]["busy"]
    if ids:
        st.session_state[RUN] = ids


def settings_problem(L: dict, s: jobs.Settings, limits: jobs.Limits = jobs.LIMITS) -> str | None:
    """Why ``jobs.check`` refuses ``s``, in the page's language (``L``); None if it would not."""
    V = L["train"]
    choices = {"task": (jobs.TASKS, lambda k: task_name(L, k, k)),
               "cell": (jobs.CELLS, lambda c: arch_name(L, c))}
    for field, (allowed, name) in choices.items():
        got = getattr(s, field)
        if got not in allowed:
            return V["bad_choice"].format(field=V[field], choices=V["bad_sep"].join(map(name, allowed)),
                                          got=name(got))
    ranges = {"hidden": (limits.min_hidden, limits.max_hidden), "steps": (1, limits.max_steps)}
    for field, (lo, hi) in ranges.items():
        got = getattr(s, field)
        if not lo <= int(got) <= hi:
            return V["bad_range"].format(field=V[field], lo=lo, hi=hi, got=got)
    if not 0 < float(s.time_limit) <= limits.max_seconds:
        return V["bad_time"].format(hi=f"{limits.max_seconds:g}", got=f"{float(s.time_limit):g}")
    return None


def status_line(V: dict, L: dict, s: jobs.Status) -> str:
    name = job_name(L, s.settings)
    if s.state == "queued":
        return V["queued"].format(name=name, position=s.queue_position)
    if s.state == "failed":
        return V["failed"].format(name=name, reason=failure_text(V, s))
    if s.state == "stopped" and not s.snapshots:  # left the queue (or killed) before any snapshot
        return V["cancelled"].format(name=name)
    key = {"running": "running", "done": "done"}.get(s.state) or (
        "stopped_time" if s.stopped_by == "time_limit" else "stopped")
    line = V[key].format(name=name, step=s.step, steps=s.steps, seconds=s.seconds)
    if s.heldout and s.state != "running":
        line += " " + metric_line(L, s.heldout_name, s.heldout_final)
    elif s.heldout:
        line += f" {V['heldout'].get(s.heldout_name, s.heldout_name)}: {s.heldout[-1][1]:.3g}"
    return line


def loss_height(jobs_shown: int) -> int:
    """The loss chart's height: 300 px; presenting, what the 720 px screen leaves under the Train
    row and the progress bars."""
    return presentation.chart_height(reserved=70 + 62 * max(1, jobs_shown), normal=300)


def example_ui(L: dict) -> None:
    """Before this session has trained: the recorded example run's loss, labelled as such."""
    V, run = L["train"], example_run()
    if run is None:
        return
    cfg = run["settings"]
    cell = arch_name(L, cfg["cell"])
    name = V["example_name"].format(cell=cell, hidden=cfg["hidden"], steps=cfg["steps"],
                                    seed=cfg["seed"])
    fig = loss_figure({name: run["losses"]}, V["example_chart"], V["step_axis"],
                      V["loss_axis"], presentation.font_size(), presentation.content_width(),
                      height=loss_height(1) - 30, example=True)
    st.plotly_chart(fig, key="tr_example", theme=None, config={"displaylogo": False})
    metric = metric_text(V, run["heldout_name"], run.get("heldout_final"))
    st.caption(V["example_note"].format(seconds=run["seconds"], metric=metric))


def live_ui(run: list[str], L: dict, chart: bool = True) -> None:
    """Progress, Stop and the loss curve (unless ``chart`` is False: presenting the time-lapse);
    reruns alone every POLL s while a job is unfinished."""
    statuses = [job_status(j) for j in run]
    running = any(s is not None and not s.finished for s in statuses)
    st.fragment(run_every=POLL if running else None)(_live)(run, L, chart)


def _live(run: list[str], L: dict, chart: bool = True) -> None:
    """Two elements, always in this order: the bars (and Stop, and any failure) in one container,
    then the loss chart, a component under a fixed key that keeps its Plotly chart mounted and
    applies each poll's figure with ``Plotly.react`` (a ``st.plotly_chart`` here was mounted anew
    on each poll, two copies in the page for a moment)."""
    V = L["train"]
    statuses = [job_status(j) for j in run]
    bars = st.container()
    if any(s is None for s in statuses):
        bars.warning(V["gone"])
        return
    for s in statuses:
        cols = bars.columns([6, 1], vertical_alignment="bottom")
        cols[0].progress(s.fraction, text=status_line(V, L, s))
        if not s.finished:
            cols[1].button(V["stop"], key=f"tr_stop-{s.id}", on_click=jobs.stop, args=(s.id,),
                           width="stretch")
        if s.state == "failed":
            bars.error(status_line(V, L, s))
    # drawn from the start (empty while the workers start), so that it is in place, not new,
    # when the first losses come
    series = {job_name(L, s.settings): s.losses for s in statuses}
    finished = all(s.finished for s in statuses)
    if chart:
        live_chart_ui(loss_figure(series, V["loss_chart"], V["step_axis"], V["loss_axis"],
                                  presentation.font_size(), presentation.content_width(),
                                  height=loss_height(len(statuses))), key="tr_loss")
    if finished and st.session_state.get(SHOWN) != run:
        st.session_state[SHOWN] = list(run)
        st.rerun(scope="app")  # the whole page: the results below appear


def timelapse_ui(s: jobs.Status, L: dict) -> None:
    V, words = L["train"], chart_words(L)
    variables = tasks.hidden_variables(s.settings.task)
    var_name = L["findunit"]["variables"].get(variables[0].name, "") if variables else ""
    presenting = presentation.presenting()
    if not presenting:
        st.markdown(f"**{V['timelapse']}**")
        st.caption(V["timelapse_help"].format(probe=s.probe, variable=var_name))
    label = V["at_step_probe"].format(probe=s.probe) if presenting else V["at_step"]
    step = st.select_slider(label, s.snapshots, value=s.snapshots[-1], key=f"tr_at-{s.id}")
    snap = load_folder(str(jobs.snapshot_folder(s.id, step)), f"{model_id(s.id)}-s{step}")
    trace = cells.trace(snap, s.probe)
    rec = snap.recurrent
    font, width = presentation.font_size(), presentation.content_width()
    gates = trace.gates(0, 0)
    # presenting: every gate in rows of three in what the screen leaves under the slider
    height = presentation.chart_height(PRESENT_ABOVE_MAPS, 260) // -(-len(gates) // 3) - 8 \
        if presenting else 260
    cols = st.columns(3)
    for k, (gate, values) in enumerate(gates.items()):
        fig = charts.heatmap_figure(values, trace.tokens, gate, len(trace.tokens) - 1, height=height,
                                    title=L["gate_titles"][gate], words=words,
                                    kind=rec.spec.kind(gate), font_size=font, width=width // 3)
        cols[k % 3].plotly_chart(fig, key=f"tr_hm-{gate}", theme=None,
                                 config={"displaylogo": False})
    if presenting:  # the ranking, the held-out chart and the saturation picture: normal mode
        return
    left, right = st.columns(2)
    if variables:
        target = variables[0].extract(trace.tokens)
        rows = ranking(trace, target, 0, 0)[:TOP] if np.ptp(target) > 0 else []
        left.markdown(f"**{V['ranking'].format(variable=var_name)}**")
        left.table([{V["cols"][0]: L["gate_titles"][g], V["cols"][1]: u, V["cols"][2]: signed(r, 3)}
                    for g, u, _, r in rows])
    heldout = {job_name(L, s.settings): s.heldout}
    left.plotly_chart(heldout_figure(heldout, V["heldout_chart"], V["step_axis"],
                                     V["heldout"].get(s.heldout_name, ""), mark=step,
                                     font_size=font, width=width // 2, height=280),
                      key="tr_heldout", theme=None, config={"displaylogo": False})
    if not rec.sigmoid_gates:
        right.info(V["no_gates"])
        return
    gate = "f" if "f" in rec.sigmoid_gates else rec.sigmoid_gates[0]
    low, high = saturation(gates[gate])
    right.plotly_chart(scatter_figure(low, high, V["saturation"].format(gate=L["gate_titles"][gate]),
                                      L["saturation"]["x"], L["saturation"]["y"],
                                      unit_label=words["unit"], font_size=font, width=width // 2,
                                      height=420),
                       key="tr_sat", theme=None, config={"displaylogo": False})


def finished_models(statuses: list[jobs.Status]) -> list[jobs.Status]:
    """The run's jobs that finished with a model, each kept in the session's list of models."""
    done = [s for s in statuses if s is not None and jobs.result_folder(s.id) is not None]
    models = st.session_state.setdefault(MODELS, {})
    for s in done:
        models[s.id] = str(jobs.result_folder(s.id))
    return done


def result_controls_ui(done: list[jobs.Status], L: dict) -> jobs.Status:
    """Which of the run's models (in a race), then open, compare and download it, in one row."""
    V = L["train"]
    by_id = {s.id: s for s in done}
    pick = st.radio(V["which"], list(by_id), key="tr_pick", horizontal=True,
                    label_visibility="collapsed" if presentation.presenting() else "visible",
                    format_func=lambda j: job_name(L, by_id[j].settings)) if len(done) > 1 else done[0].id
    s = by_id[pick]  # its held-out result is on its bar's line
    st.button(V["open"], key="tr_open", type="primary", on_click=use_trained, args=(s.id, "explorer"))
    st.button(V["compare"], key="tr_compare", on_click=use_trained, args=(s.id, "compare"))
    name = f"{s.settings.task}-{s.settings.cell}-{s.id}"
    st.download_button(V["download"], zip_folder(jobs.result_folder(s.id), name),
                       file_name=f"{name}.zip", mime="application/zip", key="tr_download",
                       help=V["download_help"])
    return s


def results_ui(done: list[jobs.Status], L: dict) -> None:
    """Normal mode, under the loss chart: the trained model's controls and its time-lapse."""
    st.markdown(f"**{L['train']['result']}**")
    with st.container(horizontal=True, vertical_alignment="bottom"):
        s = result_controls_ui(done, L)
    timelapse_ui(s, L)


def render(model: cells.Model, L: dict) -> None:
    """Normal mode: settings, Train, the example or the run's bars and loss, the trained model and
    its time-lapse. Presenting (one 1280×720 screen): the settings in the bar's popover, then one row
    of Train, the loss / time-lapse switch and the model's buttons, then the chosen pane."""
    if st.session_state.pop(LEAVE, False):  # Open / Compare was pressed: the sidebar, the model
        st.rerun(scope="app")  # and the view all change, not only this fragment
    V, lim = L["train"], jobs.LIMITS
    presenting = presentation.presenting()
    limits = V["limits"].format(steps=lim.max_steps, hidden=lim.max_hidden,
                                seconds=f"{lim.max_seconds:.0f}", memory=lim.memory_mb,
                                workers=lim.max_workers)
    if presenting:
        with presentation.controls_container(L):
            settings_ui(L, stacked=True)
            st.caption(limits)
    else:
        st.caption(V["intro"])
        settings_ui(L)
    run = st.session_state.get(RUN, [])
    statuses = [job_status(j) for j in run]
    finished = bool(statuses) and all(s is not None and s.finished for s in statuses)
    done = finished_models(statuses) if finished else []
    pane, picked = "loss", None
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button(V["start"], key="tr_start", type="primary", on_click=start, args=(L,),
                  disabled=any(s is not None and not s.finished for s in statuses))
        if not presenting:
            st.checkbox(V["race"], key="tr_race")
        elif done:
            pane = st.segmented_control(V["pane"], list(V["panes"]), key="tr_pane", default="loss",
                                        format_func=V["panes"].get,
                                        label_visibility="collapsed") or "loss"
            picked = result_controls_ui(done, L)
    error = st.session_state.pop("_train_error", None)
    if error:
        st.error(error)
    if not run:
        example_ui(L)
    else:
        live_ui(run, L, chart=pane == "loss")
        if picked is not None and pane == "timelapse":
            timelapse_ui(picked, L)
        elif done and not presenting:
            results_ui(done, L)
    if not presenting:
        st.caption(limits)
        how_to_read_ui(L, V["how"], "train")
