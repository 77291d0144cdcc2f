"""Qualify's core: ingest, DuckDB access, scoring, KPIs and statistics. No Streamlit here."""
