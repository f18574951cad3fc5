"""Decisions per second with full explanation, per policy, on the scenario cases.

    .venv/bin/python benchmarks/decide.py [--repeat N]

A decision here is what ``discretion assess`` computes after reading the file: the
ladder walked with a trace of every clause evaluated, the outcome, the factors, and
(when undetermined) the missing-fact search. Reading the case into facts (validation,
offence classification) is timed separately. The same run also times the ladder with
no trace at all, as a baseline: the ratio is the cost of explaining.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from discretion import policies
from discretion.cases import parse_case
from discretion.decide import decide
from discretion.facts import Record, read_case
from discretion.rules import Env

ROOT = Path(__file__).resolve().parent.parent
GOAL_US = 25.0


def scenario_cases() -> list[Record]:
    records = []
    for path in sorted((ROOT / "tests" / "scenarios").glob("*.json")):
        records.append(read_case(parse_case(json.loads(path.read_text())["case"])))
    for path in sorted((ROOT / "examples").glob("*.json")):
        records.append(read_case(parse_case(json.loads(path.read_text()))))
    return records


def _time(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    best = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        fn()
        best.append(time.perf_counter_ns() - start)
    return statistics.median(best) / 1000.0


def bare_ladder(policy: policies.Policy, record: Record) -> None:
    env = Env(record.row, record.convictions, record.request_date or policy.effective)
    for rung in policy.ladder:
        if rung.when.eval(env) is True:
            return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200, help="timings per case and policy")
    args = parser.parse_args()
    records = scenario_cases()
    raw = [json.loads(p.read_text()) for p in sorted((ROOT / "examples").glob("*.json"))]
    read_us = statistics.median(_time(lambda d=d: read_case(parse_case(d)), args.repeat)
                                for d in raw)
    table = Table(title=f"Decisions with full explanation: {len(records)} cases, median of "
                  f"{args.repeat} runs each")
    for col in ("policy", "median µs", "p90 µs", "decisions/s", "bare ladder µs",
                "explaining ÷ bare", f"goal {GOAL_US:.0f} µs"):
        table.add_column(col, justify="right")
    medians = []
    for policy in policies.POLICIES.values():
        full = [_time(lambda r=r, p=policy: decide(r, p), args.repeat) for r in records]
        bare = [_time(lambda r=r, p=policy: bare_ladder(p, r), args.repeat) for r in records]
        med, bare_med = statistics.median(full), statistics.median(bare)
        p90 = statistics.quantiles(full, n=10)[-1]
        medians.append(med)
        table.add_row(policy.id, f"{med:.1f}", f"{p90:.1f}", f"{1e6 / med:,.0f}",
                      f"{bare_med:.1f}", f"{med / bare_med:.1f}×",
                      "met" if med <= GOAL_US else "missed")
    console = Console()
    console.print(table)
    overall = statistics.median(medians)
    console.print(f"Median over policies: {overall:.1f} µs per decision "
                  f"({1e6 / overall:,.0f} decisions/s); reading a case file into facts: "
                  f"{read_us:.1f} µs (once per case).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
