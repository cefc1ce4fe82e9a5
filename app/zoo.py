"""The models the app offers: the cards under ``assets/models`` (or ``$GATESCOPE_MODELS``), grouped
by task, and cached loaders keyed by model id. Also models that a person uploads."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

import cells
from cells.card import read_card

ROOT = Path(__file__).resolve().parents[1]
# The sidebar lists a task's models in the registry's order of cells, bidirectional ones after the
# rest: LSTM, GRU, simplified GRU, RNN, BiLSTM, …
ARCH_ORDER = [*cells.CELL_NAMES, *(f"bi{name}" for name in cells.CELL_NAMES)]
ARCH_NAMES = {  # "lstm": "LSTM", "bilstm": "BiLSTM", …: from the cells' specs
    **{name: title for name, title in cells.CELL_NAMES.items()},
    **{f"bi{name}": f"Bi{title}" for name, title in cells.CELL_NAMES.items()},
}


def models_dir() -> Path:
    return Path(os.environ.get("GATESCOPE_MODELS", ROOT / "assets" / "models"))


@dataclass(frozen=True)
class Entry:
    id: str
    task: str
    task_title: str
    arch: str  # key of ARCH_NAMES
    title: str
    summary: str


@dataclass(frozen=True)
class Skipped:
    id: str  # the folder's name
    reason: str  # the parser's message: the field, what was expected, what was got


def arch_of(card: cells.Card) -> str:
    a = card.architecture
    return ("bi" + a.cell) if a.bidirectional else a.cell


@st.cache_data(ttl=60)
def scan(folder: str) -> tuple[list[Entry], list[Skipped]]:
    """Every model folder with a valid card, sorted by task then architecture; and the folders
    whose card the parser refused (``cells.card.read_card``: size limits, types), with why."""
    out, skipped = [], []
    for card_path in sorted(Path(folder).glob("*/card.json")):
        mid = card_path.parent.name
        try:
            card = read_card(card_path.parent, id=mid)
        except cells.ModelFileError as e:
            skipped.append(Skipped(mid, str(e)))
            continue
        out.append(
            Entry(
                id=mid,
                task=card.task or mid.split("-")[0],
                task_title=card.task_title or mid,
                arch=arch_of(card),
                title=card.display_title,
                summary=card.summary,
            )
        )
    rank = {a: k for k, a in enumerate(ARCH_ORDER)}
    return sorted(out, key=lambda e: (e.task_title, rank.get(e.arch, 99), e.id)), skipped


def catalogue(folder: str) -> list[Entry]:
    """The models the app offers (see ``scan``)."""
    return scan(folder)[0]


def skipped(folder: str) -> list[Skipped]:
    """The model folders left out of the catalogue because their card is invalid."""
    return scan(folder)[1]


@st.cache_resource(max_entries=32)
def load_model(model_id: str, folder: str) -> cells.Model:
    return cells.load(Path(folder) / model_id, id=model_id)


@st.cache_resource(max_entries=8)
def load_upload(digest: str, weights: bytes, card: bytes) -> cells.Model:
    """An uploaded model, validated like a shipped one (never unpickled)."""
    return cells.load_bytes(weights, card, id=f"upload-{digest}")


def upload_digest(weights: bytes, card: bytes) -> str:
    return hashlib.sha256(weights + b"\0" + card).hexdigest()[:12]


def model_from_upload(files: list[tuple[str, bytes]]) -> cells.Model:
    """The model in uploaded files: one ``*.safetensors`` and one ``card.json``. Any pickle-like
    file is refused before it is read; raises ``cells.ModelFileError`` saying what was wrong."""
    for name, data in files:
        cells.modelfile.refuse_pickle(name, data[:9])  # 9: a safetensors header is told by its 9th byte
    by_name = dict(files)
    weights = [v for k, v in by_name.items() if k.endswith(".safetensors")]
    cards = [v for k, v in by_name.items() if k.endswith(".json")]
    if len(weights) != 1 or len(cards) != 1:
        raise cells.ModelFileError(
            f"expected one .safetensors file and one card.json, got {sorted(by_name)}"
        )
    return load_upload(upload_digest(weights[0], cards[0]), weights[0], cards[0])
