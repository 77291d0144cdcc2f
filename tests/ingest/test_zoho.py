"""Zoho CRM module exports (Accounts, Deals, Leads, Contacts), recognised from their headers."""

from __future__ import annotations

from datetime import date

import pytest

from lib.ingest import import_sources
from lib.store.connection import connect
from tests.ingest.test_mapping import rows, write_csv

ACCOUNTS = [
    ["Record Id", "Account Owner", "Account Name", "Industry", "Employees", "Annual Revenue",
     "Billing Country", "Created Time"],
    ["zcrm_1", "Ana", "Acme", "Manufacturing", "5000", "2000000000", "Germany",
     "2023-05-01 10:00:00"],
    ["zcrm_2", "Ben", "Bolt", "Retail", "40", "5000000", "France", "2023-06-01 09:30:00"],
]  # fmt: skip
DEALS = [
    ["Record Id", "Deal Owner", "Deal Name", "Account Name", "Amount", "Stage", "Closing Date",
     "Lead Source", "Created Time", "Contact Name"],
    ["zcrm_10", "Ana", "Acme renewal", "Acme", "12000", "Closed Won", "2024-03-01",
     "Web Download", "2024-01-10 09:00:00", "Eva Muller"],
    ["zcrm_11", "Ben", "Bolt pilot", "Bolt", "3000", "Closed-Lost to Competition", "2024-03-20",
     "Cold Call", "2024-02-01 09:00:00", ""],
    ["zcrm_12", "Ana", "Acme expansion", "Acme", "8000", "Proposal/Price Quote", "2024-09-30",
     "Partner", "2024-05-01 09:00:00", ""],
]  # fmt: skip
LEADS = [
    ["Record Id", "Lead Owner", "Company", "First Name", "Last Name", "Email", "Lead Source",
     "Lead Status", "No. of Employees", "Created Time"],
    ["zcrm_20", "Ana", "Cogs", "Carl", "Weber", "carl@cogs.example", "Web Download", "Contacted",
     "300", "2024-02-01 08:00:00"],
]  # fmt: skip
CONTACTS = [
    ["Record Id", "Contact Owner", "First Name", "Last Name", "Account Name", "Email",
     "Lead Source", "Created Time"],
    ["zcrm_30", "Ana", "Eva", "Muller", "Acme", "eva@acme.example", "Web Download",
     "2024-01-05 08:00:00"],
]  # fmt: skip


@pytest.fixture
def zoho(tmp_path):
    for name, table in (("Accounts", ACCOUNTS), ("Deals", DEALS), ("Leads", LEADS),
                        ("Contacts", CONTACTS)):  # fmt: skip
        write_csv(tmp_path / f"{name}_001.csv", table)
    conn = connect(":memory:")
    return conn, import_sources(conn, [tmp_path])


def test_a_zoho_export_is_recognised_and_each_module_feeds_its_table(zoho):
    _, report = zoho
    assert report.source_format == "zoho"
    assert report.rows == {"accounts": 2, "leads": 2, "activities": 0, "opportunities": 3}
    assert sorted((f, t) for f, t, _ in report.files) == [
        ("Accounts_001.csv", "accounts"),
        ("Contacts_001.csv", "leads"),
        ("Deals_001.csv", "opportunities"),
        ("Leads_001.csv", "leads"),
    ]


def test_zoho_stages_say_won_and_lost_and_a_win_rate_follows(zoho):
    conn, _ = zoho
    assert rows(
        conn,
        "select opportunity_id, is_won, is_closed, close_date, owner from opportunities order by 1",
    ) == [
        ("zcrm_10", True, True, date(2024, 3, 1), "Ana"),
        ("zcrm_11", False, True, date(2024, 3, 20), "Ben"),
        ("zcrm_12", False, False, date(2024, 9, 30), "Ana"),
    ]
    won, closed = rows(conn, "select count(*) filter (is_won), count(*) filter (is_closed) "
                             "from opportunities")[0]  # fmt: skip
    assert won / closed == 0.5


def test_deals_and_contacts_find_their_account_by_name(zoho):
    conn, _ = zoho
    assert rows(conn, "select lead_id, account_id, employees from leads order by 1") == [
        ("zcrm_20", None, 300),
        ("zcrm_30", "Acme", None),
    ]
    assert rows(
        conn,
        "select a.employees, a.annual_revenue_usd from opportunities o "
        "join accounts a using (account_id) where o.opportunity_id = 'zcrm_11'",
    ) == [(40, 5_000_000.0)]
