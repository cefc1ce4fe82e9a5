"""A Chinese page shows no English: every view, on an LSTM and a GRU, a character and a word model,
run with AppTest in Chinese; every visible string (text, labels, options, Plotly titles, axes,
hovers and legends, the step panel's words) is scanned for ASCII words of three or more letters
outside an allow-list. What the user typed (the sentence, its tokens) is data and is left out, and
so are the raw model card (JSON) and the Python export snippet (code).

Also: after a language switch the choice widgets show the new language's labels and keep their
choices (the browser holds a choice as its label, so the server must re-send it)."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP, page_views, shipped_cards

TIMEOUT = 120
VIEWS = page_views()  # every view of the page, "train" too
CARDS = shipped_cards()

# Words a Chinese page may show: cell names, proper names, file formats and names, keys, functions.
ALLOWED = {
    "LSTM", "GRU", "RNN", "BiLSTM", "PyTorch", "Gatescope", "tanh", "max", "Karpathy", "Johnson",
    "Fei-Fei", "Home", "End", "Ctrl", "Enter", "CSV", "NPZ", "PNG", "weights.safetensors", "card.json",
    "PageDown", "PageUp", "cells.export_torch", "pickle", ".pt", ".pth", ".pkl",
}
WORD = re.compile(r"\.?[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9]|[A-Za-z]")
PLOTLY_FIELD = re.compile(r"%?\{[^}]*\}")  # Plotly's %{x}, and a template's own {token}
TAG = re.compile(r"</?[a-z]+>")
TASK_ALPHABET = re.compile(r"^[abc]+$")  # aⁿbⁿ(cⁿ) strings such as "aaabbb"


def english_words(text: str) -> list[str]:
    text = TAG.sub(" ", PLOTLY_FIELD.sub(" ", text))
    out = []
    for word in WORD.findall(text):
        word = word.rstrip(".-")
        if not re.search(r"[A-Za-z]{3,}", word) or word in ALLOWED or word in CARDS:
            continue
        if TASK_ALPHABET.match(word):
            continue
        out.append(word)
    return out


def test_control_the_scan_finds_english():
    assert english_words("单元 3 · unit 3") == ["unit"]
    assert english_words("步 %{x}<br>%{y}<extra>%{fullData.name}</extra>") == []
    assert english_words("读入 $aaabbb… 用 LSTM 和 card.json") == []
    assert english_words("Sentiment GRU, word by word") == ["Sentiment", "word", "word"]


# --- collecting what the page shows --------------------------------------------------------------

def plotly_strings(spec: dict) -> list[str]:
    layout = spec.get("layout", {})
    out = [((layout.get("title") or {}).get("text") or "")]
    for axis in ("xaxis", "yaxis"):
        out.append(((layout.get(axis) or {}).get("title") or {}).get("text") or "")
    for trace in spec.get("data", []):
        xs = set(map(str, trace.get("x") or [])) if isinstance(trace.get("x"), list) else set()
        out += [str(trace.get("name") or ""), str(trace.get("hovertemplate") or "")]
        ys = trace.get("y")
        if isinstance(ys, list):  # unit rows and class labels; not the token axis of a matrix
            out += [y for y in ys if isinstance(y, str) and y not in xs]
    return out


def heatmap_strings(payload: dict) -> list[str]:
    """The words of the charts drawn in the page from the heatmaps payload (app/heatmaps.js): panel
    titles, unit rows, the hover's step word and the output chart's title, axis, lines and classes."""
    out = [str(payload.get("step_word") or ""), *map(str, payload.get("row_labels") or [])]
    out += [str(p.get("title") or "") for p in payload.get("panels") or []]
    o = payload.get("output") or {}
    out += [str(o.get(k) or "") for k in ("title", "y_title")]
    out += [str(line.get("name") or "") for line in o.get("lines") or []]
    out += [str(lab) for lab in o.get("row_labels") or []]
    return out


def payload_strings(payload: dict) -> list[str]:
    """The step panel's words: its text table, the output's title, names and class labels, and the
    cell diagram's words."""
    out = list(flatten(payload.get("text") or {}))
    o = payload.get("out") or {}
    out += [str(o.get(k) or "") for k in ("title", "pred_label", "actual_label", "note")]
    if o.get("kind") == "classes":
        out += [str(lab) for lab in o.get("labels") or []]
    d = payload.get("diagram") or {}  # the cell diagram's words
    out += [line for n in d.get("nodes") or [] for line in n["lines"]]
    out += [e["word"] for e in d.get("edges") or []]
    return out


def flatten(table: object):
    if isinstance(table, dict):
        for v in table.values():
            yield from flatten(v)
    elif isinstance(table, list):
        for v in table:
            yield from flatten(v)
    elif isinstance(table, str):
        yield table


def page_strings(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) for everything visible on the page, except user data, code and the raw card."""
    out: list[tuple[str, str]] = []

    def walk(node) -> None:
        kind = getattr(node, "type", "")
        key = getattr(node, "key", None) or ""
        proto = getattr(node, "proto", None)
        if kind in ("json", "code", "html") or key == "lang":
            return  # the raw card, the export snippet, the user's tokens; "English / 简体中文"
        if kind == "plotly_chart":
            out.extend((f"chart {key}", s) for s in plotly_strings(json.loads(proto.spec)))
        elif kind == "bidi_component" and proto.component_name == "gatescope_heatmaps":
            out.extend((f"chart {key}", s) for s in heatmap_strings(json.loads(proto.json)))
        elif kind == "bidi_component":
            out.extend((f"stepper {key}", s) for s in payload_strings(json.loads(proto.json)))
        elif kind == "table":
            frame = node.value
            out.extend((f"table {key}", str(s)) for s in [*frame.columns, *frame.astype(str).values.ravel()])
        elif kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                      "error", "success"):
            out.append((kind, str(node.value)))
        for attr in ("label", "help", "placeholder"):
            value = getattr(proto, attr, None) if proto is not None else None
            if isinstance(value, str) and value:
                out.append((f"{kind} {key} {attr}", value))
        options = list(getattr(proto, "options", []) or []) if proto is not None else []
        if key.startswith("example-"):
            options = options[:1]  # the samples are sentences to read, not interface text
        if key.startswith("grad_step"):  # one slider per sentence: grad_step-<sentence id>
            options = []  # "step: token"
        out.extend((f"{kind} {key} option", str(o)) for o in options)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return out


def run_page(model_id: str, view: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update({"model": model_id, "view": view, "lang": lang})
    if view == "findunit" and CARDS[model_id]["task"] == "charlm":
        at.query_params["text"] = '"I am quite sure," said she, "that he will come."'
    at.run()
    assert not at.exception, at.exception
    if view == "intervene":  # the charts come once an intervention is added
        preset = next(b for b in at.button if (b.key or "").startswith("preset-"))
        preset.click().run()
        assert not at.exception, at.exception
    return at


def english_on(at: AppTest) -> list[str]:
    return [f"{where}: {word!r} in {text[:80]!r}" for where, text in page_strings(at)
            for word in english_words(text)]


CASES = [(m, v) for m in ("charlm-lstm", "sentiment-gru") for v in VIEWS] + [
    ("names-gru", "explorer"), ("sunspots-lstm", "explorer"), ("sentiment-bilstm", "explorer"),
    ("anbn-lstm", "findunit"), ("agreement-sgru", "findunit"), ("agreement-sgru", "compare"),
    ("anbn-lstm", "train"),
]


@pytest.mark.parametrize(("model_id", "view"), CASES)
def test_a_chinese_page_shows_no_english(model_id, view):
    if model_id not in CARDS:
        pytest.skip(f"{model_id} is not shipped")
    at = run_page(model_id, view)
    seen = page_strings(at)
    assert len(seen) > 15 and any(kind.startswith("chart") for kind, _ in seen) or view in (
        "intervene", "saturation", "findunit", "pairs")
    assert english_on(at) == []


def test_control_an_english_page_is_reported():
    at = run_page("sentiment-gru", "explorer", lang="en")
    found = " ".join(english_on(at))
    for word in ("'Sentiment'", "'unit'", "'step'", "'positive'"):  # task, axis, hover, class
        assert word in found


# --- a language switch re-labels the choices and keeps them ---------------------------------------

def shown_label(before: str, widget) -> str:
    """What the browser shows after a rerun: the label the server sent if it sent one, else the
    label it already had (the browser keeps a choice as its label)."""
    return widget.proto.raw_value if widget.proto.set_value else before


def switch_language(at: AppTest) -> dict[str, tuple[str, object]]:
    """Switch English -> Chinese; the (label shown, value) of the order box and the GRU convention."""
    order, conv = at.selectbox(key="order"), at.radio(key="convention")
    before = {"order": order.options[order.index], "convention": conv.options[conv.index]}
    at.radio(key="lang").set_value("zh").run()
    assert not at.exception, at.exception
    order, conv = at.selectbox(key="order"), at.radio(key="convention")
    return {"order": (shown_label(before["order"], order), order.value),
            "convention": (shown_label(before["convention"], conv), conv.value)}


def english_gru_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["model"] = "sentiment-gru"
    at.run()
    at.selectbox(key="order").set_value("variance").run()
    at.radio(key="convention").set_value("u").run()
    assert not at.exception, at.exception
    return at


def test_language_switch_relabels_and_keeps_the_choices():
    from app.i18n import t

    zh = t("zh")
    after = switch_language(english_gru_page())
    assert after["order"] == (zh["order_options"]["variance"], "variance")
    assert after["convention"] == (zh["convention_u"], "u")


def test_control_without_relabelling_the_browser_keeps_the_old_label(monkeypatch):
    from app import sidebar

    monkeypatch.setattr(sidebar, "RELABELLED", ())
    after = switch_language(english_gru_page())
    assert after["order"][0] == "variance over the sentence"  # stale English in a Chinese page
