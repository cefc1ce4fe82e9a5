"""A sample of the text a model's task is about, for statistics over more than one sentence:
held-out paragraphs or sentences where the task has them, else the card's sample inputs."""

from __future__ import annotations

import streamlit as st

SAMPLE_SIZE = 40


@st.cache_data(show_spinner=False)
def task_sample(task: str, samples: tuple[str, ...]) -> tuple[str, ...]:
    if task == "charlm":
        from cells.train.tasks import charlm

        return tuple(p[:600] for p in charlm.eval_paragraphs()[:SAMPLE_SIZE])
    if task == "sentiment":
        from cells.train.tasks import sentiment

        return tuple(text for _, text, _ in sentiment.split()[2][: SAMPLE_SIZE * 5])
    return samples
