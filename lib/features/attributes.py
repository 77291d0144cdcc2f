"""Lead attributes (source columns kept on import) as scoring reads them, and the rules that
name an attribute the data does not hold.

Values come typed from the long table (lib.store.schema.ATTRIBUTE_TABLES): a number or a
boolean as a float (true 1.0, false 0.0), a date as ISO text, a category as text, keyed by
lead_id, so any set of attributes joins onto any lead frame without a new feature query.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import pandas as pd

from lib.model import ScoringModel
from lib.store.connection import Data, run_query


def kept_attributes(conn: Data) -> pd.DataFrame:
    """Return one row per lead attribute kept on import: name, kind and filled (leads with a
    value); empty when the export kept none."""
    return run_query(conn, "features/kept_attributes")


def attribute_series(conn: Data, names: Iterable[str]) -> dict[str, pd.Series]:
    """Return per attribute name its values indexed by lead_id: numbers and booleans as float64,
    dates as ISO text, categories as text; an attribute the data lacks is an empty series."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    values = run_query(conn, "features/lead_attribute_values", {"names": wanted})
    return {
        name: _values_of_kind(values[values["name"] == name].set_index("lead_id"))
        for name in wanted
    }


def _values_of_kind(rows: pd.DataFrame) -> pd.Series:
    """Return one attribute's values from the column of its kind."""
    if rows["number_value"].notna().any():
        return rows["number_value"].astype("float64")
    if rows["flag_value"].notna().any():
        return rows["flag_value"].astype("float64")
    if rows["date_value"].notna().any():
        return pd.to_datetime(rows["date_value"]).dt.strftime("%Y-%m-%d").astype(object)
    return rows["text_value"].astype(object)


def rule_attributes(model: ScoringModel) -> tuple[str, ...]:
    """Return the attributes the model's rules read, sorted, each once."""
    return tuple(sorted({rule.attribute for rule in model.attribute_rules}))


def missing_attributes(model: ScoringModel, kept: Iterable[str]) -> tuple[str, ...]:
    """Return the attributes the model's rules name that are not among `kept`, sorted."""
    held = set(kept)
    return tuple(name for name in rule_attributes(model) if name not in held)


def missing_attributes_text(model: ScoringModel, kept: Iterable[str]) -> str | None:
    """Return a warning naming each attribute a rule reads that the data does not hold (with
    the closest kept name), or None when the data holds them all."""
    held = list(kept)
    missing = missing_attributes(model, held)
    if not missing:
        return None
    named = []
    for name in missing:
        near = difflib.get_close_matches(name.lower(), [h.lower() for h in held], n=1, cutoff=0.6)
        match = next((h for h in held if near and h.lower() == near[0]), None)
        named.append(f"'{name}'" + (f" (did you mean '{match}'?)" if match else ""))
    noun = "attribute" if len(missing) == 1 else "attributes"
    return (
        f"The model's rules read the {noun} {', '.join(named)}, which this data does not hold: "
        "every lead counts as blank there, so those rules match only blank: true. Keep the "
        "column on import (under attributes: in the mapping) or correct the rule's attribute name."
    )


def unheld_attributes_text(conn: Data, model: ScoringModel) -> str | None:
    """Return `missing_attributes_text` for the model against the data's kept attributes (no
    query when the model has no attribute rules)."""
    if not model.attribute_rules:
        return None
    return missing_attributes_text(model, kept_attributes(conn)["name"])
