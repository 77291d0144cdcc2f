"""The model as a file: dict <-> dataclasses with validation of shape, YAML text, files.

The YAML file and the `model_versions` table both hold `model_to_dict` output.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml

from lib.errors import ModelError
from lib.model.scoring_model import ScoringModel
from lib.model.validate import validate_model

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[2] / "data" / "models" / "default.yaml"


def _build(hint: Any, value: Any, path: str) -> Any:
    """Return `value` converted to `hint`, raising ModelError naming `path` on a mismatch."""
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _build_dataclass(hint, value, path)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ModelError(f"{path}: expected a list, got {value!r}")
        item = typing.get_args(hint)[0]
        return tuple(_build(item, v, f"{path}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ModelError(f"{path}: expected a mapping, got {value!r}")
        item = typing.get_args(hint)[1]
        return {str(k): _build(item, v, f"{path}.{k}") for k, v in value.items()}
    return _build_scalar(hint, value, path)


def _build_scalar(hint: Any, value: Any, path: str) -> Any:
    """Return a bool/int/float/str checked against its hint."""
    if hint is bool and isinstance(value, bool):
        return value
    if hint in (int, float) and isinstance(value, int | float) and not isinstance(value, bool):
        if hint is int and float(value) != int(value):
            raise ModelError(f"{path}: expected a whole number, got {value!r}")
        return hint(value)
    if hint is str and isinstance(value, str):
        return value
    raise ModelError(f"{path}: expected {getattr(hint, '__name__', hint)}, got {value!r}")


def _build_dataclass(cls: Any, value: Any, path: str) -> Any:
    """Return an instance of `cls` from a mapping with exactly its fields."""
    if not isinstance(value, dict):
        raise ModelError(f"{path or 'model'}: expected a mapping, got {value!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    for key in value:
        if key not in known:
            raise ModelError(f"{_join(path, key)}: unknown field")
    kwargs = {}
    for name, f in known.items():
        if name in value:
            kwargs[name] = _build(hints[name], value[name], _join(path, name))
        elif f.default is dataclasses.MISSING:
            raise ModelError(f"{_join(path, name)}: missing field")
    return cls(**kwargs)


def _join(path: str, key: Any) -> str:
    """Return a dotted path inside the model file."""
    return f"{path}.{key}" if path else str(key)


def _plain(value: Any) -> Any:
    """Return a JSON-safe copy: dataclasses to dicts, tuples to lists."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def model_from_dict(d: dict[str, Any]) -> ScoringModel:
    """Return the validated model a mapping describes; ModelError names the offending path."""
    model = _build_dataclass(ScoringModel, d, "")
    validate_model(model)
    return model


def model_to_dict(model: ScoringModel) -> dict[str, Any]:
    """Return a JSON-safe mapping that `model_from_dict` turns back into an equal model."""
    return _plain(model)


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
