"""The one Streamlit internal Qualify relies on (see ui.route_through_app_navigation): if an
upgrade removes or changes it, these fail loudly instead of the app silently showing a
file-name menu on bookmarked pages."""

from __future__ import annotations

import inspect

from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner


def test_streamlit_still_has_the_pages_directory_flag_the_app_clears():
    assert "uses_pages_directory" in vars(PagesManager)


def test_streamlit_still_runs_v1_pages_alone_while_the_flag_is_set():
    source = inspect.getsource(script_runner.ScriptRunner._run_script)
    assert "if PagesManager.uses_pages_directory:" in source
    assert "_mpa_v1(self._main_script_path)" in source
