"""Ten sessions move the Scoring lab's sliders at once: no error, and each sees its own numbers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from streamlit.testing.v1 import AppTest

from lib.evaluate.backtest import backtest, outcomes_from_features
from lib.features import history_features
from lib.model import with_thresholds
from lib.scoring import feature_matrix
from lib.store.connection import connect
from lib.store.model_versions import published_model

SESSIONS = 10


def leads_reaching_sql(threshold: float) -> str:
    """One session: open the lab, move the enterprise SQL threshold, read the SQL count."""
    at = AppTest.from_file("../../app.py", default_timeout=300)
    at.switch_page("pages/scoring_lab.py").run()
    at.slider(key="lab_sql_threshold").set_value(threshold).run()
    assert not at.exception, at.exception
    return next(m.value for m in at.metric if m.label == "Leads reaching SQL")


def test_ten_sessions_moving_sliders_at_once_each_see_their_own_back_test(app_db):
    thresholds = [60.0 + i for i in range(SESSIONS)]
    with ThreadPoolExecutor(SESSIONS) as pool:
        seen = list(pool.map(leads_reaching_sql, thresholds))
    conn = connect(app_db)
    model = published_model(conn)
    frame = history_features(conn, model=model)
    matrix, outcomes = feature_matrix(frame), outcomes_from_features(frame)
    expected = []
    for threshold in thresholds:
        edited = with_thresholds(model, "enterprise", 50, threshold)
        summary = backtest(matrix, outcomes, model, edited).summary.set_index("metric")
        expected.append(f"{summary.loc['sql_leads', 'edited']:,.0f}")
    assert seen == expected
    assert len(set(seen)) > 1  # the thresholds really lead to different numbers
