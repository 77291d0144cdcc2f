"""The model as a file: plain mapping <-> model, YAML text, files.

The YAML file and the `model_versions` table both hold `model_to_dict` output (keys in the
dataclasses' field order, tuples as lists), so a stored version re-dumps byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import yaml

from lib.errors import ModelError
from lib.model.schema import MODEL_SCHEMA
from lib.model.scoring_model import ScoringModel
from lib.model.validate import validated_model

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[2] / "data" / "models" / "default.yaml"


def model_from_dict(d: Mapping[str, Any]) -> ScoringModel:
    """Return the validated model a mapping describes; ModelError names the offending path."""
    return validated_model(d)


def model_to_dict(model: ScoringModel) -> dict[str, Any]:
    """Return a JSON-safe mapping that `model_from_dict` turns back into an equal model."""
    data = cast(dict[str, Any], MODEL_SCHEMA.dump_python(model, mode="json"))
    # a rule holds one condition: the others are left out, not written as nulls; a model
    # without rules writes no key, so files written before rules existed read back byte for byte
    rules = [{k: v for k, v in r.items() if v is not None} for r in data.pop("attribute_rules")]
    return data | ({"attribute_rules": rules} if rules else {})


def model_to_yaml(model: ScoringModel) -> str:
    """Return the model as human-readable YAML text."""
    return yaml.safe_dump(model_to_dict(model), sort_keys=False, allow_unicode=True, width=100)


def model_from_yaml(text: str, source: str = "model") -> ScoringModel:
    """Return the validated model in YAML text; errors are prefixed with `source`."""
    try:
        data = yaml.safe_load(text)
        return model_from_dict(data)
    except yaml.YAMLError as exc:
        raise ModelError(f"{source}: not valid YAML: {exc}") from exc
    except ModelError as exc:
        raise ModelError(f"{source}: {exc}") from exc


def load_model(path: str | Path) -> ScoringModel:
    """Return the validated model stored in a YAML file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model file: {exc}") from exc
    return model_from_yaml(text, str(path))


def save_model(model: ScoringModel, path: str | Path) -> None:
    """Write the model as YAML to `path` (parent folders created)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(model_to_yaml(model), encoding="utf-8")


def default_model() -> ScoringModel:
    """Return the model in data/models/default.yaml."""
    return load_model(DEFAULT_MODEL_PATH)
