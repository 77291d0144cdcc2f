"""The DuckDB file: connection and named queries, canonical tables, datasets, model versions."""
