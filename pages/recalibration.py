"""Recalibration: re-fit weights on closed deals, validate on the newest ones, export or publish."""

import streamlit as st

import ui
from lib import actions
from lib.errors import AccessDenied, RecalibrationError, VersionConflict
from lib.evaluate.attribute_fit import attribute_words
from lib.evaluate.design import MIN_CLOSED_DEALS
from lib.present import charts
from lib.present import recalibration as recal_view
from lib.present.text import literal

ctx = ui.sidebar()
ui.needs_crm_tables(ctx, "Recalibration")
model = ctx.model
st.title("Recalibration")
st.caption(
    "Re-fits the published model's pillar weights, points per event and rules on lead "
    "attributes on closed-won and closed-lost deals (or, in a leads-only export, the leads' "
    "converted flag), each lead as it looked when it was routed. The sidebar "
    "filters do not apply: the fit uses every closed deal."
)
left, middle, right = st.columns([1, 1, 1], vertical_alignment="bottom")
min_deals = left.number_input(
    "Minimum leads with a closed deal to trust the fit",
    20,
    100_000,
    MIN_CLOSED_DEALS,
    step=50,
    key="recal_min_deals",
    persist_state="session",  # kept when the person leaves the page and comes back
)
test_share = middle.slider(
    "Newest share held out for validation",
    0.1,
    0.5,
    0.25,
    0.05,
    key="recal_test_share",
    persist_state="session",  # kept when the person leaves the page and comes back
    format="percent",
)
if right.button("Re-fit weights from history", key="recal_run", type="primary"):
    st.session_state["recal_requested"] = True
if not st.session_state.get("recal_requested"):
    st.info("Press **Re-fit weights from history** to fit on the closed deals.")
    st.stop()
# drawn below, once the fit has flagged them; read here so the fit keeps what was chosen
keep = tuple(st.session_state.get("recal_keep_attributes", ()))
try:
    result = ui.recalibration(
        ctx.conn, ctx.data_version, model, int(min_deals), float(test_share), keep
    )
except RecalibrationError as exc:
    st.error(literal(exc))
    st.stop()

st.metric("Leads with a closed deal to learn from", f"{result.leads_with_outcome:,}")
st.caption(literal(recal_view.counts_caption(result)))
st.caption(literal(recal_view.period_caption(result)))
st.caption(literal(recal_view.penalty_caption(result)))
for note in recal_view.fit_notes(result):
    st.caption(f"⚠ {literal(note)}")

st.subheader("Validation on the held-out period")
for column, row in zip(st.columns(3), recal_view.auc_table(result).to_dict("records"), strict=True):
    column.metric(
        f"ROC AUC, {row['model'].lower()}",
        f"{row['auc']:.3f}",
        help="Chance a won deal scores above a lost one; 0.5 is a coin toss.",
    )
    column.caption(
        f"95% interval {row['low']:.3f}–{row['high']:.3f} (DeLong), "
        f"{result.test_size:,} held-out deals"
    )
st.markdown(f"**{literal(recal_view.auc_verdict(result))}**")
left, right = st.columns(2)
left.plotly_chart(charts.lift_by_decile_chart(recal_view.lift_frame(result)), theme="streamlit")
right.plotly_chart(
    charts.calibration_chart(recal_view.calibration_frame(result)), theme="streamlit"
)

st.subheader("What it would do to routing")
# at least 1: in a leads-only export without activities no lead reaches MQL today
current_mqls = max(int(result.routing.set_index("model")["reached_mql"].to_dict()["current"]), 1)
left, right = st.columns([1, 2], vertical_alignment="bottom")
volume = left.number_input(
    "MQLs to keep on history", 1, 10_000_000, current_mqls, step=50, key="recal_mql_volume"
)
if right.checkbox("Re-fit the MQL and SQL thresholds to keep this many MQLs", key="recal_keep"):
    result = ui.recalibration_for_volume(
        ctx.conn, ctx.data_version, model, int(min_deals), float(test_share), int(volume), keep
    )
ui.table(
    recal_view.routing_in_words(result),
    key="recal_routing",
    column_config={
        "Median score": st.column_config.NumberColumn("Median", help="Median qualification score")
    },
)
st.caption(
    "Every lead scored as it looked when it was routed, under each model. Reached MQL counts "
    "MQL, SAL and SQL; the SQL win rate is won ÷ closed among the leads a model puts at SQL. "
    "The recalibrated model's score scale is fitted so its scores spread as today's do; "
    "re-fitted thresholds keep each segment's share of MQLs and today's share of SQLs."
)

st.subheader("Which signals predict, and by how much")
for sentence in result.findings:
    st.markdown(f"- {literal(sentence)}")
ui.table(
    recal_view.coefficients_in_words(result),
    key="recal_signals",
    column_config={  # short headers, the full words on hover: fits a 1440-pixel window
        "Training leads with it": st.column_config.NumberColumn(
            "Leads with it", format="localized", help="Training leads with the signal"
        ),
        "Odds ratio per SD, all else fixed": st.column_config.NumberColumn(
            "Odds ratio, adjusted", help="Odds ratio per SD of the signal, all else fixed"
        ),
        "Odds ratio per SD, in total": st.column_config.NumberColumn(
            "Odds ratio, in total", help="Odds ratio per SD of the signal, in total"
        ),
        "Recalibrated points per event": st.column_config.TextColumn(
            "Points per event", help="Recalibrated points per event"
        ),
    },
)

st.subheader("Rules on lead attributes")
st.caption(literal(recal_view.attributes_caption(result)))
if result.encoding.attributes:
    ui.table(recal_view.attribute_rules_in_words(result), key="recal_attribute_rules")
for line in recal_view.left_out_attributes(result):
    st.markdown(f"- {literal(line)}")
flagged = recal_view.flagged_attributes(result)
if flagged:
    st.multiselect(
        "Keep these attributes flagged as likely leakage (only if known before the outcome)",
        flagged,
        format_func=attribute_words,
        key="recal_keep_attributes",
    )

st.subheader("Weights: current against recalibrated")
ui.table(recal_view.weights_in_words(result), key="recal_weights")

st.subheader("Export or publish")
warning = recal_view.trust_warning(result)
if warning:
    st.warning(literal(warning), icon="⚠️")
force = warning is not None and st.checkbox(
    "Use it anyway: I accept a model that is not trusted, for the reasons above",
    key="recal_force",
)
allowed = warning is None or force
files = recal_view.model_files(result, force) if allowed else recal_view.NO_FILES
stamp = f"qualify_model_v{model.version + 1}_recalibrated"
for column, (kind, mime) in zip(
    st.columns(3),
    (("yaml", "application/yaml"), ("json", "application/json"), ("csv", "text/csv")),
    strict=True,
):
    label = "Weights CSV" if kind == "csv" else f"Model {kind.upper()}"
    column.download_button(
        label,
        files[kind],
        disabled=not allowed,
        mime=mime,
        file_name=f"{stamp}{'_weights' if kind == 'csv' else ''}.{kind}",
        key=f"recal_download_{kind}",
    )
if not ui.may(ctx.actor, "publish_model"):
    ui.not_offered(ctx.actor, "publish_model")
    st.stop()
if ctx.actor.signed_in:  # the identity is recorded; the name stays a note, filled in
    st.session_state.setdefault("recal_author", ctx.actor.display_name or ctx.actor.name)
author = st.text_input("Your name (recorded with the version)", key="recal_author")
if st.button("Publish as new version", key="recal_publish", disabled=not (allowed and author)):
    try:
        stored = actions.publish_recalibrated(
            ctx.actor, ui.workspace(), result, author, force=force
        )
    except (VersionConflict, AccessDenied) as exc:
        st.error(literal(exc))
    else:
        ui.saw_model_version(stored.version)
        st.session_state["recal_published"] = stored.version
        st.rerun()
if "recal_published" in st.session_state:
    st.success(
        f"Published as version {st.session_state['recal_published']}: every page now "
        "scores with it."
    )
