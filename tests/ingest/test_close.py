"""Close opportunities exports: amounts in cents, status types for won and closed."""

from __future__ import annotations

from datetime import date

from lib.ingest import import_sources
from lib.store.connection import connect
from tests.ingest.test_mapping import rows, write_csv

HEADER = ["id", "lead_id", "lead_name", "status_label", "status_type", "value", "value_period",
          "value_currency", "confidence", "date_created", "date_won", "user_name"]  # fmt: skip
OPPORTUNITIES = [
    HEADER,
    ["oppo_1", "lead_A", "Acme", "Won", "won", "1250000", "one_time", "USD", "100",
     "2024-01-10T09:00:00+00:00", "2024-03-01", "Ana"],
    ["oppo_2", "lead_B", "Bolt", "Lost", "lost", "300000", "one_time", "USD", "0",
     "2024-02-01T09:00:00+00:00", "2024-03-20", "Ben"],
    ["oppo_3", "lead_A", "Acme", "Demo Completed", "active", "500000", "one_time", "USD", "50",
     "2024-05-01T09:00:00+00:00", "2024-09-30", "Ana"],
]  # fmt: skip


def test_a_close_export_is_read_with_amounts_in_dollars_not_cents(tmp_path):
    write_csv(tmp_path / "opportunities.csv", OPPORTUNITIES)
    conn = connect(":memory:")
    report = import_sources(conn, [tmp_path / "opportunities.csv"])
    assert (report.source_format, report.currency) == ("close", "USD")
    assert rows(
        conn,
        "select opportunity_id, account_id, stage, is_won, is_closed, close_date, amount_usd, "
        "owner from opportunities order by 1",
    ) == [
        ("oppo_1", "lead_A", "Won", True, True, date(2024, 3, 1), 12500.0, "Ana"),
        ("oppo_2", "lead_B", "Lost", False, True, date(2024, 3, 20), 3000.0, "Ben"),
        ("oppo_3", "lead_A", "Demo Completed", False, False, date(2024, 9, 30), 5000.0, "Ana"),
    ]
    # Close's leads (the companies) were not exported: the links are kept, and said so
    assert any("accounts were not exported" in w for w in report.warnings)


def test_a_recurring_value_is_read_annualized_where_the_export_has_it(tmp_path):
    monthly = [
        [*HEADER, "annualized_value"],
        [*OPPORTUNITIES[1], "1250000"],
        ["oppo_4", "lead_C", "Cogs", "Won", "won", "100000", "monthly", "USD", "100",
         "2024-01-12T09:00:00+00:00", "2024-02-01", "Ana", "1200000"],
    ]  # fmt: skip
    write_csv(tmp_path / "opportunities.csv", monthly)
    conn = connect(":memory:")
    import_sources(conn, [tmp_path / "opportunities.csv"])
    assert rows(conn, "select opportunity_id, amount_usd from opportunities order by 1") == [
        ("oppo_1", 12500.0),
        ("oppo_4", 12000.0),
    ]
