"""Overview for leadership: headline funnel, the maturity matrix, pipeline mix against target."""

import streamlit as st

import ui
from lib.metrics import kpis
from lib.metrics.maturity import maturity_levels, threshold_table
from lib.model import segment_labels
from lib.present import charts, needs
from lib.present import overview as leadership
from lib.present.breakdown import breakdown_table
from lib.present.numbers import HEALTHY_MQL_TO_SQL, SMALL_SAMPLE_FLAG
from lib.present.text import literal

ctx = ui.sidebar()
ui.needs_crm_tables(ctx, "Overview")
model, labels = ctx.model, segment_labels(ctx.model.segments)
bundle = ui.kpis(ctx.conn, ctx.data_version, model, ctx.filters)
overall = bundle.summary["overall"]
coverage = ui.coverage(ctx.conn, ctx.data_version, model)
st.title("Overview")

first, second, third, fourth = st.columns(4)
with first:
    ui.rate_metric(
        "Win rate",
        overall["win_rate"],
        overall["win_rate_ci"],
        overall["closed"],
        "closed deals",
        help="Won ÷ (won + lost) among deals closed in the period.",
        unmeasured=needs.unmeasured_text("win_rate", coverage, overall["closed"]),
    )
with second:
    mql_unmeasured = needs.unmeasured_text("mql_to_sql", coverage, overall["mqls"])
    if overall["mql_to_sql_measured"]:
        ui.rate_metric(
            "MQL→SQL",
            overall["mql_to_sql_rate"],
            overall["mql_to_sql_ci"],
            overall["mqls"],
            "MQLs",
            help=f"Healthy B2B range: {HEALTHY_MQL_TO_SQL}.",
            unmeasured=mql_unmeasured,
        )
    else:  # never a 0% flagged below the band: the export cannot say
        ui.rate_metric(
            "MQL→won",
            overall["mql_to_won_rate"],
            overall["mql_to_won_ci"],
            overall["mqls"],
            "MQLs",
            help="MQLs of the period that later won a deal.",
            unmeasured=mql_unmeasured,
        )
        st.caption(f"MQL→SQL {overall['mql_to_sql_note']}")
cycle_unmeasured = needs.unmeasured_text(
    "cycle_time", coverage, 0 if overall["median_won_cycle_days"] is None else overall["won_deals"]
)
fourth.metric(
    "Median sales cycle",
    needs.NOT_MEASURED if cycle_unmeasured else f"{overall['median_won_cycle_days']:.0f} days",
)
fourth.caption(
    literal(cycle_unmeasured)
    if cycle_unmeasured
    else f"{overall['won_deals']:,} won deals, close − create date"
    + (f" {SMALL_SAMPLE_FLAG}" if overall["median_small_sample"] else "")
)
pipeline, pipeline_caption = leadership.open_pipeline_metric(overall)
pipeline_unmeasured = needs.missing_text("open_pipeline", coverage)
third.metric("Open pipeline", needs.NOT_MEASURED if pipeline_unmeasured else pipeline)
third.caption(literal(pipeline_unmeasured) if pipeline_unmeasured else pipeline_caption)
leader = needs.missing_text("segment_wins", coverage)
st.info(
    literal(leader or leadership.leader_sentence(bundle.wins, labels)),
    icon=":material/emoji_events:",
)

st.subheader("Break down")
by = ui.breakdown_choice(ctx.conn, ctx.data_version, "overview_by")
ui.table(
    breakdown_table(ui.breakdown(ctx.conn, ctx.data_version, model, ctx.filters, by), by, labels),
    key="breakdown_table",
    column_config={
        "Median days to win": st.column_config.NumberColumn(
            "Days to win", help="Median days from creation to close of won deals"
        )
    },
)

st.subheader("Maturity matrix")
bands = ui.band_outcomes(ctx.conn, ctx.data_version, model)
evidence = ui.maturity(ctx.conn, ctx.data_version, model, len(ui.model_versions()))
now = leadership.kpis_now(
    bundle.mix,
    bundle.wins,
    bundle.qualified,
    bundle.sla,
    bundle.meetings,
    bundle.profitable,
    bands,
    labels,
    {band.name: band.label for band in model.bands},
)
trends = leadership.quarterly_trends(
    bundle.quarters, model.segments[0].name, model.segments[0].label
)
for column, row in zip(
    st.columns(3) + st.columns(3), maturity_levels(evidence).to_dict("records"), strict=True
):
    with column.container(border=True):
        st.markdown(f"**{literal(row['label'])}** · {literal(row['kpi'])}")
        st.progress(row["level"] / 4, text=f"Level {row['level']} of 4: {row['level_name']}")
        unmeasured = needs.missing_text(needs.CAPABILITY_KPIS[row["capability"]], coverage)
        st.markdown(literal(unmeasured or now[row["capability"]]))
        if row["capability"] in trends:
            st.plotly_chart(
                charts.trend_sparkline(trends[row["capability"]]),
                theme="streamlit",
                key=f"trend_{row['capability']}",
            )
        st.caption(
            literal(
                f"{row['evidence']} Next level needs: {row['next_level_needs'] or '— (top level)'}."
            )
        )
st.caption(
    "Levels: 1 ad hoc · 2 defined · 3 managed · 4 operationalised, measured on all the "
    "data, each rate judged on the lower end of its 95% interval and score bands on leads "
    "scored as they looked when routed; the KPI values and trends follow the sidebar filters."
)
with st.expander("How each level is judged, and why the cut-offs sit where they do"):
    # prose, so a table that wraps its text: a grid would cut each cell to one line
    st.table(threshold_table(), hide_index=True, border="horizontal")

st.subheader("Pipeline mix against target")
left, right = st.columns(2)
today = leadership.today_mix_percent(bundle.mix)  # the sliders start at today's mix
enterprise = left.slider(
    "Target enterprise share (%)", 0, 100, today["enterprise"], key="target_enterprise"
)
mid_market = right.slider(
    "Target mid-market share (%)", 0, 100, today["mid_market"], key="target_mid_market"
)
target = leadership.target_mix(enterprise, mid_market)
if enterprise + mid_market > 100:
    st.warning("The two targets add up to more than 100%; they are scaled down to fit.")
st.caption(f"SMB gets the rest: {target['smb']:.0%}.")
mix = kpis.mix_against_target(bundle.mix, target)
gap = needs.missing_text("pipeline_mix", coverage) or leadership.mix_gap_sentence(mix, labels)
st.markdown(f"**{literal(gap)}**")
st.plotly_chart(charts.pipeline_mix_chart(mix, labels), theme="streamlit")
share = st.column_config.NumberColumn(format="percent")
ui.table(
    leadership.mix_table(mix, labels),
    key="mix_table",
    column_config={
        "Share of open amount": share,
        "Target share": share,
        "Share of won amount": share,
    },
)
st.caption(
    "Gap to target: money that would have to move into (+) or out of (−) the segment, "
    "at today's open total. A deal's segment is its account's."
)

st.subheader("Pipeline velocity")
# without a won deal to weigh ages by, and price wins at, a forecast would read $0 as measured
velocity_unmeasured = needs.missing_text("velocity", coverage)
if velocity_unmeasured:
    st.info(literal(f"{needs.NOT_MEASURED}. {velocity_unmeasured}"), icon=":material/info:")
else:
    velocity = leadership.velocity_sentence(bundle.velocity, bundle.velocity_backtest)
    st.markdown(f"**{literal(velocity)}**")
    left, right = st.columns(2)
    left.plotly_chart(charts.velocity_chart(bundle.velocity, labels), theme="streamlit")
    right.plotly_chart(charts.velocity_backtest_chart(bundle.velocity_backtest), theme="streamlit")
    ui.table(
        leadership.velocity_table(bundle.velocity, labels),
        key="velocity",
        column_config={  # short headers, the full question on hover: fits a 1440-pixel window
            "Wins expected from them, next 90 days": st.column_config.NumberColumn(
                "Wins from open deals", help="Wins expected from today's open deals, next 90 days"
            ),
            "Wins expected from deals not yet created": st.column_config.NumberColumn(
                "Wins from new deals", help="Wins expected from deals not yet created, next 90 days"
            ),
            "Expected won revenue per day (95% interval)": st.column_config.TextColumn(
                "Won revenue a day (95% interval)", help="Expected won revenue per day"
            ),
        },
    )
    st.caption(leadership.VELOCITY_NOTE)
