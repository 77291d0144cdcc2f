"""Data quality: what to fix first, each problem's records to download, the pipeline it touches."""

from functools import partial

import streamlit as st

import ui
from lib import actions
from lib.metrics import quality
from lib.model.segments import segment_labels
from lib.present import charts, needs
from lib.present import data_quality as quality_view
from lib.present.text import literal
from lib.store.connection import data_as_of

ctx = ui.sidebar()
ui.needs_crm_tables(ctx, "Data quality")
model, filters, conn = ctx.model, ctx.filters, ctx.conn
st.title("Data quality")
as_of = data_as_of(conn)
days = st.slider(
    "Stale after (days without an update or touch)",
    7,
    180,
    quality.STALE_DAYS,
    key="stale_days",
    help="DESIGN: data older than 30 days degrades every score.",
)
st.caption(
    f"Ages measured from when the export was taken (its latest creation, edit, funnel step "
    f"or close), "
    f"{as_of:%d %b %Y}."
    if as_of
    else "No record carries a date (creation, edit, funnel step or close), so ages cannot be "
    "measured: a lead without one counts as stale."
)

summary, all_records = ui.quality_issues(conn, ctx.data_version, int(days))
views = ui.segment_views(conn, ctx.data_version, model)
leads = ui.lead_scope(conn, ctx.data_version, model)
records = quality_view.filtered_issue_records(all_records, leads, views["account_segment"], filters)

st.subheader("What to fix first")
st.caption(
    "All data, ranked by the open pipeline each problem touches, then by records. "
    "The records listed below follow the sidebar's segments and channels."
)
ui.table(quality_view.summary_in_words(summary, ui.money))

bounce = ui.bounce_rate(conn, ctx.data_version)
in_scope = quality_view.leads_within(leads, filters)
no_leads = needs.missing_text("leads", ui.coverage(conn, ctx.data_version, model))
st.subheader("Bounced email addresses")
left, right = st.columns(2)
help_text = "Attention above 5%. Wilson 95% interval and count below."
if no_leads:
    left.metric("Bounce rate, all leads", needs.NOT_MEASURED, help=help_text)
    left.caption(literal(no_leads))
else:
    left.metric("Bounce rate, all leads", ui.pct(bounce["rate"]), help=help_text)
    left.caption(
        quality_view.share_texts([bounce["bounced"]], [bounce["leads"]], "leads")[0]
        + (" — above the 5% line" if bounce["above_threshold"] else " — under the 5% line")
    )
right.metric(
    "Bounce rate, chosen segments and channels",
    ui.pct(len(records["bounced_leads"]) / in_scope) if in_scope else needs.NOT_MEASURED,
)
right.caption(
    quality_view.share_texts(
        [len(records["bounced_leads"])], [in_scope], "leads in these segments and channels"
    )[0]
)

st.subheader("Blank fields")
blank = quality_view.blank_fields(quality.blank_firmographics(conn))
st.plotly_chart(charts.blank_fields_chart(blank), theme="streamlit")

st.subheader("Records to fix")
names = segment_labels(model.segments)
# IDs, emails and companies cut to fit a 1440-pixel window (the CSV holds them whole)
record_columns = {
    label: st.column_config.TextColumn(width=width)
    for label, width in (
        ("Lead ID", 140),
        ("Account ID", 140),
        ("Email", 180),
        ("Email (trimmed, lower case)", 180),
        ("Company", 140),
    )
}
for row in summary.to_dict("records"):
    listed = records[row["key"]]
    title = f"{row['priority']}. {row['issue']} — {len(listed):,} listed"
    with st.expander(title, expanded=row["priority"] == 1):
        st.caption(
            f"{row['help']} All data: {row['records']:,} records touching "
            f"{ui.money(row['open_pipeline_touched_usd'])} of open pipeline."
        )
        ui.table(quality_view.records_in_words(listed, names), column_config=record_columns)
        if not ui.may(ctx.actor, "download_records"):
            ui.not_offered(ctx.actor, "download_records")
            continue
        # deferred: each CSV is built (and the download logged) when its button is pressed
        st.download_button(
            "Download these records (CSV)",
            partial(
                actions.records_csv,
                ctx.actor,
                ui.workspace(),
                f"Data quality: {row['issue']}",
                listed,
            ),
            file_name=f"{row['key']}.csv",
            mime="text/csv",
            key=f"download_{row['key']}",
        )
