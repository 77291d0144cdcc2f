"""The Data quality page's logic: issue records within the sidebar's segments and channels, and
rates in words with their counts and 95% Wilson intervals.

A record is placed by its lead (segment and channel) when the lead exists, else by its account
(segment only). A record that belongs to no known lead or account (an orphan reference) cannot
be placed, so every filter keeps it: hiding it would hide the problem.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

from lib.metrics.filters import Filters
from lib.metrics.stats import SMALL_SAMPLE, wilson_interval

RECORD_LABELS: dict[str, str] = {
    "lead_id": "Lead ID",
    "account_id": "Account ID",
    "opportunity_id": "Opportunity ID",
    "email": "Email",
    "company_name": "Company",
    "account_name": "Account",
    "segment": "Segment",
    "channel": "Channel",
    "days_since_update": "Days since update",
    "days_since_last_touch": "Days since last touch",
    "updated_at": "Last updated",
    "created_at": "Created",
    "industry_missing": "Industry missing",
    "company_size_missing": "Company size missing",
    "email_key": "Email (trimmed, lower case)",
    "leads_sharing_email": "Leads sharing the email",
    "label": "Problem",
    "record_id": "Record ID",
    "missing_id": "Missing ID",
    "record_type": "Record",
    "field": "Field",
    "dated": "Dated",
}
HIDDEN_COLUMNS = ("kind",)  # the orphan kind is repeated in words by `label`


def lead_scope(lead_segment: pd.DataFrame, channels: pd.DataFrame) -> pd.DataFrame:
    """Return one row per lead: lead_id, segment, channel (from the two frames, joined on id)."""
    return lead_segment[["lead_id", "segment"]].merge(
        channels[["lead_id", "channel"]], on="lead_id", how="left"
    )


def _allowed(values: pd.Series, allowed: tuple[str, ...] | None) -> pd.Series:
    # Unplaced records (NaN) pass every filter; see the module docstring.
    if allowed is None:
        return pd.Series(True, index=values.index)
    return values.isna() | values.isin(allowed)


def placed(
    records: pd.DataFrame, leads: pd.DataFrame, account_segment: pd.DataFrame
) -> pd.DataFrame:
    """Return records with segment and channel added from their lead, else their account."""
    return _placed(
        records, leads.set_index("lead_id"), account_segment.set_index("account_id")["segment"]
    )


def _placed(records: pd.DataFrame, by_lead: pd.DataFrame, by_account: pd.Series) -> pd.DataFrame:
    segment = pd.Series(np.nan, index=records.index, dtype=object)
    channel = pd.Series(np.nan, index=records.index, dtype=object)
    if "lead_id" in records:
        segment = records["lead_id"].map(by_lead["segment"]).astype(object)
        channel = records["lead_id"].map(by_lead["channel"]).astype(object)
    if "account_id" in records:
        from_account = records["account_id"].map(by_account)
        segment = segment.where(segment.notna(), from_account.astype(object))
    return records.drop(columns=list(HIDDEN_COLUMNS), errors="ignore").assign(
        segment=segment, channel=channel
    )


def within_filters(records: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Return the placed records whose segment and channel the filters allow (unplaced kept)."""
    keep = _allowed(records["segment"], filters.segments) & _allowed(
        records["channel"], filters.channels
    )
    return records.loc[keep].reset_index(drop=True)


def filtered_issue_records(
    records: dict[str, pd.DataFrame],
    leads: pd.DataFrame,
    account_segment: pd.DataFrame,
    filters: Filters,
) -> dict[str, pd.DataFrame]:
    """Return {issue key: its records placed and within the filters}; inputs not mutated."""
    # one lookup shared by every issue: an index over 1M leads builds its hash table once
    # (~0.3 s) instead of twice per issue
    by_lead = leads.set_index("lead_id")
    by_account = account_segment.set_index("account_id")["segment"]
    return {
        key: within_filters(_placed(frame, by_lead, by_account), filters)
        for key, frame in records.items()
    }


def leads_within(leads: pd.DataFrame, filters: Filters) -> int:
    """Return how many leads the filters allow (the denominator of an in-scope lead rate)."""
    return int(
        (
            _allowed(leads["segment"], filters.segments)
            & _allowed(leads["channel"], filters.channels)
        ).sum()
    )


def blank_fields(blank: pd.DataFrame) -> pd.DataFrame:
    """Return blank_firmographics output with share_low and share_high (Wilson)."""
    low, high = wilson_interval(blank["blank"], blank["total"])
    return blank.assign(share_low=low, share_high=high)


def share_texts(
    successes: npt.ArrayLike, trials: npt.ArrayLike, noun: str = "records"
) -> list[str]:
    """Return '7.1% (6.7–7.5%), 1,099 of 15,574 records' per pair; ⚠ below 30 trials; 'Not
    checked: no records' with nothing to check."""
    k = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    low, high = wilson_interval(k, n)
    texts = []
    for i in range(k.size):  # one string per issue or field: a handful, never per lead
        if n[i] == 0:
            texts.append(f"Not checked: no {noun}")
            continue
        # tiny shares (20 orphans in 207,435 references) need more decimals to not read 0.0%
        d = 1 if high[i] >= 0.01 else 2 if high[i] >= 0.001 else 3
        text = (
            f"{k[i] / n[i]:.{d}%} ({low[i]:.{d}%}–{high[i]:.{d}%}), "
            f"{k[i]:,.0f} of {n[i]:,.0f} {noun}"
        )
        texts.append(text + (" ⚠ small sample" if n[i] < SMALL_SAMPLE else ""))
    return texts


def summary_in_words(summary: pd.DataFrame, money: Callable[[float], str]) -> pd.DataFrame:
    """Return the fix-first table with headers in words; money formats an amount for people."""
    return pd.DataFrame(
        {
            "Fix order": summary["priority"].to_numpy(),
            "Issue": summary["issue"].to_numpy(),
            "Open pipeline touched": summary["open_pipeline_touched_usd"].map(money).to_numpy(),
            "Share of records checked (95% interval)": share_texts(
                summary["records"], summary["checked"]
            ),
            "Needs attention": [
                f"{'Yes, over' if over else 'No, ≤'} {line:.0%}" if checked else "Not checked"
                for over, line, checked in zip(
                    summary["above_threshold"],
                    summary["threshold"],
                    summary["checked"],
                    strict=True,
                )
            ],
        }
    )


def records_in_words(records: pd.DataFrame, segment_names: dict[str, str]) -> pd.DataFrame:
    """Return issue records as the page lists them: headers in words, segment names as people
    read them, and without the columns another one already identifies (the CSV keeps them)."""
    segment = records["segment"].astype(object).map(segment_names).astype(object)
    segment = segment.fillna("Not known")
    out = records.assign(
        segment=segment, channel=records["channel"].astype(object).fillna("Not known")
    )
    if "lead_id" not in records:  # account records have no channel: no column saying so
        out = out.drop(columns="channel")
    return out.drop(columns=_identified(records)).rename(columns=RECORD_LABELS)


def _identified(records: pd.DataFrame) -> list[str]:
    """Return the columns a record's listing can leave out, to fit a 1440-pixel window: a lead's
    account, the raw email beside its trimmed key, and an orphan's IDs beside its record ID."""
    if "record_id" in records:
        return [c for c in ("lead_id", "account_id", "opportunity_id") if c in records]
    drop = ["account_id"] if "lead_id" in records and "account_id" in records else []
    return drop + (["email"] if "email_key" in records and "email" in records else [])
