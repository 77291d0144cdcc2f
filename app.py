"""Qualify: lead qualification and segmentation studio. Run with `streamlit run app.py`.

Navigation is `st.navigation` over the scripts in pages/; each page draws the shared sidebar
itself through `ui.sidebar()`, so a page run alone (as AppTest.switch_page does when a pages/
folder exists) shows the same sidebar and filters as in the app. When sign-in is set up
(.streamlit/secrets.toml) and nobody with a role is signed in, the only page is the sign-in page.
An exception a page does not handle becomes a short message on the page and a traceback in the
server log.
"""

import streamlit as st

# Streamlit's control flow (st.rerun, st.stop, st.switch_page) raises these; they pass the guard
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

import ui

st.set_page_config(page_title="Qualify", page_icon=":material/filter_alt:", layout="wide")

PAGES = {
    "Pipeline": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page(
            "pages/quarterly_review.py", title="Quarterly review", icon=":material/calendar_month:"
        ),
        st.Page("pages/leads.py", title="Leads", icon=":material/group:"),
    ],
    "Model": [
        st.Page("pages/scoring_lab.py", title="Scoring lab", icon=":material/tune:"),
        st.Page("pages/recalibration.py", title="Recalibration", icon=":material/model_training:"),
    ],
    "Data": [
        st.Page("pages/data_quality.py", title="Data quality", icon=":material/fact_check:"),
        st.Page("pages/data.py", title="Import data", icon=":material/upload_file:"),
        st.Page("pages/activity.py", title="Activity", icon=":material/history:"),
    ],
}

if ui.may_enter():
    page = st.navigation(PAGES)
else:
    sign_in = st.Page(ui.sign_in_page, title="Sign in", icon=":material/login:", url_path="sign-in")
    page = st.navigation([sign_in], position="hidden")
try:
    page.run()
except ScriptControlException:
    raise
except Exception as exc:  # a page that fails says what to do; its traceback goes to the log
    ui.page_failed(page.title, exc)
