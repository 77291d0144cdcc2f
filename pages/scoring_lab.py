"""Scoring lab: edit a copy of the published model, back-test it on history, publish or restore."""

import time

import streamlit as st

import ui
from lib.errors import ModelError
from lib.evaluate.backtest import backtest
from lib.model import model_diff
from lib.model.segments import segment_labels
from lib.present import charts
from lib.present import scoring_lab as lab_view
from lib.scoring import score_arrays
from lib.store.model_versions import publish_model, restore_version

filters, model = ui.sidebar()
st.title("Scoring lab")
state = st.session_state


def load_widgets() -> None:
    """Show the edited copy's numbers for the chosen segment (after a switch or a reset)."""
    state.update(lab_view.widget_values(state["lab_model"], state["lab_segment"]))


def reset() -> None:
    state["lab_model"] = ui.current_model()
    load_widgets()


if state.get("lab_base") != (model.version, model.created_at):  # first visit, or published
    state["lab_base"], state["lab_model"] = (model.version, model.created_at), model
    state.setdefault("lab_segment", model.segments[0].name)
    load_widgets()
for key, value in lab_view.widget_values(state["lab_model"], state["lab_segment"]).items():
    state.setdefault(key, value)  # widgets not drawn on another page lose their state

controls, results = st.columns([1, 2], gap="large")
with controls:
    labels = segment_labels(model.segments)
    segment = st.selectbox(
        "Segment to edit",
        list(model.policies),
        key="lab_segment",
        format_func=labels.get,
        on_change=load_widgets,
    )
    st.markdown("**Pillar weights**")
    for pillar, key in lab_view.WEIGHT_KEYS.items():
        st.slider(pillar.capitalize(), 0.0, 1.0, step=0.01, key=key)
    st.slider("MQL threshold", 0.0, 100.0, step=1.0, key=lab_view.MQL)
    st.slider("SQL threshold", 0.0, 100.0, step=1.0, key=lab_view.SQL)
    with st.expander("Behaviour points per event (each type keeps its cap)"):
        for activity in state["lab_model"].activity_points():
            st.slider(
                lab_view.activity_words(activity),
                -50.0,
                50.0,
                step=0.5,
                key=lab_view.points_key(activity),
            )
    with st.expander("Grade points"):
        for field, key in lab_view.GRADE_KEYS.items():
            st.slider(lab_view.GRADE_WORDS[field], -50.0, 50.0, step=1.0, key=key)
    st.slider("Decay half-life (days)", 1.0, 180.0, step=1.0, key=lab_view.HALF_LIFE)
    st.button("Reset to published", key="lab_reset", on_click=reset)
    values = {key: state[key] for key in lab_view.widget_values(model, segment)}
    try:
        state["lab_model"] = lab_view.edited_model(state["lab_model"], segment, values)
    except ModelError as exc:
        st.error(f"Not applied: {exc}")
    edited = state["lab_model"]
    weights = edited.policies[segment].pillar_weights
    st.caption(
        "Weights are renormalised to sum to 1: "
        + ", ".join(f"{p} {getattr(weights, p):.0%}" for p in lab_view.WEIGHT_KEYS)
    )

with results:
    features, baseline = ui.history_frame(), ui.history_baseline()
    started = time.perf_counter()
    bt = backtest(ui.history_matrix(), ui.history_outcomes(), model, edited, baseline=baseline)
    after = score_arrays(ui.history_matrix(), edited)
    st.caption(
        lab_view.timing_caption(len(features), time.perf_counter() - started)
        + " Edited model against the published one, every lead as it was when routed."
    )
    for row in range(2):
        for column, card in zip(
            st.columns(3), lab_view.metric_cards(bt)[row * 3 : row * 3 + 3], strict=True
        ):
            column.metric(card.label, card.value, card.delta)
            column.caption(card.caption)
    st.caption("Leads changing stage: " + lab_view.transitions_in_words(bt))
    bands, mix, changed, publish, history = st.tabs(
        ["Score bands", "Qualified mix", "Leads that change stage", "Publish", "History"]
    )
    bands.plotly_chart(
        charts.backtest_bands_chart(lab_view.bands_with_intervals(bt, edited)), theme="streamlit"
    )
    mix.dataframe(
        lab_view.mix_in_words(bt, edited),
        hide_index=True,
        column_config={
            c: st.column_config.NumberColumn(format="percent")
            for c in ("Share of SQL leads, published", "Share of SQL leads, edited")
        },
    )
    shown = lab_view.changed_within(bt, features, filters)
    changed.caption(
        f"{len(shown):,} of the {len(bt.changed):,} stage changes with the largest "
        "score change, within the sidebar's segments and channels."
    )
    changed.dataframe(
        lab_view.changed_in_words(shown, features, baseline, after, edited), hide_index=True
    )

with publish:
    diff = lab_view.diff_in_words(model_diff(model, edited), edited)
    st.markdown("\n".join(f"- {line}" for line in diff) or "No change from the published model.")
    author = st.text_input("Your name", key="lab_author")
    note = st.text_input("Why (recorded with the version)", key="lab_note")
    if st.button(
        f"Publish as version {model.version + 1}",
        key="lab_publish",
        type="primary",
        disabled=not (diff and author),
    ):
        stored = publish_model(ui.conn(), edited, author, note)
        state["lab_notice"] = f"Published version {stored.version}."
        st.rerun()

with history:
    versions = lab_view.version_changes(ui.conn(), ui.model_versions())
    if not versions:
        st.info("Nothing published yet: the app scores with the default model.")
    for entry in versions:
        with st.expander(entry.title, expanded=entry is versions[0]):
            st.markdown("\n".join(f"- {line}" for line in entry.changes) or "No change.")
            if st.button(
                f"Restore version {entry.version}",
                key=f"lab_restore_{entry.version}",
                disabled=entry.version == model.version,
            ):
                restore_version(
                    ui.conn(),
                    entry.version,
                    state.get("lab_author") or "Scoring lab",
                    f"Restored version {entry.version}",
                )
                state["lab_notice"] = f"Restored version {entry.version} as the newest."
                st.rerun()
if "lab_notice" in state:
    st.toast(state.pop("lab_notice"))
