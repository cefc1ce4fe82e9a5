"""The explorer: every gate and state of one layer as heatmaps, stepped in the browser."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import streamlit as st

import cells
from app import charts, export, heatmaps, lesson_ui, presentation, sentence_route, urlstate, zoo
from app.colour import text_colour, value_colour
from app.expanders import how_to_read_ui
from app.heatmaps_ui import heatmaps_ui
from app.i18n import SYMBOLS, arch_name, chart_words, label_name
from app.labels import html_safe
from app.payload import (
    next_token_probability,
    next_values,
    sequence_id,
    step_captions,
    stepper_payload,
)
from app.presentation import controls_container, presenting
from app.sentence import KEPT as KEPT_SENTENCE
from app.sentence import MAX_TOKENS, cannot_read, sentence_ui, tokens_of, traced
from app.stepper import anchor_step, framed, synced
from app.units_ui import all_units_ui
from cells.registry import SPECS
from cells.tasks import counting

# the order the heatmaps are laid out in, two per row: each cell's spec says
GRID = {name: list(spec.grid) for name, spec in SPECS.items()}


@dataclass(frozen=True)
class View:
    layer: int
    directions: tuple[int, ...]
    order: str
    order_by: str
    unit: int
    convention: str  # "z" | "u"
    all_units: bool = False  # every unit in the heatmaps, not only the ones worth watching


DIRECTION_CODES = {(0,): "f", (1,): "b", (0, 1): "fb"}


DEFAULT_DIRECTIONS = (0, 1)  # a bidirectional layer opens on both directions


def default_gate(rec: cells.Recurrent) -> str:
    """The gate the units are ordered by until the order box says otherwise: the last (h)."""
    return rec.gate_names[-1]


def units_in_order(rec: cells.Recurrent, trace: cells.Trace, layer: int, direction: int,
                   order: str, order_by: str) -> list:
    """The unit box's options: every unit, in the chosen order (the box's default is the first)."""
    return charts.unit_order(trace.gates(layer, direction), order, order_by, rec.spec.kind(order_by))


def view_ui(model: cells.Model, trace: cells.Trace, L: dict) -> View:
    rec = model.recurrent
    cols = st.columns(5)
    layer = 0
    if rec.num_layers > 1:
        urlstate.seed("layer", urlstate.take_int("layer"), list(range(rec.num_layers)))
        layer = cols[0].selectbox(L["layer"], list(range(rec.num_layers)), key="layer")
    directions: tuple[int, ...] = (0,)
    if rec.bidirectional:
        names = {(0,): L["forward"], (1,): L["backward"], (0, 1): L["both"]}
        codes = {v: k for k, v in DIRECTION_CODES.items()}
        urlstate.seed("direction", codes.get(urlstate.take("dir") or ""))
        st.session_state.setdefault("direction", DEFAULT_DIRECTIONS)
        directions = cols[1].selectbox(L["direction"], list(names), format_func=names.get,
                                       key="direction")
    options = L["order_options"]
    urlstate.seed("order", urlstate.take("order"), list(options))
    order = cols[2].selectbox(L["order"], list(options), format_func=options.get, key="order")
    urlstate.seed(f"order_by-{rec.cell}", urlstate.take("by"), list(rec.gate_names))
    st.session_state.setdefault(f"order_by-{rec.cell}", default_gate(rec))
    order_by = cols[3].selectbox(L["order_by"], list(rec.gate_names), key=f"order_by-{rec.cell}")
    ranked = units_in_order(rec, trace, layer, directions[0], order, order_by)
    urlstate.seed(f"unit-{model.id}", urlstate.take_int("unit"), ranked)
    unit = cols[4].selectbox(L["unit"], ranked, key=f"unit-{model.id}", help=L["unit_help"])
    convention = "z"
    conventions = list(rec.spec.conventions)  # ["z", "u"] where there is an update gate z
    if len(conventions) > 1:
        urlstate.seed("convention", urlstate.take("conv"), conventions)
        convention = st.radio(L["convention"], conventions, horizontal=True, key="convention",
                              format_func=lambda c: L[f"convention_{c}"])
        st.caption(L["convention_note"])
    all_units = all_units_ui(L, rec.hidden_size)
    view = View(layer, directions, order, order_by, int(unit), convention, all_units)
    for name, value in (("layer", layer if rec.num_layers > 1 else None),
                        ("dir", DIRECTION_CODES[directions] if rec.bidirectional else None),
                        ("order", order if order != "index" else None), ("by", order_by),
                        ("unit", int(unit)),
                        ("conv", convention if len(conventions) > 1 else None)):
        urlstate.note(name, value)
    return view


def shown(gates: dict[str, np.ndarray], key: str, convention: str) -> tuple[str, np.ndarray]:
    """The gate as the chosen convention shows it: PyTorch's z, or u = 1 − z."""
    if key == "z" and convention == "u":
        return "u", 1.0 - gates["z"]
    return key, gates[key]


def gates_payload(model: cells.Model, trace: cells.Trace, view: View, anchor: int, seq: str,
                  L: dict, present: bool, keys: tuple[str, ...] | None = None, columns: int = 2,
                  max_height: int | None = None, with_output: bool = False, share: float = 1.0,
                  shared_rows: bool = False) -> dict | None:
    """The heatmaps payload of the gates ``keys`` (default: the cell's whole grid) and, with
    ``with_output``, the model's output chart; ``present``: drawn for a projector; ``share``: the
    part of the page's width the charts take (their titles are shortened to fit). None: nothing to
    draw. Pure: the page and the sentence route (``app.sentence_route``) build the same payload."""
    spec = model.recurrent.spec
    gates = trace.gates(view.layer, view.directions[0])
    order = charts.unit_order(gates, view.order, view.order_by, spec.kind(view.order_by))
    notable = model.card.notable_in(view.layer, view.directions[0])
    limit = heatmaps.DEFAULT_ROWS
    if max_height is not None and columns == 1:  # directions stacked share the featured height
        limit //= len(view.directions)
    rows = heatmaps.shown_units(order, gates[view.order_by], notable,
                                None if view.all_units else limit)
    names = {0: L["forward"], 1: L["backward"]}
    font = presentation.PRESENT_FONT if present else presentation.FONT
    width = title_width(share, columns, font, present)
    panels = []
    for gate in spec.grid if keys is None else keys:
        for direction in view.directions:
            name, values = shown(trace.gates(view.layer, direction), gate, view.convention)
            forms = [L["gate_titles"][name], L["gate_titles_short"][name], SYMBOLS.get(name, name)]
            if model.recurrent.bidirectional:
                forms = [f"{form} · {names[direction]}" for form in forms]
            title = fitted_title(forms, font, width)
            panels.append(heatmaps.Panel(f"{gate}-{direction}", name, spec.kind(name), title, values))
    output = output_chart(model, trace, L) if with_output else None
    if not panels and output is None:
        return None
    return heatmaps.heatmap_payload(
        panels, trace.tokens, rows, seq, anchor, chart_words(L),
        font_size=font, columns=columns, max_height=max_height, output=output,
        shared_rows=shared_rows,
    )


def title_width(share: float, columns: int, font: int, present: bool) -> int:
    """The px a heatmap's title may take at 1280×720 (the narrowest screen it is made for): its
    chart's width (``share`` of the page in ``columns``), less the unit labels left of the plot
    (the title starts above the plot) and a margin."""
    return int(presentation.content_width(share, present) / columns - 16 - 8 * font - 20)


def fitted_title(forms: list[str], font: int, width: int) -> str:
    """The first of ``forms`` (longest first) whose one line fits ``width`` px at the title's size
    (``font`` + 2), else the last: a heatmap's title is one line and never clipped. The note a
    short form leaves out is on the convention radio above the charts."""
    return next((f for f in forms if charts.text_em(f) * (font + 2) <= width), forms[-1])


def output_chart(model: cells.Model, trace: cells.Trace, L: dict) -> dict | None:
    """The model's output at every step, as a chart of the heatmaps payload (drawn with the gates,
    in the same message): class probabilities as a heatmap; a value head's prediction against the
    actual next value; a next-token head's probability of the token that actually comes next."""
    out, kind = trace.outputs, model.card.head_kind
    if out is None or len(trace.tokens) == 0:
        return None
    words = chart_words(L)
    if kind == "value":
        nxt = next_values(trace)
        return heatmaps.series_chart([(words["model"], out[:, 0], False), (words["actual"], nxt, True)],
                                     L["output_chart"], L["stepper"]["output_value"])
    if kind == "next_token":
        return heatmaps.series_chart([(words["model"], next_token_probability(trace), False)],
                                     L["p_next"], "p")
    labels = [label_name(L, lab) for lab in model.card.output_labels]
    wrong = wrong_predictions(model, trace)
    chart = heatmaps.classes_chart(out, labels, L["output_chart"], wrong)
    if wrong is not None and wrong.any():
        chart["title"] += " · " + html.escape(L["output_wrong"].format(n=int(wrong.any(axis=1).sum())))
        chart["wrong_name"] = html.escape(L["output_wrong_mark"])
    return chart


def wrong_predictions(model: cells.Model, trace: cells.Trace) -> np.ndarray | None:
    """(T, K) bool: where a counting model's next-symbol prediction (> 0.5) differs from the set
    of symbols that may come next, for a text that is a whole string of its language; else None."""
    task = model.card.task
    if task not in counting.LANGS or trace.outputs is None:
        return None
    text = "".join(trace.tokens)
    n = (len(text) - 1) // len(counting.letters(task))
    if n < 1 or text != counting.string(task, n):
        return None
    return (trace.outputs > 0.5) != (counting.targets(task, n) > 0.5)


def unit_text_ui(trace: cells.Trace, view: View, L: dict, words: bool) -> None:
    """The sentence coloured by the chosen unit, wrapped to the page's width; ``words``: the tokens
    are words or values, shown with a gap between them (a character model's spaces are tokens)."""
    name, values = shown(trace.gates(view.layer, view.directions[0]), view.order_by, view.convention)
    column = values[:, view.unit]
    zmin, zmax, _ = charts.color_range(trace.recurrent.spec.kind(name), values)
    spans = []
    for tok, v in zip(trace.tokens, column, strict=True):
        bg = value_colour(float(v), zmin, zmax)
        spans.append(
            f'<span title="{name} = {v:.3f}" style="background:{bg};color:{text_colour(bg)};'
            f'padding:1px 2px;border-radius:2px;white-space:pre-wrap">'
            f'{html_safe(tok) if len(tok) else ""}</span>'
        )
    # the heading and the text in one element: one delta per rerun, not two
    heading = html.escape(L["unit_heading"].format(unit=view.unit, gate=name), quote=False)
    st.html(f'<p style="margin:0 0 0.25rem 0"><b>{heading}</b></p>'
            '<div data-testid="gs-unit-text" style="line-height:1.9;font-family:monospace;'
            'max-width:100%;overflow-wrap:anywhere;word-break:break-word">'
            + (" " if words else "").join(spans) + "</div>")


# The first screen (1280×720): the sentence, then the most telling heatmap (the gate the units are
# ordered by: h by default) beside the stepper; below it every other gate, the output over the
# sentence, the unit's text, and the less-used controls. Presenting: the heatmap and the stepper
# only, filling the projector; the sentence and the controls in the bar's popover.
FEATURED_HEIGHT = 400  # px: the featured heatmap in normal mode, inside the first screen
# featured heatmap | stepper: the stepper's column holds the cell diagram (app/diagram.py, up to
# ~450 px wide; ×20/14 of that when presenting) at 1280×720 without cutting it off
COLUMNS = (1, 1)
PRESENT_COLUMNS = (4, 5)
PAIR_COLUMNS = (5, 6)  # presenting both directions side by side; the diagram still fits its column


@dataclass(frozen=True)
class Frame:
    """What the page around the charts decides for them: presenting or not, the featured chart's
    height (presenting: what the screen and an open lesson leave), whether a lesson's text stands
    in for the step captions, and the lesson stop's nonce (a new stop restarts the stepper)."""

    present: bool
    featured_height: int
    lesson: bool
    lesson_nonce: int


def frame_now() -> Frame:
    present = presenting()
    return Frame(present, presentation.chart_height(0, FEATURED_HEIGHT),
                 bool(present and presentation.lesson_room()), lesson_ui.nonce())


def layout(model: cells.Model, view: View, frame: Frame) -> tuple[tuple[str, ...], bool, tuple]:
    """The featured gate (the one the units are ordered by, if the grid has it), whether both
    directions are presented side by side, and the widths of the featured chart's and the
    stepper's columns."""
    featured = (view.order_by,) if view.order_by in model.recurrent.spec.grid else ()
    # presenting both directions of a bidirectional layer: side by side in a wider half, since
    # stacked they would not fit under the projector's 720 px
    pair = frame.present and len(view.directions) > 1
    return featured, pair, PAIR_COLUMNS if pair else PRESENT_COLUMNS if frame.present else COLUMNS


def payloads(model: cells.Model, text: str, trace: cells.Trace, view: View, anchor: int, L: dict,
             frame: Frame) -> dict[str, dict | None]:
    """Every payload the explorer's components draw for one sentence, by component key: the
    featured heatmap, the stepper and (not presenting) the other gates with the output. Pure: the
    page mounts them, and the sentence route (``app.sentence_route``) answers a new sentence with
    the very same ones before the page's rerun."""
    seq = sequence_id(model.id, text)
    step = stepper_payload(trace, model.card, view.layer, view.directions[0], view.unit, anchor, 0,
                           seq, view.convention, L["stepper"], present=frame.present)
    if (step.get("out") or {}).get("kind") == "classes":  # class names in the page's language
        step["out"]["labels"] = [label_name(L, str(lab)) for lab in step["out"]["labels"]]
    if frame.lesson:  # an open lesson's text says what the step shows
        step["lesson"] = True
    elif frame.present:  # projector: a caption at every step (Play waits for the teacher)
        step["captions"] = step_captions(trace, view.layer, view.directions[0], L["stepper"])
    featured, pair, widths = layout(model, view, frame)
    out = {
        "heatmaps-featured": gates_payload(
            model, trace, view, anchor, seq, L, frame.present, keys=featured,
            columns=2 if pair else 1, shared_rows=pair, max_height=frame.featured_height,
            share=widths[0] / sum(widths)),
        "stepper": framed(step, frame.present, frame.lesson_nonce),
    }
    if not frame.present:
        rest = tuple(g for g in model.recurrent.spec.grid if g not in featured)
        out["heatmaps-explorer"] = gates_payload(model, trace, view, anchor, seq, L, False,
                                                 keys=rest, with_output=True)
    return out


def route_settings(model: cells.Model, view: View, L: dict, frame: Frame) -> tuple:
    """What a new sentence's payloads depend on besides its text (the model object itself: an
    upload and a zoo model may share an id)."""
    return model.id, id(model), view, frame, L["language"]


def route_can_read(model: cells.Model, text: str) -> bool:
    """Whether the route can draw ``text`` on ``model``; if not (nothing to read, more than
    MAX_TOKENS tokens, a model that cannot read it), the page's rerun handles it and says why."""
    tokens = tokens_of(model.id, text, model)
    return bool(tokens) and len(tokens) <= MAX_TOKENS and cannot_read(model, text) is None


def routed(model: cells.Model, text: str, trace: cells.Trace, view: View, L: dict,
           frame: Frame) -> dict:
    """The payloads the page's rerun will draw for ``text`` newly shown on ``model`` (at step 0),
    with the stepper's route for the sentence after it."""
    out = payloads(model, text, trace, view, 0, L, frame)
    out["stepper"]["route"] = sentence_route.address(route_settings(model, view, L, frame))
    return out


def new_sentence(model: cells.Model, view: View, L: dict, frame: Frame, text: str) -> dict | None:
    """For the sentence route: the payloads the page's rerun will draw for a new ``text`` with the
    settings shown now, or None when the page must handle the text (``route_can_read``)."""
    if not route_can_read(model, text):
        return None
    return routed(model, text, traced(model.id, text, model), view, L, frame)


def sibling_view(other: cells.Model, model: cells.Model, view: View) -> View | None:
    """The view the page will show ``other`` with, right after a switch of architecture from
    ``model`` shown with ``view``: a control that both pages draw keeps its value; one that only
    ``other`` draws starts at its default, since Streamlit drops the state of a widget that a run
    does not draw (the unit: -1, the first of the order, known once the text is traced). None
    when ``other`` has no such view (fewer layers)."""
    rec, now = other.recurrent, model.recurrent
    layer = view.layer if rec.num_layers > 1 and now.num_layers > 1 else 0
    if layer >= rec.num_layers:
        return None
    directions = ((view.directions if now.bidirectional else DEFAULT_DIRECTIONS)
                  if rec.bidirectional else (0,))
    order_by = view.order_by if rec.cell == now.cell else default_gate(rec)
    conventions = list(rec.spec.conventions)
    convention = "z"
    if len(conventions) > 1:
        convention = view.convention if len(now.spec.conventions) > 1 else conventions[0]
    return View(layer, directions, view.order, order_by, -1, convention, view.all_units)


def switched(model: cells.Model, view: View, other_id: str, folder: str, L: dict, frame: Frame,
             text: str) -> dict | None:
    """For the sentence route, at a click on another architecture in the sidebar: the payloads the
    page's rerun will draw for ``text`` on that model (``other_id``), or None when the page must
    handle the switch itself (the other model cannot read the text, or has no such view)."""
    other = zoo.load_model(other_id, folder)
    shown = sibling_view(other, model, view)
    if shown is None or not route_can_read(other, text):
        return None
    trace = traced(other.id, text, other)
    ranked = units_in_order(other.recurrent, trace, shown.layer, shown.directions[0], shown.order,
                            shown.order_by)
    shown = replace(shown, unit=int(ranked[0]))  # the unit box's default: the first of the order
    return routed(other, text, trace, shown, L, frame)


def switches(model: cells.Model, view: View, L: dict, frame: Frame) -> dict[str, dict]:
    """Where the page posts the sentence when another architecture of this model's task is
    clicked in the sidebar, by the label the sidebar shows ({} for a model that is not the zoo's,
    or while the model's own example stands in for a sentence it cannot read)."""
    folder = str(zoo.models_dir())
    entries = zoo.catalogue(folder)
    mine = next((e for e in entries if e.id == model.id), None)
    if (mine is None or st.session_state.get(KEPT_SENTENCE) is not None
            or zoo.load_model(mine.id, folder) is not model):
        return {}
    task = [e for e in entries if e.task_title == mine.task_title]
    labels = [arch_name(L, e.arch) for e in task]
    return {label: sentence_route.offer(("switch", model.id, id(model), e.id, folder, view, frame,
                                         L["language"]),
                                        partial(switched, model, view, e.id, folder, L, frame))
            for e, label in zip(task, labels, strict=True)
            if e.id != model.id and labels.count(label) == 1}


def render(model: cells.Model, L: dict) -> None:
    present = presenting()
    with controls_container(L):
        reading = sentence_ui(model, L)
    if reading is None:
        return
    text, trace = reading.text, reading.trace
    charts_area, below = st.container(), st.container()
    with controls_container(L) if present else below:  # their values are needed by every chart
        view = view_ui(model, trace, L)
    seq = sequence_id(model.id, text)
    view_key = (seq, view.layer, view.directions, view.order, view.order_by, view.convention)
    anchor = min(anchor_step(view_key, seq), max(trace.steps - 1, 0))  # a link's step past the end
    frame = frame_now()
    drawn = payloads(model, text, trace, view, anchor, L, frame)
    drawn["stepper"]["route"] = sentence_route.offer(
        route_settings(model, view, L, frame), partial(new_sentence, model, view, L, frame))
    if not present:  # the sidebar's architecture: a click draws the other model from the route
        drawn["stepper"]["route"]["switch"] = switches(model, view, L, frame)
    _, _, widths = layout(model, view, frame)
    with charts_area:
        left, right = st.columns(widths)
        with left:
            if drawn["heatmaps-featured"] is not None:
                heatmaps_ui(drawn["heatmaps-featured"], key="heatmaps-featured")
        with right:
            synced(drawn["stepper"])
        if present:
            return
        st.subheader(L["gates_heading"])
        if len(view.directions) > 1:
            st.caption(L["bidi_note"])
        if drawn["heatmaps-explorer"] is not None:
            heatmaps_ui(drawn["heatmaps-explorer"], key="heatmaps-explorer")
        unit_text_ui(trace, view, L, words=model.tokenizer.kind != "char")
    with below:
        how_to_read_ui(L, L["explorer_how"], "explorer")
        export_ui(model, trace, text, L)


def export_ui(model: cells.Model, trace: cells.Trace, text: str, L: dict) -> None:
    with st.popover(L["export"]):  # its body (and the code highlighter) loads when opened
        st.caption(L["export_png"])
        cols = st.columns(2)
        cols[0].download_button(L["export_csv"], lambda: export.trace_csv(trace), f"{model.id}-trace.csv",
                                "text/csv", key="export_csv", on_click="ignore")
        cols[1].download_button(L["export_npz"], lambda: export.trace_npz(trace), f"{model.id}-trace.npz",
                                "application/octet-stream", key="export_npz", on_click="ignore")
        st.markdown(L["export_snippet"])
        st.code(export.torch_snippet(model, text), language="python")
