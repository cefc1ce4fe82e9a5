"""Hostile links (issue 13): every field of a link is checked the way its widget would check it;
what is bad is dropped, the rest still applies, and the page says what was left out — never a
traceback. The intervention value ``iv`` is read by ``app.iv_link.parse_link``, which never raises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.iv_link import MAX_STEP, parse_link
from cells.registry import spec_of
from tests.conftest import APP, shipped_cards

TIMEOUT = 120
CARDS = shipped_cards()
LSTM = spec_of("lstm")
H = 32

# The ten hostile iv values (and a few more), each with the part that must be dropped.
HOSTILE_IV = {
    "v-nan": ('{"c":[{"g":"f","v":NaN}]}', "c[0].v"),
    "v-1e999": ('{"c":[{"g":"f","v":1e999}]}', "c[0].v"),
    "u-99999": ('{"c":[{"g":"f","v":1,"u":[99999]}]}', "c[0].u[0]"),
    "u-minus-1": ('{"c":[{"g":"f","v":1,"u":[-1]}]}', "c[0].u[0]"),
    "u-1e400": ('{"c":[{"g":"f","v":1,"u":[1e400]}]}', "c[0].u[0]"),
    "s-5-2": ('{"c":[{"g":"f","v":1,"s":[5,2]}]}', "c[0].s"),
    "s-minus-3-2": ('{"c":[{"g":"f","v":1,"s":[-3,2]}]}', "c[0].s"),
    "s-0": ('{"c":[{"g":"f","v":1,"s":[0]}]}', "c[0].s"),
    "nested-10000": ('{"c":' + "[" * 10_000 + "]" * 10_000 + "}", "iv"),
    "z-99999": ('{"z":[99999]}', "z[0]"),
    "v-5-sigmoid": ('{"c":[{"g":"f","v":5}]}', "c[0].v"),
    "v-minus-half-sigmoid": ('{"c":[{"g":"i","v":-0.5}]}', "c[0].v"),
    "s-above-2-31": ('{"c":[{"g":"f","v":1,"s":[0,2147483653]}]}', "c[0].s"),
    "digits-5000": ('{"z":[' + "9" * 5000 + "]}", "iv"),
    "g-unknown": ('{"c":[{"g":"h","v":1}]}', "c[0].g"),
    "v-bool": ('{"c":[{"g":"f","v":true}]}', "c[0].v"),
    "not-an-object": ("[1,2,3]", "iv"),
    "not-json": ("{nope", "iv"),
}


@pytest.mark.parametrize("name", list(HOSTILE_IV))
def test_each_hostile_iv_is_dropped_and_named(name):
    value, where = HOSTILE_IV[name]
    clamps, zero, dropped = parse_link(value, LSTM, H)
    assert where in [w for w, _ in dropped], dropped
    assert all(-1 <= c["value"] <= 1 for c in clamps) and all(0 <= u < H for u in zero)


def test_what_is_good_is_kept_beside_what_is_bad():
    value = json.dumps({"c": [{"g": "f", "v": 1, "u": [3, 99999, 5, -1], "s": [0, 4]},
                              {"g": "f", "v": 5},
                              {"g": "g", "v": -0.5}],
                        "z": [7, "x", 40]})
    clamps, zero, dropped = parse_link(value, LSTM, H)
    assert clamps == [{"gate": "f", "value": 1.0, "units": [3, 5], "steps": [0, 4]},
                      {"gate": "g", "value": -0.5, "units": None, "steps": None}]
    assert zero == [7]
    assert sorted(w for w, _ in dropped) == ["c[0].u[1]", "c[0].u[3]", "c[1].v", "z[1]", "z[2]"]


def test_gate_ranges_come_from_the_spec_kinds():
    gru = spec_of("gru")
    assert parse_link('{"c":[{"g":"n","v":-1}]}', gru, H)[0][0]["value"] == -1.0  # tanh: [-1, 1]
    assert parse_link('{"c":[{"g":"z","v":-1}]}', gru, H)[0] == []  # sigmoid: [0, 1]
    assert parse_link('{"c":[{"g":"z","v":0.25}]}', gru, H)[0][0]["value"] == 0.25
    assert parse_link(None, gru, H) is None and parse_link("", gru, H) is None


def test_a_step_range_is_bounded_below_2_31():
    assert MAX_STEP < 2**31
    clamps, _, _ = parse_link(json.dumps({"c": [{"g": "f", "v": 1, "s": [0, MAX_STEP]}]}), LSTM, H)
    assert clamps[0]["steps"] == [0, MAX_STEP]


# ---------------------------------------------------------------- the page, with AppTest


def first_id(task: str, arch: str) -> str:
    return next(k for k, c in sorted(CARDS.items())
                if c["task"] == task and c["architecture"]["cell"] == arch
                and not c["architecture"].get("bidirectional"))


def opened(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def warning_text(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning)


@pytest.mark.timeout(600)
def test_the_intervention_view_survives_every_hostile_iv_and_says_so():
    mid = first_id("agreement", "lstm")
    for name, (value, _where) in HOSTILE_IV.items():
        at = opened({"model": mid, "view": "intervene", "iv": value})
        assert "iv" in warning_text(at), name
    # the good part of a mixed link is applied
    good_and_bad = json.dumps({"c": [{"g": "f", "v": 1, "u": [3]}, {"g": "f", "v": 5}], "z": [2]})
    at = opened({"model": mid, "view": "intervene", "iv": good_and_bad})
    assert at.session_state["clamps"] == [{"gate": "f", "value": 1.0, "units": [3], "steps": None}]
    assert at.multiselect(key=f"iv_zero-{mid}").value == [2]
    assert "iv.c[1].v=5" in warning_text(at).replace("\\", "")


@pytest.mark.timeout(600)
def test_every_other_field_is_checked_and_the_rest_of_the_link_applies():
    mid = first_id("sentiment", "gru")
    hostile = {"unit": "99999", "step": str(2**31 + 5), "layer": "abc", "order": "evil",
               "by": "nope", "conv": "x", "units": "some", "present": "2", "gstep": "-1"}
    at = opened({"model": mid, "text": "the acting was good", **hostile})
    assert at.text_input(key="sentence").value == "the acting was good"  # kept
    shown = warning_text(at).replace("\\", "")
    for name in ("unit=99999", f"step={2**31 + 5}", "order=evil", "by=nope", "conv=x",
                 "units=some", "present=2"):
        assert name in shown, (name, shown)
    payload = next(json.loads(c.proto.json) for c in at.get("bidi_component")
                   if c.proto.component_name == "gatescope_stepper")
    assert 0 <= payload["step"] < len(payload["tokens"])  # never 2**31 in the page's JS


@pytest.mark.timeout(600)
def test_view_language_and_model_fields():
    at = opened({"view": "nowhere", "lang": "klingon", "model": "../../etc/passwd"})
    shown = warning_text(at).replace("\\", "")
    assert "view=nowhere" in shown and "lang=klingon" in shown and "model=../../etc/passwd" in shown
    at = opened({"lang": "zh", "model": "nope"})  # the warning speaks the page's language
    assert "此链接" in warning_text(at)


def test_a_field_given_twice_takes_the_last_and_names_the_other():
    at = opened({"view": ["pairs", "gradients"], "lang": ["zh", "en", "en"]})
    assert at.radio(key="view").value == "gradients" and at.radio(key="lang").value == "en"
    shown = warning_text(at).replace("\\", "")
    assert "view=pairs" in shown and "lang=zh" in shown, shown
    assert "view=gradients" not in shown and "lang=en" not in shown, shown  # the ones used


@pytest.mark.timeout(600)
def test_hostile_text_in_a_link():
    mid = first_id("sentiment", "gru")
    at = opened({"model": mid, "text": "bad\x00\x07 text\x1b[31m\nnext line"})
    assert at.text_input(key="sentence").value == "bad text[31m\nnext line"
    assert "text=" in warning_text(at)
    at = opened({"model": mid, "text": "x" * 150_000})
    assert len(at.text_input(key="sentence").value) == 100_000
    at = opened({"model": mid, "text": "a step past the end", "step": "1500"})
    payload = next(json.loads(c.proto.json) for c in at.get("bidi_component")
                   if c.proto.component_name == "gatescope_stepper")
    assert payload["step"] == len(payload["tokens"]) - 1


def test_the_stepper_never_truncates_a_step_to_32_bits():
    js = (Path(__file__).parents[1] / "app" / "stepper.js").read_text("utf-8")
    assert "data.step | 0" not in js and "Math.trunc(Number(data.step))" in js
