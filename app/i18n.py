"""Every string of the interface lives in one file per language, ``app/strings/<lang>.json``.

``t(lang)`` returns that file's table, plus the legacy sub-tables the views and the stepper read
(``gate_titles``, ``stepper.gate_names``, ``stepper.caption_gate``), which are derived here from the
file's single ``gates`` table rather than written out again. The helpers below look up the words for
things that come from model cards (task, architecture, model title and summary, class labels) by
id, with the card's own English as the fallback: an uploaded model's card is the user's data and is
shown as written.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from cells.registry import ALL_SPECS

STRINGS_DIR = Path(__file__).parent / "strings"
DEFAULT = "en"

# How a symbol is written where it is not just its key, and the function of each kind of gate in the
# cell specs (the step panel shows "input i = σ").
SYMBOLS = {"u": "u = 1 − z"}
KIND_FUNCTIONS = {"sigmoid": "σ", "tanh": "tanh", "relu": "max(0, ·)", "state": ""}


def step_rows() -> dict[str, tuple[str, str]]:
    """Step-panel row label -> (gate key, function), from every cell spec: ``"h_relu"`` is the
    ReLU RNN's h, which the same gate name reads with another function. ``u`` is not a row."""
    rows = {}
    for spec in ALL_SPECS:
        for gate in spec.gates:
            if gate.block is not None or gate.key == "h":
                rows.setdefault(gate.label or gate.key, (gate.key, KIND_FUNCTIONS[gate.kind]))
    return rows


def read_table(lang: str) -> dict:
    """The raw table of one language file (no derived sub-tables)."""
    path = STRINGS_DIR / f"{lang}.json"
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise RuntimeError(f"string file {path}: expected readable JSON, got {e}") from e


def languages() -> dict[str, str]:
    """Language code -> its own name, English first, from the files in ``app/strings``."""
    codes = sorted((p.stem for p in STRINGS_DIR.glob("*.json")), key=lambda c: (c != DEFAULT, c))
    return {code: str(read_table(code)["language"]) for code in codes}


LANGS = languages()


def derive_gate_tables(table: dict) -> dict:
    """Add ``gate_titles`` (``gate_titles_short``: without the gate's note) and the stepper's
    ``gate_names`` / ``caption_gate`` from ``gates``."""
    formats = table["gate_formats"]
    titles, short_titles, rows, captions = {}, {}, {}, {}
    for key, gate in table["gates"].items():
        words = {**gate, "symbol": SYMBOLS.get(key, key), "value": "{v:.2f}"}
        titles[key] = formats["title_note" if gate["note"] else "title"].format(**words)
        short_titles[key] = formats["title"].format(**words)  # without the note: a narrow chart's
        captions[key] = formats["caption_note" if gate["reading"] else "caption"].format(**words)
    for label, (key, function) in step_rows().items():
        words = {**table["gates"][key], "symbol": SYMBOLS.get(key, key), "fn": function}
        rows[label] = formats["step_row"].format(**words)
    table["gate_titles"], table["gate_titles_short"] = titles, short_titles
    short = {key: gate["short"] for key, gate in table["gates"].items()}  # the cell diagram's names
    table["stepper"] = {**table["stepper"], "gate_names": rows, "caption_gate": captions,
                        "gate_short": short}
    return table


@cache
def _table(lang: str) -> dict:
    return derive_gate_tables(read_table(lang))


def t(lang: str) -> dict:
    """The string table for ``lang`` (English for anything unknown). Shared: do not modify it."""
    return _table(lang if lang in LANGS else DEFAULT)


def chart_words(L: dict) -> dict[str, str]:
    """The words the pure chart builders put on axes, hovers and legends."""
    return {**L["chart"], "range": L["range_label"]}


def task_name(L: dict, task: str, fallback: str) -> str:
    return str(L["tasks"].get(task) or fallback)


def arch_name(L: dict, arch: str) -> str:
    """"lstm", "bilstm", "sgru", … as the language writes it (the code itself if unknown)."""
    return str(L["archs"].get(arch) or arch)


def _model_text(L: dict, model_id: str, field: str, fallback: str) -> str:
    return str((L["models"].get(model_id) or {}).get(field) or fallback)


def model_title(L: dict, model_id: str, fallback: str) -> str:
    return _model_text(L, model_id, "title", fallback)


def model_summary(L: dict, model_id: str, fallback: str) -> str:
    return _model_text(L, model_id, "summary", fallback)


def model_metrics(L: dict, model_id: str, fallback: str) -> str:
    return _model_text(L, model_id, "metrics", fallback)


def notable_text(L: dict, model_id: str, unit: int, fallback: str) -> str:
    """What the card says a notable unit does, in the language (the card's words if unknown)."""
    notable = (L["models"].get(model_id) or {}).get("notable") or {}
    return str(notable.get(str(unit)) or fallback)


def label_name(L: dict, label: str) -> str:
    """A class label (``positive``, ``plural``, ``French``…) in the language; symbols stay."""
    return str(L["labels"].get(label, label))
