"""Time keeping 200 custom columns on 1M leads: the import, the file, and reading them back.

    python bench/attributes.py --leads 1000000 --columns 200 [--runs 3]

A leads export of text columns (as a CSV reads) is written once as Parquet under --data: a
record ID, a lead source, and --columns custom columns cycling number / category / boolean /
date, 40% of cells blank. `import_sources` with `attributes: all` types every column and stores
it in long form (lib.store.schema.ATTRIBUTE_TABLES). Then, from the imported file: the time to
read one attribute for every lead, and five attributes pivoted to one row per lead (what a
rule-scored model reads), beside the same reads from a typed wide table of the same values
(one column per attribute), the alternative the long form was chosen over. Prints medians.

Measured on 2 cores shared with other jobs (load ~4-5), values stored in the order staged:
- 100k leads x 200 columns (12M values): import 17.8 s median of 3 (10.5-20.2), peak 1.6 GiB;
  long table 91 MiB (typed wide table 41 MiB); one attribute for every lead 0.10 s (wide
  0.016 s); five attributes pivoted per lead in pandas 0.48 s (wide 0.030 s).
- 1M leads x 50 columns (30M values): import 43.0 s (1 run), peak 3.4 GiB; long table 224 MiB
  (wide 104 MiB); one attribute 0.54 s (wide 0.34 s); five pivoted 7.0 s (wide 0.52 s).
- 1M x 200 (120M values) was stopped at 18 GiB resident before each value row carried the
  column's position instead of its header; not measured since.
Before readers ran on distinct values (strptime per cell), 100k x 200 took 95 s; sorting the
stored values by attribute cost 29-39 s of a 55 s import at 1M x 50 (reads 0.2 s then).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.ingest import import_sources  # noqa: E402
from lib.store.connection import connect  # noqa: E402

MAPPING = """
name: bench leads
tables:
  leads:
    file: "leads*.parquet"
    columns:
      lead_id: Id
      channel: Source
    attributes: all
"""
KINDS = ("number", "category", "boolean", "date")


def column_sql(j: int) -> str:
    """Return SQL of custom column j as text, 40% blank, its kind cycling through KINDS."""
    h = f"hash(i * 7919 + {j})"
    kind = KINDS[j % len(KINDS)]
    value = {
        "number": f"cast({h} % 1000 as varchar)",
        "category": f"'tier ' || cast({h} % 12 as varchar)",
        "boolean": f"case when {h} % 2 = 0 then 'Yes' else 'No' end",
        "date": f"strftime(date '2023-01-01' + cast({h} % 700 as integer), '%Y-%m-%d')",
    }[kind]
    return f'case when {h} % 10 < 4 then null else {value} end as "Custom {kind} {j}"'


def export(folder: Path, leads: int, columns: int) -> Path:
    """Return the Parquet export, writing it when absent."""
    path = folder / f"leads_{leads}_{columns}.parquet"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    customs = ", ".join(column_sql(j) for j in range(columns))
    started = time.perf_counter()
    duckdb.execute(
        f"copy (select 'L' || cast(i as varchar) as \"Id\", 'Web' as \"Source\", {customs} "
        f"from range({leads}) as t(i)) to '{path}' (format parquet)"
    )
    print(f"wrote {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def typed_columns(columns: int) -> str:
    """Return SQL selecting the export's columns typed as the import types them (wide form)."""
    cast = {"number": "double", "category": "varchar", "boolean": "boolean", "date": "timestamp"}
    typed = []
    for j in range(columns):
        kind = KINDS[j % len(KINDS)]
        value = f'"Custom {kind} {j}"'
        if kind == "boolean":
            value = f"({value} = 'Yes')"
        typed.append(f'cast({value} as {cast[kind]}) as "Custom {kind} {j}"')
    return ", ".join(['"Id"', *typed])


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args()
    source = export(args.data, args.leads, args.columns)
    with tempfile.TemporaryDirectory(prefix="qualify-bench-") as tmp:
        mapping = Path(tmp) / "mapping.yaml"
        mapping.write_text(MAPPING, encoding="utf-8")
        imports = []
        for run in range(args.runs):
            db = Path(tmp) / f"run{run}.duckdb"
            conn = connect(db)
            started = time.perf_counter()
            import_sources(conn, [source], mapping=mapping)
            conn.execute("checkpoint")
            imports.append(time.perf_counter() - started)
            conn.close()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
        conn = duckdb.connect(str(db), read_only=True)
        stored = conn.execute("select count(*) from lead_attributes").fetchall()[0][0]
        kinds = conn.execute(
            "select kind, count(*) from attributes group by 1 order by 1"
        ).fetchall()
        long_bytes = _table_bytes(conn, "lead_attributes")
        names = [f"Custom {KINDS[j % 4]} {j}" for j in (0, 1, 2, 3, 4 * (args.columns // 8))]
        one = names[0]
        long_one = timed(
            lambda: conn.execute(
                "select lead_id, number_value from lead_attributes where name = $n", {"n": one}
            ).df(),
            args.runs,
        )
        long_five = timed(
            lambda: (
                conn.execute(
                    "select lead_id, name, number_value, date_value, flag_value, text_value "
                    "from lead_attributes where name in (select unnest($n))",
                    {"n": names},
                )
                .df()
                .pivot(index="lead_id", columns="name")
            ),
            args.runs,
        )
        wide = duckdb.connect(str(Path(tmp) / "wide.duckdb"))
        started = time.perf_counter()
        wide.execute(f"create table wide as select {typed_columns(args.columns)} from '{source}'")
        wide.execute("checkpoint")
        wide_write = time.perf_counter() - started
        wide_bytes = _table_bytes(wide, "wide")
        wide_one = timed(lambda: wide.execute(f'select "Id", "{one}" from wide').df(), args.runs)
        cols = ", ".join(f'"{n}"' for n in names)
        wide_five = timed(lambda: wide.execute(f'select "Id", {cols} from wide').df(), args.runs)
    print(f"leads x columns        {args.leads:,} x {args.columns}")
    print(f"values stored          {stored:,} (blanks not stored); kinds {kinds}")
    print(f"import (median)        {statistics.median(imports):.1f} s  runs {imports}")
    print(f"peak memory (process)  {peak:,.1f} GiB")
    print(f"long table size        {long_bytes / 2**20:,.0f} MiB")
    print(f"read 1 attribute       long {long_one:.3f} s   wide {wide_one:.3f} s")
    print(f"read 5 attributes      long {long_five:.3f} s (pivoted)   wide {wide_five:.3f} s")
    print(f"wide table (typed)     {wide_bytes / 2**20:,.0f} MiB, written in {wide_write:.1f} s")


def _table_bytes(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    """Return the bytes a table's blocks take in its database file."""
    blocks = conn.execute(
        "select count(distinct block_id) from pragma_storage_info($t)", {"t": table}
    ).fetchall()[0][0]
    size = conn.execute("select block_size from pragma_database_size()").fetchall()[0][0]
    return int(blocks) * int(size)


if __name__ == "__main__":
    main()
