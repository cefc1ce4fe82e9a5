"""The "How to read this" note names the colours the explorer's charts really use: the ends of each
kind's colour scale (``app.charts.color_range``), named by hue, appear in the sentence about that
kind, in every language — and no other scale's colours do."""

from __future__ import annotations

import colorsys
import re

import numpy as np
import plotly.colors
import pytest

from app import charts
from app.i18n import t

# colour name per language; hue ranges in degrees
NAMES = {"en": {"red": "red", "orange": "orange", "yellow": "yellow", "blue": "blue", "purple": "purple"},
         "zh": {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝", "purple": "紫"}}
HUES = [("red", 330, 360), ("red", 0, 15), ("orange", 15, 45), ("yellow", 45, 75), ("blue", 190, 250),
        ("purple", 250, 330)]
# which sentence of the note speaks of each kind: its subject, in the page's words
SUBJECTS = {"sigmoid": lambda L: L["gates_word"], "tanh": lambda L: L["gates"]["g"]["name"],
            "state": lambda L: L["gates"]["c"]["name"]}


def hue_name(colour: str) -> str:
    r, g, b = plotly.colors.unlabel_rgb(plotly.colors.convert_colors_to_same_type(colour, "rgb")[0][0])
    hue = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)[0] * 360
    return next(name for name, low, high in HUES if low <= hue < high)


def scale_ends(kind: str) -> tuple[str, str]:
    _, _, scale = charts.color_range(kind, np.array([[3.0, -3.0]]))
    stops = plotly.colors.get_colorscale(scale)
    return hue_name(stops[0][1]), hue_name(stops[-1][1])


def test_the_hue_namer_can_tell_the_scales_apart():
    """Control: the namer sees the diverging scales' ends as different colours."""
    assert scale_ends("tanh") == ("red", "blue")
    assert scale_ends("state") == ("orange", "purple")
    assert scale_ends("sigmoid") == ("purple", "yellow")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind", ["sigmoid", "tanh", "state"])
def test_how_to_read_names_the_colours_each_chart_uses(lang, kind):
    L = {**t(lang), "gates_word": {"en": "gates", "zh": "门"}[lang]}
    sentences = [s for s in re.split(r"(?<=[.。])\s*", t(lang)["explorer_how"]) if s]
    subject = SUBJECTS[kind](L)
    about = [s for s in sentences if re.search(rf"(^|\W){re.escape(subject)}", s, re.IGNORECASE)
             and not (kind == "sigmoid" and "state" in s.lower())]
    assert about, (subject, sentences)
    said = about[0]
    words = NAMES[lang]
    wanted = scale_ends(kind)
    for name in wanted:
        assert words[name] in said, (kind, name, said)
    for name in set(words) - set(wanted):
        assert words[name] not in said, (kind, name, said)
