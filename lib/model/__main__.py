"""`python -m lib.model`: rewrite data/models/model.schema.json from the model's field types."""

from __future__ import annotations

from lib.model.schema import write_model_schema

if __name__ == "__main__":
    print(f"wrote {write_model_schema()}")
