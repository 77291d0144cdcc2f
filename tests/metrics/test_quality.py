"""Data-quality checks on tiny hand-made CRM tables whose answers are known by hand."""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pytest

from lib.metrics import quality
from lib.store.connection import connect
from tests.fixtures import insert

AS_OF = pd.Timestamp("2024-06-30")


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    return connect(":memory:")


@pytest.mark.parametrize(
    "check",
    [
        quality.stale_leads,
        quality.bounced_leads,
        quality.blank_firmographics,
        quality.duplicate_leads,
        quality.orphan_references,
        quality.leads_missing_firmographics,
        quality.accounts_missing_firmographics,
    ],
)
def test_every_check_on_an_empty_database_returns_no_problem_records(conn, check):
    frame = check(conn)
    problems = frame["blank"].sum() if "blank" in frame else len(frame)
    assert problems == 0


def test_quality_summary_on_an_empty_database_counts_zero_everywhere(conn):
    summary = quality.quality_summary(conn)
    assert len(summary) == len(quality.ISSUES)
    assert summary["records"].sum() == 0
    assert summary["open_pipeline_touched_usd"].sum() == 0
    assert not summary["above_threshold"].any()


def stale_fixture(conn: duckdb.DuckDBPyConnection) -> None:
    insert(
        conn,
        "leads",
        [
            {"lead_id": "old_untouched", "updated_at": "2024-05-21"},
            {"lead_id": "old_but_touched", "updated_at": "2024-05-21"},
            {"lead_id": "fresh_update", "updated_at": "2024-06-25"},
            {"lead_id": "old_sql", "updated_at": "2024-05-01", "sql_at": "2024-04-01"},
            {
                "lead_id": "old_disqualified",
                "updated_at": "2024-05-01",
                "disqualified_at": "2024-04-01",
            },
            {"lead_id": "old_won", "updated_at": "2024-05-01"},
            {"lead_id": "old_touched_long_ago", "updated_at": "2024-05-30"},
            {"lead_id": "exactly_thirty_days", "updated_at": "2024-05-31"},
            {"lead_id": "only_created", "created_at": "2024-04-30"},
        ],
    )
    insert(
        conn,
        "activities",
        [
            {"activity_id": "t1", "lead_id": "old_but_touched", "occurred_at": "2024-06-20"},
            {"activity_id": "t2", "lead_id": "fresh_update", "occurred_at": "2024-05-01"},
            {"activity_id": "t3", "lead_id": "old_touched_long_ago", "occurred_at": "2024-05-16"},
        ],
    )
    insert(
        conn,
        "opportunities",
        [{"opportunity_id": "o1", "lead_id": "old_won", "is_won": True, "is_closed": True}],
    )


def test_stale_leads_are_open_leads_without_update_or_touch_for_over_thirty_days(conn):
    stale_fixture(conn)
    stale = quality.stale_leads(conn, as_of=AS_OF).set_index("lead_id")
    assert sorted(stale.index) == ["old_touched_long_ago", "old_untouched", "only_created"]
    assert stale.loc["old_untouched", "days_since_update"] == 40
    assert math.isnan(stale.loc["old_untouched", "days_since_last_touch"])
    assert stale.loc["old_touched_long_ago", "days_since_last_touch"] == 45
    assert stale.loc["only_created", "days_since_update"] == 61


def test_stale_leads_measure_age_from_the_data_not_the_wall_clock(conn):
    stale_fixture(conn)
    # latest timestamp in the data is fresh_update's 2024-06-25, five days before AS_OF
    stale = quality.stale_leads(conn)
    assert sorted(stale["lead_id"]) == ["old_untouched", "only_created"]
    assert stale.set_index("lead_id").loc["old_untouched", "days_since_update"] == 35


def test_stale_leads_respect_a_longer_window(conn):
    stale_fixture(conn)
    assert list(quality.stale_leads(conn, as_of=AS_OF, days=60)["lead_id"]) == ["only_created"]


@pytest.mark.parametrize(
    ("bounced", "leads", "above"),
    [
        (1, 20, False),  # exactly 5% is at the threshold, not above it
        (2, 20, True),
        (0, 3, False),
    ],
)
def test_bounce_rate_is_flagged_only_above_five_percent(conn, bounced, leads, above):
    insert(
        conn, "leads", [{"lead_id": f"l{i}", "email_bounced": i < bounced} for i in range(leads)]
    )
    rate = quality.bounce_rate(conn)
    assert (rate["bounced"], rate["leads"], rate["above_threshold"]) == (bounced, leads, above)
    assert rate["rate"] == bounced / leads


def test_bounce_rate_of_one_in_twenty_carries_its_wilson_interval(conn):
    insert(conn, "leads", [{"lead_id": f"l{i}", "email_bounced": i == 0} for i in range(20)])
    rate = quality.bounce_rate(conn)
    assert rate["low"] == pytest.approx(0.00889, abs=1e-4)
    assert rate["high"] == pytest.approx(0.23613, abs=1e-4)


def test_bounced_leads_lists_only_hard_bounces(conn):
    insert(
        conn,
        "leads",
        [
            {"lead_id": "a", "email_bounced": True},
            {"lead_id": "b", "email_bounced": False},
            {"lead_id": "c"},
        ],
    )
    assert list(quality.bounced_leads(conn)["lead_id"]) == ["a"]


def blank_fixture(conn: duckdb.DuckDBPyConnection) -> None:
    insert(
        conn,
        "accounts",
        [
            {
                "account_id": "full",
                "industry": "Software",
                "annual_revenue_usd": 1e9,
                "employees": 900,
                "country": "US",
            },
            {"account_id": "bare", "industry": "", "country": "  "},
        ],
    )
    insert(
        conn,
        "leads",
        [
            {"lead_id": "a", "account_id": "full", "email": "a@x.com", "channel": "web"},
            {
                "lead_id": "b",
                "account_id": "bare",
                "email": " ",
                "title": "CFO",
                "channel": "web",
                "industry": "Retail",
                "employees": 40,
            },
            {"lead_id": "c", "email": "c@y.com", "title": "CTO", "employees": 12},
        ],
    )


@pytest.mark.parametrize(
    ("table", "column", "blank", "total"),
    [
        ("accounts", "industry", 1, 2),
        ("accounts", "annual_revenue_usd", 1, 2),
        ("accounts", "employees", 1, 2),
        ("accounts", "country", 1, 2),
        ("leads", "email", 1, 3),
        ("leads", "title", 1, 3),
        ("leads", "channel", 1, 3),
        ("leads", "industry", 1, 3),  # b borrows its own Retail when its account has none
        ("leads", "company_size", 1, 3),  # b's account decides its size, and it has none
    ],
)
def test_blank_firmographics_counts_empty_and_whitespace_as_blank(
    conn, table, column, blank, total
):
    blank_fixture(conn)
    row = quality.blank_firmographics(conn).set_index(["table", "column"]).loc[(table, column)]
    assert (row["blank"], row["total"], row["share"]) == (blank, total, blank / total)
    assert row["label"]


def test_missing_firmographics_name_which_field_is_missing(conn):
    blank_fixture(conn)
    leads = quality.leads_missing_firmographics(conn)
    accounts = quality.accounts_missing_firmographics(conn)
    assert leads[["lead_id", "industry_missing", "company_size_missing"]].values.tolist() == [
        ["b", False, True],
        ["c", True, False],
    ]
    assert accounts[["account_id", "industry_missing", "company_size_missing"]].values.tolist() == [
        ["bare", True, True]
    ]


def test_duplicate_leads_match_email_ignoring_case_and_spaces_but_not_blanks(conn):
    insert(
        conn,
        "leads",
        [
            {"lead_id": "a1", "email": "Ann@X.com ", "created_at": "2024-01-01"},
            {"lead_id": "a2", "email": "ann@x.com", "created_at": "2024-02-01"},
            {"lead_id": "b", "email": "bob@x.com"},
            {"lead_id": "n1", "email": ""},
            {"lead_id": "n2", "email": ""},
            {"lead_id": "n3"},
        ],
    )
    duplicates = quality.duplicate_leads(conn)
    assert list(duplicates["lead_id"]) == ["a1", "a2"]
    assert set(duplicates["email_key"]) == {"ann@x.com"}
    assert set(duplicates["leads_sharing_email"]) == {2}


def test_orphan_references_finds_one_of_each_kind_and_ignores_empty_references(conn):
    insert(conn, "accounts", [{"account_id": "acc"}])
    insert(
        conn,
        "leads",
        [
            {"lead_id": "ok", "account_id": "acc"},
            {"lead_id": "no_account_lead", "account_id": "gone_acc"},
            {"lead_id": "unlinked"},
        ],
    )
    insert(
        conn,
        "activities",
        [
            {"activity_id": "act_ok", "lead_id": "ok"},
            {"activity_id": "act_orphan", "lead_id": "gone_lead"},
            {"activity_id": "act_none"},
        ],
    )
    insert(
        conn,
        "opportunities",
        [
            {"opportunity_id": "opp_ok", "account_id": "acc", "lead_id": "ok"},
            {"opportunity_id": "opp_no_account", "account_id": "gone_acc2", "lead_id": "ok"},
            {"opportunity_id": "opp_no_lead", "account_id": "acc", "lead_id": "gone_lead2"},
        ],
    )
    orphans = quality.orphan_references(conn)
    assert orphans[["kind", "record_id", "missing_id"]].values.tolist() == [
        ["activity_lead", "act_orphan", "gone_lead"],
        ["lead_account", "no_account_lead", "gone_acc"],
        ["opportunity_account", "opp_no_account", "gone_acc2"],
        ["opportunity_lead", "opp_no_lead", "gone_lead2"],
    ]
    assert orphans["label"].notna().all()


def summary_fixture(conn: duckdb.DuckDBPyConnection) -> None:
    insert(
        conn,
        "accounts",
        [
            {
                "account_id": "A1",
                "industry": "Software",
                "annual_revenue_usd": 2e9,
                "employees": 5000,
                "country": "US",
            }
        ],
    )
    insert(
        conn,
        "leads",
        [
            {
                "lead_id": "L1",
                "account_id": "A1",
                "email": "l1@a.com",
                "email_bounced": True,
                "sql_at": "2024-06-01",
                "updated_at": "2024-06-30",
            },
            {
                "lead_id": "L2",
                "email": "l2@b.com",
                "industry": "Retail",
                "employees": 20,
                "email_bounced": False,
                "updated_at": "2024-01-01",
            },
        ],
    )
    insert(
        conn,
        "opportunities",
        [
            {
                "opportunity_id": "O1",
                "account_id": "A1",
                "lead_id": "L1",
                "is_closed": False,
                "amount_usd": 100_000,
            },
            {"opportunity_id": "O2", "account_id": "A9", "is_closed": False, "amount_usd": 5_000},
            {
                "opportunity_id": "O3",
                "account_id": "A1",
                "lead_id": "L1",
                "is_closed": True,
                "is_won": True,
                "amount_usd": 1_000_000,
            },
        ],
    )


def test_quality_summary_puts_the_issue_touching_most_open_pipeline_first(conn):
    summary_fixture(conn)
    summary = quality.quality_summary(conn)
    assert list(summary["key"]) == [
        "bounced_leads",
        "orphan_references",
        "stale_leads",
        "leads_missing_firmographics",
        "accounts_missing_firmographics",
        "duplicate_leads",
        "future_dated",
    ]
    assert list(summary["priority"]) == [1, 2, 3, 4, 5, 6, 7]
    assert list(summary["open_pipeline_touched_usd"][:3]) == [100_000, 5_000, 0]


@pytest.mark.parametrize(
    ("key", "records", "checked", "above"),
    [
        ("bounced_leads", 1, 2, True),
        ("orphan_references", 1, 6, True),  # 1 lead->account, 3 opp->account, 2 opp->lead checked
        ("stale_leads", 1, 1, True),
        ("duplicate_leads", 0, 2, False),
    ],
)
def test_quality_summary_counts_records_against_what_was_checked(
    conn, key, records, checked, above
):
    summary_fixture(conn)
    row = quality.quality_summary(conn).set_index("key").loc[key]
    assert (row["records"], row["checked"], row["above_threshold"]) == (records, checked, above)
    assert row["share"] == records / checked


def test_issue_records_are_the_stale_leads_and_the_standing_issues(conn):
    summary_fixture(conn)
    records = quality.issue_records(conn)
    standing = quality.standing_issue_records(conn)
    assert set(records) == {"stale_leads", *standing} and "stale_leads" not in standing
    assert all(records[key].equals(frame) for key, frame in standing.items())


def test_quality_summary_counts_the_records_it_is_given_instead_of_querying_again(conn):
    summary_fixture(conn)
    records = quality.issue_records(conn) | {
        "bounced_leads": pd.DataFrame({"lead_id": pd.Series([], dtype=object)})
    }
    given = quality.quality_summary(conn, records=records).set_index("key")
    queried = quality.quality_summary(conn).set_index("key")
    bounced = (given.loc["bounced_leads", "records"], queried.loc["bounced_leads", "records"])
    assert bounced == (0, 1)
    assert given.loc["stale_leads", "records"] == queried.loc["stale_leads", "records"] == 1


def test_dates_after_the_export_are_listed_and_never_move_the_as_of_moment(conn):
    insert(
        conn,
        "leads",
        [
            {"lead_id": "L1", "created_at": "2024-01-01", "updated_at": "2024-06-30"},
            {"lead_id": "L2", "created_at": "2024-02-01", "mql_at": "2031-01-01"},  # a typo
        ],
    )
    insert(
        conn,
        "activities",
        [
            {"activity_id": "past", "lead_id": "L1", "occurred_at": "2024-06-29"},
            {"activity_id": "meeting", "lead_id": "L1", "occurred_at": "2024-07-15"},  # booked
        ],
    )
    insert(
        conn,
        "opportunities",
        [
            # closed on the export's day: not in the future; open with a later expected close: fine
            {"opportunity_id": "O1", "is_closed": True, "close_date": "2024-06-30"},
            {"opportunity_id": "O2", "is_closed": False, "close_date": "2025-01-01"},
            {
                "opportunity_id": "O3",
                "lead_id": "L1",
                "is_closed": True,
                "close_date": "2062-07-02",
            },
        ],
    )
    # the export's moment: L1's edit; a meeting booked ahead and dates past today never move it
    assert quality._as_of(conn, None) == AS_OF
    found = quality.future_dated(conn)
    assert found[["record_type", "record_id", "field"]].values.tolist() == [
        ["activity", "meeting", "occurred_at"],
        ["lead", "L2", "mql_at"],
        ["opportunity", "O3", "close_date"],
    ]
    row = quality.quality_summary(conn).set_index("key").loc["future_dated"]
    assert (row["records"], row["checked"]) == (3, 2 + 2 + 2)  # leads, activities, closed deals


def test_a_close_or_funnel_date_after_every_edit_is_the_exports_moment_not_a_future_date(conn):
    # an export with no edit dates: its last close says when it was taken
    insert(conn, "leads", [{"lead_id": "L1", "created_at": "2024-01-01", "mql_at": "2024-02-01"}])
    insert(
        conn,
        "opportunities",
        [{"opportunity_id": "O1", "is_closed": True, "close_date": "2024-05-01"}],
    )
    assert quality._as_of(conn, None) == pd.Timestamp("2024-05-01")
    assert quality.future_dated(conn).empty
