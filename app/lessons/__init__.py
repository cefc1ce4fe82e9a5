"""Lessons as data: each lesson is a short sequence of stops, each stop the settings of one screen
(model, sentence, view, layer, unit, step, GRU convention and a view's own settings). A stop is
applied as a link would be (``Stop.link``): the page's widgets take its values the way they take
a link's, so the normal views draw it and the user can change anything afterwards.

The stops live in ``lessons.json`` next to this file; their titles and explanations in the string
tables (``lessons.<id>.title`` and ``lessons.<id>.stops[k]`` in ``app/strings/{en,zh}.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cells.tasks import counting

HERE = Path(__file__).parent
# link parameters a stop may set (as app/urlstate.py's widgets take them)
LINK_KEYS = ("model", "text", "view", "layer", "dir", "by", "unit", "conv", "step", "gstep",
             "paira", "pairb")
MAX_COUNT_N = 200  # the counting control's largest n


@dataclass(frozen=True)
class Counting:
    """A counting string the lesson builds: ``$ a^n b^n`` (``c^n``) for ``lang`` in LANGS."""

    lang: str
    n: int

    def text(self) -> str:
        return counting.string(self.lang, self.n)


@dataclass(frozen=True)
class Stop:
    model: str
    view: str
    values: dict = field(default_factory=dict)  # link key -> value (text, by, unit, step, …)
    state: dict = field(default_factory=dict)  # session key -> value (a view's own settings)
    counting: Counting | None = None
    sample: int | None = None  # the model card's sample text number, in place of a text

    def link(self, sample_texts: tuple[str, ...] = ()) -> dict[str, str]:
        """The stop as link parameters (strings, as a query string holds them)."""
        out = {"model": self.model, "view": self.view}
        out.update({k: str(v) for k, v in self.values.items()})
        if self.counting is not None:
            out["text"] = self.counting.text()
        if self.sample is not None:
            out["text"] = sample_texts[self.sample]
        return out


@dataclass(frozen=True)
class Lesson:
    id: str
    stops: tuple[Stop, ...]


def _stop(raw: dict, where: str) -> Stop:
    unknown = set(raw) - {*LINK_KEYS, "state", "counting", "sample"}
    if unknown:
        raise ValueError(f"{where}: expected keys among {sorted(LINK_KEYS)}, state, counting, "
                         f"sample; got {sorted(unknown)}")
    if "model" not in raw or "view" not in raw:
        raise ValueError(f"{where}: a stop needs a model and a view, got {sorted(raw)}")
    count = raw.get("counting")
    if count is not None:
        counting.letters(count["lang"])
        if not 1 <= int(count["n"]) <= MAX_COUNT_N:
            raise ValueError(f"{where}: counting n in 1..{MAX_COUNT_N}, got {count['n']}")
        count = Counting(count["lang"], int(count["n"]))
    texts = ("text" in raw) + (count is not None) + ("sample" in raw) + ("paira" in raw)
    if texts != 1:
        raise ValueError(f"{where}: exactly one of text, counting, sample, paira/pairb; got {texts}")
    values = {k: raw[k] for k in LINK_KEYS if k in raw and k not in ("model", "view")}
    return Stop(raw["model"], raw["view"], values, dict(raw.get("state", {})), count,
                raw.get("sample"))


def parse(table: dict) -> tuple[Lesson, ...]:
    lessons = []
    for raw in table["lessons"]:
        stops = tuple(_stop(s, f"lesson {raw['id']} stop {k}") for k, s in enumerate(raw["stops"]))
        if not 3 <= len(stops) <= 8:
            raise ValueError(f"lesson {raw['id']}: expected 3-8 stops, got {len(stops)}")
        lessons.append(Lesson(raw["id"], stops))
    ids = [lesson.id for lesson in lessons]
    if len(set(ids)) != len(ids):
        raise ValueError(f"lesson ids must be unique, got {ids}")
    return tuple(lessons)


@lru_cache(maxsize=1)
def lessons() -> tuple[Lesson, ...]:
    return parse(json.loads((HERE / "lessons.json").read_text("utf-8")))


def by_id(lesson_id: str | None) -> Lesson | None:
    return next((lesson for lesson in lessons() if lesson.id == lesson_id), None)


def counting_model(model_id: str, lang: str) -> str:
    """The model of the same cell for another counting language: anbn-gru -> anbncn-gru."""
    return f"{lang}-{model_id.split('-', 1)[1]}"
