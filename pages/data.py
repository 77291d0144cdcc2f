"""Import data: upload a CRM export (files or a zip), see the report, confirm an import that
would shrink the data, open a feature file, restore an earlier dataset, or go back to the sample."""

import pandas as pd
import streamlit as st

import ui
from lib import actions
from lib.errors import QualifyError
from lib.ingest import ImportReport, format_names
from lib.present.text import literal
from lib.store.datasets import FEATURE_FILE, SAMPLE_EXPORT, kept_datasets
from lib.store.imports import StagedImport, Upload, discard_import
from lib.store.schema import TABLES

ctx = ui.sidebar()
st.title("Import data")
st.write(
    "Upload the files your CRM exported — Salesforce (Account, Lead, Contact, Opportunity, "
    "Task, Event) or HubSpot (companies, contacts, deals), as CSV files or the zip — or any "
    "other export with a mapping file. Nothing changes unless the whole import succeeds, and "
    "the data it replaces is kept: you can restore it below."
)
state = st.session_state
current = ui.dataset(ctx.data_version)
st.metric("Records now", f"{current.records if current else 0:,}", help=ui.data_caption(current))
if "restored" in state:
    st.success(literal(f"Restored: {state.pop('restored')}."))


def counts(before: dict[str, int], after: dict[str, int]) -> pd.DataFrame:
    tables = list(dict.fromkeys([*TABLES, *before, *after]))  # a feature file's table too
    return pd.DataFrame(
        {
            "Table": tables,
            "Rows now": [before.get(t, 0) for t in tables],
            "Rows after": [after.get(t, 0) for t in tables],
        }
    )


def show_report(report: ImportReport) -> None:
    if report.source_format == FEATURE_FILE:
        st.success(
            literal(
                f"Opened {ui.data_caption(current)}. The Scoring lab back-tests on these leads; "
                "the pages measured from the CRM's tables say what they need."
            )
        )
        return
    st.success(literal(f"Imported a {report.source_format} export in {report.seconds:.1f} s."))
    ui.table(
        pd.DataFrame(report.files, columns=["File", "Table", "Rows"]),
    )
    for warning in report.warnings:
        st.warning(literal(warning))


def apply(staged: StagedImport, replace: bool) -> None:
    try:
        actions.apply_import(ctx.actor, staged, replace=replace)
    except QualifyError as exc:
        discard_import(staged)
        st.error(literal(f"Import not applied — your data is unchanged. {exc}"))
        return
    st.cache_data.clear()
    state["last_report"] = staged.report
    st.rerun()


def stage(sources: list, **options) -> None:
    bar = st.progress(0.0, text="Starting")

    def show_progress(fraction: float, message: str) -> None:
        bar.progress(min(fraction, 1.0), text=message)

    try:
        staged = actions.stage_import(
            ctx.actor,
            ui.workspace(),
            sources,
            progress=show_progress,
            **options,
        )
    except QualifyError as exc:
        bar.empty()
        st.error(literal(f"Import refused — your data is unchanged. {exc}"))
        return
    bar.empty()
    if staged.shrinking:
        state["pending_import"] = staged  # asked below; holds its files until confirmed
    else:
        apply(staged, replace=False)


def open_feature_file(upload: Upload) -> None:
    try:
        staged = actions.stage_feature_file(ctx.actor, ui.workspace(), upload)
    except QualifyError as exc:
        st.error(literal(f"Feature file refused — your data is unchanged. {exc}"))
        return
    apply(staged, replace=True)  # every table is replaced by design; the old data is kept


if not ui.may(ctx.actor, "import_data"):
    ui.not_offered(ctx.actor, "import_data")
else:
    with st.form("upload"):
        uploads = st.file_uploader(
            "Export files or zip",
            accept_multiple_files=True,
            type=["csv", "txt", "tsv", "zip", "parquet", "xlsx", "xls"],
        )
        names = format_names()
        fmt = st.selectbox("Format", list(names), format_func=names.__getitem__)
        mapping = st.file_uploader(
            "Mapping file (YAML), for any other export", type=["yaml", "yml"]
        )
        submitted = st.form_submit_button("Import", type="primary")

    if submitted:
        if not uploads:
            st.error("Choose at least one file to import.")
        else:
            stage(
                [Upload(u.name, u.getvalue()) for u in uploads],
                source_format=fmt,
                mapping=Upload(mapping.name, mapping.getvalue()) if mapping else None,
            )

    if st.button("Use the bundled sample export"):
        stage([SAMPLE_EXPORT])

    with st.form("feature_file"):
        st.markdown("**Open a feature file**")
        st.caption(
            "A warehouse's leads, measured where they live: `python -m lib.cli features "
            "--engine spark --tables DIR --out FILE.parquet` writes one. The Scoring lab "
            "back-tests on it; the KPI pages need the CRM's tables and say so."
        )
        feature_file = st.file_uploader("Feature file", type=["parquet"], key="feature_upload")
        opened = st.form_submit_button("Open the feature file")
    if opened:
        if feature_file is None:
            st.error("Choose a feature file (.parquet) to open.")
        else:
            open_feature_file(Upload(feature_file.name, feature_file.getvalue()))

    pending = state.get("pending_import")
    if pending is not None:
        st.warning(
            f"This import would empty or more than halve {', '.join(pending.shrinking)}. "
            "Nothing has changed yet: replace the data, or discard this import."
        )
        ui.table(counts(pending.before, pending.after))
        replace, discard = st.columns(2)
        if replace.button("Replace the data", type="primary"):
            del state["pending_import"]
            apply(pending, replace=True)
        if discard.button("Discard this import"):
            del state["pending_import"]
            discard_import(pending)
            st.rerun()

if "last_report" in state:
    show_report(state["last_report"])

with st.expander("Restore an earlier dataset"):
    kept = kept_datasets(ui.workspace())
    ui.table(
        pd.DataFrame(
            {
                "Dataset": [ui.data_caption(d) for d in kept],
                "Kind": [d.kind for d in kept],
                "Records": [d.records for d in kept],
                "Current": [d.is_current for d in kept],
            }
        )
    )
    earlier = {d.version: d for d in kept if not d.is_current}
    if not ui.may(ctx.actor, "restore_data"):
        ui.not_offered(ctx.actor, "restore_data")
    elif not earlier or current is None:
        st.caption("No earlier dataset is kept yet: each import keeps the ones before it.")
    else:
        version = st.selectbox(
            "Dataset",
            list(earlier),
            key="restore_version",
            format_func=lambda v: f"{ui.data_caption(earlier[v])}: {earlier[v].records:,} records",
        )
        ui.table(counts(current.rows, earlier[version].rows))
        if st.button("Restore this dataset"):
            try:
                actions.restore_dataset(
                    ctx.actor, ui.workspace(), version, based_on=current.version
                )
            except QualifyError as exc:
                st.error(literal(exc))
            else:
                st.cache_data.clear()
                state.pop("last_report", None)
                state["restored"] = ui.data_caption(earlier[version])
                st.rerun()
with st.expander("What Qualify reads: the canonical tables"):
    for table, columns in TABLES.items():
        st.markdown(f"**{table}**")
        ui.table(
            pd.DataFrame(
                [(c, t, m) for c, (t, m) in columns.items()], columns=["Column", "Type", "Meaning"]
            ),
        )
