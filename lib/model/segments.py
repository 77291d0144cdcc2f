"""Segment rules over firmographics: revenue where known, otherwise employees."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import with_config

from lib.errors import QualifyError
from lib.schema_tools import SCHEMA_CONFIG, Finite, Text, Whole

UNASSIGNED = "unassigned"


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class SegmentRule:
    """A segment and the smallest company that belongs to it; rules are tried in order."""

    name: Text
    label: Text
    min_annual_revenue_usd: Finite = 0.0
    min_employees: Whole = 0


DEFAULT_SEGMENTS: tuple[SegmentRule, ...] = (
    SegmentRule("enterprise", "Enterprise", 1_000_000_000.0, 1_000),
    SegmentRule("mid_market", "Mid-market", 50_000_000.0, 100),
    SegmentRule("smb", "SMB", 0.0, 0),
)


def assign_segments(
    annual_revenue_usd: pd.Series,
    employees: pd.Series,
    rules: tuple[SegmentRule, ...] = DEFAULT_SEGMENTS,
    stated: pd.Series | None = None,
) -> np.ndarray:
    """Return each company's segment name; 'unassigned' when neither figure is known.

    `stated` holds a segment the export states (a size code mapped to a name): where given it
    replaces the rules, and a name the rules do not have is unassigned, as the SQL reads it.
    """
    revenue = pd.to_numeric(annual_revenue_usd, errors="coerce").to_numpy(dtype="float64")
    staff = pd.to_numeric(employees, errors="coerce").to_numpy(dtype="float64")
    by_revenue = np.select(
        [revenue >= r.min_annual_revenue_usd for r in rules],
        [r.name for r in rules],
        default=UNASSIGNED,
    )
    by_staff = np.select(
        [staff >= r.min_employees for r in rules], [r.name for r in rules], default=UNASSIGNED
    )
    by_rules = np.where(
        ~np.isnan(revenue), by_revenue, np.where(~np.isnan(staff), by_staff, UNASSIGNED)
    ).astype(object)
    if stated is None:
        return by_rules
    said = stated.to_numpy(dtype=object)
    known = pd.isna(said)
    named = pd.Series(said).isin([r.name for r in rules]).to_numpy()
    return np.where(known, by_rules, np.where(named, said, UNASSIGNED)).astype(object)


def segment_labels(rules: tuple[SegmentRule, ...] = DEFAULT_SEGMENTS) -> dict[str, str]:
    """Return segment name -> label people read, including the unassigned bucket."""
    return {r.name: r.label for r in rules} | {UNASSIGNED: "Unassigned"}


def segment_names(texts: Sequence[str], rules: tuple[SegmentRule, ...]) -> tuple[str, ...]:
    """Return the segment each text names, by name or label in any case ('Mid-market',
    'MID_MARKET'); QualifyError naming the segments when one names none."""
    known = {
        key.casefold(): name
        for name, label in segment_labels(rules).items()
        for key in (name, label)
    }
    unknown = [t for t in texts if t.strip().casefold() not in known]
    if unknown:
        choices = ", ".join(f"{name} ({label})" for name, label in segment_labels(rules).items())
        raise QualifyError(
            f"unknown segment {', '.join(map(repr, unknown))}; the model's: {choices}"
        )
    return tuple(dict.fromkeys(known[t.strip().casefold()] for t in texts))
