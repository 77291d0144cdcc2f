"""Quarterly review for RevOps: win rate, MQL->SQL, cycle, SLA, margin, score bands by segment."""

import streamlit as st

import ui
from lib.metrics import kpis
from lib.model import segment_labels
from lib.present import charts, needs
from lib.present import quarterly_review as review
from lib.present.numbers import HEALTHY_MQL_TO_SQL
from lib.present.text import literal

ctx = ui.sidebar()
ui.needs_crm_tables(ctx, "Quarterly review")
model, labels = ctx.model, segment_labels(ctx.model.segments)
bundle = ui.kpis(ctx.conn, ctx.data_version, model, ctx.filters)
coverage = ui.coverage(ctx.conn, ctx.data_version, model)
text = st.column_config.TextColumn(width="large")
st.title("Quarterly review")


def needs_note(kpi: str) -> None:
    """Say which data a section's KPI needs when this data has none of it."""
    missing = needs.missing_text(kpi, coverage)
    if missing:
        st.info(literal(missing), icon=":material/info:")


st.subheader("Win rate by segment and quarter")
needs_note("win_rate")
st.plotly_chart(
    charts.win_rate_trend_chart(bundle.quarters, labels),
    theme="streamlit",
)
partial = review.partial_quarters_sentence(bundle.quarters)
if partial:
    st.caption(partial)
changes = review.quarter_change_table(kpis.quarter_changes(bundle.quarters), labels)
if changes.empty:  # an empty table would read as no change
    st.caption("No two whole quarters in the chosen period to compare yet.")
else:
    ui.table(changes, key="quarter_changes")
    st.caption(
        "Latest change between two whole quarters, in percentage points, with its 95% interval "
        "(Newcombe): an interval that spans 0 is no evidence of a change."
    )

st.subheader(f"MQL→SQL conversion against the healthy {HEALTHY_MQL_TO_SQL} band")
needs_note("mql_to_sql")
if not needs.missing_text("mql_to_sql", coverage):
    st.markdown(literal(review.out_of_band_sentence(bundle.mql_by_channel)))
if bundle.mql_by_segment["mql_to_sql_measured"].all():
    st.plotly_chart(charts.mql_to_sql_heatmap(bundle.mql_cells, labels), theme="streamlit")
# one above the other: side by side, neither fits half of a 1440-pixel window
ui.table(review.mql_table(bundle.mql_by_segment, "segment", labels), key="mql_by_segment")
by = ui.breakdown_choice(ctx.conn, ctx.data_version, "quarterly_by")
broken_down = ui.breakdown(ctx.conn, ctx.data_version, model, ctx.filters, by).iloc[:-1]
ui.table(review.mql_table(broken_down, by, labels), key="mql_by_channel")

st.subheader("Sales cycle")
needs_note("cycle_time")
survival = bundle.survival
ui.table(
    review.cycle_table(bundle.cycles, survival, labels),
    key="cycle_table",
    column_config={  # short headers, the full words on hover: fits a 1440-pixel window
        "Won in the period": st.column_config.NumberColumn(
            "Won", format="localized", help="Deals won in the period"
        ),
        "Created in the period": st.column_config.NumberColumn(
            "Created", format="localized", help="Deals created in the period"
        ),
        "Won so far": st.column_config.NumberColumn(format="percent"),
    },
)
st.plotly_chart(charts.cycle_survival_chart(survival, labels), theme="streamlit")
st.caption(review.CYCLE_NOTE)

st.subheader("Speed to first meeting and SLA compliance")
needs_note("sla")
needs_note("first_meeting")
ui.table(
    review.sla_table(bundle.sla, bundle.meetings, labels),
    key="sla_table",
    column_config={
        "Accepted or rejected within SLA": text,
    },
)
st.caption("SLA hours come from each segment's policy in the published scoring model.")

st.subheader("Profitable win rate")
margin_target = st.slider("Margin target (%)", 0, 90, 30, step=5, key="margin_target") / 100
profitable = ui.profitable(ctx.conn, ctx.data_version, model, ctx.filters, margin_target)
st.markdown(literal(review.margin_sentence(profitable, margin_target)))
ui.table(
    review.profitable_table(profitable, labels),
    key="profitable_table",
    column_config={
        "Won deals with margin recorded": st.column_config.NumberColumn(format="percent"),
        "Profitable win rate": text,
    },
)

st.subheader("Do higher scores win more?")
bands = ui.band_outcomes(ctx.conn, ctx.data_version, model)
band_labels = {band.name: band.label for band in model.bands}
needs_note("score_bands")
if not needs.missing_text("score_bands", coverage):
    st.markdown(literal(review.band_sentence(bands, band_labels)))
st.plotly_chart(charts.band_outcome_chart(bands, band_labels), theme="streamlit")
money = st.column_config.NumberColumn(format="dollar")
ui.table(
    review.band_table(bands, band_labels),
    key="band_table",
    column_config={
        "Average won deal": money,
        "Average gross margin": money,
        "Lift over average win rate": st.column_config.NumberColumn(
            "Lift", format="%.2f×", help="The band's win rate over the average win rate"
        ),
    },
)
st.caption(
    "Every lead scored by the published model as it looked when it was routed (so neither its "
    "later activity nor its own deal's amount counts), all time. LTV is not in the data: the "
    "average won deal stands in for it."
)
