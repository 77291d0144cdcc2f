"""Count the queries one Overview render issues: the first run, a rerun and a slider move.

    python bench/overview_queries.py

Renders pages/overview.py with Streamlit's AppTest on a fresh copy of the bundled sample and
counts run_query calls by query name. Measured before -> after the staging layer, with the
cached KPI bundle: first run 43 -> 36 (no segment-frame queries, data_as_of 7 -> 3), rerun and
slider move 4 -> 4 (bookkeeping only). Without the bundle (one commit earlier): each rerun
25 -> 22, KPI-layer queries (kpi/* and staging/data_as_of) 16 -> 14.
"""

from __future__ import annotations

import collections
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

import lib.store.connection as connection  # noqa: E402
from lib.store.imports import import_sample  # noqa: E402
from lib.store.workspace import open_workspace  # noqa: E402

CALLS: collections.Counter[str] = collections.Counter()


def counting(run: Callable[..., Any]) -> Callable[..., Any]:
    """Return run_query that also counts each call by query name."""

    def counted(conn: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        CALLS[name] += 1
        return run(conn, name, *args, **kwargs)

    return counted


def patch_everywhere() -> None:
    """Replace run_query in every loaded module that imported it by name."""
    original = connection.run_query
    patched = counting(original)
    for module in list(sys.modules.values()):
        if getattr(module, "run_query", None) is original:
            module.run_query = patched  # type: ignore[attr-defined]


def report(label: str) -> None:
    """Print the calls counted since the last report, then forget them."""
    print(f"{label}: {sum(CALLS.values())} queries {dict(sorted(CALLS.items()))}")
    CALLS.clear()


def main() -> None:
    db = Path(tempfile.mkdtemp(prefix="qualify-overview-")) / "app.duckdb"
    import_sample(open_workspace(db))
    os.environ[connection.DB_ENV_VAR] = str(db)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at = at.switch_page("pages/overview.py")
    import ui  # noqa: F401  (loads every module the page uses, so all are patched)

    patch_everywhere()
    at.run()
    report("first run")
    at.run()
    report("rerun")
    at.slider(key="target_enterprise").set_value(50).run()
    report("slider move")


if __name__ == "__main__":
    main()
