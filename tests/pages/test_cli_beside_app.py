"""The CLI runs beside the app on one workspace (a nightly cron), and the app follows it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lib.store.connection import PROJECT_ROOT
from tests.store.exports import salesforce_export

APP = str(PROJECT_ROOT / "app.py")


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one command in its own process, as a scheduled job would."""
    return subprocess.run(
        [sys.executable, "-m", "lib.cli", *args, "--db", str(db)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_command_runs_while_the_app_serves_the_workspace_and_the_app_follows(
    app_db, tmp_path
):
    app = AppTest.from_file(APP, default_timeout=180)
    app.switch_page("pages/overview.py").run()  # the app now holds the data open
    assert "Bundled sample export" in app.sidebar.caption[0].value
    kpis = cli(app_db, "kpis", "--json")
    assert kpis.returncode == 0, kpis.stderr
    assert json.loads(kpis.stdout)["overall"]["won"] > 0
    score = cli(app_db, "score", "--out", str(tmp_path / "scores.csv"))
    assert score.returncode == 0, score.stderr
    recalibrated = cli(app_db, "recalibrate", "--out", str(tmp_path / "model.yaml"))
    assert recalibrated.returncode == 0, recalibrated.stderr
    published = cli(app_db, "publish", str(tmp_path / "model.yaml"), "--based-on", "0")
    assert published.returncode == 0, published.stderr
    export = salesforce_export(tmp_path / "nightly", tag="nightly")
    imported = cli(app_db, "import", str(export), "--replace", "--author", "cron")
    assert imported.returncode == 0, imported.stderr
    app.run()  # the next run of the open session shows the new data and model
    assert not app.exception
    assert app.sidebar.caption[0].value.startswith("salesforce export, imported")
    assert app.sidebar.caption[1].value == "Published version 1"
