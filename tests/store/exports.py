"""Small Salesforce-shaped exports of chosen sizes, and fingerprints of a workspace on disk."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from lib.store.schema import TABLES
from lib.store.state import Workspace, current_versions
from lib.store.workspace import open_dataset

STAGES = ("Closed Won", "Closed Lost", "Prospecting")


def salesforce_export(
    folder: Path,
    *,
    accounts: int = 3,
    leads: int = 3,
    opportunities: int = 3,
    tasks: int = 3,
    tag: str = "first",
) -> Path:
    """Write an export with n rows per file (0: the file is left out); `tag` marks the names so
    two exports of one shape hold different data."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "Account.csv": (
            ["Id", "Name", "BillingCountry", "AnnualRevenue", "NumberOfEmployees"],
            [[f"A{i}", f"{tag} company {i}", "US", "60000000", "300"] for i in range(accounts)],
        ),
        "Lead.csv": (
            ["Id", "Company", "LeadSource", "IsConverted", "ConvertedAccountId", "CreatedDate"],
            [
                [f"L{i}", f"{tag} lead {i}", "Web", "false", "", "2024-01-22T16:14:25.000+0000"]
                for i in range(leads)
            ],
        ),
        "Opportunity.csv": (
            ["Id", "AccountId", "StageName", "CloseDate", "Amount"],
            [
                [f"O{i}", f"A{i % max(accounts, 1)}", STAGES[i % 3], "2024-03-01", "1000"]
                for i in range(opportunities)
            ],
        ),
        "Task.csv": (
            ["Id", "WhoId", "Subject", "ActivityDate"],
            [[f"T{i}", f"L{i % max(leads, 1)}", "Call", "2024-01-25"] for i in range(tasks)],
        ),
    }
    for name, (header, rows) in files.items():
        if rows:
            with open(folder / name, "w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerows([header, *rows])
    return folder


def workspace_fingerprint(workspace: Workspace) -> dict[str, str]:
    """Return every file of the workspace (state, WAL, datasets, leftovers) with its hash."""
    state_file = workspace.state_file
    files = [state_file, state_file.with_name(state_file.name + ".wal")]
    files += sorted(workspace.datasets_dir.rglob("*"))
    return {
        str(f.relative_to(workspace.state_file.parent)): (
            hashlib.sha256(f.read_bytes()).hexdigest() if f.is_file() else "folder"
        )
        for f in files
        if f.exists()
    }


def current_data(workspace: Workspace) -> dict[str, list[tuple]]:
    """Return every canonical table of the current dataset, sorted, for comparing contents."""
    with open_dataset(workspace, current_versions(workspace).dataset) as conn:
        return {t: sorted(conn.execute(f"select * from {t}").fetchall(), key=repr) for t in TABLES}
