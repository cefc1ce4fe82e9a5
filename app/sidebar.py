"""The sidebar: language, the model (shipped or uploaded) and its card."""

from __future__ import annotations

import streamlit as st

import cells
from app import urlstate, zoo
from app.i18n import LANGS
from app.i18n import t as strings


def language_ui() -> dict:
    urlstate.seed("lang", urlstate.take("lang"), list(LANGS))
    lang = st.sidebar.radio(
        "Language / 语言", list(LANGS), format_func=LANGS.get, key="lang", horizontal=True
    )
    urlstate.note("lang", lang)
    return strings(lang)


def upload_ui(L: dict) -> cells.Model | None:
    with st.sidebar.expander(L["upload"]):
        files = st.file_uploader(
            L["upload"], accept_multiple_files=True, key="upload", help=L["upload_help"],
            label_visibility="collapsed",
        )
        if not files:
            return None
        try:
            model = zoo.model_from_upload([(f.name, f.getvalue()) for f in files])
        except cells.ModelFileError as e:
            st.error(L["upload_bad"].format(error=e))
            return None
        st.success(L["upload_ok"].format(name=model.card.display_title))
        return model if st.checkbox(L["use_upload"], value=True, key="use_upload") else None


def model_ui(L: dict) -> cells.Model | None:
    folder = str(zoo.models_dir())
    entries = zoo.catalogue(folder)
    for bad in zoo.skipped(folder):
        st.sidebar.warning(L["models_skipped"].format(model=bad.id, error=bad.reason))
    if not entries:
        st.error(L["no_models"].format(folder=folder))
        return None
    tasks = list(dict.fromkeys(e.task_title for e in entries))
    wanted_id = urlstate.take("model")
    wanted = next((e for e in entries if e.id == wanted_id), None)
    if wanted is not None:
        urlstate.seed("task", wanted.task_title)
        urlstate.seed(f"arch-{wanted.task_title}", wanted)
    task = st.sidebar.selectbox(L["task"], tasks, key="task")
    options = [e for e in entries if e.task_title == task]
    entry = st.sidebar.radio(
        L["architecture"], options, format_func=lambda e: zoo.ARCH_NAMES.get(e.arch, e.arch),
        key=f"arch-{task}", horizontal=True,
    )
    urlstate.note("model", entry.id)
    return zoo.load_model(entry.id, folder)


def card_ui(model: cells.Model, L: dict) -> None:
    card = model.card
    st.sidebar.markdown(f"**{card.display_title}**")
    if card.summary:
        st.sidebar.caption(card.summary)
    if card.metric_summary:
        st.sidebar.caption(f"{L['metrics']}: {card.metric_summary}")
    with st.sidebar.expander(L["card"]):  # the card as written, with the id the app gave it
        shown = {"id": card.id, **{k: v for k, v in card.raw.items() if k not in ("id", "tokenizer")}}
        st.json(shown, expanded=False)
