"""Small CRM exports built in code, shared by tests (the bundled sample is in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from data.generate import generate, write_zip


def small_salesforce_export(folder: Path, *, leads: int = 400, seed: int = 11) -> Path:
    """Write a seeded Salesforce-shaped export zip (accounts, leads, tasks, deals) into folder."""
    path = folder / f"small_export_{seed}.zip"
    write_zip(generate(leads, leads * 10, max(leads // 4, 10), seed), path)
    return path
