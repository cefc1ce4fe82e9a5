"""The explorer's output chart travels in the heatmaps payload (one message per sentence) for every
head kind: class probabilities, a value head against the actual next value, and a next-token head's
probability of the token that really comes next. Checked against the trace itself."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import cells
from app.heatmaps import LEVELS, dequantise_chart
from tests.conftest import APP, MODELS, shipped_cards
from tests.test_app import pick

CARDS = shipped_cards()


def first_of(kind: str) -> str:
    for mid in sorted(CARDS):
        if cells.load(MODELS / mid).card.head_kind == kind:
            return mid
    raise AssertionError(f"no shipped model with a {kind} head")


def payload_and_trace(model_id: str) -> tuple[dict, cells.Trace, AppTest]:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    pick(at, model_id)
    payloads = [json.loads(c.proto.json) for c in at.get("bidi_component")
                if c.proto.component_name == "gatescope_heatmaps"]
    (with_output,) = [p for p in payloads if p.get("output")]  # the featured heatmap has none
    text = at.text_input(key="sentence").value
    return with_output, cells.trace(cells.load(MODELS / model_id), text), at


@pytest.mark.timeout(300)
def test_class_probabilities_are_a_heatmap_of_the_payload():
    mid = first_of("classes")
    p, trace, at = payload_and_trace(mid)
    out = p["output"]
    assert out["type"] == "heatmap" and out["shape"] == [trace.outputs.shape[1], len(trace.tokens)]
    assert np.abs(dequantise_chart(out) - trace.outputs.T).max() <= 0.5 / LEVELS + 1e-6
    assert len(out["row_labels"]) == trace.outputs.shape[1]
    assert not at.get("plotly_chart")  # no separate Streamlit chart element any more


@pytest.mark.timeout(300)
def test_next_token_probability_is_the_actual_next_tokens():
    mid = first_of("next_token")
    p, trace, _ = payload_and_trace(mid)
    (line,) = p["output"]["lines"]
    ids = trace.token_ids
    want = [float(trace.outputs[t, ids[t + 1]]) for t in range(len(ids) - 1)]
    assert len(line["y"]) == len(ids) and line["y"][-1] is None
    assert np.allclose(line["y"][:-1], want, atol=1e-4)


@pytest.mark.timeout(300)
def test_value_head_is_drawn_against_the_actual_next_value():
    mid = first_of("value")
    p, trace, _ = payload_and_trace(mid)
    model, actual = p["output"]["lines"]
    assert np.allclose(model["y"], trace.outputs[:, 0], atol=1e-4)
    want = [cells.tokenize.parse_number(tok) for tok in trace.tokens[1:]]
    assert actual["dotted"] and np.allclose(actual["y"][:-1], want, atol=1e-4)
