"""cells.tasks: the hidden-variable extractors on inputs where the answer is known, the registry
the page and the metrics read, and that each extractor is defined once in the project."""

from __future__ import annotations

import ast

import numpy as np
import pytest

import cells
from cells import tasks
from cells.tasks import agreement, charlm, counting
from cells.tasks.agreement import subject_index, subject_number
from cells.tasks.charlm import inside_quotes
from cells.tasks.counting import count_a_minus_b, count_b_minus_c
from tests.conftest import ROOT


def test_counters():
    assert count_a_minus_b(list("$aaabbb")).tolist() == [0, 1, 2, 3, 2, 1, 0]
    assert count_b_minus_c(list("$aabbcc")).tolist() == [0, 0, 0, 1, 2, 1, 0]
    assert count_a_minus_b([]).shape == (0,)
    tokens = cells.CharTokenizer(["<unk>", "$", "a", "b"])("$aab")
    assert count_a_minus_b(tokens).tolist() == [0, 1, 2, 1]


def test_inside_quotes():
    text = 'He said "hi there" and \u201cyes\u201d.'
    got = inside_quotes(list(text))
    want = [0.0] * len(text)
    for k in range(text.index('"'), text.rindex('"')):
        want[k] = 1.0
    for k in range(text.index("\u201c"), text.index("\u201d")):
        want[k] = 1.0
    assert got.tolist() == want
    words = [t.text for t in cells.WordTokenizer([])(text)]
    w = inside_quotes(words)
    assert [words[k] for k in np.flatnonzero(w)] == ['"', "hi", "there", "\u201c", "yes"]
    assert inside_quotes(['x"y"', '"z']).tolist() == [0.0, 1.0]  # several marks in one token


def test_subject_number_on_the_agreement_grammar():
    """On generated sentences the subject noun and its number are known: the extractor finds both,
    including after fronted phrases whose nouns have the other number."""
    sentences = agreement.dataset(4321, {k: 40 for k in range(5)})
    fronted = 0
    for s in sentences:
        tokens = agreement._tokens(s.prefix)
        assert subject_index(tokens) == (s.subject_end, s.number), s.prefix
        y = subject_number(tokens)
        assert np.all(y[: s.subject_end] == 0.0)
        assert np.all(y[s.subject_end :] == (1.0 if s.number else -1.0))
        fronted += tokens[0] in ("in", "after", "near", "on", "according", "behind")
    assert fronted > 5  # the fronted case was exercised


def test_subject_number_edge_cases():
    assert subject_number([]).shape == (0,)
    assert subject_number(["hello", "world"]).tolist() == [0.0, 0.0]
    assert subject_number("The Dogs near the cat".split()).tolist() == [0, 1, 1, 1, 1]
    own = ({"ox"}, {"oxen"})
    assert subject_number(["the", "oxen", "run"], nouns=own).tolist() == [0, 1, 1]


def test_running_counts_are_the_counters_on_the_language_string():
    counts = counting.running_counts("anbncn", 3)
    s = list(counting.string("anbncn", 3))
    assert counts["#a - #b"].tolist() == count_a_minus_b(s).tolist()
    assert counts["#b - #c"].tolist() == count_b_minus_c(s).tolist()
    assert list(counting.running_counts("anbn", 2)) == ["#a - #b"]
    with pytest.raises(ValueError, match="counting task"):
        counting.running_counts("abc", 2)


def test_subject_number_on_a_model_s_own_tokens():
    """number_unit reads the variable from the model's tokens: it must find the grammar's subject."""
    model = cells.load(ROOT / "assets" / "models" / "agreement-lstm")
    for s in agreement.test_set(10)[:60]:
        tokens = cells.trace(model, s.prefix).tokens
        assert subject_index(tokens) == (s.subject_end, s.number), s.prefix


def test_registry_names_each_task_its_variables_and_module():
    assert tasks.tasks_with_hidden_variables() == ["agreement", "anbn", "anbncn", "charlm"]
    assert [v.name for v in tasks.hidden_variables("anbncn")] == ["count_ab", "count_bc"]
    assert tasks.hidden_variables("anbncn")[1].extract is count_b_minus_c
    assert tasks.hidden_variables("charlm")[0].extract is inside_quotes
    assert tasks.hidden_variables("agreement")[0].extract is subject_number
    assert tasks.hidden_variables("sentiment") == () and tasks.hidden_variables("nope") == ()
    import importlib

    for task in tasks.TASKS.values():
        assert callable(importlib.import_module(task.module).evaluate), task.module


def test_statistics_texts_are_held_out_text_or_none():
    prose = tasks.statistics_texts("charlm")
    assert len(prose) == 40 and all(len(p) <= 600 for p in prose)
    assert prose[0] == charlm.eval_paragraphs()[0][:600]
    assert sum(any(m in p for m in charlm.QUOTE_MARKS) for p in prose) > 5
    sentences = tasks.statistics_texts("sentiment")
    held = {text for _, text, _ in tasks.sentiment.split()[2]}
    assert len(sentences) == 200 and set(sentences) <= held
    assert tasks.statistics_texts("anbn") is None and tasks.statistics_texts("nope") is None


def test_the_page_and_the_metrics_read_the_registry():
    from app.views import findunit
    from cells.train import metrics

    assert findunit.VARIABLES["charlm"] == [("quotes", inside_quotes)]
    assert set(findunit.VARIABLES) == set(tasks.tasks_with_hidden_variables())
    assert all(metrics.TASKS[t] == entry.module for t, entry in tasks.TASKS.items())


def test_the_old_cells_names_point_to_cells_tasks():
    with pytest.raises(AttributeError, match="moved to cells.tasks"):
        cells.inside_quotes  # noqa: B018 - the attribute access is the test
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        cells.nothing_here  # noqa: B018


EXTRACTORS = {"count_a_minus_b", "count_b_minus_c", "running_difference", "inside_quotes",
              "subject_index", "subject_number"}


def definitions(source: str) -> list[str]:
    """Names of the functions a source defines that are hidden-variable extractors."""
    return [n.name for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name in EXTRACTORS]


def test_each_hidden_variable_is_defined_once_in_cells_tasks():
    where: dict[str, list[str]] = {}
    for folder in ("cells", "app", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in definitions(path.read_text("utf-8")):
                where.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert set(where) == EXTRACTORS
    assert all(len(paths) == 1 and paths[0].startswith("cells/tasks/") for paths in where.values()), where


def test_the_definition_check_sees_a_second_copy():
    """Control: a re-implementation, also nested in a function, is seen."""
    planted = "def f():\n    def inside_quotes(text):\n        return text\n"
    assert definitions(planted) == ["inside_quotes"]
