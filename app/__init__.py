"""Gatescope's Streamlit front end: thin pages over pure chart builders; no maths here."""
