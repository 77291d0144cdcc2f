"""Publishing states the version it started from; a publish that came second is refused."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from lib.errors import VersionConflict
from lib.model import default_model, with_half_life
from lib.store.connection import PROJECT_ROOT
from lib.store.model_versions import model_history, publish_model, published_model, restore_version
from lib.store.state import Workspace, state
from lib.store.workspace import open_workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return open_workspace(tmp_path / "qualify.duckdb")


def publish(workspace: Workspace, days: float, author: str, based_on: int) -> int:
    with state(workspace) as conn:
        model = with_half_life(default_model(), days)
        return publish_model(conn, model, author, f"{days} days", based_on=based_on).version


def test_two_sessions_publishing_from_one_version_the_later_is_refused(workspace):
    assert publish(workspace, 20, "Ana", based_on=0) == 1
    # Ana and Ben both read "Publish as version 2"; Ana clicks first
    assert publish(workspace, 14, "Ana", based_on=1) == 2
    with pytest.raises(VersionConflict, match=r"you started from version 1, but version 2 by Ana"):
        publish(workspace, 60, "Ben", based_on=1)
    with state(workspace) as conn:
        assert model_history(conn)["version"].tolist() == [1, 2]
        assert published_model(conn).half_life_days == 14  # Ana's edit was not reverted


def test_a_publish_records_who_why_and_the_version_it_was_based_on(workspace):
    with state(workspace) as conn:
        publish_model(conn, default_model(), "Ana", "baseline", based_on=0, identity="ana@x.io")
        row = model_history(conn).iloc[0]
    assert (row["author"], row["note"], row["identity"]) == ("Ana", "baseline", "ana@x.io")
    assert row["based_on"] == 0 and pd.isna(row["restored_from"])


def test_a_restore_is_a_publish_refused_when_another_came_first(workspace):
    publish(workspace, 20, "Ana", based_on=0)
    publish(workspace, 14, "Ana", based_on=1)
    with state(workspace) as conn:
        with pytest.raises(VersionConflict):
            restore_version(conn, 1, "Ben", "back", based_on=1)
        restored = restore_version(conn, 1, "Ben", "back to 20 days", based_on=2)
        last = model_history(conn).iloc[-1]
    assert restored.version == 3 and restored.half_life_days == 20
    assert (last["author"], last["restored_from"], last["based_on"]) == ("Ben", 1, 2)


def test_sessions_publishing_at_once_in_one_process_store_exactly_one(workspace):
    outcomes: list[str] = []

    def session(days: float) -> None:
        try:
            publish(workspace, days, f"session {days}", based_on=0)
            outcomes.append("published")
        except VersionConflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=session, args=(float(d),)) for d in range(10, 18)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["published"] + ["refused"] * 7
    with state(workspace) as conn:
        assert model_history(conn)["version"].tolist() == [1]


CHILD = """
import sys, time
from lib.errors import VersionConflict
from lib.model import default_model
from lib.store.model_versions import publish_model
from lib.store.state import Workspace, state
from pathlib import Path
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
try:
    with state(Workspace(Path(sys.argv[1]))) as conn:
        publish_model(conn, default_model(), sys.argv[3], "race", based_on=0)
    print("published")
except VersionConflict:
    print("refused")
"""


def test_processes_publishing_at_once_store_exactly_one(workspace):
    start = str(time.time() + 4)  # every child is running by then
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(workspace.state_file), start, f"process {i}"],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    outcomes = sorted(child.communicate(timeout=120)[0].strip() for child in children)
    with state(workspace) as conn:
        history = model_history(conn)
    assert outcomes == ["published", "refused", "refused"], history
    assert history["version"].tolist() == [1]
