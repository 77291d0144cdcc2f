from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
import yaml

from lib.errors import ModelError
from lib.model import (
    DEFAULT_MODEL_PATH,
    SCHEMA_PATH,
    default_model,
    model_from_yaml,
    model_json_schema,
    model_to_dict,
    model_to_yaml,
)
from lib.model.schema import model_schema_text
from lib.store.connection import connect
from lib.store.model_versions import load_version, published_model

STORED = Path(__file__).resolve().parents[1] / "data" / "model_versions"


def test_the_checked_in_json_schema_is_up_to_date():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == model_schema_text(), (
        "the model's field types changed: run `python -m lib.model` and commit the schema"
    )


def test_the_default_model_points_editors_at_the_schema_beside_it():
    first = DEFAULT_MODEL_PATH.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={SCHEMA_PATH.name}"
    assert SCHEMA_PATH.parent == DEFAULT_MODEL_PATH.parent


def test_the_default_model_file_is_valid_under_the_json_schema():
    jsonschema.Draft202012Validator(model_json_schema()).validate(
        yaml.safe_load(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    )


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(surprise=1),
        lambda d: d["risk"].update(stale_dayz=30),
        lambda d: d.update(half_life_days="30"),
        lambda d: d.update(half_life_days=0),
        lambda d: d["policies"]["smb"].update(mql_threshold=101),
        lambda d: d["policies"]["smb"]["pillar_weights"].update(fit=-0.1),
        lambda d: d["behavior_points"].update(fax={"points": 1, "cap": 1}),
        lambda d: d["policies"]["smb"]["next_actions"].update(won="Celebrate"),
        lambda d: d["recycle"].update(recycle_disqualified="yes"),
    ],
)
def test_an_editor_flags_what_the_loader_refuses(change):
    d = model_to_dict(default_model())
    change(d)
    assert not jsonschema.Draft202012Validator(model_json_schema()).is_valid(d)


def test_the_default_model_file_holds_exactly_what_the_model_writes():
    raw = yaml.safe_load(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    assert raw == model_to_dict(default_model())
    assert model_from_yaml(model_to_yaml(default_model())) == default_model()


def test_a_stored_version_loads_and_writes_back_byte_for_byte():
    # written by the model code before the schema library: what databases hold today
    body = (STORED / "published_v3.yaml").read_text(encoding="utf-8")
    model = model_from_yaml(body)
    assert (model.version, model.author, model.policies["smb"].mql_threshold) == (3, "ana", 45)
    assert model_to_yaml(model) == body


def test_versions_published_before_the_score_scale_still_load_from_the_database(tmp_path):
    conn = connect(tmp_path / "q.duckdb")
    for version, name in ((1, "published_v1_before_score_scale"), (3, "published_v3")):
        conn.execute(
            "insert into model_versions (version, created_at, author, note, body) "
            "values (?, ?, 'ana', 'stored', ?)",
            [version, datetime(2025, 1, version), (STORED / f"{name}.yaml").read_text()],
        )
    old = load_version(conn, 1)
    assert (old.score_scale.raw_floor, old.score_scale.raw_ceiling) == (0.0, 100.0)
    assert old.policies["smb"].pillar_weights.fit == 0.3
    assert published_model(conn).version == 3


def test_non_finite_numbers_in_a_stored_version_are_refused_naming_the_version(tmp_path):
    conn = connect(tmp_path / "q.duckdb")
    d = model_to_dict(default_model()) | {"half_life_days": math.nan}
    conn.execute(
        "insert into model_versions (version, created_at, author, note, body) "
        "values (4, ?, 'ana', 'nan', ?)",
        [datetime(2025, 1, 4), yaml.safe_dump(d)],
    )
    with pytest.raises(ModelError, match="model version 4: half_life_days: must be a finite"):
        load_version(conn, 4)
