"""Leads: every lead scored by the published model, why each scored as it did, accounts, export."""

import streamlit as st

import ui
from lib import actions
from lib.features.attributes import missing_attributes_text
from lib.present import charts, needs
from lib.present import leads as leads_view
from lib.present.export import crm_export_frame
from lib.present.leads import LeadQuery
from lib.present.text import literal
from lib.scoring import explain_lead

ctx = ui.sidebar()
ui.needs_crm_tables(ctx, "Leads")
model, filters = ctx.model, ctx.filters
st.title("Leads")
scores = ui.scores(ctx.conn, ctx.data_version, model)
if scores.empty:
    st.info(literal(needs.missing_text("leads", ui.coverage(ctx.conn, ctx.data_version, model))))
    st.stop()
features = ui.features(ctx.conn, ctx.data_version, model)
words = leads_view.value_labels(model)
unheld = missing_attributes_text(model, ui.kept_attributes(ctx.conn, ctx.data_version)["name"])
if unheld:  # such a rule scores every lead as blank there: say so where the scores are read
    st.warning(literal(unheld), icon=":material/warning:")

# the filters a person set are kept when they leave the page and come back (persist_state);
# frameworks are not, as the next data may not hold the one chosen
left, middle, right = st.columns(3)
stages = left.multiselect(
    "Stage",
    list(words["stage"]),
    key="stage_filter",
    persist_state="session",
    format_func=lambda stage: words["stage"].get(stage, stage),
    placeholder="All stages",
)
bands = middle.multiselect(
    "Band",
    list(words["band"]),
    key="band_filter",
    persist_state="session",
    format_func=lambda band: words["band"].get(band, band),
    placeholder="All bands",
)
frameworks = right.multiselect(
    "Framework",
    sorted(scores["framework"].unique()),
    key="framework_filter",
    placeholder="All frameworks",
)
left, middle, right = st.columns(3)
min_score = left.slider(
    "Minimum qualification score", 0, 100, 0, key="min_score", persist_state="session"
)
search = middle.text_input("Search company or email", key="lead_search", persist_state="session")
sort_by = right.selectbox(
    "Sort by",
    list(leads_view.SORTABLE),
    key="sort_by",
    format_func=lambda column: leads_view.SORTABLE.get(column, column),
    persist_state="session",
)

query = LeadQuery(
    segments=filters.segments,
    channels=filters.channels,
    stages=tuple(stages) or None,
    bands=tuple(bands) or None,
    frameworks=tuple(frameworks) or None,
    min_score=min_score,
    search=search,
)
leads = leads_view.filtered_leads(
    scores, features["channel"], query, sort_by, ascending=sort_by in ("sla_due_at", "company_name")
)

table, explain, accounts, export = st.tabs(["Leads", "Why this score", "Accounts", "CRM export"])
with table:
    listed = leads.head(leads_view.TABLE_ROWS)
    st.caption(leads_view.count_caption(len(leads), len(scores), len(listed)))
    ui.table(
        leads_view.in_words(listed, model),
        column_config={
            "Company": st.column_config.TextColumn(width=150, pinned=True),
            "Email": st.column_config.TextColumn(width=175),
            "Qualification score": st.column_config.ProgressColumn(
                "Score", min_value=0, max_value=100, format="%.1f", width=105
            ),
            "Grade letter": st.column_config.TextColumn("Grade", width=50),
            "Next action": st.column_config.TextColumn(width=155),
            "SLA due": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm", width=125),
        },
    )
    st.caption(
        "Framework and each lead's top factors are in the CRM export (its tab); channel is a "
        "filter; a lead's factors are drawn under Why this score."
    )

with explain:
    choices = leads_view.lead_choices(leads)
    label = st.selectbox("Lead (the first 200 listed)", list(choices), key="explain_lead")
    picked = choices.get(label)
    if picked is None:
        st.info("No lead matches the filters.")
    else:
        row = leads.loc[leads["lead_id"] == picked].iloc[0]
        parts = explain_lead(leads_view.feature_row(features, picked), model)
        for column, (pillar, value) in zip(
            st.columns(5), leads_view.pillar_values(row).items(), strict=True
        ):
            column.metric(pillar, f"{value:.0f} / 100")
        st.plotly_chart(
            charts.score_waterfall_chart(
                leads_view.chart_factors(parts), float(row["qualification_score"])
            ),
            theme="streamlit",
        )
        st.caption(
            literal(f"{words['stage'][row['stage']]} · {row['framework']} · {row['next_action']}")
        )

with accounts:
    rollup = ui.accounts(ctx.conn, ctx.data_version, model)
    if rollup.empty:
        st.caption(leads_view.NO_ACCOUNTS)
    ui.table(
        leads_view.accounts_in_words(rollup, scores, model, filters.segments),
        column_config={
            "Company": st.column_config.TextColumn(width=150, pinned=True),
            "Expected buying group": st.column_config.TextColumn(
                "Buying group", help="People a deal of this segment usually involves"
            ),
            "Buying group covered": st.column_config.NumberColumn(
                "Covered",
                format="percent",
                help="Engaged people ÷ the middle of the expected buying group",
            ),
            "Account ID": st.column_config.TextColumn(width=140),
        },
    )

with export:
    st.caption(f"The {len(leads):,} leads listed, named for re-import into the CRM.")
    if not ui.may(ctx.actor, "download_records"):
        ui.not_offered(ctx.actor, "download_records")
    else:
        # deferred: the CSV is built (and the download logged) when the button is pressed, 10 s
        # for 1M leads, not every run
        st.download_button(
            "Download CRM export (CSV)",
            lambda: actions.records_csv(
                ctx.actor, ui.workspace(), "Leads: CRM export", crm_export_frame(leads)
            ),
            file_name="qualify_scores.csv",
            mime="text/csv",
            key="crm_download",
        )
    ui.table(leads_view.crm_mapping())
