"""Activity: who imported, restored, published and downloaded what, when, with the counts."""

import streamlit as st

import ui
from lib.present import activity as activity_view
from lib.present.text import literal
from lib.store.activity import activity_log
from lib.store.state import state as workspace_state

ctx = ui.sidebar()
st.title("Activity")
st.caption(
    "Every import, data restore, model publish or restore and download of lead-level records, "
    "newest first, under the identity that did it: the signed-in person, or the operating-system "
    "user of the command line or of the app without sign-in. Times are UTC."
)
with workspace_state(ui.workspace()) as stored:
    log = activity_view.log_in_words(activity_log(stored))
left, right = st.columns(2)
actions = left.multiselect(
    "Actions", sorted(log["Action"].unique()), key="activity_actions", placeholder="All actions"
)
people = right.multiselect(
    "Who", sorted(log["Who"].unique()), key="activity_people", placeholder="Everyone"
)
shown = activity_view.filtered_log(log, actions, people)
st.caption(f"{len(shown):,} of {len(log):,} actions")
ui.table(shown)

if ui.may(ctx.actor, "see_settings"):
    with st.expander("Access settings"):
        rules = ui.access_rules()
        if rules is None:
            st.caption("Sign-in is not set up: everyone who reaches the app may do everything.")
        else:
            st.caption(literal(activity_view.rules_source(rules, ui.access_file())))
            ui.table(activity_view.rules_in_words(rules))
            ui.table(activity_view.permissions_in_words(rules))
