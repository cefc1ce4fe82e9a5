"""The heatmaps payload: one compact message per sentence, values within one quantisation step,
user text escaped, and the default rows (notable units, then the most active)."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from app import heatmaps
from app.heatmaps import LEVELS, Panel, dequantise, heatmap_payload, quantise, shown_units

WORDS = {"unit": "unit {unit}", "step": "step", "range": "colour range ±{bound}"}


@pytest.mark.parametrize(("zmin", "zmax"), [(0.0, 1.0), (-1.0, 1.0), (-5.0, 5.0)])
def test_quantise_round_trip_is_within_half_a_level(zmin, zmax):
    rng = np.random.default_rng(0)
    values = rng.uniform(zmin, zmax, size=(7, 13))
    back = dequantise(quantise(values, zmin, zmax), values.shape, zmin, zmax)
    assert np.abs(back - values).max() <= (zmax - zmin) / LEVELS / 2 + 1e-12
    assert np.abs(back - values).max() > 0  # it really is quantised: the check can fail


def test_quantise_clips_out_of_range_and_marks_nan():
    back = dequantise(quantise(np.array([[-3.0, 0.5, 9.0, np.nan]]), 0.0, 1.0), (1, 4), 0.0, 1.0)
    assert back[0, 0] == 0.0 and back[0, 2] == 1.0 and abs(back[0, 1] - 0.5) < 0.003
    assert np.isnan(back[0, 3])


def payload(tokens, values, kind="sigmoid", rows=None):
    rows = list(range(values.shape[1])) if rows is None else rows
    panels = [Panel("f-0", "f", kind, "forget gate f", values)]
    return heatmap_payload(panels, tokens, rows, "seq1", 0, WORDS)


def test_payload_holds_the_shown_rows_only_in_their_order():
    values = np.arange(3 * 5, dtype=np.float32).reshape(3, 5) / 20  # (T=3, H=5)
    p = payload(["a", "b", "c"], values, rows=[4, 0])
    (panel,) = p["panels"]
    assert panel["shape"] == [2, 3]
    z = dequantise(panel["q"], (2, 3), panel["zmin"], panel["zmax"])
    assert np.allclose(z, values[:, [4, 0]].T, atol=1 / LEVELS)
    assert p["row_labels"] == ["unit 4", "unit 0"]


def test_cell_state_range_is_symmetric_and_stated():
    values = np.array([[0.2, -3.4], [1.0, 2.0]], np.float32)
    (panel,) = payload(["a", "b"], values, kind="state")["panels"]
    assert (panel["zmin"], panel["zmax"]) == (-5.0, 5.0)
    assert panel["title"].endswith("colour range ±5")


def test_user_text_is_escaped_in_every_label():
    hostile = ["<img src=x onerror=alert(1)>", "&amp;", " "]
    p = payload(hostile, np.zeros((3, 2), np.float32))
    text = json.dumps({k: p[k] for k in ("x", "ticktext")})
    assert "<img" not in text and "&lt;img" in text
    assert "␣" in p["ticktext"][2]  # a space token is visible


def test_payload_is_compact():
    """256 units × 200 tokens × 6 gates: one byte per value (+ base64), not JSON floats."""
    rng = np.random.default_rng(1)
    panels = [Panel(f"{g}-0", g, "sigmoid", g, rng.random((200, 256), dtype=np.float32))
              for g in "ifgoch"]
    p = heatmap_payload(panels, ["x"] * 200, list(range(256)), "s", 0, WORDS)
    size = len(json.dumps(p))
    assert size < 6 * 200 * 256 * 4 / 3 + 40_000
    assert len(base64.b64decode(p["panels"][0]["q"])) == 200 * 256


def test_shown_units_pins_notable_then_most_active_in_the_chosen_order():
    signs = np.where(np.arange(50) % 2 == 0, 1.0, -1.0)[:, None]
    values = signs * np.arange(40)[None, :]  # (T=50, H=40): unit k swings ±k, variance k²
    order = list(range(40))
    rows = shown_units(order, values, notable=[3, 3, 99], limit=5)
    assert rows == [3, 36, 37, 38, 39]  # 99 is not a unit: ignored; 3 only once
    assert shown_units(order, values, notable=[], limit=None) == order
    assert shown_units(order[::-1], values, notable=[], limit=3) == [39, 38, 37]


def test_shown_units_can_rank_by_a_score_of_its_own():
    """Minimal pairs rank units by their largest |B − A| (a unit offset by the same amount at
    every position has no variance, and it is the one the pair moved); NaN (a gap) ranks last."""
    values = np.zeros((4, 6))
    score = np.array([0.1, np.nan, 0.9, 0.0, 0.5, 0.3])
    assert shown_units(list(range(6)), values, notable=[5], limit=3, score=score) == [5, 2, 4]
    assert 1 not in shown_units(list(range(6)), values, notable=[], limit=5, score=score)


def test_default_rows_fit_a_projector():
    assert heatmaps.DEFAULT_ROWS <= 32


@pytest.mark.parametrize("font", [14, 20])
def test_rows_that_fit_keep_every_row_readable(font):
    """A server-drawn heatmap of ``height`` px shows rows of at least MIN_ROW_PX (never fewer than
    FEW_ROWS, never more than DEFAULT_ROWS), and ``height_for_rows`` is tall enough for them."""
    for height in (220, 300, 400, 480, 900):
        rows = heatmaps.rows_that_fit(height, font)
        assert heatmaps.FEW_ROWS <= rows <= heatmaps.DEFAULT_ROWS
        if rows > heatmaps.FEW_ROWS:
            assert (height - heatmaps.chart_room(font)) / rows >= heatmaps.MIN_ROW_PX
    need = heatmaps.height_for_rows(heatmaps.DEFAULT_ROWS, font)
    assert heatmaps.rows_that_fit(need, font) == heatmaps.DEFAULT_ROWS


# ---------------------------------------------------------------- the output chart


def test_classes_chart_holds_every_class_row_within_a_level():
    probs = np.array([[0.1, 0.9], [0.6, 0.4], [0.25, 0.75]], np.float32)  # (T=3, K=2)
    chart = heatmaps.classes_chart(probs, ["neg <b>", "pos"], "Model output")
    assert chart["type"] == "heatmap" and chart["gate"] == "p" and chart["shape"] == [2, 3]
    assert chart["row_labels"] == ["neg␣&lt;b&gt;", "pos"]  # labels escaped, as every label
    back = heatmaps.dequantise_chart(chart)  # (K, T)
    assert np.abs(back - probs.T).max() <= 0.5 / LEVELS + 1e-9
    with pytest.raises(ValueError, match=r"expected probabilities \(T, 3\).*got shape \(3, 2\)"):
        heatmaps.classes_chart(probs, ["a", "b", "c"], "x")


def test_series_chart_keeps_values_and_drops_an_empty_series():
    pred = np.array([0.5, 0.123456, np.nan])
    chart = heatmaps.series_chart([("model", pred, False), ("actual", np.full(3, np.nan), True)],
                                  "<i>t</i>", "p")
    assert chart["type"] == "series" and chart["title"] == "&lt;i&gt;t&lt;/i&gt;"
    (line,) = chart["lines"]
    assert line["y"] == [0.5, 0.1235, None] and line["name"] == "model" and not line["dotted"]


def test_payload_carries_the_output_chart():
    chart = heatmaps.series_chart([("model", np.array([0.1, 0.2]), False)], "out", "p")
    p = heatmap_payload([Panel("h-0", "h", "tanh", "h", np.zeros((2, 3)))], ["a", "b"], [0, 1, 2],
                        "s", 0, WORDS, output=chart)
    assert p["output"] is chart and json.loads(json.dumps(p))["output"]["lines"][0]["y"] == [0.1, 0.2]


@pytest.mark.parametrize("present", [False, True])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_explorer_title_fits_its_chart_on_one_line(monkeypatch, lang, present):
    """The explorer's heatmap titles at 1280×720: the full title (with its note) where it fits,
    else the short one; never wider than the chart leaves it (a wider one is clipped)."""
    from app import presentation
    from app.charts import text_em
    from app.i18n import SYMBOLS, t
    from app.views import explorer

    monkeypatch.setattr(presentation, "presenting", lambda: present)
    L, font = t(lang), presentation.font_size()
    widths = explorer.PRESENT_COLUMNS if present else explorer.COLUMNS
    layouts = [(widths[0] / sum(widths), 1)] + ([] if present else [(1.0, 2)])  # featured, the grid
    shortened = 0
    for share, columns in layouts:
        width = explorer.title_width(share, columns, font, present)
        assert 200 < width < 800, (share, columns, width)
        for gate, full in L["gate_titles"].items():
            for suffix in ("", f" · {L['backward']}"):
                forms = [full + suffix, L["gate_titles_short"][gate] + suffix,
                         SYMBOLS.get(gate, gate) + suffix]  # as the explorer offers them
                title = explorer.fitted_title(forms, font, width)
                assert text_em(title) * (font + 2) <= width, (lang, present, share, title)
                assert title == forms[0] or text_em(forms[0]) * (font + 2) > width  # the longest that fits
                shortened += title != forms[0]
    assert shortened, "the update gate's note does not fit a half-page chart: expected a short title"


def test_a_reported_screen_height_is_a_number_a_screen_can_have():
    from app import screen

    assert [screen.accepted_height(v) for v in (900, 900.6, 720, 199, 5000, True, "900", None)] == \
        [900, 900, 720, None, None, None, None, None]


# ---------------------------------------------------------------- x labels of server-drawn charts


def test_server_drawn_x_labels_stand_upright_to_keep_every_word():
    """``charts.x_ticks`` (side by side, minimal pairs, gradients): where level labels would leave
    words out, upright ones keep every word; where even those would not fit, they are thinned; a
    long word is cut with "…"; labels stay HTML-escaped."""
    from app.charts import step_labels, x_ticks

    words = "This movie was not good at all , said the critic".split()
    level = x_ticks(step_labels(words), words, font_size=20, width=2000)
    assert level["ticktext"] == words and "tickangle" not in level
    upright = x_ticks(step_labels(words), words, font_size=20, width=400)
    assert upright["ticktext"] == words and upright["tickangle"] == -90
    many = words * 6
    thinned = x_ticks(step_labels(many), many, font_size=20, width=320)
    assert thinned["tickangle"] == -90 and 1 < len(thinned["ticktext"]) < len(many)
    odd = ["<b>", "supercalifragilistic", "a&b"] * 3
    shown = x_ticks(step_labels(odd), odd, font_size=20, width=300)["ticktext"]
    assert "&lt;b&gt;" in shown and "supercali…" in shown and "<b>" not in shown


def test_server_drawn_character_labels_stay_level():
    """Characters (with a few longer labels among them, as a minimal pair's "H→S") are thinned,
    never turned."""
    from app.charts import step_labels, x_ticks

    chars = ["H→S"] + list("e starred in one of the pilots, and she was the best thing in it.")
    axis = x_ticks(step_labels(chars), chars, font_size=20, width=900)
    assert "tickangle" not in axis and len(axis["ticktext"]) < len(chars)


# ---------------------------------------------------------------- log axes (vanishing gradients)


def test_log_ticks_name_values_in_one_format_at_the_axis_size():
    """Regression: over one to two decades Plotly labelled a log axis "4 3 2 10⁻¹ 9 8 …" (digits
    in a smaller font). Now: 1, 2, 5 × 10^k (3 and 7 too over a decade) as plain numbers, or as
    powers when one would be under 0.001; the data's ends are named; Plotly's own under a decade."""
    from app.charts import log_ticks

    one = log_ticks([np.array([0.03, 0.4]), np.array([np.nan, 0.0, 0.25])])
    assert one["ticktext"] == ["0.03", "0.05", "0.07", "0.1", "0.2", "0.3"]
    assert one["tickvals"] == [0.03, 0.05, 0.07, 0.1, 0.2, 0.3]
    wide = log_ticks([np.array([1e-16, 0.5])])
    assert wide["ticktext"][0] == "10⁻¹⁶" and all(t.startswith("10") for t in wide["ticktext"])
    assert len(wide["ticktext"]) <= 9
    small = log_ticks([np.array([2e-5, 3e-3])])["ticktext"]
    assert small[:3] == ["2×10⁻⁵", "5×10⁻⁵", "10⁻⁴"]
    # under half a decade, even steps, few enough for the projector's 20 px (Plotly's own were a
    # label every 0.02 from 0.08 to 0.3: twelve, touching)
    narrow = log_ticks([np.array([0.0812, 0.2897])])
    assert narrow["ticktext"] == ["0.1", "0.15", "0.2", "0.25"]
    assert log_ticks([np.array([0.26, 0.3])])["ticktext"] == ["0.26", "0.27", "0.28", "0.29", "0.3"]
    assert log_ticks([np.array([3.1e-7, 3.9e-7])])["ticktext"][0] == "3.2×10⁻⁷"
    assert "tickvals" not in log_ticks([np.array([np.nan, -1.0])])
