"""Which task has which hidden variables and which held-out text, by the task id a card names.

    from cells import tasks
    tasks.hidden_variables("anbncn")   # (HiddenVariable("count_ab", ...), HiddenVariable("count_bc", ...))
    tasks.statistics_texts("charlm")   # held-out paragraphs, or None: use the card's samples

Every hidden-variable extractor takes the tokens a model read (strings or ``cells.Token``s) and
gives the variable *after* reading each token, (T,) float64 — the moment of the trace's row. The
page's find-the-unit view, its statistics views, the trainers and ``cells.train.metrics`` all look
tasks up here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from cells.tasks import agreement, charlm, counting, sentiment


@dataclass(frozen=True)
class HiddenVariable:
    name: str  # its key in the page's string tables (findunit → variables)
    extract: Callable[[Sequence], np.ndarray]  # tokens (T,) -> the variable after each, (T,)


@dataclass(frozen=True)
class Task:
    id: str  # as a card's "task" names it
    module: str  # the task's module, with evaluate(model) -> held-out metrics
    hidden: tuple[HiddenVariable, ...] = ()
    sample_texts: Callable[[], list[str]] | None = None  # held-out text for statistics


TASKS: dict[str, Task] = {
    t.id: t
    for t in [
        Task("anbn", "cells.tasks.counting",
             (HiddenVariable("count_ab", counting.count_a_minus_b),)),
        Task("anbncn", "cells.tasks.counting",
             (HiddenVariable("count_ab", counting.count_a_minus_b),
              HiddenVariable("count_bc", counting.count_b_minus_c))),
        Task("agreement", "cells.tasks.agreement",
             (HiddenVariable("subject", agreement.subject_number),), agreement.natural_texts),
        Task("charlm", "cells.tasks.charlm",
             (HiddenVariable("quotes", charlm.inside_quotes),), charlm.sample_texts),
        Task("sentiment", "cells.tasks.sentiment", (), sentiment.sample_texts),
        Task("names", "cells.tasks.names"),
        Task("sunspots", "cells.tasks.sunspots"),
    ]
}


def hidden_variables(task: str) -> tuple[HiddenVariable, ...]:
    """The known hidden variables of ``task`` (empty for a task without one, or an unknown id)."""
    found = TASKS.get(task)
    return found.hidden if found else ()


def tasks_with_hidden_variables() -> list[str]:
    return sorted(t.id for t in TASKS.values() if t.hidden)


def statistics_texts(task: str) -> list[str] | None:
    """Held-out text of ``task`` for statistics over many steps, or None where the task has none
    (then a model's card samples are the text to use)."""
    found = TASKS.get(task)
    return found.sample_texts() if found and found.sample_texts else None
