"""Import data: upload a CRM export (files or a zip), see the report, or go back to the sample."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

import ui
from lib.errors import QualifyError
from lib.ingest import FORMATS, ImportReport, import_sources
from lib.ingest.uploads import save_uploads
from lib.present.text import literal
from lib.store import datasets
from lib.store.connection import table_counts
from lib.store.schema import TABLES

ctx = ui.sidebar()
st.title("Import data")
st.write(
    "Upload the files your CRM exported — Salesforce (Account, Lead, Contact, Opportunity, "
    "Task, Event) or HubSpot (companies, contacts, deals), as CSV files or the zip — or any "
    "other export with a mapping file. Nothing changes unless the whole import succeeds."
)

conn = ctx.conn
st.metric(
    "Records now",
    f"{sum(table_counts(conn).values()):,}",
    help=ui.data_caption(datasets.current_dataset(conn)),
)


def show_report(report: ImportReport) -> None:
    st.success(literal(f"Imported a {report.source_format} export in {report.seconds:.1f} s."))
    st.dataframe(pd.DataFrame(report.files, columns=["File", "Table", "Rows"]), hide_index=True)
    for warning in report.warnings:
        st.warning(literal(warning))


def run_import(action) -> None:
    bar = st.progress(0.0, text="Starting")
    try:
        report = action(lambda f, m: bar.progress(min(f, 1.0), text=m))
    except QualifyError as exc:
        bar.empty()
        st.error(literal(f"Import refused — your data is unchanged. {exc}"))
        return
    st.cache_data.clear()
    st.session_state["last_report"] = report
    st.rerun()


with st.form("upload"):
    uploads = st.file_uploader(
        "Export files or zip",
        accept_multiple_files=True,
        type=["csv", "txt", "tsv", "zip", "parquet", "xlsx", "xls"],
    )
    fmt = st.selectbox(
        "Format",
        FORMATS,
        format_func=lambda f: {
            "auto": "Detect from the headers",
            "salesforce": "Salesforce",
            "hubspot": "HubSpot",
            "mapping": "Mapping file",
        }[f],
    )
    mapping = st.file_uploader("Mapping file (YAML), for any other export", type=["yaml", "yml"])
    submitted = st.form_submit_button("Import", type="primary")

if submitted:
    if not uploads:
        st.error("Choose at least one file to import.")
    else:

        def upload_import(progress):
            with tempfile.TemporaryDirectory() as tmp:
                paths = save_uploads(((u.name, u.getvalue()) for u in uploads), Path(tmp))
                mapping_path = (
                    save_uploads([(mapping.name, mapping.getvalue())], Path(tmp))[0]
                    if mapping
                    else None
                )
                return import_sources(
                    conn, paths, source_format=fmt, mapping=mapping_path, progress=progress
                )

        run_import(upload_import)

if st.button("Use the bundled sample export"):
    run_import(lambda progress: datasets.import_sample(conn, progress))

if "last_report" in st.session_state:
    show_report(st.session_state["last_report"])

with st.expander("What Qualify reads: the canonical tables"):
    for table, columns in TABLES.items():
        st.markdown(f"**{table}**")
        st.dataframe(
            pd.DataFrame(
                [(c, t, m) for c, (t, m) in columns.items()], columns=["Column", "Type", "Meaning"]
            ),
            hide_index=True,
        )
