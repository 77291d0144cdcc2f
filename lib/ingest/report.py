"""The import report: per file, the table it fed and the column read for each canonical field.

Also the words for what an export's absent columns cost: a HubSpot saved view holds only the
view's columns, and the person should learn which KPIs that leaves unmeasured.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from lib.ingest.staging import Staged

# (table, canonical field) -> what cannot be measured from a file without it
FIELD_COSTS: dict[tuple[str, str], str] = {
    ("leads", "sql_at"): "MQL->SQL conversion",
    ("leads", "first_meeting_at"): "speed to first meeting and SLA compliance",
    ("leads", "created_at"): "lead ages and the period filter",
    ("leads", "channel"): "conversion by channel",
    ("leads", "account_id"): "segments from the company (each lead's own size is used)",
    ("accounts", "annual_revenue_usd"): "segments by revenue (employees decide)",
    ("accounts", "employees"): "segments by headcount where revenue is blank",
    ("opportunities", "amount_usd"): "pipeline mix by value, won revenue and velocity",
    ("opportunities", "created_at"): "cycle time and pipeline velocity",
    ("opportunities", "gross_margin_usd"): "profitable win rate",
    ("opportunities", "lead_id"): "conversion from lead to deal",
}


@dataclass(frozen=True)
class FileReport:
    """One file's part in an import: table fed, rows kept and left out, field -> source column.

    `optional_absent` names the fields whose sources the mapping declares optional and the file
    does not have, each with those sources.
    """

    file: str
    table: str
    rows: int
    deleted: int
    columns: tuple[tuple[str, str | None], ...]
    absent: tuple[str, ...]
    optional_absent: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def rows_for_display(self) -> list[tuple[str, str, str, str]]:
        """Return (file, table, canonical field, source column or 'none') per field."""
        return [(self.file, self.table, f, c or "none") for f, c in self.columns]

    def optional_line(self) -> str | None:
        """Return 'file: optional columns absent: field (A / B), ...', or None when none are."""
        if not self.optional_absent:
            return None
        named = "; ".join(f"{f} ({' / '.join(s)})" for f, s in self.optional_absent)
        return f"{self.file}: optional columns not in the file: {named}"


def file_report(staged: Staged) -> FileReport:
    """Return the report line of one staged file."""
    return FileReport(
        staged.file,
        staged.canonical,
        staged.rows,
        staged.deleted,
        tuple(staged.columns.items()),
        staged.absent,
        staged.optional_absent,
    )


def stage_warnings(reports: list[FileReport]) -> list[str]:
    """Return, per file, the KPIs its absent columns leave unmeasured."""
    warnings = []
    for report in reports:
        costs = [
            f"{FIELD_COSTS[(report.table, f)]} ({f})"
            for f in report.absent
            if (report.table, f) in FIELD_COSTS
        ]
        if costs:
            warnings.append(
                f"{report.file}: no column for {len(costs)} field(s), so these cannot be "
                f"measured from it: {'; '.join(costs)}"
            )
    return warnings


def unknown_stage_warning(labels: list[tuple[str, int]]) -> list[str]:
    """Return the warning naming each stage label in no list, with its count of deals."""
    if not labels:
        return []
    named = ", ".join(f"{label!r} ({count})" for label, count in labels)
    return [
        f"opportunities: stage labels in no won, lost or open list, counted as open: {named}. "
        "Say which they are with --won-stage / --lost-stage / --open-stage, or a mapping that "
        "extends the format with stages: {won: [...]}"
    ]


def segment_notes(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """Say how many records take their segment from the export instead of the model's rule."""
    notes = []
    for table in ("accounts", "leads"):
        counts = cur.execute(
            f"select segment, count(*) from _stage_{table} where segment is not null "
            "group by segment order by 2 desc, 1"
        ).fetchall()
        if counts:
            total = cur.execute(f"select count(*) from _stage_{table}").fetchall()[0][0]
            shown = ", ".join(f"{name} {count}" for name, count in counts[:8])
            notes.append(
                f"{table}: segment stated by the export for {sum(c for _, c in counts)} of "
                f"{total} ({shown}); the model's revenue and headcount rule decides the rest"
            )
    return notes
