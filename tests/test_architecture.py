"""The core stays free of the UI toolkit, and SQL stays in named files."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB_MODULES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for p in (ROOT / "lib").rglob("*.py")
)


def test_lib_never_imports_streamlit() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in LIB_MODULES)
        + "print('streamlit' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_lib_sources_do_not_mention_streamlit() -> None:
    offenders = [p.name for p in (ROOT / "lib").rglob("*.py") if "streamlit" in p.read_text()]
    assert offenders == []


def test_every_sql_file_says_what_one_row_is() -> None:
    missing = [
        p.name
        for p in (ROOT / "lib" / "sql").rglob("*.sql")
        if not p.read_text().lstrip().startswith("--")
    ]
    assert missing == []


# what changes the workspace or takes lead-level records out of it: only lib.actions may call
# these, after checking the actor (the pages, ui and the CLI call lib.actions instead)
WRITERS = {
    "stage_import",
    "stage_feature_file",
    "apply_import",
    "import_data",
    "restore_dataset",
    "publish_model",
    "restore_version",
    "restore",
    "publish_recalibrated",
    "record_download",
    "csv_text",
}


def test_pages_ui_and_the_cli_change_things_only_through_lib_actions() -> None:
    offenders = []
    for path in [*sorted((ROOT / "pages").glob("*.py")), ROOT / "ui.py", ROOT / "lib" / "cli.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module != "lib":
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name in WRITERS]
            if isinstance(node, ast.Attribute) and node.attr in WRITERS:
                if not (isinstance(node.value, ast.Name) and node.value.id == "actions"):
                    offenders.append(f"{path.name}: {ast.unparse(node)}")
    assert offenders == []
