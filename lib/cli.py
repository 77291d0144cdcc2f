"""Headless commands: import exports, print KPIs, score leads, recalibrate.

python -m lib.cli import SOURCE... --db FILE [--source-format ...] [--mapping FILE]
                        [--won-stage L ...] [--lost-stage L ...] [--open-stage L ...]
                        [--date-order dmy|mdy] [--decimal .|,] [--currency EUR]
                        [--currency-rate GBP=1.17 ...]
python -m lib.cli kpis --db FILE [--model FILE] --json [--start D] [--end D]
                       [--segment S ...] [--channel C ...]
python -m lib.cli score --db FILE [--model FILE] --out FILE.csv
python -m lib.cli recalibrate --db FILE [--model FILE] --out FILE.yaml [--force] [--min-deals N]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date

from lib.errors import QualifyError
from lib.ingest import ALL_FORMATS, ImportOptions, import_sources
from lib.store.connection import DB_ENV_VAR, connect

Command = Callable[[argparse.Namespace], int]


def _progress_line(fraction: float, message: str) -> None:
    # a terminal gets one self-updating line; a log file gets one line per step
    end = "\n" if fraction >= 1 or not sys.stderr.isatty() else ""
    sys.stderr.write(f"\r[{fraction:4.0%}] {message:<60}{end}")
    sys.stderr.flush()


def run_import(args: argparse.Namespace) -> int:
    """Import exports into the database and print rows per table."""
    with connect(args.db) as conn:
        report = import_sources(
            conn,
            args.sources,
            source_format=args.source_format,
            mapping=args.mapping,
            progress=_progress_line,
            options=import_options(args),
        )
    print(f"Imported a {report.source_format} export in {report.seconds:.1f} s")
    for table, rows in report.rows.items():
        print(f"  {table:<14} {rows:>10,} rows")
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


def run_kpis(args: argparse.Namespace) -> int:
    """Print the KPIs by segment (JSON with --json, a table otherwise)."""
    from lib.metrics.filters import Filters
    from lib.metrics.kpis import kpis_by_segment
    from lib.model import load_model
    from lib.store.model_versions import published_model

    with connect(args.db) as conn:
        model = load_model(args.model) if args.model else published_model(conn)
        filters = Filters(
            start=args.start,
            end=args.end,
            segments=tuple(args.segment) if args.segment else None,
            channels=tuple(args.channel) if args.channel else None,
        )
        result = kpis_by_segment(conn, model.segments, filters)
    if args.json:
        print(json.dumps(result, allow_nan=False))
    else:
        for row in [*result["by_segment"], result["overall"]]:
            print(
                f"{row['segment']:<12} won {row['won']:>6} lost {row['lost']:>6} "
                f"win rate {_pct(row['win_rate'])}  MQL->SQL {_pct(row['mql_to_sql_rate'])}"
            )
    return 0


def run_score(args: argparse.Namespace) -> int:
    """Score every lead and write the CRM re-import CSV."""
    from lib.features import lead_features
    from lib.model import load_model
    from lib.present.export import write_crm_csv
    from lib.scoring import score_leads
    from lib.store.model_versions import published_model

    with connect(args.db) as conn:
        model = load_model(args.model) if args.model else published_model(conn)
        scores = score_leads(lead_features(conn, model=model), model)
    rows = write_crm_csv(scores, args.out)
    print(f"Scored {rows:,} leads with model version {model.version}; wrote {args.out}")
    for stage, count in scores["stage"].value_counts().items():
        print(f"  {stage:<10} {count:>10,}")
    return 0


def run_recalibrate(args: argparse.Namespace) -> int:
    """Re-fit weights on closed deals, print held-out validation and write the model file."""
    from lib.evaluate.recalibration import export_recalibrated, recalibrate
    from lib.model import load_model
    from lib.store.model_versions import published_model

    with connect(args.db) as conn:
        model = load_model(args.model) if args.model else published_model(conn)
        result = recalibrate(conn, model, min_closed_deals=args.min_deals)
    (a, b), (c, d) = result.train_period, result.test_period
    print(
        f"Closed deals {result.closed_deals:,}: train {result.train_size:,} ({a} to {b}), "
        f"test {result.test_size:,} ({c} to {d})"
    )
    for name, metrics in result.metrics.items():
        print(f"  test AUC {name:<13} {metrics.auc:.3f}")
    for line in (*result.findings, *(f"warning: {w}" for w in result.warnings)):
        print(f"  {line}")
    export_recalibrated(result, args.out, force=args.force)
    print(f"Wrote {args.out} (model version {result.model.version})")
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
    sub = top.add_subparsers(dest="command", required=True)
    db_help = f"DuckDB file (default: ${DB_ENV_VAR} or var/qualify.duckdb)"

    imp = sub.add_parser("import", help="import CRM export files, folders or zips")
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
    imp.set_defaults(func=run_import)

    kpis = sub.add_parser("kpis", help="print KPIs by segment")
    kpis.add_argument("--db", help=db_help)
    kpis.add_argument("--model", help="model YAML (default: the latest published model)")
    kpis.add_argument("--json", action="store_true", help="print one JSON object")
    kpis.add_argument("--start", type=date.fromisoformat, help="first day of the period")
    kpis.add_argument("--end", type=date.fromisoformat, help="last day of the period")
    kpis.add_argument("--segment", action="append", help="only this segment (repeatable)")
    kpis.add_argument("--channel", action="append", help="only this channel (repeatable)")
    kpis.set_defaults(func=run_kpis)

    score = sub.add_parser("score", help="score every lead and write a CSV for CRM re-import")
    score.add_argument("--db", help=db_help)
    score.add_argument("--model", help="model YAML (default: the latest published model)")
    score.add_argument("--out", required=True, help="CSV file to write")
    score.set_defaults(func=run_score)

    recal = sub.add_parser("recalibrate", help="re-fit weights on closed deals and write a model")
    recal.add_argument("--db", help=db_help)
    recal.add_argument("--model", help="model YAML to start from (default: the published model)")
    recal.add_argument("--out", required=True, help="model file to write (.yaml or .json)")
    recal.add_argument(
        "--min-deals",
        type=int,
        default=500,
        help="closed deals needed to trust the fit (default 500)",
    )
    recal.add_argument("--force", action="store_true", help="write even an untrusted model")
    recal.set_defaults(func=run_recalibrate)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a refusal prints its message and exits 2, never a traceback."""
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except QualifyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
