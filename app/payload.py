"""What the browser needs to step without the server: tokens, one unit's equation parts at every
step, and the model's output at every step (top-k, class probabilities or a value). Pure: no
Streamlit, so it is unit-tested and its size measured directly."""

from __future__ import annotations

import hashlib

import numpy as np

from app.diagram import NUMBER_PX, PRESENT_NUMBER_PX, cell_diagram, diagram_scales
from app.labels import visible
from cells.card import Card
from cells.explain import unit_equations
from cells.registry import SPECS
from cells.spec import CellSpec
from cells.tokenize import parse_number
from cells.tracing import Trace

TOP_K = 5
DECIMALS = 4


def rounded(values: np.ndarray) -> list:
    """Nested lists of floats rounded to DECIMALS, None where not finite (one vectorised pass)."""
    arr = np.round(np.asarray(values, dtype=np.float64), DECIMALS)
    finite = np.isfinite(arr)
    if finite.all():  # the usual case: plain floats, without an object array (half the time)
        return arr.tolist()
    return np.where(finite, arr, None).tolist()


def sequence_id(*parts: object) -> str:
    """A short id for one (model, text) pair: the browser keeps its step per sequence."""
    return hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def output_payload(trace: Trace, card: Card | None, text: dict) -> dict | None:
    """Per-step outputs of the head, in the form the step panel draws them (None without a card's
    head: a model built in code has no labels to show)."""
    out = trace.outputs
    if out is None or out.shape[0] == 0 or card is None or card.head is None:
        return None
    labels = list(card.output_labels)
    if card.head_kind == "value":
        nxt = next_values(trace)
        return {
            "kind": "value",
            "title": text["output_value"],
            "pred": rounded(out[:, 0]),
            "actual": rounded(nxt),
            "pred_label": text["predicted_next"],
            "actual_label": text["actual_next"],
            "note": None,
        }
    note = text["readout_last"] if card.head.readout == "last" else None
    if card.head_kind == "next_token":  # e.g. next character: the top five at each step
        top = np.argsort(-out, axis=1)[:, :TOP_K]  # (T, 5)
        return {
            "kind": "topk",
            "title": text["output_topk"],
            "labels": [[labels[k] if k < len(labels) else str(k) for k in row] for row in top],
            "probs": rounded(np.take_along_axis(out, top, axis=1)),
            "note": note,
        }
    independent = card.head.activation == "sigmoid"  # one probability per label, not a share
    return {
        "kind": "classes",
        "title": text["output_independent" if independent else "output_classes"],
        "labels": labels,
        "probs": rounded(out),
        "note": note,
    }


def next_values(trace: Trace) -> np.ndarray:  # (T,)
    """The value a values model reads next at every step; NaN at the last step (nothing follows)."""
    values = [parse_number(t) for t in trace.tokens[1:]]
    return np.array(values + [np.nan], np.float64)


def next_token_probability(trace: Trace) -> np.ndarray:  # (T,)
    """The probability a next-token head gave, at every step, to the token that actually comes
    next; NaN at the last step (nothing follows)."""
    nxt = np.array(trace.token_ids[1:] + [-1])  # (T,)
    p = trace.outputs[np.arange(len(nxt)), np.maximum(nxt, 0)]
    return np.where(nxt >= 0, p, np.nan)


def stepper_payload(
    trace: Trace,
    card: Card | None,
    layer: int,
    direction: int,
    unit: int,
    step: int,
    nonce: int,
    seq: str,
    convention: str,
    text: dict,
    present: bool = False,
) -> dict:
    """Everything the stepper component draws, for every step of ``trace``: the equation table's
    rows, the state update's template lines and the cell diagram come from the cell's spec
    (``cells.spec``); ``present``: drawn for a projector (larger numbers)."""
    spec = trace.recurrent.spec
    eq = unit_equations(trace, layer, direction, unit) if trace.steps else {}
    return {
        "seq": seq,
        "nonce": nonce,
        "step": int(step),
        "tokens": list(trace.tokens),
        "cell": spec.name,
        "convention": convention,
        "unit": int(unit),
        "gate_order": list(spec.block_gates),
        "rows": equation_rows(spec, convention, text),
        "panel": list(spec.panel(convention)),
        "eq": {k: rounded(v) for k, v in eq.items()},
        "out": output_payload(trace, card, text),
        "text": text,
        "compact": _is_char(card),
        "diagram": diagram_payload(trace, layer, direction, convention, text, present) if eq else None,
    }


def diagram_payload(trace: Trace, layer: int, direction: int, convention: str, text: dict,
                    present: bool) -> dict:
    """The cell diagram (``app.diagram``), the colour range of each kind of quantity on it as the
    heatmaps draw them, and the size its numbers are drawn at."""
    spec = trace.recurrent.spec
    out = cell_diagram(spec, convention, text)
    out["scales"] = diagram_scales(spec, trace.gates(layer, direction))
    out["number_px"] = PRESENT_NUMBER_PX if present else NUMBER_PX
    return out


def equation_rows(spec: CellSpec, convention: str, text: dict) -> list[dict]:
    """The step panel's table: one row per gate with its parts (input, recurrent, bias,
    pre-activation), plus u = 1 − z (value only) when the textbook convention is shown."""
    rows = [{"label": text["gate_names"].get(spec.gate(g).label or g, g), "key": g, "parts": True}
            for g in spec.block_gates]
    if convention == "u" and "u" in spec.conventions:
        rows.append({"label": text["u_row"], "key": "u", "parts": False})
    return rows


def _is_char(card: Card | None) -> bool:
    return card is not None and card.tokenizer.kind == "char"


def tokens_only_payload(tokens: list[str], seq: str, step: int, text: dict, compact: bool) -> dict:
    """A stepper with the token strip and controls only (views that compare several runs)."""
    return {"seq": seq, "nonce": 0, "step": int(step), "tokens": list(tokens), "cell": "",
            "convention": "z", "unit": 0, "gate_order": [], "rows": [], "panel": [], "eq": {},
            "out": None, "text": text, "compact": compact, "diagram": None}


CAPTION_GATES = {name: spec.caption_gates for name, spec in SPECS.items()}


def step_captions(trace: Trace, layer: int, direction: int, text: dict) -> list[str]:
    """One sentence per step for autoplay: the token and the mean of each gate over the units."""
    gates = trace.gates(layer, direction) if trace.steps else {}
    names = trace.recurrent.spec.caption_gates
    means = {g: gates[g].mean(axis=1) for g in names}
    out = []
    for t, tok in enumerate(trace.tokens):
        parts = [text["caption_gate"][g].format(v=float(means[g][t])) for g in names]
        if not parts:
            parts = [text["caption_rnn"].format(v=float(np.abs(gates["h"][t]).mean()))]
        out.append(text["caption"].format(token=visible(tok), parts=" · ".join(parts)))
    return out
