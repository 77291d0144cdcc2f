"""The core stays free of the UI toolkit, and SQL stays in named files."""

from __future__ import annotations

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
