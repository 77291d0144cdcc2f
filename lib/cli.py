"""Headless commands: import exports, print KPIs, score leads, measure features, export tables,
recalibrate, publish, restore.

python -m lib.cli import SOURCE... --db FILE [--source-format ...] [--mapping FILE] [--replace]
                        [--won-stage L ...] [--lost-stage L ...] [--open-stage L ...]
                        [--date-order dmy|mdy] [--decimal .|,] [--currency EUR]
                        [--currency-rate GBP=1.17 ...]
python -m lib.cli kpis --db FILE [--model FILE] --json [--start D] [--end D]
                       [--segment S ...] [--channel C ...] [--by segment|channel|region|...]
python -m lib.cli score --db FILE [--model FILE] --out FILE.csv
python -m lib.cli features --db FILE [--model FILE] --out FILE.parquet [--moment routing|data-end]
python -m lib.cli export-tables --db FILE --out DIR
python -m lib.cli recalibrate --db FILE [--model FILE] [--out FILE.yaml] [--json] [--force]
                              [--min-deals N] [--keep-mqls N|current]
                              [--keep-attribute NAME ...]
python -m lib.cli publish MODEL.yaml --db FILE --based-on N --author NAME [--note TEXT]
python -m lib.cli datasets --db FILE
python -m lib.cli restore-data --db FILE --version V
python -m lib.cli log --db FILE [--json]

Every command works while the app serves the same workspace: reads open the current dataset
read-only, and an import writes a new dataset file that the app switches to at its next run.
Commands act as the operating-system user running them: imports, publishes, restores and score
files are recorded in the workspace's activity log under that user (`log` lists it).

kpis, score and features run on Spark instead of DuckDB with
  --engine spark (--tables DIR | --spark-tables CATALOG.SCHEMA)
                 [--spark-master local[2] | --spark-remote sc://HOST:15002]
reading the canonical tables from Parquet (as export-tables writes them) or from Spark tables;
the model is --model FILE, else the published model of --db when given, else the default.
Records read on Spark come from the warehouse, not the workspace: they are not logged in it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, TextIO

import duckdb

from lib import actions
from lib.access import command_line_actor, os_user
from lib.errors import QualifyError, ShrinkingImport
from lib.features.files import MOMENTS
from lib.ingest import ALL_FORMATS, ImportOptions
from lib.metrics.filters import BREAKDOWNS
from lib.model import ScoringModel
from lib.store.activity import activity_log
from lib.store.connection import DB_ENV_VAR, Data
from lib.store.datasets import current_dataset, kept_datasets
from lib.store.imports import discard_import
from lib.store.model_versions import published_model
from lib.store.schema import TABLES
from lib.store.state import KEEP_DATASETS, current_versions, state
from lib.store.workspace import KEEP_ENV_VAR, open_dataset, open_workspace

Command = Callable[[argparse.Namespace], int]


def _progress_line(fraction: float, message: str) -> None:
    # a terminal gets one self-updating line; a log file gets one line per step
    end = "\n" if fraction >= 1 or not sys.stderr.isatty() else ""
    sys.stderr.write(f"\r[{fraction:4.0%}] {message:<60}{end}")
    sys.stderr.flush()


def run_import(args: argparse.Namespace) -> int:
    """Import exports as the workspace's new current dataset and print rows per table."""
    workspace = open_workspace(args.db, keep=args.keep)
    staged = actions.stage_import(
        command_line_actor(),
        workspace,
        args.sources,
        source_format=args.source_format,
        mapping=args.mapping,
        progress=_progress_line,
        options=import_options(args),
    )
    try:
        actions.apply_import(command_line_actor(), staged, replace=args.replace, author=args.author)
    except ShrinkingImport as exc:
        discard_import(staged)
        print(f"error: {exc}; run again with --replace to apply it", file=sys.stderr)
        _print_counts(exc.before, exc.after, file=sys.stderr)
        return 2
    except BaseException:
        discard_import(staged)
        raise
    report = staged.report
    print(f"Imported a {report.source_format} export in {report.seconds:.1f} s")
    for table, rows in report.rows.items():
        print(f"  {table:<14} {rows:>10,} rows")
    for line in filter(None, (s.optional_line() for s in report.sources)):
        print(f"  note: {line}")
    for warning in report.warnings:
        print(f"  warning: {warning}")
    return 0


def import_options(args: argparse.Namespace) -> ImportOptions:
    """Return the import settings given as flags (stage labels, date order, currencies)."""
    return ImportOptions(
        won_stages=tuple(args.won_stage or ()),
        lost_stages=tuple(args.lost_stage or ()),
        open_stages=tuple(args.open_stage or ()),
        date_order=args.date_order,
        decimal=args.decimal,
        company_currency=args.currency,
        rates=tuple(args.currency_rate or ()),
    )


def _rate(text: str) -> tuple[str, float]:
    code, _, rate = text.partition("=")
    try:
        return code.strip().upper(), float(rate)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give CODE=RATE, e.g. EUR=1.08, not {text!r}") from None


def _print_counts(before: dict[str, int], after: dict[str, int], file: TextIO) -> None:
    print(f"  {'table':<14} {'now':>10} {'after':>10}", file=file)
    for table in TABLES:
        print(f"  {table:<14} {before.get(table, 0):>10,} {after.get(table, 0):>10,}", file=file)


@contextmanager
def _current_data(db: str | None) -> Iterator[tuple[duckdb.DuckDBPyConnection, ScoringModel]]:
    """Yield a read-only connection to the current dataset and the published model."""
    workspace = open_workspace(db, create=False)
    with state(workspace) as stored:
        model = published_model(stored)
    current = current_dataset(workspace)
    if current is not None and current.feature_file is not None:
        raise QualifyError(
            f"The current data of {workspace.state_file} was opened from the feature file "
            f"{current.files[0]}: it holds each lead's features, not the CRM's tables this "
            "command reads. Restore a CRM dataset (`datasets`, then `restore-data`), or run it "
            "on Spark with --engine spark --tables DIR."
        )
    with open_dataset(workspace, current_versions(workspace).dataset) as conn:
        yield conn, model


def run_kpis(args: argparse.Namespace) -> int:
    """Print the KPIs by segment, or by --by (JSON with --json, a table otherwise)."""
    from lib.metrics.filters import Filters
    from lib.metrics.kpis import kpis_summary
    from lib.model.segments import segment_names

    with _data(args) as (conn, model):
        filters = Filters(
            start=args.start,
            end=args.end,
            segments=segment_names(args.segment, model.segments) if args.segment else None,
            channels=tuple(args.channel) if args.channel else None,
        )
        result = kpis_summary(conn, model.segments, filters, args.by)
    if args.json:
        print(json.dumps(result, allow_nan=False))
        return 0
    for row in [*result[f"by_{args.by}"], result["overall"]]:
        print(
            f"{row[args.by]:<16} won {row['won']:>7,} lost {row['lost']:>7,} "
            f"win rate {_pct(row['win_rate'])}  MQL->SQL {_mql_to_sql(row)}  "
            f"MQL->won {_pct(row['mql_to_won_rate'])}  open {_open(row)}"
        )
    return 0


def _mql_to_sql(row: dict[str, Any]) -> str:
    return row["mql_to_sql_note"] or _pct(row["mql_to_sql_rate"])


def _open(row: dict[str, Any]) -> str:
    """Return open pipeline as '$12,400 in 3 deals', naming deals whose amount is unknown."""
    unpriced = row["open_pipeline_unpriced"]
    known = row["open_pipeline_count"] - unpriced
    parts = [f"${row['open_pipeline_amount']:,.0f} in {known:,} deals"] if known else []
    parts += [f"amount unknown for {unpriced:,} open deals"] if unpriced else []
    return "; ".join(parts) or "none"


def run_score(args: argparse.Namespace) -> int:
    """Score every lead and write the CRM re-import CSV."""
    from lib.features import lead_features
    from lib.present.export import write_crm_csv
    from lib.scoring import score_leads

    with _data(args) as (conn, model):
        _warn_unheld_attributes(conn, model)
        scores = score_leads(lead_features(conn, model=model), model)
    rows = write_crm_csv(scores, args.out)
    _log_download(args, f"score file {args.out}", rows)
    print(f"Scored {rows:,} leads with model version {model.version}; wrote {args.out}")
    for stage, count in scores["stage"].value_counts().items():
        print(f"  {stage:<10} {count:>10,}")
    return 0


def _warn_unheld_attributes(conn: Data, model: ScoringModel) -> None:
    """Print to stderr a warning naming each attribute the model's rules read that the data
    does not hold (such a rule would silently match only blank values)."""
    from lib.features.attributes import unheld_attributes_text

    text = unheld_attributes_text(conn, model)
    if text:
        print(f"warning: {text}", file=sys.stderr)


def run_features(args: argparse.Namespace) -> int:
    """Measure every lead (at its routing moment, or as of the data) and write a feature file."""
    from lib.features import history_features, lead_features
    from lib.features.files import FeatureFile, write_feature_file
    from lib.store.connection import data_as_of

    with _data(args) as (conn, model):
        routing = args.moment == "routing"
        features = history_features(conn, model) if routing else lead_features(conn, model=model)
        as_of = data_as_of(conn)
    about = FeatureFile(
        moment=args.moment,
        as_of="" if as_of is None else as_of.isoformat(),
        buying_group_window_days=model.buying_group_window_days,
        model_version=model.version,
        engine=args.engine,
        source=_source_name(args),
        leads=len(features),
    )
    rows = write_feature_file(features, args.out, about)
    _log_download(args, f"feature file {args.out}", rows)
    print(f"Measured {rows:,} leads at {args.moment} on {args.engine}; wrote {args.out}")
    return 0


def run_export_tables(args: argparse.Namespace) -> int:
    """Write the current dataset's canonical and attribute tables as Parquet and print rows per
    table."""
    from lib.store.export import export_tables

    with _current_data(args.db) as (conn, _):
        rows = export_tables(conn, args.out)
    _log_download(args, f"tables {args.out}", sum(rows.values()))
    print(f"Wrote {len(rows)} tables to {args.out}")
    for table, count in rows.items():
        print(f"  {table:<14} {count:>10,} rows")
    return 0


def _log_download(args: argparse.Namespace, what: str, records: int) -> None:
    """Record lead-level records written from the workspace in its activity log; records read
    on Spark came from the warehouse, whose own access rules and logs apply."""
    if getattr(args, "engine", "duckdb") == "duckdb":
        workspace = open_workspace(args.db, create=False)
        actions.log_download(command_line_actor(), workspace, what, records)


@contextmanager
def _data(args: argparse.Namespace) -> Iterator[tuple[Data, ScoringModel]]:
    """Yield what the queries run on (the current dataset, or Spark over --tables or
    --spark-tables) and the model: --model FILE, else the workspace's published model (on
    Spark only when --db is given), else the default."""
    from lib.model import default_model, load_model

    if args.engine == "duckdb":
        with _current_data(args.db) as (conn, published):
            yield conn, load_model(args.model) if args.model else published
        return
    if args.model:
        model = load_model(args.model)
    elif args.db:
        with state(open_workspace(args.db, create=False)) as stored:
            model = published_model(stored)
    else:
        model = default_model()
    from lib.store.engines import catalog_tables, parquet_tables, spark_session

    with spark_session(master=args.spark_master, remote=args.spark_remote) as session:
        if args.tables:
            engine = parquet_tables(session, args.tables)
        else:
            engine = catalog_tables(session, args.spark_tables)
        read = sorted({rule.attribute for rule in model.attribute_rules})
        if read and engine.lacking:
            print(
                f"  warning: {engine.source} has no {', '.join(engine.lacking)}: the model's "
                f"rules on {', '.join(read)} read every lead as blank (export-tables writes "
                "the attribute tables)",
                file=sys.stderr,
            )
        yield engine, model


def _source_name(args: argparse.Namespace) -> str:
    """Return where the tables were read from, for a file's record of it."""
    if args.engine == "duckdb":
        return str(args.db or f"${DB_ENV_VAR}")
    return str(args.tables or args.spark_tables)


def _checked_engine(args: argparse.Namespace, command: argparse.ArgumentParser) -> None:
    """Refuse engine options that do not go together (exit 2 with argparse's usage line)."""
    spark_only = [
        f"--{n.replace('_', '-')}"
        for n in ("tables", "spark_tables", "spark_master", "spark_remote")
        if getattr(args, n)
    ]
    if args.engine == "duckdb" and spark_only:
        command.error(f"{', '.join(spark_only)} need --engine spark (DuckDB reads --db)")
    if args.engine == "spark" and not (args.tables or args.spark_tables):
        command.error("--engine spark reads --tables DIR or --spark-tables CATALOG.SCHEMA")
    if args.tables and args.spark_tables:
        command.error("give --tables DIR or --spark-tables CATALOG.SCHEMA, not both")
    if args.spark_master and args.spark_remote:
        command.error("give --spark-master or --spark-remote, not both")


def _add_engine_options(command: argparse.ArgumentParser) -> None:
    """Add --engine and the Spark options to a command that runs the named queries."""
    command.add_argument(
        "--engine", choices=("duckdb", "spark"), default="duckdb", help="default: duckdb (--db)"
    )
    command.add_argument("--tables", metavar="DIR", help="Parquet tables (export-tables writes)")
    command.add_argument(
        "--spark-tables", metavar="CATALOG.SCHEMA", help="Spark tables accounts, leads, ..."
    )
    command.add_argument(
        "--spark-master", metavar="URL", help="Spark master, e.g. local[2] (the default)"
    )
    command.add_argument(
        "--spark-remote", metavar="sc://HOST:15002", help="a Spark Connect server instead"
    )
    command.set_defaults(check=lambda args: _checked_engine(args, command))


def run_recalibrate(args: argparse.Namespace) -> int:
    """Re-fit weights on closed deals, print held-out validation (JSON with --json) and write
    the model file when --out is given (refused when not trusted, unless --force)."""
    from lib.evaluate.recalibration import (
        export_recalibrated,
        recalibrate,
        recalibration_summary,
        with_mql_volume,
    )
    from lib.model import load_model

    with _current_data(args.db) as (conn, published):
        model = load_model(args.model) if args.model else published
        result = recalibrate(
            conn,
            model,
            min_closed_deals=args.min_deals,
            keep_attributes=tuple(args.keep_attribute or ()),
        )
    if args.keep_mqls is not None:
        today = int(result.routing["reached_mql"].iloc[0])  # the current model's row
        keep = today if args.keep_mqls == "current" else int(args.keep_mqls)
        result = with_mql_volume(result, keep)
    if args.json:
        print(json.dumps(recalibration_summary(result), allow_nan=False))
    else:
        _print_recalibration(result)
    if args.out:
        export_recalibrated(result, args.out, force=args.force)
        if not args.json:
            print(f"Wrote {args.out} (model version {result.model.version})")
    return 0


def _print_recalibration(result: Any) -> None:
    """Print the held-out validation, the routing on history and the findings for people."""
    counts = result.counts
    if result.train_period is None or result.test_period is None:
        print(
            f"Outcome: {result.outcome}; leads with one {counts['leads_with_outcome']:,}: "
            f"train {result.train_size:,}, test {result.test_size:,} (split at random, "
            "stratified: no dates to hold out the newest)"
        )
    elif result.outcome == "converted":
        (a, b), (c, d) = result.train_period, result.test_period
        print(
            f"Outcome: converted; leads with one {counts['leads_with_outcome']:,}: train "
            f"{result.train_size:,} (created {a} to {b}), test {result.test_size:,} ({c} to {d})"
        )
    else:
        (a, b), (c, d) = result.train_period, result.test_period
        print(
            f"Closed deals {counts['closed_deals']:,} ({counts['won_deals']:,} won); leads with "
            f"a closed deal {counts['leads_with_outcome']:,}: train {result.train_size:,} "
            f"({a} to {b}), test {result.test_size:,} ({c} to {d})"
        )
    for name, metrics in result.metrics.items():
        print(
            f"  test AUC {name:<13} {metrics.auc:.3f} "
            f"({metrics.auc_low:.3f}-{metrics.auc_high:.3f})"
        )
    for row in result.routing.itertuples():
        print(
            f"  on history, {row.model:<13} MQL {row.reached_mql:>8,}  SQL {row.sql:>8,}  "
            f"MQL->SQL {_pct(row.mql_to_sql)}  SQL win rate {_pct(row.sql_win_rate)}"
        )
    fitted = [r for r in result.model.attribute_rules if r.attribute in result.encoding.attributes]
    for rule in fitted:
        print(f"  attribute rule ({rule.score}) {rule.points:+g}: {rule.label}")
    lines = (
        *result.findings,
        *(f"attribute left out: {n}: {why}" for n, why in result.encoding.left_out.items()),
        *(f"warning: {w}" for w in result.warnings),
        *(f"not trusted: {r}" for r in result.refusals),
    )
    for line in lines:
        print(f"  {line}")


def run_publish(args: argparse.Namespace) -> int:
    """Publish a model file as the next version, refused if the newest is not --based-on."""
    from lib.model import load_model

    model = load_model(args.model)
    workspace = open_workspace(args.db, create=False)
    if current_versions(workspace).dataset is not None:  # checked against the current data
        with _current_data(args.db) as (conn, _):
            _warn_unheld_attributes(conn, model)
    published = actions.publish_model(
        command_line_actor(),
        workspace,
        model,
        args.author,
        args.note or "",
        based_on=args.based_on,
    )
    print(f"Published {args.model} as model version {published.version}")
    return 0


def run_datasets(args: argparse.Namespace) -> int:
    """List the datasets the workspace keeps, the current one first (a feature file's with how
    its leads were measured)."""
    from lib.present.needs import feature_file_text

    for dataset in kept_datasets(open_workspace(args.db, create=False)):
        mark = "current" if dataset.is_current else "       "
        about = dataset.feature_file
        what = f"  ({feature_file_text(dataset.files[0], about)})" if about else ""
        print(
            f"{mark}  {dataset.version}  imported {dataset.imported_at:%Y-%m-%d %H:%M} UTC  "
            f"{dataset.source_format:<10} {dataset.records:>10,} records{what}"
        )
    return 0


def run_restore_data(args: argparse.Namespace) -> int:
    """Make a kept earlier dataset the current one and print the counts before and after."""
    workspace = open_workspace(args.db, create=False)
    before = current_dataset(workspace)
    restored = actions.restore_dataset(
        command_line_actor(),
        workspace,
        args.version,
        based_on=before.version if before else None,
        author=args.author,
    )
    when = f"{restored.imported_at:%Y-%m-%d %H:%M} UTC"
    print(f"Restored dataset {restored.version} (imported {when})")
    _print_counts(before.rows if before else {}, restored.rows, file=sys.stdout)
    return 0


def run_log(args: argparse.Namespace) -> int:
    """Print who imported, restored, published and downloaded what, newest first."""
    from lib.present.activity import log_in_words, text_table

    with state(open_workspace(args.db, create=False)) as stored:
        log = log_in_words(activity_log(stored))
    if args.json:
        print(json.dumps(log.to_dict("records"), allow_nan=False))
    elif log.empty:
        print("Nothing recorded yet.")
    else:
        print(text_table(log))
    return 0


def _pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.1%}"


def parser() -> argparse.ArgumentParser:
    """Return the argument parser; each sub-command sets `func`."""
    top = argparse.ArgumentParser(
        prog="python -m lib.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    debug_help = "on an unexpected error, print its traceback"
    top.add_argument("--debug", action="store_true", help=debug_help)
    # also after the command; SUPPRESS keeps a flag given before it from being reset
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help)
    sub = top.add_subparsers(dest="command", required=True)
    db_help = f"workspace file (default: ${DB_ENV_VAR} or var/qualify.duckdb)"

    imp = sub.add_parser(
        "import", parents=[common], help="import CRM export files, folders or zips"
    )
    imp.add_argument("sources", nargs="+")
    imp.add_argument("--db", help=db_help)
    imp.add_argument("--source-format", choices=ALL_FORMATS, default="auto")
    imp.add_argument("--mapping", help="YAML mapping file for any other export")
    for kind in ("won", "lost", "open"):
        imp.add_argument(
            f"--{kind}-stage",
            action="append",
            metavar="LABEL",
            help=f"a stage label that means {kind}, added to the format's (repeatable)",
        )
    imp.add_argument(
        "--date-order",
        choices=("dmy", "mdy"),
        help="how to read dates that fit both day-first and month-first (3/2/2024)",
    )
    imp.add_argument("--decimal", choices=(".", ","), help="decimal mark of numbers such as 12,400")
    imp.add_argument("--currency", metavar="CODE", help="the company currency (e.g. EUR)")
    imp.add_argument(
        "--currency-rate",
        action="append",
        type=_rate,
        metavar="CODE=RATE",
        help="company-currency units per unit of CODE, e.g. GBP=1.17 (repeatable)",
    )
    imp.add_argument(
        "--replace",
        action="store_true",
        help="apply even an import that empties a table or shrinks one by more than half",
    )
    imp.add_argument(
        "--keep",
        type=int,
        help=f"earlier datasets to keep (default: ${KEEP_ENV_VAR} or {KEEP_DATASETS})",
    )
    imp.add_argument("--author", default=os_user(), help="recorded with the import")
    imp.set_defaults(func=run_import)

    kpis = sub.add_parser("kpis", parents=[common], help="print KPIs by segment")
    kpis.add_argument("--db", help=db_help)
    kpis.add_argument("--model", help="model YAML (default: the latest published model)")
    kpis.add_argument("--json", action="store_true", help="print one JSON object")
    kpis.add_argument("--start", type=date.fromisoformat, help="first day of the period")
    kpis.add_argument("--end", type=date.fromisoformat, help="last day of the period")
    kpis.add_argument(
        "--segment",
        action="append",
        help="only this segment, by name or label in any case (repeatable)",
    )
    kpis.add_argument("--channel", action="append", help="only this channel (repeatable)")
    kpis.add_argument(
        "--by",
        choices=BREAKDOWNS,
        default="segment",
        help="break the KPIs down by (default segment)",
    )
    _add_engine_options(kpis)
    kpis.set_defaults(func=run_kpis)

    score = sub.add_parser(
        "score", parents=[common], help="score every lead and write a CSV for CRM re-import"
    )
    score.add_argument("--db", help=db_help)
    score.add_argument("--model", help="model YAML (default: the latest published model)")
    score.add_argument("--out", required=True, help="CSV file to write")
    _add_engine_options(score)
    score.set_defaults(func=run_score)

    feats = sub.add_parser(
        "features", parents=[common], help="measure every lead and write a feature file"
    )
    feats.add_argument("--db", help=db_help)
    feats.add_argument("--model", help="model YAML (default: the latest published model)")
    feats.add_argument("--out", required=True, help="Parquet file to write")
    feats.add_argument(
        "--moment",
        choices=MOMENTS,
        default="routing",
        help="routing: each lead when routed, with its outcome (what a back-test reads; the "
        "default); data-end: every lead as of the data (what score scores)",
    )
    _add_engine_options(feats)
    feats.set_defaults(func=run_features)

    export = sub.add_parser(
        "export-tables", parents=[common], help="write the canonical tables as Parquet"
    )
    export.add_argument("--db", help=db_help)
    export.add_argument("--out", required=True, metavar="DIR", help="folder to write")
    export.set_defaults(func=run_export_tables)

    recal = sub.add_parser(
        "recalibrate", parents=[common], help="re-fit weights on closed deals and write a model"
    )
    recal.add_argument("--db", help=db_help)
    recal.add_argument("--model", help="model YAML to start from (default: the published model)")
    recal.add_argument("--out", help="model file to write (.yaml or .json)")
    recal.add_argument("--json", action="store_true", help="print one JSON object")
    recal.add_argument(
        "--min-deals",
        type=int,
        default=500,
        help="leads with a closed deal needed to trust the fit (default 500)",
    )
    recal.add_argument(
        "--keep-mqls",
        metavar="N|current",
        help="re-fit the thresholds so N leads reach MQL on history ('current': as many as "
        "the current model routes)",
    )
    recal.add_argument(
        "--keep-attribute",
        action="append",
        metavar="NAME",
        help="fit a lead attribute flagged as likely leakage anyway (repeatable): only for a "
        "field known before the outcome",
    )
    recal.add_argument("--force", action="store_true", help="write even an untrusted model")
    recal.set_defaults(func=run_recalibrate)

    pub = sub.add_parser(
        "publish", parents=[common], help="publish a model file as the next model version"
    )
    pub.add_argument("model", help="model file (.yaml or .json)")
    pub.add_argument("--db", help=db_help)
    pub.add_argument(
        "--based-on",
        type=int,
        required=True,
        help="the version the file was made from (0: the default model); refused if another "
        "version was published since",
    )
    pub.add_argument("--author", default=os_user(), help="recorded with the version")
    pub.add_argument("--note", help="why, recorded with the version")
    pub.set_defaults(func=run_publish)

    kept = sub.add_parser(
        "datasets", parents=[common], help="list the datasets the workspace keeps"
    )
    kept.add_argument("--db", help=db_help)
    kept.set_defaults(func=run_datasets)

    restore = sub.add_parser(
        "restore-data", parents=[common], help="make a kept earlier dataset current again"
    )
    restore.add_argument("--db", help=db_help)
    restore.add_argument("--version", required=True, help="a version listed by `datasets`")
    restore.add_argument("--author", default=os_user(), help="recorded with the restore")
    restore.set_defaults(func=run_restore_data)

    log = sub.add_parser(
        "log", parents=[common], help="who imported, restored, published and downloaded what"
    )
    log.add_argument("--db", help=db_help)
    log.add_argument("--json", action="store_true", help="print one JSON list, newest first")
    log.set_defaults(func=run_log)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a refusal prints its message and exits 2, an unexpected error one line
    and exits 1 (its traceback with --debug), never a raw traceback otherwise."""
    top = parser()
    args = top.parse_args(argv)
    if args.command == "recalibrate" and not (args.out or args.json):
        top.error("recalibrate needs --out FILE to write the model, or --json to print the result")
    if args.command == "recalibrate" and args.keep_mqls not in (None, "current"):
        if not args.keep_mqls.isdigit() or int(args.keep_mqls) < 1:
            top.error(
                f"--keep-mqls takes a whole number of MQLs or 'current', not {args.keep_mqls!r}"
            )
    if hasattr(args, "check"):
        args.check(args)
    try:
        return int(args.func(args))
    except QualifyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"error: unexpected {type(exc).__name__}: {exc} (this is a bug in Qualify; run "
            "again with --debug for the traceback and report it)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
