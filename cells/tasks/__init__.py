"""Task knowledge of the zoo, NumPy only: data readers, grammars, fixed held-out splits, hidden
variables and evaluation (``evaluate(model)`` with ``cells`` alone), one module per task family:

    counting    aⁿbⁿ, aⁿbⁿcⁿ: strings, targets, the counters count_a_minus_b / count_b_minus_c
    agreement   subject–verb agreement grammar; the subject's number (subject_number)
    charlm      Austen + classics prose; inside a quotation (inside_quotes)
    sentiment   rated sentences;  names: surname -> language;  sunspots: yearly time series
    registry    task id -> hidden variables, held-out text for statistics, evaluation module

Used by the page, by ``cells.train`` (trainers, metrics) and by tests. It imports no torch and no
``cells.train``; the inference core (the rest of ``cells``) does not import it.
"""

from cells.tasks.agreement import subject_number
from cells.tasks.charlm import inside_quotes
from cells.tasks.counting import count_a_minus_b, count_b_minus_c
from cells.tasks.registry import (
    TASKS,
    HiddenVariable,
    Task,
    hidden_variables,
    statistics_texts,
    tasks_with_hidden_variables,
)

__all__ = [
    "TASKS",
    "HiddenVariable",
    "Task",
    "count_a_minus_b",
    "count_b_minus_c",
    "hidden_variables",
    "inside_quotes",
    "statistics_texts",
    "subject_number",
    "tasks_with_hidden_variables",
]
