"""Population simulation speed: synthetic cases x the six policies on embedded DuckDB.

    .venv/bin/python benchmarks/simulate.py [--rows 10000000] [--threads 2]

Prints, measured in one run:
- case-decisions per second of the compiled query (all six policies, one query);
- peak memory of the process;
- the ratio against the explaining path (``decide``, full explanation) on a sample;
- the ratio against a hand-written DuckDB query of one policy (the 2021 guidelines)
  computing the same outputs (enforcement, priority, deciding rung), which must give the
  same counts as the compiled one.
The synthetic population is generated once and cached under ``var/bench/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from discretion import policies
from discretion.decide import decide
from discretion.facts import CASE_FACTS, CONVICTION_FACTS, Record
from discretion.simulate.engines import DuckDBEngine
from discretion.simulate.population_io import load_population
from discretion.simulate.query import Plan, counts_query
from discretion.simulate.synth import synth

ROOT = Path(__file__).resolve().parent.parent
DATE_COLUMN = "apprehension_date"
console = Console()

HAND_WRITTEN = """
WITH a AS (SELECT case_id, count(*) AS n FROM convictions GROUP BY case_id),
f AS (
  SELECT
    (p.terrorism OR p.espionage OR p.national_security_other
     OR coalesce(p.determination_national_security_threat, FALSE)) AS ns,
    ((p.apprehension_at IN ('border', 'port_of_entry') AND p.attempting_unlawful_entry)
     OR ((CASE WHEN p.last_entry_manner IS NOT NULL THEN p.last_entry_manner = 'without_inspection'
               WHEN p.entry_count = 0 THEN FALSE END)
         AND (CASE WHEN p.last_entry_date IS NOT NULL THEN p.last_entry_date > DATE '2020-11-01'
                   WHEN p.apprehension_date IS NULL OR p.apprehension_date > DATE '2020-11-01'
                   THEN NULL ELSE FALSE END))) AS bs,
    coalesce(p.determination_public_safety_threat, FALSE) AS ps,
    p.determination_public_safety_threat IS NULL
      AND ((CASE WHEN a.n > 0 THEN TRUE WHEN p.conviction_count IS NULL THEN NULL ELSE FALSE END)
           OR p.pending_charge OR p.chargeable_conduct) AS psa
  FROM cases p LEFT JOIN a ON a.case_id = p.id)
SELECT
  CASE WHEN ns OR bs OR ps THEN 'permitted' WHEN NOT (ns OR bs OR ps) THEN 'judgement'
       ELSE 'undetermined' END AS e,
  CASE WHEN ns OR bs OR ps THEN CASE WHEN ns THEN 'NS' WHEN bs THEN 'BS' ELSE 'PS' END END AS p,
  CASE WHEN ns OR bs OR ps THEN CASE WHEN ns THEN 'NS' WHEN bs THEN 'BS' ELSE 'PS' END
       WHEN NOT (ns OR bs OR ps) THEN CASE WHEN psa THEN 'PS-assess' ELSE 'outside' END END AS r,
  count(*) AS n
FROM f GROUP BY 1, 2, 3
"""


def bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                    console=console)


def population(rows: int) -> Path:
    path = ROOT / "var" / "bench" / f"synth-{rows}.parquet"
    if not path.exists():
        console.print(f"generating {rows:,} synthetic cases (once) ...")
        synth(rows, path, progress=True)
    return path


def timed(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[float, list[Any]]:
    start = time.perf_counter()
    rows = con.execute(sql).fetchall()
    return time.perf_counter() - start, rows


def sample_records(con: duckdb.DuckDBPyConnection, n: int) -> list[tuple[Record, dt.date]]:
    case_cols = ["id", *(f.name for f in CASE_FACTS)]
    cur = con.execute(f"SELECT {', '.join(chr(34) + c + chr(34) for c in case_cols)} FROM cases "
                      f"USING SAMPLE {n} ROWS (reservoir, 7)")
    cases = [dict(zip(case_cols, r, strict=True)) for r in cur.fetchall()]
    ids = [c["id"] for c in cases]
    conv_cols = ["case_id", *(f.name for f in CONVICTION_FACTS)]
    cur = con.execute(f"SELECT {', '.join(chr(34) + c + chr(34) for c in conv_cols)} FROM "
                      "convictions WHERE case_id IN (SELECT unnest(?)) ORDER BY case_id, idx",
                      [ids])
    by_case: dict[str, list[dict[str, Any]]] = {}
    for r in cur.fetchall():
        row = dict(zip(conv_cols, r, strict=True))
        by_case.setdefault(row.pop("case_id"), []).append(row)
    out = []
    for c in cases:
        rid = c.pop("id")
        out.append((Record(rid, c, by_case.get(rid, []), None), c[DATE_COLUMN] or dt.date(2018, 1, 1)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sample", type=int, default=2_000, help="cases for the explaining path")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each query (median)")
    args = parser.parse_args()

    path = population(args.rows)
    con = duckdb.connect()
    engine = DuckDBEngine(con, threads=args.threads)
    with bar() as progress:
        task = progress.add_task("loading the population into DuckDB", total=None)
        start = time.perf_counter()
        load_population(path, con)
        load_s = time.perf_counter() - start
        progress.update(task, total=1, completed=1)
    cases = engine.count("cases")

    all_six = list(policies.POLICIES.values())
    query, _ = counts_query(Plan(all_six, DATE_COLUMN, {}))
    one = policies.get("dhs-2021-09-30")
    one_query, compiled_one = counts_query(Plan([one], DATE_COLUMN, {}))
    sql_six, sql_one = query.sql("duckdb"), one_query.sql("duckdb")
    times: dict[str, list[float]] = {"six": [], "one": [], "hand": []}
    results: dict[str, list[Any]] = {}
    with bar() as progress:
        task = progress.add_task("timing the compiled and hand-written queries",
                                 total=3 * args.repeat)
        for _ in range(args.repeat):
            for key, sql in (("six", sql_six), ("one", sql_one), ("hand", HAND_WRITTEN)):
                seconds, rows = timed(con, sql)
                times[key].append(seconds)
                results[key] = rows
                progress.advance(task)
    med = {k: statistics.median(v) for k, v in times.items()}

    # The hand-written query must answer what the compiled one answers.
    # (enforcement, priority, deciding rung) per code, from the policy's ladder.
    outcome = {o.code: (o.enforcement, o.priority, o.rung) for o in compiled_one[0].outcomes}
    compiled_counts: dict[tuple[Any, ...], int] = {}
    for *codes, n in results["one"]:
        key = outcome[codes[-1]]
        compiled_counts[key] = compiled_counts.get(key, 0) + n
    hand_counts = {(e, p, r): n for e, p, r, n in results["hand"]}
    same = compiled_counts == hand_counts

    sample = sample_records(con, args.sample)
    with bar() as progress:
        task = progress.add_task(f"explaining path on {len(sample):,} cases x 6 policies",
                                 total=len(sample))
        start = time.perf_counter()
        for record, day in sample:
            for policy in all_six:
                decide(record, policy, day)
            progress.advance(task)
        python_s = time.perf_counter() - start
    python_rate = len(sample) * len(all_six) / python_s
    sql_rate = cases * len(all_six) / med["six"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    table = Table(title=f"{cases:,} synthetic cases x {len(all_six)} policies, DuckDB, "
                  f"{args.threads} threads (median of {args.repeat})")
    for col in ("measure", "value", "goal"):
        table.add_column(col)
    table.add_row("compiled query, six policies", f"{med['six']:.2f} s", "")
    table.add_row("case-decisions per second", f"{sql_rate / 1e6:.1f} million", "≥ 10 million")
    table.add_row("explaining path (full explanation)", f"{python_rate:,.0f} decisions/s", "")
    table.add_row("compiled ÷ explaining path", f"{sql_rate / python_rate:,.0f}×", "≥ 500×")
    table.add_row("compiled query, one policy (2021 guidelines)", f"{med['one']:.2f} s", "")
    table.add_row("hand-written query, same policy", f"{med['hand']:.2f} s", "")
    table.add_row("compiled ÷ hand-written time", f"{med['one'] / med['hand']:.2f}×", "≤ 1.5×")
    table.add_row("hand-written gives the same counts", "yes" if same else f"NO: {hand_counts} "
                  f"vs {compiled_counts}", "yes")
    table.add_row("peak memory (process)", f"{peak_mb:,.0f} MB", "")
    table.add_row("loading the Parquet population", f"{load_s:.1f} s (not in the rates)", "")
    console.print(table)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
