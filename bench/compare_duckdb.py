#!/usr/bin/env python3
"""yanhuo against DuckDB on the same Parquet files and the same SQL, in one run.

For each figure of docs/METRICS.md, one after the other, the two engines take turns run by
run: `yanhuo bench --json --paced --only NAME` runs the figure each time the script asks
and prints how long it took, and DuckDB runs the same SQL in between, so both meet the
machine in the same second (its speed drifts by a third over minutes, and a figure's ratio
would otherwise say in which minute each engine ran). The SQL comes from `yanhuo query NAME
--print-sql` (every query file it uses inlined, parameters at their defaults) and runs
unchanged on DuckDB, with `local_date(ts)` defined as the same thing: the calendar date of
an instant in the district's zone. Both engines get the same threads (2 by default: the
machine the README's table was measured on).

    pip install duckdb
    cargo build --release
    python3 bench/compare_duckdb.py --data sample-data --runs 5

Prints a Markdown table (cold and warm medians, and warm yanhuo / warm DuckDB) ready for the
README, and checks that both engines return the same number of rows.

`--rounds N` runs both engines in turn, figure by figure, N times more over the figures both
run, and prints each figure's ratio in every round: on a shared machine whose speed drifts
by a third over minutes, one round's ratio of a 20 ms figure says little, and the spread
says how little.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import duckdb

from yanhuo_cli import yanhuo

def register(con, data, held=()):
    """Each table of the data folder as a DuckDB view over the same files: TABLE/ of Parquet
    parts, TABLE.parquet or TABLE.csv, as docs/DATA.md lays a folder out. The tables in
    `held`, which yanhuo holds in memory once read (`--hold-tables-under`), DuckDB reads
    into its own memory too, as a table."""
    for entry in sorted(os.listdir(data)):
        path = os.path.join(data, entry)
        table, ext = os.path.splitext(entry)
        if entry.startswith(".") or entry == "rejects":
            continue
        if os.path.isdir(path) and any(f.endswith(".parquet") for f in os.listdir(path)):
            source = f"read_parquet('{path}/*.parquet')"
        elif ext == ".parquet":
            source = f"read_parquet('{path}')"
        elif ext == ".csv":
            source = f"read_csv_auto('{path}')"
        else:
            continue
        kind = "TABLE" if table in held else "VIEW"
        con.execute(f"CREATE {kind} {table} AS SELECT * FROM {source}")


def register_kept(con, data, held=()):
    """The folder's kept tables (kept/NAME/*.parquet, README "Kept tables") as DuckDB views,
    for the figures as the server runs them, those in `held` as tables (as `register`).
    Returns their names."""
    kept = os.path.join(data, "kept")
    names = []
    if not os.path.isdir(kept):
        return names
    for name in sorted(os.listdir(kept)):
        folder = os.path.join(kept, name)
        if os.path.isdir(folder) and any(f.endswith(".parquet") for f in os.listdir(folder)):
            kind = "TABLE" if name in held else "VIEW"
            con.execute(f"CREATE {kind} {name} AS SELECT * FROM read_parquet('{folder}/*.parquet')")
            names.append(name)
    return names


def timed(con, sql, runs):
    start = time.perf_counter()
    rows = len(con.execute(sql).fetchall())
    cold = time.perf_counter() - start
    warm = []
    for _ in range(runs):
        start = time.perf_counter()
        con.execute(sql).fetchall()
        warm.append(time.perf_counter() - start)
    return rows, cold * 1000, statistics.median(warm) * 1000


def figures(args):
    """The figures `yanhuo bench` times (src/bench/mod.rs holds the one list), those named by
    `--only` if it is given."""
    names = yanhuo(args.binary, "--data", args.data, "bench", "--list").split()
    only = [n for n in args.only.split(",") if n]
    return [n for n in names if not only or n in only]


def probe(args, name):
    """`yanhuo bench --json --runs 1` on the one figure `name`: the report says which tables
    yanhuo holds in memory and whether the kept tables are current, which DuckDB is set up
    with before the figures are timed."""
    return json.loads(
        yanhuo(args.binary, "--data", args.data, "bench", "--json", "--runs", "1", "--only", name)
    )


class Unsupported(Exception):
    """DuckDB cannot run the figure: it uses one of yanhuo's own aggregates."""


def turns(args, con, name, sql):
    """Both engines on one figure, taking turns (`yanhuo bench --paced`): yanhuo's cold run,
    DuckDB's, then a warm run of each, `args.runs` times. Returns yanhuo's report and its
    figure's times, and DuckDB's rows, cold time and warm median (ms); DuckDB's three are
    None, with its message, where it cannot run the figure (yanhuo's runs go on)."""
    command = [args.binary, "--data", args.data, "bench", "--json", "--paced", "--runs", str(args.runs), "--only", name]
    # Its messages to a file, not a pipe nobody reads while it runs: a full pipe would stop it.
    errors = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        env={**os.environ, "YANHUO_LOG": "warn"},
    )

    def failed():
        proc.wait()
        errors.seek(0)
        sys.exit(f"{' '.join(command)} failed ({proc.returncode}):\n{errors.read().strip()}")

    def yanhuo_turn():
        proc.stdin.write("\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            failed()
        return json.loads(line)["run_ms"]

    def duckdb_turn():
        start = time.perf_counter()
        try:
            rows = len(con.execute(sql).fetchall())
        except duckdb.Error as error:
            # The WeChat figures' interval is yanhuo's own aggregate (the wild cluster
            # bootstrap of docs/METRICS.md, src/engine/functions/wild_cluster.rs): DuckDB
            # has no such function, so there is nothing to run it against.
            if "wild_cluster" not in str(error):
                raise
            raise Unsupported(str(error).splitlines()[0]) from error
        return rows, (time.perf_counter() - start) * 1000

    yanhuo_turn()
    unsupported = None
    try:
        rows, cold = duckdb_turn()
    except Unsupported as reason:
        unsupported, rows, cold = str(reason), None, None
    warm = []
    for _ in range(args.runs):
        yanhuo_turn()
        if unsupported is None:
            warm.append(duckdb_turn()[1])
    out, _ = proc.communicate()
    if proc.returncode != 0:
        failed()
    report = json.loads(out)
    duck = (rows, cold, statistics.median(warm) if warm else None, unsupported)
    return report, report["queries"][0], duck


def connect(args, report):
    """DuckDB with the same threads, zone and tables as the yanhuo of `report`, and
    `local_date`: the tables yanhuo holds in memory are tables in DuckDB's too. Returns the
    connection and the kept tables it has (none unless the folder's are current)."""
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    con.execute(f"SET memory_limit = '{args.memory_limit}'")
    con.execute(f"SET TimeZone = '{args.zone}'")
    # The same function yanhuo adds to DataFusion (src/engine/functions/).
    con.execute(
        f"CREATE MACRO local_date(ts) AS CAST(timezone('{args.zone}', CAST(ts AS TIMESTAMPTZ)) AS DATE)"
    )
    held = report.get("held_tables", [])
    register(con, args.data, held)
    kept = register_kept(con, args.data, held) if report.get("kept") == "Current" else []
    return con, kept


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="sample-data")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--zone", default="Asia/Shanghai")
    parser.add_argument("--binary", default="target/release/yanhuo")
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--only", default="", help="comma-separated figures (default: all)")
    parser.add_argument(
        "--rounds", type=int, default=0, help="rounds more of both engines in turn (warm ratios)"
    )
    args = parser.parse_args()

    con = None
    reports = []
    worst = 0.0
    worst_served = 0.0
    # Each figure both engines ran: its SQL, and its ratio in each round.
    compared = {}
    names = figures(args)
    if not names:
        sys.exit(f"no figure of yanhuo's benchmark is named by --only {args.only}")
    for name in names:
        if con is None:
            report = probe(args, name)
            con, kept = connect(args, report)
            print(f"data: {args.data}, {report['orders']:,} orders; runs: {args.runs}; threads: {args.threads}")
            print(f"DuckDB {duckdb.__version__}; each figure timed by both engines taking turns, run by run")
            print()
            print(f"kept tables: {report.get('kept')}; held in memory by both engines: {', '.join(report.get('held_tables', [])) or 'none'}")
            print()
            print(
                "| figure | yanhuo cold | yanhuo warm | of it planning | DuckDB cold | DuckDB warm "
                "| yanhuo / DuckDB (warm) | yanhuo as served | DuckDB on kept tables | served / DuckDB on kept |"
            )
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        sql = yanhuo(args.binary, "--data", args.data, "query", name, "--print-sql")
        expected_rows = len(
            yanhuo(args.binary, "--data", args.data, "query", name, "--format", "csv").splitlines()
        ) - 1
        report, ours, (rows, cold, warm, reason) = turns(args, con, name, sql)
        reports.append(report)
        if reason is not None:
            # The function DuckDB lacks, as its message names it (interval or band).
            function = next(
                (w.strip("\"'!") for w in reason.split() if w.startswith("wild_cluster")),
                "wild_cluster",
            )
            served = ours.get("served_ms")
            print(
                f"| {name} | {ours['cold_ms']:.0f} ms | {ours['warm_ms']:.0f} ms "
                f"| {ours['plan_ms']:.0f} ms | — | — | not comparable: uses yanhuo's {function} "
                f"| {served:.0f} ms | — | — |"
            )
            print(f"{name}: not run on DuckDB ({reason})", file=sys.stderr)
            continue
        if rows != expected_rows:
            print(f"{name}: DuckDB returned {rows} rows, yanhuo {expected_rows}", file=sys.stderr)
            sys.exit(1)
        ratio = ours["warm_ms"] / warm
        worst = max(worst, ratio)
        compared[name] = (sql, [ratio])
        served = ours.get("served_ms")
        served_cells = "| | |"
        if kept and served is not None:
            # The same file with the kept tables read by name, on the same kept Parquet.
            kept_sql = yanhuo(
                args.binary, "--data", args.data, "query", name, "--print-sql", "--read-kept"
            )
            kept_rows, _, kept_warm = timed(con, kept_sql, args.runs)
            if kept_rows != expected_rows:
                print(f"{name}: DuckDB on kept tables returned {kept_rows} rows", file=sys.stderr)
                sys.exit(1)
            worst_served = max(worst_served, served / kept_warm)
            served_cells = f"{served:.0f} ms | {kept_warm:.0f} ms | {served / kept_warm:.2f}× |"
        print(
            f"| {name} | {ours['cold_ms']:.0f} ms | {ours['warm_ms']:.0f} ms "
            f"| {ours['plan_ms']:.0f} ms | {cold:.0f} ms | {warm:.0f} ms | {ratio:.2f}× | {served_cells}"
        )
    report = reports[0]
    print()
    peaks = [r["peak_memory_mib"] for r in reports if r.get("peak_memory_mib") is not None]
    if peaks:
        print(f"yanhuo peak memory: {max(peaks):.0f} MiB (the largest of its runs, one per figure)")
    print(
        f"recovery dashboard: server start {report['server_start_ms']:.0f} ms, "
        f"first view {report['dashboard_cold_ms']:.0f} ms, warm {report['dashboard_warm_ms']:.1f} ms; "
        f"line chart SVG {report['chart_svg_ms']:.2f} ms, PNG 1600×900 {report['chart_png_ms']:.1f} ms"
    )
    downloads = ", ".join(f"{uri} {took:.0f} ms" for uri, took in report.get("downloads_ms", []))
    if downloads:
        print(f"downloads with the publishing rules (first request): {downloads}")
    print(f"worst ratio: {worst:.2f}×" + (f"; as served: {worst_served:.2f}×" if kept else ""))
    if args.rounds > 0 and compared:
        print_rounds(args, con, compared)


def print_rounds(args, con, compared):
    """Both engines in turn, figure by figure, `args.rounds` times more, on the figures both
    ran (yanhuo's benchmark of the others, minutes of WeChat bootstraps at a city, would be
    thrown away); each figure's warm ratio per round, then the median over all rounds, the
    first included."""
    for _ in range(args.rounds):
        for name, (sql, ratios) in compared.items():
            _, ours, (_, _, warm, _) = turns(args, con, name, sql)
            ratios.append(ours["warm_ms"] / warm)
    print()
    print(f"| figure | yanhuo / DuckDB in each of {args.rounds + 1} rounds | median |")
    print("|---|---|---:|")
    medians = {name: statistics.median(ratios) for name, (_, ratios) in compared.items()}
    for name, (_, ratios) in compared.items():
        each = ", ".join(f"{r:.2f}" for r in ratios)
        print(f"| {name} | {each} | {medians[name]:.2f}× |")
    print(f"worst median ratio: {max(medians.values()):.2f}×")


if __name__ == "__main__":
    main()
