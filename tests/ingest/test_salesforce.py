"""Salesforce exports: the real workshop org export and tiny hand-made ones with known answers."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from lib.ingest import ImportReport, import_sources
from lib.store.connection import connect

WORKSHOP = Path(__file__).resolve().parents[1] / "data" / "salesforce_workshop"
ACCOUNTS = [
    [
        "Id",
        "Name",
        "Industry",
        "AnnualRevenue",
        "NumberOfEmployees",
        "BillingCountry",
        "CreatedDate",
    ],
    ["A1", "Acme", "Software", "2000000000", "5000", "US", "2024-01-02T09:00:00.000+0000"],
    ["A2", "Bolt", "Retail", "60000000", "300", "DE", "2024-01-03T09:00:00.000+0000"],
]
LEADS = [
    [
        "Id",
        "FirstName",
        "LastName",
        "Email",
        "Company",
        "LeadSource",
        "IsConverted",
        "ConvertedAccountId",
        "ConvertedOpportunityId",
        "CreatedDate",
    ],
    [
        "L1",
        "Ann",
        "Lee",
        "ann@acme.com",
        "Acme",
        "Web",
        "true",
        "A1",
        "O1",
        "2024-01-22T16:14:25.000+0000",
    ],
    [
        "L2",
        "Bob",
        "Ray",
        "bob@bolt.de",
        "Bolt",
        "Referral",
        "false",
        "",
        "",
        "2024-01-23T10:00:00.000+0200",
    ],
]
TASKS = [
    ["Id", "WhoId", "Subject", "ActivityDate", "CreatedDate", "AccountId"],
    ["T1", "L1", "Pricing page visit", "2024-01-25", "2024-01-25T10:00:00.000+0000", ""],
    ["T2", "L1", "Demo request", "2024-01-26", "2024-01-26T10:00:00.000+0000", ""],
    ["T3", "L2", "Lunch with the CFO", "2024-01-27", "2024-01-27T10:00:00.000+0000", ""],
]
OPPORTUNITY_HEADER = [
    "Id",
    "AccountId",
    "Name",
    "StageName",
    "Amount",
    "CloseDate",
    "IsClosed",
    "IsWon",
    "LeadSource",
    "CreatedDate",
]
# (Id, StageName, IsClosed, IsWon) as each vintage of export writes the flags
FLAGS = {
    "true_false": [
        ("O1", "Closed Won", "true", "true"),
        ("O2", "Closed Lost", "true", "false"),
        ("O3", "Negotiation", "false", "false"),
    ],
    "one_blank": [
        ("O1", "Closed Won", "1", "1"),
        ("O2", "Closed Lost", "1", ""),
        ("O3", "Negotiation", "", ""),
    ],
    "all_blank": [
        ("O1", "Closed Won", "", ""),
        ("O2", "Closed Lost", "", ""),
        ("O3", "Negotiation", "", ""),
    ],
}
ACCOUNT_OF = {"O1": "A1", "O2": "A2", "O3": "A2"}


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """Write rows as a comma-separated UTF-8 file and return its path."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def tiny_export(folder: Path, flags: str = "true_false") -> Path:
    """Write a four-file Salesforce export whose opportunities write IsClosed/IsWon as `flags`."""
    folder.mkdir(exist_ok=True)
    opportunities = [OPPORTUNITY_HEADER] + [
        [
            oid,
            ACCOUNT_OF[oid],
            f"Deal {oid}",
            stage,
            "1000",
            "2024-03-01",
            closed,
            won,
            "Web",
            "2024-02-01T10:00:00.000+0000",
        ]
        for oid, stage, closed, won in FLAGS[flags]
    ]
    for name, rows in [
        ("Account.csv", ACCOUNTS),
        ("Lead.csv", LEADS),
        ("Task.csv", TASKS),
        ("Opportunity.csv", opportunities),
    ]:
        write_csv(folder / name, rows)
    return folder


def imported(folder: Path) -> tuple[duckdb.DuckDBPyConnection, ImportReport]:
    conn = connect(":memory:")
    return conn, import_sources(conn, [folder])


def rows(conn: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


@pytest.mark.parametrize("flags", sorted(FLAGS))
def test_closed_and_won_come_out_the_same_whichever_way_the_flags_are_written(tmp_path, flags):
    conn, report = imported(tiny_export(tmp_path / "export", flags))
    assert report.source_format == "salesforce"
    assert rows(conn, "select opportunity_id, is_closed, is_won from opportunities order by 1") == [
        ("O1", True, True),
        ("O2", True, False),
        ("O3", False, False),
    ]


def test_datetimes_are_stored_in_utc_and_close_dates_as_dates(tmp_path):
    conn, _ = imported(tiny_export(tmp_path / "export"))
    assert rows(conn, "select lead_id, created_at from leads order by 1") == [
        ("L1", datetime(2024, 1, 22, 16, 14, 25)),
        ("L2", datetime(2024, 1, 23, 8, 0)),
    ]
    assert rows(conn, "select distinct close_date from opportunities") == [(date(2024, 3, 1),)]


def test_task_subjects_are_typed_by_their_prefix_and_unknown_ones_are_other(tmp_path):
    conn, _ = imported(tiny_export(tmp_path / "export"))
    assert rows(conn, "select activity_id, activity_type, subject from activities order by 1") == [
        ("T1", "pricing_page_view", "Pricing page visit"),
        ("T2", "demo_request", "Demo request"),
        ("T3", "other", "Lunch with the CFO"),
    ]


def test_activities_take_the_account_of_their_lead_when_the_task_has_none(tmp_path):
    conn, _ = imported(tiny_export(tmp_path / "export"))
    assert rows(conn, "select activity_id, account_id from activities order by 1") == [
        ("T1", "A1"),
        ("T2", "A1"),
        ("T3", None),
    ]


def test_the_converted_opportunity_on_a_lead_links_the_opportunity_to_that_lead(tmp_path):
    conn, _ = imported(tiny_export(tmp_path / "export"))
    assert rows(conn, "select opportunity_id, lead_id from opportunities order by 1") == [
        ("O1", "L1"),
        ("O2", None),
        ("O3", None),
    ]


def test_blank_flags_are_explained_as_taken_from_the_stage(tmp_path):
    _, report = imported(tiny_export(tmp_path / "export", "all_blank"))
    assert any("IsWon is blank in every row" in w for w in report.warnings)


@pytest.fixture(scope="module")
def workshop() -> tuple[duckdb.DuckDBPyConnection, ImportReport]:
    conn = connect(":memory:")
    return conn, import_sources(conn, [WORKSHOP])


def test_the_workshop_export_imports_every_table(workshop):
    _, report = workshop
    assert report.rows == {"accounts": 22, "leads": 162, "activities": 75, "opportunities": 50}
    assert sorted(f for f in report.files if f[1] == "leads") == [
        ("Contact.csv", "leads", 102),
        ("Lead.csv", "leads", 60),
    ]


def test_the_workshop_export_has_twelve_won_and_three_lost_from_one_or_blank_flags(workshop):
    conn, _ = workshop
    assert rows(
        conn,
        "select count(*) filter (where is_won), "
        "count(*) filter (where is_closed and not is_won) from opportunities",
    ) == [(12, 3)]


def test_the_workshop_export_warns_of_backdated_opportunities_and_missing_mql_dates(workshop):
    _, report = workshop
    assert any("19 created after their close date" in w for w in report.warnings)
    assert any("no MQL dates" in w for w in report.warnings)


def test_the_byte_order_mark_does_not_stick_to_the_first_header_or_value(workshop):
    conn, _ = workshop
    assert rows(conn, "select count(*) from accounts where account_id like '001%'") == [(22,)]
    assert rows(conn, "select count(*) from accounts where account_id like '\ufeff%'") == [(0,)]


# --- Export All, activity dates, bounces, partial exports, core headers ----------------------


def test_deleted_rows_of_an_export_all_are_left_out_and_counted(tmp_path):
    folder = tiny_export(tmp_path / "export")
    opportunities = [OPPORTUNITY_HEADER + ["IsDeleted"]] + [
        [oid, ACCOUNT_OF[oid], f"Deal {oid}", stage, "1000", "2024-03-01", closed, won, "Web",
         "2024-02-01T10:00:00.000+0000", deleted]
        for (oid, stage, closed, won), deleted in zip(
            FLAGS["true_false"], ["0", "1", "false"], strict=True
        )
    ]  # fmt: skip
    write_csv(folder / "Opportunity.csv", opportunities)
    conn, report = imported(folder)
    assert rows(conn, "select opportunity_id from opportunities order by 1") == [("O1",), ("O3",)]
    assert "Opportunity.csv: 1 deleted records (IsDeleted) left out" in report.warnings
    assert next(s.deleted for s in report.sources if s.table == "opportunities") == 1


def test_tasks_are_dated_by_their_activity_date_not_the_load_time(tmp_path):
    folder = tiny_export(tmp_path / "export")
    tasks = [list(r) for r in TASKS]
    for r in tasks[1:]:
        r[4] = "2025-01-01T00:00:00.000+0000"  # a Data Loader insert: all loaded at once
    write_csv(folder / "Task.csv", tasks)
    conn, _ = imported(folder)
    assert rows(conn, "select activity_id, occurred_at from activities order by 1") == [
        ("T1", datetime(2024, 1, 25)),
        ("T2", datetime(2024, 1, 26)),
        ("T3", datetime(2024, 1, 27)),
    ]


def test_events_are_dated_by_their_activity_date_time(tmp_path):
    folder = tiny_export(tmp_path / "export")
    write_csv(
        folder / "Event.csv",
        [
            ["Id", "WhoId", "Subject", "StartDateTime", "EndDateTime", "ActivityDateTime",
             "ActivityDate", "CreatedDate"],
            ["E1", "L1", "Meeting", "2024-02-01T15:00:00.000+0000", "2024-02-01T16:00:00.000+0000",
             "2024-02-01T15:00:00.000+0000", "2024-02-01", "2025-01-01T00:00:00.000+0000"],
        ],
    )  # fmt: skip
    conn, report = imported(folder)
    assert ("Event.csv", "activities", 1) in report.files
    assert rows(
        conn, "select activity_type, occurred_at from activities where activity_id = 'E1'"
    ) == [("meeting", datetime(2024, 2, 1, 15, 0))]


def test_the_date_an_email_bounced_is_kept_beside_the_flag(tmp_path):
    folder = tiny_export(tmp_path / "export")
    leads = [LEADS[0] + ["EmailBouncedDate"], LEADS[1] + ["2024-02-10T08:00:00.000+0000"]]
    leads.append(LEADS[2] + [""])
    write_csv(folder / "Lead.csv", leads)
    conn, _ = imported(folder)
    assert rows(conn, "select lead_id, email_bounced, email_bounced_at from leads order by 1") == [
        ("L1", True, datetime(2024, 2, 10, 8, 0)),
        ("L2", False, None),
    ]


def test_an_export_of_opportunities_and_accounts_only_loads_and_says_contacts_were_not_exported(
    tmp_path,
):
    folder = tmp_path / "partial"
    folder.mkdir()
    write_csv(folder / "Account.csv", ACCOUNTS)
    header = ["Id", "AccountId", "ContactId", "StageName", "CloseDate", "Amount"]
    write_csv(
        folder / "Opportunity.csv",
        [header, ["O1", "A1", "003A", "Closed Won", "2024-03-01", "10"],
         ["O2", "A2", "003B", "Closed Lost", "2024-03-02", "20"]],
    )  # fmt: skip
    conn, report = imported(folder)
    assert report.rows["opportunities"] == 2
    assert any(
        "2 of 2 opportunities name leads (ContactId), but leads were not exported" in w
        for w in report.warnings
    )


def test_an_account_file_is_recognised_by_its_core_headers_without_optional_ones(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    write_csv(folder / "Account.csv", [["Id", "Name", "Industry"], ["A1", "Acme", "Software"]])
    _, report = imported(folder)
    assert report.files == [("Account.csv", "accounts", 1)]


def test_a_campaign_file_beside_the_export_is_not_mistaken_for_accounts(workshop):
    _, report = workshop
    assert not any(f[0] == "Campaign.csv" for f in report.files)
