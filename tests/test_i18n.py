"""The string files: every language has the same keys and the same placeholders in each string,
every key the app reads exists, legacy gate tables are derived, and card texts are looked up by id.
Each check has a control showing it reports a planted mistake."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from app import charts, i18n
from tests.conftest import ROOT, shipped_cards

APP_DIR = ROOT / "app"
PLOTLY_FIELD = re.compile(r"%\{[^}]*\}")


def key_paths(table: object, prefix: tuple = ()) -> set[tuple]:
    """Every path of keys (and list indexes) down to the leaves of a nested table."""
    if isinstance(table, dict):
        items = table.items()
    elif isinstance(table, list):
        items = enumerate(table)
    else:
        return {prefix}
    out = {prefix} if prefix else set()
    for k, v in items:
        out |= key_paths(v, (*prefix, k))
    return out


def leaf(table: object, path: tuple) -> object:
    for k in path:
        table = table[k]
    return table


def placeholders(text: str) -> list[str]:
    """Python format fields (with their spec) and Plotly ``%{…}`` fields, sorted."""
    fields = [f"{{{name}:{spec}}}" for _, name, spec, _ in string.Formatter().parse(text)
              if name is not None]
    return sorted(fields + PLOTLY_FIELD.findall(text))


def mismatches(a: dict, b: dict) -> list[str]:
    """What differs between two string tables: keys one lacks, placeholders that differ."""
    pa, pb = key_paths(a), key_paths(b)
    problems = [f"only in the first: {p}" for p in sorted(pa - pb, key=str)]
    problems += [f"only in the second: {p}" for p in sorted(pb - pa, key=str)]
    for path in sorted(pa & pb, key=str):
        x, y = leaf(a, path), leaf(b, path)
        if isinstance(x, str) and isinstance(y, str) and placeholders(x) != placeholders(y):
            problems.append(f"{path}: {placeholders(x)} vs {placeholders(y)}")
        elif isinstance(x, str) != isinstance(y, str):
            problems.append(f"{path}: a string in one file only")
    return problems


def test_both_files_have_the_same_keys_and_placeholders():
    raw = {lang: i18n.read_table(lang) for lang in i18n.LANGS}
    assert set(raw) == {"en", "zh"}
    # the one string whose languages count differently: English shows the last step ("step 3 / 8"),
    # Chinese the number of steps ("第 3 步（共 9 步）"); the stepper fills in both fields
    worded_differently = {"('stepper', 'readout'): ['{last:}', '{t:}'] vs ['{count:}', '{t:}']"}
    assert set(mismatches(raw["en"], raw["zh"])) - worded_differently == set()
    assert len(key_paths(raw["en"])) > 300  # the whole interface, not a stub


def test_control_a_missing_key_and_a_wrong_placeholder_are_reported():
    en = {"a": "{n:,} tokens", "b": {"c": "step %{x}", "d": "x"}, "e": ["one", "two"]}
    zh = {"a": "{n} 个词元", "b": {"c": "步 %{y}"}, "e": ["一"]}
    found = mismatches(en, zh)
    assert "only in the first: ('b', 'd')" in found
    assert "only in the first: ('e', 1)" in found
    assert any(f.startswith("('a',)") for f in found)  # {n:,} against {n}
    assert any(f.startswith("('b', 'c')") for f in found)  # %{x} against %{y}
    assert mismatches(en, en) == []


# --- every key the app reads exists -------------------------------------------------------------

# names that hold a string table (or a sub-table) when they are subscripted in app/
ROOTS = {"L": ()}
PARAMETER_ROOTS = {"payload.py": {"text": ("stepper",)}}


def used_keys(source: str, roots: dict[str, tuple]) -> list[tuple[tuple, int]]:
    """Literal key paths read from string tables: ``L["a"]["b"]``, and ``V["c"]`` after
    ``V = L["x"]``; with the line they are on."""
    tree = ast.parse(source)
    aliases = dict(roots)
    for node in ast.walk(tree):  # V = L["compare"]
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            path = subscript_path(node.value, aliases)
            if path is not None:
                aliases[node.targets[0].id] = path
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            path = subscript_path(node, aliases)
            if path is not None and path:
                found.append((path, node.lineno))
    return found


def subscript_path(node: ast.AST, aliases: dict[str, tuple]) -> tuple | None:
    """The literal key path of ``root["a"]["b"]``; None if it is not rooted at a table or a key
    is not a literal string (then only the literal prefix is checked, by the outer call)."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Subscript):
        base = subscript_path(node.value, aliases)
        if base is None:
            return None
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return (*base, key.value)
        return None
    return None


def missing_keys(table: dict, source: str, roots: dict[str, tuple]) -> list[str]:
    out = []
    for path, line in used_keys(source, roots):
        try:
            leaf(table, path)
        except (KeyError, TypeError, IndexError):
            out.append(f"line {line}: {path}")
    return out


def app_sources() -> list[Path]:
    return sorted(p for p in APP_DIR.rglob("*.py"))


def test_every_key_the_app_reads_exists():
    table = i18n.t("en")
    problems, count = [], 0
    for path in app_sources():
        source = path.read_text("utf-8")
        roots = {**ROOTS, **PARAMETER_ROOTS.get(path.name, {})}
        count += len(used_keys(source, roots))
        problems += [f"{path.relative_to(ROOT)} {m}" for m in missing_keys(table, source, roots)]
    assert problems == []
    assert count > 100, count  # the scan sees the app's lookups


def test_control_an_unknown_key_is_reported():
    source = ('def f(L):\n    V = L["gradients"]\n'
              '    return L["title"], V["how"], V["nope"], L["stepper"]["x"]\n')
    assert missing_keys(i18n.t("en"), source, ROOTS) == [
        "line 3: ('gradients', 'nope')", "line 3: ('stepper', 'x')"]


# --- derived tables and lookups ------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_gate_tables_are_derived_from_the_one_gates_table(lang):
    L = i18n.t(lang)
    assert "gate_titles" not in i18n.read_table(lang)  # written once, in "gates"
    assert "gate_names" not in i18n.read_table(lang)["stepper"]
    for key, gate in L["gates"].items():
        assert L["gate_titles"][key].startswith(f"{gate['name']} {i18n.SYMBOLS.get(key, key)}")
        assert gate["name"] in L["stepper"]["caption_gate"][key]
    assert L["stepper"]["gate_names"]["i"].endswith("i = σ")
    assert L["stepper"]["caption_gate"]["f"].format(v=0.5).count("0.50") == 1


def test_legacy_english_titles_are_unchanged():
    titles = i18n.t("en")["gate_titles"]
    assert titles["g"] == "candidate g (c̃)"
    assert titles["u"] == "update gate u = 1 − z (textbook: share of candidate written)"
    assert i18n.t("zh")["gate_titles"]["z"] == "更新门 z（PyTorch 写法：保留旧状态的比例）"


def test_english_card_texts_match_the_shipped_cards():
    """The English file repeats the cards' words; if the zoo is retrained they must follow."""
    L = i18n.t("en")
    for mid, card in shipped_cards().items():
        assert L["tasks"][card["task"]] == card["task_title"]
        model = L["models"][mid]
        assert (model["title"], model["summary"], model["metrics"]) == (
            card["title"], card["summary"], card["metric_summary"]), mid
        for n in card.get("notable_units", []):
            assert model["notable"][str(n["unit"])] == n["what"]
        for label in (card.get("head") or {}).get("labels") or []:
            assert i18n.label_name(L, label) == label


def test_lookups_fall_back_to_the_card_for_unknown_models():
    zh = i18n.t("zh")
    assert i18n.model_title(zh, "charlm-lstm", "x") != "x"
    assert i18n.model_title(zh, "upload-0123abcd", "My own model") == "My own model"
    assert i18n.model_summary(zh, "upload-0123abcd", "") == ""
    assert i18n.notable_text(zh, "upload-0123abcd", 3, "what the user wrote") == "what the user wrote"
    assert i18n.label_name(zh, "positive") == "正面" and i18n.label_name(zh, "$") == "$"
    assert i18n.arch_name(zh, "sgru") == "简化 GRU" and i18n.arch_name(zh, "weird") == "weird"
    assert i18n.t("xx") is i18n.t("en")


def test_chart_defaults_are_the_english_words():
    assert charts.WORDS == i18n.chart_words(i18n.t("en"))
    zh = i18n.chart_words(i18n.t("zh"))
    import numpy as np

    fig = charts.heatmap_figure(np.zeros((3, 2), np.float32), ["a", "b", "c"], "c", 0, words=zh)
    assert list(fig.data[0].y) == ["单元 0", "单元 1"]
    assert fig.data[0].hovertemplate.startswith("步 ")
    assert "颜色范围" in fig.layout.title.text
    fig = charts.series_figure(np.zeros(3), np.ones(3), ["a", "b", "c"], 0, "t", "y", words=zh)
    assert [d.name for d in fig.data] == ["模型", "实际"]


def test_every_cell_spec_has_its_words_in_every_language():
    """A new cell (cells/registry.py) that brings a gate symbol or a preset needs its words in each
    string file; the page would otherwise show a bare key."""
    from app.i18n import LANGS, step_rows, t
    from cells.registry import ALL_SPECS

    for lang in LANGS:
        L = t(lang)
        for spec in ALL_SPECS:
            for gate in spec.gates:
                assert gate.key in L["gates"], (lang, spec.name, gate.key)
            for preset, _ in spec.presets:
                assert preset in L["intervene"]["preset_names"], (lang, spec.name, preset)
        assert set(step_rows()) <= set(L["stepper"]["gate_names"]), lang


def test_a_spec_with_an_unnamed_gate_is_reported(monkeypatch):
    """Control: a planted spec with a gate symbol no string file names fails the check above."""
    import cells.registry
    from cells.spec import CellSpec, GateSpec

    planted = CellSpec(name="planted", title="planted", gates=(
        GateSpec("q", "sigmoid", "keep", block=0), GateSpec("h", "tanh", "hidden")),
        grid=("q", "h"), caption_gates=(), presets=(), step_panel=())
    monkeypatch.setattr(cells.registry, "ALL_SPECS", (*cells.registry.ALL_SPECS, planted))
    with pytest.raises(AssertionError):
        test_every_cell_spec_has_its_words_in_every_language()
