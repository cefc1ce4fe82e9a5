"""The sidebar: language, the model (shipped or uploaded) and its card."""

from __future__ import annotations

import streamlit as st

import cells
from app import urlstate, zoo
from app.expanders import lazy_expander
from app.i18n import LANGS, arch_name, model_metrics, model_summary, model_title, task_name
from app.i18n import t as strings
from app.labels import markdown_safe

# Choice widgets whose option labels come from the string table (keys, or key prefixes ending in
# "-"). The browser keeps a choice as its label, so after a language switch it would still show the
# old language's label (or lose the choice): re-setting the value makes the server send the new one.
RELABELLED = ("view", "order", "direction", "convention", "task", "arch-", "sat_source", "sat_gate",
              "fu_var", "iv_gate", "tr_task", "tr_cell", "tr_pane", "tr_pick")


def relabel_choices() -> None:
    state = st.session_state
    for key in list(state.keys()):
        if any(key == k or (k.endswith("-") and key.startswith(k)) for k in RELABELLED):
            state[key] = state[key]


def language_ui() -> dict:
    urlstate.seed("lang", urlstate.take("lang"), list(LANGS))
    lang = st.sidebar.radio(
        "Language / 语言", list(LANGS), format_func=LANGS.get, key="lang", horizontal=True,
        on_change=relabel_choices,
    )
    urlstate.note("lang", lang)
    return strings(lang)


def upload_problem(error: str) -> str:
    """What a refused upload's message (``cells.ModelFileError``, in English, naming the file
    first) is about, for a line in the page's language before it: "pickle", "pair" (not one
    weights file and one card), "card", "weights" or "other"."""
    if "refusing a pickle-based file" in error:
        return "pickle"
    if error.startswith("expected one .safetensors file and one card.json"):
        return "pair"
    about = error.split(":", 1)[0].strip().lower()
    if about.endswith(".json"):
        return "card"
    if about.endswith(".safetensors"):
        return "weights"
    return "other"


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
            st.error(L["upload_bad"].format(what=L["upload_what"][upload_problem(str(e))],
                                            error=markdown_safe(str(e))))  # names the files
            return None
        st.success(L["upload_ok"].format(name=markdown_safe(model.card.display_title)))
        return model if st.checkbox(L["use_upload"], value=True, key="use_upload") else None


# A fresh page opens on this model (when shipped) and its first sample: nine words, and the charts
# read at a glance (the prediction turns at "but … wonderful"), where the first task in the list,
# the character LM, opens on 116 characters of 512 units that look like noise to a newcomer.
FIRST_MODEL = "sentiment-lstm"


def model_ui(L: dict) -> cells.Model | None:
    folder = str(zoo.models_dir())
    entries = zoo.catalogue(folder)
    for bad in zoo.skipped(folder):
        st.sidebar.warning(L["models_skipped"].format(model=markdown_safe(bad.id),
                                                      error=markdown_safe(bad.reason)))
    if not entries:
        st.error(L["no_models"].format(folder=folder))
        return None
    tasks = list(dict.fromkeys(e.task_title for e in entries))  # the card's title keys the widget
    names = {e.task_title: task_name(L, e.task, e.task_title) for e in entries}
    wanted_id = urlstate.take("model")
    wanted = next((e for e in entries if e.id == wanted_id), None)
    first = next((e for e in entries if e.id == FIRST_MODEL), None)
    if wanted is None and first is not None and "task" not in st.session_state:
        st.session_state["task"] = first.task_title  # a fresh page (no link, no lesson)
        st.session_state[f"arch-{first.task_title}"] = first
    if wanted is not None:
        urlstate.seed("task", wanted.task_title)
        urlstate.seed(f"arch-{wanted.task_title}", wanted)
    elif wanted_id:
        urlstate.drop("model", wanted_id)
    task = st.sidebar.selectbox(L["task"], tasks, key="task", format_func=names.get)
    options = [e for e in entries if e.task_title == task]
    entry = st.sidebar.radio(
        L["architecture"], options, format_func=lambda e: arch_name(L, e.arch),
        key=f"arch-{task}", horizontal=True,
    )
    urlstate.note("model", entry.id)
    return zoo.load_model(entry.id, folder)


def card_ui(model: cells.Model, L: dict, texts: tuple[str, str, str] | None = None) -> None:
    """The model's title, summary and held-out metrics (``texts``: the page's own words for a model
    the string tables do not know, e.g. one trained in the page), and its card."""
    card = model.card
    title, summary, metrics = texts or (model_title(L, model.id, card.display_title),
                                        model_summary(L, model.id, card.summary),
                                        model_metrics(L, model.id, card.metric_summary))
    # a card's words are shown as written, never as Markdown (an upload's card is anybody's)
    st.sidebar.markdown(f"**{markdown_safe(title)}**")
    if summary:
        st.sidebar.caption(markdown_safe(summary))
    if metrics:
        st.sidebar.caption(f"{L['metrics']}: {markdown_safe(metrics)}")
    box = lazy_expander(L["card"], key="card_open", parent=st.sidebar)
    if box is None:
        return
    with box:  # the card as written, with the id the app gave it
        shown = {"id": card.id, **{k: v for k, v in card.raw.items() if k not in ("id", "tokenizer")}}
        st.json(shown, expanded=False)
