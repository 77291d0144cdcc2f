"""Seniority and department from job titles, by the model's keyword rules."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from lib.model import GradeCriteria

OTHER = "other"


def keyword_pattern(keywords: tuple[str, ...]) -> str:
    """Return a regex matching any keyword as a whole word (so 'it' does not match 'digital')."""
    words = "|".join(re.escape(k.lower()) for k in keywords)
    return rf"(?<![a-z0-9])(?:{words})(?![a-z0-9])"


def title_roles(titles: pd.Series, grade: GradeCriteria) -> pd.DataFrame:
    """Return seniority and department per title by the model's keyword rules (first match)."""
    # a million leads hold a few thousand distinct titles: match those, then spread the result
    codes, distinct = pd.factorize(titles.fillna("").astype(str).str.lower())
    text = pd.Series(distinct, dtype=object)
    seniority = np.select(
        [text.str.contains(keyword_pattern(r.keywords), regex=True) for r in grade.seniority],
        [r.name for r in grade.seniority],
        default=OTHER,
    )
    department = np.select(
        [text.str.contains(keyword_pattern(r.keywords), regex=True) for r in grade.departments],
        [r.name for r in grade.departments],
        default=OTHER,
    )
    return pd.DataFrame(
        {"seniority": seniority[codes], "department": department[codes]}, index=titles.index
    )
