"""The reference for bench_explorer.py: one text input, printed back. Nothing else."""

import streamlit as st

value = st.text_input("Value", key="value")
st.write(value)
