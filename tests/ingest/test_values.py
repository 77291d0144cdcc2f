"""Dates and numbers read per column from their values, or refused naming the column."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest

from lib.errors import ImportRefused
from lib.ingest import ImportOptions, import_sources
from lib.store.connection import connect

MAPPING = """\
name: Deals sheet
stages: {won: [Won], lost: [Lost], open: [Open]}
tables:
  opportunities:
    file: deals*.csv
    columns:
      opportunity_id: id
      stage: stage
      created_at: created
      close_date: closes
      amount_usd: amount
"""


def deals(folder: Path, rows: list[list[str]], *, delimiter: str = ",", encoding="utf-8") -> Path:
    """Write deals.csv (id, stage, created, closes, amount) and the mapping; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\n")
    writer.writerows([["id", "stage", "created", "closes", "amount"], *rows])
    (folder / "deals.csv").write_bytes(text.getvalue().encode(encoding))
    (folder / "map.yaml").write_text(MAPPING, encoding="utf-8")
    return folder


def read(folder: Path, sql: str, **options: str) -> list[tuple]:
    conn = connect(":memory:")
    import_sources(
        conn,
        [folder / "deals.csv"],
        mapping=folder / "map.yaml",
        options=ImportOptions(**options),  # type: ignore[arg-type]
    )
    return conn.execute(sql).fetchall()


def refusal(folder: Path, **options: str) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        read(folder, "select 1", **options)
    return caught.value


CREATED = [
    ("iso_with_seconds", "2024-01-22 16:14:25", datetime(2024, 1, 22, 16, 14, 25)),
    ("iso_without_seconds", "2024-01-22T16:14", datetime(2024, 1, 22, 16, 14)),
    ("iso_with_offset", "2024-01-22T16:14:25.000+0200", datetime(2024, 1, 22, 14, 14, 25)),
    ("iso_with_zone_name", "2024-01-22 16:14:25 Europe/Berlin", datetime(2024, 1, 22, 15, 14, 25)),
    ("month_first_am_pm", "1/22/2024 4:14 PM", datetime(2024, 1, 22, 16, 14)),
    ("day_first", "22/01/2024", datetime(2024, 1, 22)),
    ("day_first_dotted_with_time", "22.01.2024 16:14", datetime(2024, 1, 22, 16, 14)),
]


@pytest.mark.parametrize(("case", "text", "expected"), CREATED, ids=[c[0] for c in CREATED])
def test_a_date_column_is_read_in_the_format_its_values_share(tmp_path, case, text, expected):
    folder = deals(tmp_path, [["1", "Won", text, "2024-03-01", "10"]])
    assert read(folder, "select created_at from opportunities") == [(expected,)]


def test_a_date_only_column_beside_a_date_time_column_reads_each_its_own_way(tmp_path):
    folder = deals(tmp_path, [["1", "Won", "1/22/2024 4:14 PM", "3/13/2024", "10"]])
    assert read(folder, "select created_at, close_date from opportunities") == [
        (datetime(2024, 1, 22, 16, 14), date(2024, 3, 13))
    ]


def test_a_column_both_day_first_and_month_first_read_is_refused_naming_it(tmp_path):
    folder = deals(tmp_path, [["1", "Won", "2024-01-01", "3/2/2024", "10"]])
    error = refusal(folder)
    assert (error.file, error.column) == ("deals.csv", "closes")
    assert "--date-order" in str(error) and "date_order" in str(error)


@pytest.mark.parametrize(
    ("order", "expected"), [("mdy", date(2024, 3, 2)), ("dmy", date(2024, 2, 3))]
)
def test_the_date_order_setting_settles_an_ambiguous_column(tmp_path, order, expected):
    folder = deals(tmp_path, [["1", "Won", "2024-01-01", "3/2/2024", "10"]])
    assert read(folder, "select close_date from opportunities", date_order=order) == [(expected,)]


def test_one_later_day_settles_the_order_of_the_whole_column(tmp_path):
    folder = deals(
        tmp_path,
        [["1", "Won", "2024-01-01", "3/2/2024", "1"], ["2", "Won", "2024-01-01", "3/20/2024", "1"]],
    )
    assert read(folder, "select close_date from opportunities order by 1") == [
        (date(2024, 3, 2),),
        (date(2024, 3, 20),),
    ]


AMOUNTS = [
    ("dollar_sign_and_commas", "$12,400.00", 12400.0),
    ("leading_code", "USD 12,400.00", 12400.0),
    ("trailing_euro_decimal_comma", "12.400,00 €", 12400.0),
    ("space_thousands", "12 400,50", 12400.5),
    ("no_break_space_thousands", "12\u00a0400,50", 12400.5),
    ("apostrophe_thousands", "12'400.50", 12400.5),
    ("plain_decimal_comma", "12,5", 12.5),
    ("plain", "12400", 12400.0),
]


@pytest.mark.parametrize(("case", "text", "expected"), AMOUNTS, ids=[c[0] for c in AMOUNTS])
def test_an_amount_is_read_with_its_symbols_and_separators(tmp_path, case, text, expected):
    folder = deals(tmp_path, [["1", "Won", "2024-01-01", "2024-03-01", text]])
    assert read(folder, "select amount_usd from opportunities") == [(expected,)]


def test_a_column_of_numbers_that_read_two_ways_is_refused_naming_it(tmp_path):
    folder = deals(tmp_path, [["1", "Won", "2024-01-01", "2024-03-01", "12,400"]])
    error = refusal(folder)
    assert (error.file, error.column) == ("deals.csv", "amount")
    assert "--decimal" in str(error)


@pytest.mark.parametrize(("mark", "expected"), [(".", 12400.0), (",", 12.4)])
def test_the_decimal_setting_settles_an_ambiguous_column(tmp_path, mark, expected):
    folder = deals(tmp_path, [["1", "Won", "2024-01-01", "2024-03-01", "12,400"]])
    assert read(folder, "select amount_usd from opportunities", decimal=mark) == [(expected,)]


def test_a_column_mixing_both_decimal_marks_is_refused(tmp_path):
    folder = deals(
        tmp_path,
        [
            ["1", "Won", "2024-01-01", "2024-03-01", "1,234.50"],
            ["2", "Won", "2024-01-01", "2024-03-01", "1.234,50"],
        ],
    )
    error = refusal(folder)
    assert error.column == "amount" and "both as 1,234.5 and 1.234,5" in str(error)


def test_what_excel_writes_in_a_german_locale_reads_right(tmp_path):
    folder = deals(
        tmp_path,
        [
            ["1", "Won", "14.02.2023 09:12", "28.02.2023", "12.400,00"],
            ["2", "Lost", "15.02.2023 10:00", "01.03.2023", "950,5"],
        ],
        delimiter=";",
        encoding="cp1252",
    )
    assert read(
        folder, "select created_at, close_date, amount_usd from opportunities order by 3"
    ) == [
        (datetime(2023, 2, 15, 10, 0), date(2023, 3, 1), 950.5),
        (datetime(2023, 2, 14, 9, 12), date(2023, 2, 28), 12400.0),
    ]


def test_an_unreadable_value_is_refused_with_its_row(tmp_path):
    folder = deals(
        tmp_path,
        [["1", "Won", "2024-01-01", "2024-03-01", "10"], ["2", "Won", "soon", "2024-03-01", "1"]],
    )
    error = refusal(folder)
    assert (error.row, error.column) == (3, "created") and "cannot read 'soon' as a date" in str(
        error
    )
