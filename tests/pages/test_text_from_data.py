"""Text from the data is shown as text on every page: no Markdown link, image or HTML renders."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from lib.model import default_model
from lib.store.imports import import_data
from lib.store.model_versions import publish_model
from lib.store.state import state
from lib.store.workspace import open_workspace
from tests.fixtures import PLANTED, planted_export

PAGES = ("overview", "quarterly_review", "leads", "scoring_lab", "data_quality", "data")
# a Markdown link/image or an HTML tag that was not escaped
LIVE = re.compile(r"(?<!\\)\]\((?!\))|(?<!\\)!\[|(?<!\\)<(?=[a-zA-Z/])")


def rendered_markdown(at: AppTest) -> list[str]:
    """Return every text Streamlit renders as Markdown on the page (main area and sidebar)."""
    texts = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "error", "success")
        for e in getattr(at, kind)
    ]
    texts += [e.label for e in at.expander] + [m.label for m in at.metric]
    return [t for t in texts if isinstance(t, str)]


@pytest.mark.parametrize("name", PAGES)
def test_planted_markdown_and_html_in_crm_values_render_as_text(app_db, tmp_path, name):
    workspace = open_workspace(app_db)
    import_data(workspace, [planted_export(tmp_path)], replace=True)
    with state(workspace) as conn:
        publish_model(conn, default_model(), PLANTED["image"], PLANTED["link"], based_on=0)
    at = AppTest.from_file("../../app.py", default_timeout=180)
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, at.exception
    texts = rendered_markdown(at)
    assert texts
    assert [t for t in texts if LIVE.search(t)] == []
    if name == "scoring_lab":  # the publish note and author are in the history's titles
        assert any("evil" in t for t in texts)
