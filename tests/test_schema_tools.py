from __future__ import annotations

import math
import pickle
from dataclasses import dataclass
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError, with_config

from lib.schema_tools import (
    SCHEMA_CONFIG,
    Finite,
    Flag,
    FrozenMap,
    NonNegative,
    Positive,
    Text,
    Whole,
    Within,
    error_path,
    schema_message,
)


class MappingFile(BaseModel):
    """A BaseModel as the mapping-file schema would declare one."""

    model_config = SCHEMA_CONFIG
    date_format: Text = "%Y-%m-%d"
    decimal: Literal["point", "comma"] = "point"
    money_scale: Positive = 1.0
    skip_rows: Whole = 0
    strict: Flag = True


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class Rule:
    share: Annotated[Finite, Within(0, 1)]
    floor: NonNegative
    names: FrozenMap[Text, Finite]


def _message(schema, data):
    with pytest.raises(ValidationError) as err:
        TypeAdapter(schema).validate_python(data)
    return schema_message(err.value)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"date_format": 12}, "date_format: expected text, got 12"),
        ({"decimal": "comma "}, "decimal: must be 'point' or 'comma', got 'comma '"),
        ({"money_unit": "thousand"}, "money_unit: unknown field"),
        ({"money_scale": "1000"}, "money_scale: expected a number, got '1000'"),
        ({"money_scale": 0}, "money_scale: must be positive, got 0"),
        ({"money_scale": math.inf}, "money_scale: must be a finite number, got inf"),
        ({"skip_rows": 1.0}, "skip_rows: expected a whole number, got 1.0"),
        ({"strict": "true"}, "strict: expected true or false, got 'true'"),
    ],
)
def test_a_base_model_with_the_shared_config_is_refused_by_path(data, message):
    assert _message(MappingFile, data) == message


@pytest.mark.parametrize(
    "data, message",
    [
        ({"share": 1.5, "floor": 0, "names": {}}, "share: must be within 0-1, got 1.5"),
        ({"share": 0.5, "floor": -2, "names": {}}, "floor: must not be negative, got -2"),
        (
            {"share": 0.5, "floor": 0, "names": {"a": math.nan}},
            "names.a: must be a finite number, got nan",
        ),
        ({"share": 0.5, "floor": 0, "names": {3: 1.0}}, "names: key 3: expected text, got 3"),
        ({"share": 0.5, "names": []}, "floor: missing field; names: expected a mapping, got []"),
    ],
)
def test_a_frozen_dataclass_with_the_shared_config_is_refused_by_path(data, message):
    assert _message(Rule, data) == message


def test_a_validated_dataclass_holds_a_frozen_mapping():
    rule = TypeAdapter(Rule).validate_python({"share": 1, "floor": 0, "names": {"a": 2}})
    assert rule == Rule(share=1.0, floor=0.0, names=FrozenMap({"a": 2.0}))
    assert isinstance(rule.names, FrozenMap) and hash(rule) == hash(
        Rule(1.0, 0.0, FrozenMap({"a": 2.0}))
    )


def test_the_json_schema_shows_ranges_and_refuses_unknown_keys():
    schema = TypeAdapter(Rule).json_schema()
    assert schema["additionalProperties"] is False
    assert schema["properties"]["share"] == {
        "maximum": 1,
        "minimum": 0,
        "title": "Share",
        "type": "number",
    }
    assert schema["properties"]["names"]["additionalProperties"] == {"type": "number"}


@pytest.mark.parametrize(
    "loc, path",
    [
        (("policies", "smb", "mql_threshold"), "policies.smb.mql_threshold"),
        (("bands", 0, "min_score"), "bands[0].min_score"),
        (("frameworks", "by_deal_size", 2), "frameworks.by_deal_size[2]"),
        ((), ""),
    ],
)
def test_error_paths_read_as_the_file_does(loc, path):
    assert error_path(loc) == path


def test_more_than_three_problems_are_counted_not_listed():
    data = {"date_format": 1, "decimal": "x", "money_scale": "y", "skip_rows": "z", "strict": 0}
    with pytest.raises(ValidationError) as err:
        MappingFile.model_validate(data)
    assert schema_message(err.value).endswith(
        "money_scale: expected a number, got 'y' (and 2 more)"
    )


def test_frozen_map_reads_as_a_mapping_and_cannot_be_changed():
    m = FrozenMap({"b": 2, "a": 1})
    assert list(m) == ["b", "a"] and m["a"] == 1 and len(m) == 2 and m.get("c") is None
    assert m == {"a": 1, "b": 2} and m == FrozenMap({"a": 1, "b": 2})
    assert hash(m) == hash(FrozenMap({"a": 1, "b": 2}))  # order aside, as dict equality is
    with pytest.raises(TypeError):
        m["c"] = 3  # type: ignore[index]
    merged = m | {"c": 3}
    assert isinstance(merged, FrozenMap) and dict(merged) == {"b": 2, "a": 1, "c": 3}
    assert dict(m) == {"b": 2, "a": 1}
    assert pickle.loads(pickle.dumps(m)) == m
    assert repr(m) == "FrozenMap({'b': 2, 'a': 1})"
