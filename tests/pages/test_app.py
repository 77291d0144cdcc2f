"""The entry script's guard: a page that fails shows a short message and logs its traceback;
Streamlit's own control flow (rerun, stop) passes through it."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import ui
from lib.errors import WorkspaceBusy

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def overview_failing_with(exc: BaseException | None, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """Run the app's default page (Overview) through app.py with ui.kpis raising exc."""

    def kpis(*args: object) -> None:
        if exc is None:
            st.stop()
        raise exc

    monkeypatch.setattr(ui, "kpis", kpis)
    return AppTest.from_file(APP, default_timeout=120).run()


def test_an_unexpected_error_shows_what_to_do_and_logs_the_traceback_under_a_reference(
    app_db, monkeypatch, caplog
):
    with caplog.at_level(logging.ERROR, logger="qualify"):
        at = overview_failing_with(ZeroDivisionError("division by zero"), monkeypatch)
    assert not at.exception
    [error] = at.error
    found = re.search(r"\*\*([0-9a-f]{8})\*\*", error.value)
    assert found and error.value.startswith(
        "The Overview page could not be drawn (ZeroDivisionError). Reload the page"
    )
    [record] = caplog.records
    assert found.group(1) in record.getMessage()
    assert record.exc_info and record.exc_info[0] is ZeroDivisionError
    assert [m.label for m in at.sidebar.multiselect] == ["Segments", "Channels"]


def test_a_refusal_a_person_can_act_on_shows_its_own_message(app_db, monkeypatch, caplog):
    busy = WorkspaceBusy("Another process holds the workspace; try again in a minute.")
    at = overview_failing_with(busy, monkeypatch)
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Another process holds the workspace; try again in a minute\\."
    ]
    assert not caplog.records


def test_st_stop_inside_a_page_passes_the_guard(app_db, monkeypatch):
    at = overview_failing_with(None, monkeypatch)
    assert not at.exception and not at.error
    assert [m.label for m in at.sidebar.multiselect] == ["Segments", "Channels"]


def test_the_backstop_keeps_exception_details_out_of_the_browser():
    from streamlit import config

    config.get_config_options(force_reparse=True)
    assert config.get_option("client.showErrorDetails") == "none"
