"""Every CSV Qualify writes reads back cell for cell with a strict parser, with no live formula."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from lib.present.csv_file import FORMULA_STARTS, csv_text, write_csv

NASTY = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","click")',
    "  =1+1",  # after leading spaces
    "\t=1+1",
    "\r=1+1",  # a carriage return must neither start a row nor a formula
    "@SUM(A1:A9)",
    "+1",
    "-2+3",
    'Acme "Holdings"\r\nLtd',
    "line one\nline two",
    "José Müller",
    "Acme = best",
]


def read_back(text: str) -> list[list[str]]:
    """Parse CSV text as a spreadsheet would, refusing anything malformed."""
    return list(csv.reader(io.StringIO(text, newline=""), strict=True))


def live_formula(cell: str) -> bool:
    """Return True when a spreadsheet would evaluate the cell (leading blanks ignored)."""
    return cell.lstrip(" \u00a0\n").startswith(FORMULA_STARTS)


def test_every_text_cell_reads_back_whole_and_inert():
    frame = pd.DataFrame({"company": NASTY, "amount_usd": range(len(NASTY))})
    rows = read_back(csv_text(frame))
    assert rows[0] == ["company", "amount_usd"]
    assert len(rows) == len(NASTY) + 1  # no value split a row
    companies = [r[0] for r in rows[1:]]
    assert not any(live_formula(c) for c in companies)
    assert [c.removeprefix("'") if live_formula(c[1:]) else c for c in companies] == NASTY


@pytest.mark.parametrize("value", [-5, -0.5, 3.25])
def test_numbers_stay_numbers(value):
    rows = read_back(csv_text(pd.DataFrame({"amount_usd": [value]})))
    assert float(rows[1][0]) == value


def test_rows_end_with_crlf_and_line_breaks_inside_values_are_quoted():
    text = csv_text(pd.DataFrame({"note": ["a\rb", "c\nd"]}))
    assert text == 'note\r\n"a\rb"\r\n"c\nd"\r\n'


def test_written_file_is_utf8_and_counts_its_rows(tmp_path):
    path = tmp_path / "out.csv"
    assert write_csv(pd.DataFrame({"name": ["José", "=1"]}), path) == 2
    assert read_back(path.read_text(encoding="utf-8"))[1:] == [["José"], ["'=1"]]


def test_the_app_and_cli_write_csv_only_through_this_module():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("lib/**/*.py"), *root.glob("pages/*.py"), root / "ui.py"]
    offenders = [
        str(p.relative_to(root))
        for p in sources
        if ".to_csv(" in p.read_text() and p.name != "csv_file.py"
    ]
    assert offenders == []
