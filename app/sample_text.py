"""A sample of the text a model's task is about, for statistics over more than one sentence:
held-out paragraphs or sentences where the task has them (``cells.tasks.statistics_texts``), else
the card's sample inputs."""

from __future__ import annotations

import streamlit as st

from cells import tasks


@st.cache_data(show_spinner=False)
def task_sample(task: str, samples: tuple[str, ...]) -> tuple[str, ...]:
    texts = tasks.statistics_texts(task)
    return samples if texts is None else tuple(texts)
