"""Reading YAML files through pydantic: strict scalars, finite numbers, immutable mappings,
and errors that name their path in the file ('policies.smb.mql_threshold: must be within 0-100').

The scoring model file (lib.model) is read with these; the mapping file is meant to be too.
Use SCHEMA_CONFIG on a frozen dataclass (`@with_config(SCHEMA_CONFIG)`) or a BaseModel
(`model_config = SCHEMA_CONFIG`), the scalar types below for its fields, and wrap a
ValidationError into the caller's QualifyError with `schema_message`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, get_args

from pydantic import (
    AllowInfNan,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    ValidationError,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, ErrorDetails, PydanticCustomError, core_schema

# Unknown keys are refused; an instance handed back in (an edited copy) is validated again
# field by field, so an edit cannot slip in a dict, a string or a NaN.
SCHEMA_CONFIG = ConfigDict(extra="forbid", revalidate_instances="always")

# Strict scalars: "12" is not a number, 1 is not text, "yes" is not a flag; an int is a number.
Text = Annotated[str, Strict()]
Flag = Annotated[bool, Strict()]
Whole = Annotated[int, Strict()]
Finite = Annotated[float, Strict(), AllowInfNan(False)]
NonNegative = Annotated[float, Strict(), AllowInfNan(False), Field(ge=0)]
Positive = Annotated[float, Strict(), AllowInfNan(False), Field(gt=0)]


@dataclass(frozen=True)
class Within:
    """Annotated marker: a number from `low` to `high` inclusive, else 'must be within low-high'."""

    low: float
    high: float

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """Check the range after the number itself validated."""
        return core_schema.no_info_after_validator_function(self._checked, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Show the range to editors as minimum and maximum."""
        return {**handler(schema), "minimum": self.low, "maximum": self.high}

    def _checked(self, value: float) -> float:
        if not self.low <= value <= self.high:
            bounds = {"low": f"{self.low:g}", "high": f"{self.high:g}"}
            raise PydanticCustomError("within", "must be within {low}-{high}", bounds)
        return value


K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """An immutable, hashable mapping that keeps its order; `a | b` returns a new one.

    Equal to any mapping with the same items (order aside), as a dict is.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._items: dict[K, V] = dict(items)

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __or__(self, other: Mapping[K, V]) -> FrozenMap[K, V]:
        return FrozenMap({**self._items, **other})

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"

    def __reduce__(self) -> tuple[type[FrozenMap[K, V]], tuple[dict[K, V]]]:
        # pickle and Streamlit's cache hasher rebuild from the items (slots alone cannot be)
        return (FrozenMap, (dict(self._items),))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """Validate (and describe in JSON Schema) as dict[K, V], then freeze."""
        key, value = get_args(source) or (Any, Any)
        as_dict = handler.generate_schema(dict[key, value])  # type: ignore[valid-type]
        return core_schema.no_info_after_validator_function(
            cls,
            as_dict,
            serialization=core_schema.wrap_serializer_function_ser_schema(
                lambda m, serialize: serialize(dict(m)), schema=as_dict
            ),
        )


_PHRASES = {
    "missing": "missing field",
    "missing_argument": "missing field",
    "extra_forbidden": "unknown field",
    "unexpected_keyword_argument": "unknown field",
    "float_type": "expected a number",
    "int_type": "expected a whole number",
    "string_type": "expected text",
    "bool_type": "expected true or false",
    "tuple_type": "expected a list",
    "list_type": "expected a list",
    "dict_type": "expected a mapping",
    "dataclass_type": "expected a mapping",
    "model_type": "expected a mapping",
    "finite_number": "must be a finite number",
}
_BOUNDS = {
    "greater_than": ("gt", "must be above {}"),
    "greater_than_equal": ("ge", "must be at least {}"),
    "less_than": ("lt", "must be below {}"),
    "less_than_equal": ("le", "must be at most {}"),
}
_AT_ZERO = {"greater_than": "must be positive", "greater_than_equal": "must not be negative"}
_NO_INPUT = {"missing", "missing_argument", "extra_forbidden", "unexpected_keyword_argument"}


def error_path(loc: tuple[int | str, ...]) -> str:
    """Return a location as the file reads: ('bands', 0, 'min_score') -> 'bands[0].min_score'."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def error_text(error: ErrorDetails) -> str:
    """Return one pydantic error as 'path: what is wrong, got <input>'."""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind in _BOUNDS:
        name, phrase = _BOUNDS[kind]
        bound = ctx.get(name)
        what = _AT_ZERO[kind] if bound == 0 and kind in _AT_ZERO else phrase.format(bound)
    elif kind in _PHRASES:
        what = _PHRASES[kind]
    elif kind in ("literal_error", "enum"):
        what = f"must be {ctx.get('expected')}"
    elif kind == "value_error":
        what = str(ctx.get("error", error["msg"]))
    else:
        what = error["msg"][:1].lower() + error["msg"][1:]
    if kind not in _NO_INPUT and kind != "value_error":
        what += f", got {_shown(error['input'])}"
    loc = error["loc"]
    if loc[-1:] == ("[key]",):  # the key itself is wrong: name the mapping, then the key
        loc, what = loc[:-2], f"key {loc[-2]!r}: {what}"
    path = error_path(loc)
    return f"{path}: {what}" if path else what


def schema_message(exc: ValidationError, limit: int = 3) -> str:
    """Return the first `limit` errors as 'path: message', joined by '; ', counting the rest."""
    lines = [error_text(e) for e in exc.errors(include_url=False)]
    more = len(lines) - limit
    return "; ".join(lines[:limit]) + (f" (and {more} more)" if more > 0 else "")
