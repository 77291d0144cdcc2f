"""Data-quality checks: which records to fix first, and how much open pipeline each problem touches.

DESIGN: data older than 30 days, bounce rates above 5% and blank firmographic fields degrade
every score. Every record frame here is meant to be downloaded as it is, so columns are tidy.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from lib.metrics.stats import wilson_interval
from lib.model.segments import SegmentRule
from lib.store.connection import data_as_of, run_query
from lib.store.staging import segment_params

STALE_DAYS = 30
BOUNCE_THRESHOLD = 0.05

FIELD_LABELS: dict[tuple[str, str], str] = {
    ("accounts", "industry"): "Account industry",
    ("accounts", "annual_revenue_usd"): "Account annual revenue",
    ("accounts", "employees"): "Account employee count",
    ("accounts", "country"): "Account country",
    ("leads", "email"): "Lead email address",
    ("leads", "title"): "Lead job title",
    ("leads", "channel"): "Lead source channel",
    ("leads", "industry"): "Lead industry (its account's, else its own)",
    ("leads", "company_size"): "Lead company size (its account's, else its own)",
}

ORPHAN_LABELS: dict[str, str] = {
    "activity_lead": "Activity whose lead does not exist",
    "lead_account": "Lead whose account does not exist",
    "opportunity_account": "Opportunity whose account does not exist",
    "opportunity_lead": "Opportunity whose source lead does not exist",
}


@dataclass(frozen=True)
class Issue:
    """One kind of data problem, the share above which it needs attention, and why."""

    key: str
    label: str
    threshold: float
    help: str


ISSUES: tuple[Issue, ...] = (
    Issue(
        "stale_leads",
        "Open leads with no update or touch for over {days} days",
        0.0,
        "Share of open leads. DESIGN: data older than 30 days degrades every score.",
    ),
    Issue(
        "bounced_leads",
        "Leads whose email address hard-bounced",
        BOUNCE_THRESHOLD,
        "Share of all leads. DESIGN: bounce rates above 5% degrade every score.",
    ),
    Issue(
        "leads_missing_firmographics",
        "Leads missing industry or company size",
        0.0,
        "Share of all leads. Without size a lead has no segment; without industry no fit.",
    ),
    Issue(
        "accounts_missing_firmographics",
        "Accounts missing industry or company size",
        0.0,
        "Share of all accounts. An opportunity takes its account's segment.",
    ),
    Issue(
        "duplicate_leads",
        "Leads sharing an email address with another lead",
        0.0,
        "Share of leads with an email. Duplicates split activity and double-count the funnel.",
    ),
    Issue(
        "orphan_references",
        "References to records that do not exist",
        0.0,
        "Share of filled-in references (activity->lead, lead->account, opportunity->account, "
        "opportunity->lead). Orphans drop out of every join.",
    ),
    Issue(
        "future_dated",
        "Dates after the export was taken",
        0.0,
        "Share of leads, activities and closed deals. The export's moment is the latest "
        "creation, edit, funnel step or close up to today; an activity booked ahead or a date "
        "past today never moves it: ages treat such an activity as happening at that moment, "
        "and a deal closed after it counts as closed on that day.",
    ),
)

SUMMARY_COLUMNS = [
    "priority",
    "issue",
    "key",
    "records",
    "checked",
    "share",
    "threshold",
    "above_threshold",
    "open_pipeline_touched_usd",
    "help",
]


def _as_of(conn: duckdb.DuckDBPyConnection, as_of: pd.Timestamp | None) -> pd.Timestamp | None:
    return data_as_of(conn) if as_of is None else pd.Timestamp(as_of)


def _days_before(as_of: pd.Timestamp | None, moments: pd.Series) -> pd.Series:
    if as_of is None:
        return pd.Series(np.nan, index=moments.index)
    return (as_of - pd.to_datetime(moments)).dt.days


def stale_leads(
    conn: duckdb.DuckDBPyConnection, as_of: pd.Timestamp | None = None, days: int = STALE_DAYS
) -> pd.DataFrame:
    """Return open leads with neither an update nor an activity in the `days` before as_of."""
    as_of = _as_of(conn, as_of)
    cutoff = None if as_of is None else (as_of - pd.Timedelta(days=days)).to_pydatetime()
    found = run_query(conn, "quality/stale_leads", {"cutoff": cutoff})
    return pd.DataFrame(
        {
            "lead_id": found["lead_id"],
            "account_id": found["account_id"],
            "email": found["email"],
            "company_name": found["company_name"],
            "days_since_update": _days_before(as_of, found["last_updated_at"]),
            "days_since_last_touch": _days_before(as_of, found["last_touch_at"]),
        }
    )


def bounced_leads(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per lead whose email hard-bounced: lead_id, account_id, email, company."""
    return run_query(conn, "quality/bounced_leads")


def bounce_rate(conn: duckdb.DuckDBPyConnection) -> dict[str, float | int | bool]:
    """Return bounced, leads, rate with its 95% Wilson low/high, and whether it is above 5%."""
    bounced = len(bounced_leads(conn))
    leads = int(run_query(conn, "quality/record_counts")["leads"].iloc[0])
    low, high = wilson_interval(bounced, leads)
    rate = bounced / leads if leads else float("nan")
    return {
        "bounced": bounced,
        "leads": leads,
        "rate": rate,
        "low": float(low),
        "high": float(high),
        "threshold": BOUNCE_THRESHOLD,
        "above_threshold": bool(leads and rate > BOUNCE_THRESHOLD),
    }


def blank_firmographics(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per checked field: table, column, label, blank, total, share (worst first)."""
    found = run_query(conn, "quality/blank_fields")
    keys = list(zip(found["table_name"], found["column_name"], strict=True))
    total = found["total"].astype("float64")
    return pd.DataFrame(
        {
            "table": found["table_name"],
            "column": found["column_name"],
            "label": [FIELD_LABELS[key] for key in keys],
            "blank": found["blank"],
            "total": found["total"],
            "share": found["blank"] / total.where(total > 0),
        }
    ).sort_values("share", ascending=False, kind="stable", na_position="last", ignore_index=True)


def leads_missing_firmographics(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per lead whose industry or company size is unknown, with which is missing."""
    return run_query(conn, "quality/leads_missing_firmographics")


def accounts_missing_firmographics(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per account whose industry or company size is unknown."""
    return run_query(conn, "quality/accounts_missing_firmographics")


def duplicate_leads(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per lead whose email (trimmed, any case) is also on another lead_id."""
    return run_query(conn, "quality/duplicate_leads")


def record_segments(
    conn: duckdb.DuckDBPyConnection, rules: tuple[SegmentRule, ...]
) -> dict[str, pd.DataFrame]:
    """Return {'account_segment': account_id, segment; 'lead_segment': lead_id, segment} as the
    staging SQL assigns them under rules, for placing issue records in the page's segments."""
    found = run_query(conn, "staging/record_segments", segment_params(rules))
    return {f"{kind}_segment": _segments_of(found, kind) for kind in ("account", "lead")}


def _segments_of(found: pd.DataFrame, kind: str) -> pd.DataFrame:
    rows = found[found["record_type"] == kind]
    return pd.DataFrame({f"{kind}_id": rows["record_id"], "segment": rows["segment"]}).reset_index(
        drop=True
    )


def _orphans(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    found = run_query(conn, "quality/orphan_references")
    return found.assign(label=found["kind"].map(ORPHAN_LABELS))


def orphan_references(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per reference to a missing record: kind, label, record_id, missing_id."""
    return _orphans(conn)[["kind", "label", "record_id", "missing_id"]]


def future_dated(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per date after the export was taken: record_type, record_id, field,
    dated, and the lead, account and opportunity it belongs to."""
    return run_query(conn, "quality/future_dated")


def issue_records(
    conn: duckdb.DuckDBPyConnection, as_of: pd.Timestamp | None = None, days: int = STALE_DAYS
) -> dict[str, pd.DataFrame]:
    """Return {issue key: the records with that issue}, ready to download."""
    return {"stale_leads": stale_leads(conn, as_of, days)} | standing_issue_records(conn)


def standing_issue_records(conn: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Return {issue key: its records} for every issue but stale leads (no age involved)."""
    # kept apart so a moved staleness cutoff reruns one query, not six (~5 s at 1M leads)
    return {
        "bounced_leads": bounced_leads(conn),
        "leads_missing_firmographics": leads_missing_firmographics(conn),
        "accounts_missing_firmographics": accounts_missing_firmographics(conn),
        "duplicate_leads": duplicate_leads(conn),
        "orphan_references": _orphans(conn),
        "future_dated": future_dated(conn),
    }


def _records_checked(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = run_query(conn, "quality/record_counts").iloc[0]
    references = [
        "activities_with_lead",
        "leads_with_account",
        "opportunities_with_account",
        "opportunities_with_lead",
    ]
    return {
        "stale_leads": int(counts["open_leads"]),
        "bounced_leads": int(counts["leads"]),
        "leads_missing_firmographics": int(counts["leads"]),
        "accounts_missing_firmographics": int(counts["accounts"]),
        "duplicate_leads": int(counts["leads_with_email"]),
        "orphan_references": int(counts[references].sum()),
        "future_dated": int(counts[["leads", "activities", "closed_opportunities"]].sum()),
    }


def _among(ids: pd.Series, wanted: pd.Series) -> pd.Series:
    # as object arrays: isin on Arrow strings makes a Python scalar per wanted ID (~1.4 s for
    # the six issues at 1M leads); the object hash table does the same test in C
    found = pd.Series(ids.to_numpy(dtype=object), dtype=object).isin(
        wanted.dropna().to_numpy(dtype=object)
    )
    return pd.Series(found.to_numpy(), index=ids.index)


def _touched_pipeline_usd(records: pd.DataFrame, pipeline: pd.DataFrame) -> float:
    # A problem on a lead touches its own deals and its account's: either may be mis-scored.
    touched = pd.Series(False, index=pipeline.index)
    for column in ("lead_id", "account_id", "opportunity_id"):
        if column in records:
            touched |= _among(pipeline[column], records[column])
    return float(pipeline.loc[touched, "amount_usd"].sum())


def quality_summary(
    conn: duckdb.DuckDBPyConnection,
    as_of: pd.Timestamp | None = None,
    days: int = STALE_DAYS,
    *,
    records: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Return one row per issue, fix-first on top: most open pipeline touched, then records.

    records are issue_records(conn, as_of, days) when the caller already holds them.
    """
    records = issue_records(conn, as_of, days) if records is None else records
    checked = _records_checked(conn)
    pipeline = run_query(conn, "quality/open_pipeline")
    summary = pd.DataFrame(
        {
            "issue": [issue.label.format(days=days) for issue in ISSUES],
            "key": [issue.key for issue in ISSUES],
            "records": [len(records[issue.key]) for issue in ISSUES],
            "checked": [checked[issue.key] for issue in ISSUES],
            "threshold": [issue.threshold for issue in ISSUES],
            "open_pipeline_touched_usd": [
                _touched_pipeline_usd(records[issue.key], pipeline) for issue in ISSUES
            ],
            "help": [issue.help for issue in ISSUES],
        }
    )
    share = summary["records"] / summary["checked"].where(summary["checked"] > 0)
    summary = summary.assign(share=share, above_threshold=share > summary["threshold"])
    summary = summary.sort_values(
        ["open_pipeline_touched_usd", "records"], ascending=False, kind="stable", ignore_index=True
    )
    return summary.assign(priority=np.arange(1, len(summary) + 1))[SUMMARY_COLUMNS]
