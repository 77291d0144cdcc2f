"""The model file's schema: pydantic reads a file straight into the frozen dataclasses, whose
field types are the schema; the JSON Schema is checked in beside the default model so editors
complete and check model files (`# yaml-language-server: $schema=model.schema.json`).

    python -m lib.model    # rewrite data/models/model.schema.json after changing a field
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from lib.model.scoring_model import ScoringModel

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "data" / "models" / "model.schema.json"
MODEL_SCHEMA: TypeAdapter[ScoringModel] = TypeAdapter(ScoringModel)


def model_json_schema() -> dict[str, Any]:
    """Return the model file's JSON Schema (draft 2020-12): types, ranges, no unknown keys."""
    schema = MODEL_SCHEMA.json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def model_schema_text() -> str:
    """Return the JSON Schema as data/models/model.schema.json holds it."""
    return json.dumps(model_json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_model_schema() -> Path:
    """Write the JSON Schema to data/models/model.schema.json and return its path."""
    SCHEMA_PATH.write_text(model_schema_text(), encoding="utf-8")
    return SCHEMA_PATH
