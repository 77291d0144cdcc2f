"""`python -m lib.ingest`: rewrite data/mappings/mapping.schema.json from the mapping schema."""

from __future__ import annotations

from lib.ingest.mapping_schema import write_mapping_schema

if __name__ == "__main__":
    print(f"wrote {write_mapping_schema()}")
