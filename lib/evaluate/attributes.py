"""What each kept lead attribute says about the outcome: conversion by level, and leakage.

Each attribute's levels among the leads with an outcome (training leads only): a category's
values, a boolean's true/false, a number's quartile bins, and blank. Levels under MIN_LEVEL
leads are pooled as "other", so an ID-like column cannot look predictive by memorising. An
attribute's AUC is how well its level's observed rate alone ranks the outcome; one that ranks
almost perfectly (>= LEAKAGE_AUC, above what a whole honest model reaches on public lead data,
0.88-0.91) was most likely recorded after the outcome (a status or tag sales set once the lead
converted) and is flagged as likely leakage.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from lib.metrics.stats import wilson_interval
from lib.store.connection import run_query

MIN_LEVEL = 30  # fewer leads in a level and its rate says little: pooled as "other"
LEAKAGE_AUC = 0.9
BLANK, OTHER = "(blank)", "(other)"


def attribute_levels(conn: duckdb.DuckDBPyConnection, leads: pd.DataFrame) -> pd.DataFrame:
    """Return one row per attribute and level for `leads` (lead_id, won; one row per lead):
    leads, wins, rate with its 95% interval, lift over the overall rate, and the bounds of a
    number's bin."""
    won = leads["won"].astype(bool)
    ids = leads["lead_id"].astype(str)
    levels = run_query(
        conn,
        "evaluate/attribute_levels",
        {"lead_ids": ids.tolist(), "won_lead_ids": ids[won].tolist()},
    )
    if levels.empty:
        return pd.DataFrame(columns=["name", "level", "low", "high", "leads", "wins"])
    total, total_wins = len(leads), int(won.sum())
    rows: list[dict[Hashable, Any]] = []
    for name, group in levels.groupby("name", sort=True):
        small = group["leads"] < MIN_LEVEL
        kept = group[~small].to_dict("records")
        if small.any():
            pooled = group[small]
            kept.append(_level(name, OTHER, int(pooled["leads"].sum()), int(pooled["wins"].sum())))
        blank = total - int(group["leads"].sum())
        if blank:
            kept.append(_level(name, BLANK, blank, total_wins - int(group["wins"].sum())))
        rows += kept
    frame = pd.DataFrame(rows)
    frame["leads"], frame["wins"] = frame["leads"].astype(int), frame["wins"].astype(int)
    frame["rate"] = frame["wins"] / frame["leads"]
    low, high = wilson_interval(frame["wins"].to_numpy(), frame["leads"].to_numpy())
    frame["rate_low"], frame["rate_high"] = low, high
    frame["lift"] = frame["rate"] / (total_wins / total) if total_wins else np.nan
    return frame.reset_index(drop=True)


def _level(name: object, level: str, leads: int, wins: int) -> dict[Hashable, Any]:
    return {"name": name, "level": level, "low": np.nan, "high": np.nan, "leads": leads,
            "wins": wins}  # fmt: skip


def level_auc(levels: pd.DataFrame) -> float:
    """Return the AUC of ranking leads by their level's observed rate (ties count half)."""
    ordered = levels.sort_values("rate")
    wins = ordered["wins"].to_numpy(dtype="float64")
    losses = (ordered["leads"] - ordered["wins"]).to_numpy(dtype="float64")
    if not wins.sum() or not losses.sum():
        return 0.5
    below = np.concatenate([[0.0], np.cumsum(losses)[:-1]])
    return float((wins * (below + losses / 2)).sum() / (wins.sum() * losses.sum()))


def attribute_summary(levels: pd.DataFrame) -> pd.DataFrame:
    """Return one row per attribute: its levels, AUC by level alone, and the leakage flag."""
    rows = [
        {"name": name, "levels": len(group), "auc": level_auc(group)}
        for name, group in levels.groupby("name", sort=True)
    ]
    frame = pd.DataFrame(rows, columns=["name", "levels", "auc"])
    frame["likely_leakage"] = frame["auc"] >= LEAKAGE_AUC
    return frame.sort_values("auc", ascending=False).reset_index(drop=True)
