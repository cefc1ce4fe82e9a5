"""Gatescope: pick a trained model, type a sentence, step through every gate.

Run from the project root: ``python -m streamlit run app/gatescope.py``. Streamlit reads this file,
finds ``app`` below (an ``st.App``: the page and the sentence route, ``app.sentence_route``),
imports it to serve them, and runs it as ``__main__`` for every run of the page (``app.page``).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run app/gatescope.py` puts only app/ on the path
    sys.path.insert(0, str(ROOT))

from app import serving  # noqa: E402

serving.one_blas_thread()  # before NumPy is imported (app.serving imports nothing heavy)

import streamlit as st  # noqa: E402

if __name__ == "__main__":  # a run of the page
    from app import page

    page.main()
else:  # imported by `streamlit run` to serve: the page's script (this file) and the route
    from app import sentence_route

    app = st.App(__file__, routes=sentence_route.routes())
