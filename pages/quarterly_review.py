"""Quarterly review for RevOps: win rate, MQL->SQL, cycle, SLA, margin, score bands by segment."""

import streamlit as st

import ui
from lib.metrics import kpis
from lib.model import segment_labels, sla_hours_by_segment
from lib.present import charts
from lib.present import quarterly_review as review

filters, model = ui.sidebar()
conn, rules, labels = ui.conn(), model.segments, segment_labels(model.segments)
views = ui.segment_views(rules)
text = st.column_config.TextColumn(width="large")
st.title("Quarterly review")

st.subheader("Win rate by segment and quarter")
st.plotly_chart(
    charts.win_rate_trend_chart(kpis.kpis_by_quarter(conn, rules, filters, views=views), labels),
    theme="streamlit",
)

st.subheader("MQL→SQL conversion against the healthy 10–25% band")
by_channel = kpis.mql_to_sql_by_channel(conn, rules, filters, views=views)
st.markdown(review.out_of_band_sentence(by_channel))
st.plotly_chart(
    charts.mql_to_sql_heatmap(
        kpis.mql_to_sql_by_segment_and_channel(conn, rules, filters, views=views), labels
    ),
    theme="streamlit",
)
left, right = st.columns(2)
left.dataframe(
    review.mql_table(
        kpis.mql_to_sql_by_segment(conn, rules, filters, views=views), "segment", labels
    ),
    hide_index=True,
    key="mql_by_segment",
)
right.dataframe(
    review.mql_table(by_channel, "channel", labels), hide_index=True, key="mql_by_channel"
)

st.subheader("Sales cycle")
survival = kpis.cycle_time_survival(conn, rules, filters, views=views)
st.dataframe(
    review.cycle_table(
        kpis.cycle_time_by_segment(conn, rules, filters, views=views), survival, labels
    ),
    hide_index=True,
    key="cycle_table",
)
st.plotly_chart(charts.cycle_survival_chart(survival, labels), theme="streamlit")
st.caption(
    "Days from creation to close for won deals. Deals still open, or lost, have not yet "
    "been won: the Kaplan–Meier curve counts them as censored (not won by their age so "
    "far) instead of dropping them, so slow segments are not made to look fast."
)

st.subheader("Speed to first meeting and SLA compliance")
st.dataframe(
    review.sla_table(
        kpis.sla_compliance(conn, rules, filters, sla_hours_by_segment(model), views=views),
        kpis.speed_to_first_meeting(conn, rules, filters, views=views),
        labels,
    ),
    hide_index=True,
    key="sla_table",
    column_config={
        "Accepted or rejected within SLA": text,
        "Median hours, MQL to first meeting": st.column_config.NumberColumn(format="%.0f"),
    },
)
st.caption("SLA hours come from each segment's policy in the published scoring model.")

st.subheader("Profitable win rate")
margin_target = st.slider("Margin target (%)", 0, 90, 30, step=5, key="margin_target") / 100
profitable = kpis.profitable_win_rate(conn, rules, filters, margin_target, views=views)
st.markdown(review.margin_sentence(profitable, margin_target))
st.dataframe(
    review.profitable_table(profitable, labels),
    hide_index=True,
    key="profitable_table",
    column_config={
        "Won deals with margin recorded": st.column_config.NumberColumn(format="percent"),
        "Profitable win rate": text,
    },
)

st.subheader("Do higher scores win more?")
bands = ui.band_outcomes()
band_labels = {band.name: band.label for band in model.bands}
st.markdown(review.band_sentence(bands, band_labels))
st.plotly_chart(charts.band_outcome_chart(bands, band_labels), theme="streamlit")
money = st.column_config.NumberColumn(format="dollar")
st.dataframe(
    review.band_table(bands, band_labels),
    hide_index=True,
    key="band_table",
    column_config={
        "Average won deal": money,
        "Average gross margin": money,
        "Lift over average win rate": st.column_config.NumberColumn(format="%.2f×"),
    },
)
st.caption(
    "Every lead scored by the published model, all time. LTV is not in the data: the "
    "average won deal stands in for it."
)
