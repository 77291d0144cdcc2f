"""Small CRM exports built in code, shared by tests (the bundled sample is in conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from data.generate import generate, write_zip


def small_salesforce_export(folder: Path, *, leads: int = 400, seed: int = 11) -> Path:
    """Write a seeded Salesforce-shaped export zip (accounts, leads, tasks, deals) into folder."""
    path = folder / f"small_export_{seed}.zip"
    write_zip(generate(leads, leads * 10, max(leads // 4, 10), seed), path)
    return path


PLANTED = {
    "image": "![pixel](https://evil.example/p.png)",
    "link": "[click](https://evil.example)",
    "html": "<img src=https://evil.example/p.png>",
    "formula": '=HYPERLINK("https://evil.example","x")',
}


def planted_export(folder: Path, *, leads: int = 400, seed: int = 13) -> Path:
    """Write a small export whose lead sources, companies and deal names carry Markdown, HTML
    and spreadsheet formulas, as a hostile or careless CRM user might type them."""
    frames = generate(leads, leads * 10, max(leads // 4, 10), seed)
    lead, opportunity, account = frames["Lead"], frames["Opportunity"], frames["Account"]
    sources = list(PLANTED.values())
    lead["LeadSource"] = [sources[i % len(sources)] for i in range(len(lead))]
    opportunity["LeadSource"] = [sources[i % len(sources)] for i in range(len(opportunity))]
    lead["Company"] = PLANTED["formula"]
    account["Name"] = PLANTED["link"]
    opportunity["Name"] = PLANTED["html"]
    path = folder / "planted_export.zip"
    write_zip(frames, path)
    return path


def unescaped(markdown: str) -> str:
    """Return Markdown source as a reader sees it: backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def insert(conn: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows into a canonical table by column name: a column left out, or NaN, is NULL."""
    frame = pd.DataFrame(rows)
    conn.register("incoming", frame.astype(object).where(frame.notna(), None))
    conn.execute(f"insert into {table} by name select * from incoming")
    conn.unregister("incoming")


def attribute_export(folder: Path, *, leads: int = 600, seed: int = 17) -> Path:
    """Write a seeded Salesforce-shaped export whose leads carry two custom fields the format
    keeps as attributes: Tier__c (Gold, Silver, Bronze or blank, in turn) and Visits__c (0-16)."""
    frames = generate(leads, leads * 10, max(leads // 4, 10), seed)
    lead = frames["Lead"]
    lead["Tier__c"] = [("Gold", "Silver", "Bronze", "")[i % 4] for i in range(len(lead))]
    lead["Visits__c"] = [str(i % 17) for i in range(len(lead))]
    path = folder / f"attribute_export_{seed}.zip"
    write_zip(frames, path)
    return path


X_EDUCATION = Path(__file__).parent / "data" / "x_education_leads" / "Leads.zip"
X_EDUCATION_MAPPING = Path(__file__).parent.parent / "data" / "mappings" / "x_education_leads.yaml"


def x_education_subset(folder: Path, *, leads: int = 1200, seed: int = 3) -> Path:
    """Write a zip of the real X Education leads file cut to `leads` rows drawn at random
    within converted and not (the whole file's 38.5% converted kept), its text as found."""
    import zipfile

    import numpy as np

    with zipfile.ZipFile(X_EDUCATION) as archive:
        lines = archive.read("Leads.csv").decode("utf-8").splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    converted_at = header.split(",").index("Converted")
    rng = np.random.default_rng(seed)
    picked: list[int] = []
    for flag in ("1", "0"):
        group = [i for i, row in enumerate(rows) if row.split(",")[converted_at] == flag]
        picked += rng.choice(group, round(leads * len(group) / len(rows)), replace=False).tolist()
    path = folder / "Leads.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("Leads.csv", header + "".join(rows[i] for i in sorted(picked)))
    return path
