"""The state file is opened briefly, waits for another process, and tells when it cannot."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

import lib.store.state as state_module
from lib.errors import WorkspaceBusy
from lib.model import default_model
from lib.store.connection import PROJECT_ROOT
from lib.store.model_versions import publish_model
from lib.store.state import Versions, Workspace, current_versions, state
from lib.store.workspace import open_workspace

HOLDER = """
import duckdb, sys, time
conn = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
conn.close()
"""


def hold_state(file: Path, seconds: float) -> subprocess.Popen:
    """Start a process that keeps the state file open for a while; return once it holds it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(file), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def test_a_state_held_too_long_is_reported_busy_naming_the_process(tmp_path):
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    holder = hold_state(workspace.state_file, 30)
    try:
        started = time.monotonic()
        with pytest.raises(WorkspaceBusy, match=rf"busy: process {holder.pid} has held it"):
            with state(Workspace(workspace.state_file, wait_seconds=0.5)):
                pass
        assert time.monotonic() - started >= 0.5
    finally:
        holder.kill()
        holder.wait()


QUALIFY_HOLDER = """
import sys, time
from pathlib import Path
from lib.store.state import Workspace, state
with state(Workspace(Path(sys.argv[1]))):
    print("holding", flush=True)
    time.sleep(30)
"""


def test_a_qualify_process_in_the_middle_of_a_write_is_waited_for_then_reported(tmp_path):
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    holder = subprocess.Popen(
        [sys.executable, "-c", QUALIFY_HOLDER, str(workspace.state_file)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with pytest.raises(WorkspaceBusy, match="busy: another process has held it for 0.5 s"):
            with state(Workspace(workspace.state_file, wait_seconds=0.5)):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_a_short_hold_by_another_process_is_waited_out(tmp_path):
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    holder = hold_state(workspace.state_file, 0.5)
    with state(workspace) as conn:
        assert conn.execute("select count(*) from model_versions").fetchall() == [(0,)]
    holder.wait()


PUBLISHER = """
import sys
from pathlib import Path
from lib.model import default_model
from lib.store.model_versions import publish_model
from lib.store.state import Workspace, state
with state(Workspace(Path(sys.argv[1]))) as conn:
    publish_model(conn, default_model(), "cron", "nightly", based_on=0)
"""


def test_current_versions_sees_a_publish_made_by_another_process(tmp_path):
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    assert current_versions(workspace) == Versions(None, 0)
    subprocess.run(
        [sys.executable, "-c", PUBLISHER, str(workspace.state_file)], cwd=PROJECT_ROOT, check=True
    )
    assert current_versions(workspace) == Versions(None, 1)


def test_current_versions_opens_the_state_only_when_it_changed(tmp_path, monkeypatch):
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    opened = []
    connect = state_module._connect_waiting
    monkeypatch.setattr(
        state_module, "_connect_waiting", lambda *a: opened.append(1) or connect(*a)
    )
    for _ in range(3):
        assert current_versions(workspace) == Versions(None, 0)
    with state(workspace) as conn:  # a read changes nothing on disk
        conn.execute("select count(*) from datasets").fetchall()
    assert current_versions(workspace) == Versions(None, 0)
    assert len(opened) == 2  # the first call, and the read
    with state(workspace) as conn:
        publish_model(conn, default_model(), "Ana", "first", based_on=0)
    assert current_versions(workspace) == Versions(None, 1)
