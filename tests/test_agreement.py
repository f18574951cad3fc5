"""The SQL path and the explaining path give the same enforcement and priority.

Random cases, unknowns included (Hypothesis), on embedded DuckDB; one generated batch
on the local PostgreSQL server and on Spark in local mode, for real.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from discretion import policies
from discretion.cases import load_case, parse_case
from discretion.decide import decide
from discretion.facts import Record, read_case
from discretion.simulate.engines import DuckDBEngine, Engine, PostgresEngine, SparkEngine, load_records
from discretion.simulate.query import Plan, outcomes_query
from strategies import full_and_partial

POLICIES = list(policies.POLICIES.values())
PG_URL = os.environ.get("DISCRETION_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
batches = st.lists(full_and_partial(), min_size=10, max_size=25)


def to_records(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[Record]:
    return [read_case(parse_case({**case, "id": f"c{i}-{j}"}))
            for i, pair in enumerate(pairs) for j, case in enumerate(pair)]


def disagreements(engine: Engine, records: list[Record]) -> list[tuple[Any, ...]]:
    """Both layouts the engine supports, against the explaining path."""
    load_records(engine, records, {r.id: {"as_of": r.request_date} for r in records})
    out = _compare(engine, records, "table")
    if "list" in engine.layouts:
        engine.add_list_column()  # type: ignore[attr-defined]
        out += _compare(engine, records, "list")
    return out


def _compare(engine: Engine, records: list[Record], layout: str) -> list[tuple[Any, ...]]:
    plan = Plan(POLICIES, "as_of", {}, layout=layout, dialect=engine.dialect)
    rows = {row["id"]: row for row in engine.run(outcomes_query(plan))}
    out = []
    for record in records:
        for i, policy in enumerate(POLICIES):
            d = decide(record, policy)
            python = (d.enforcement, d.priority.id if d.priority else None)
            sql = (rows[record.id][f"e{i}"], rows[record.id][f"p{i}"])
            if python != sql:
                out.append((layout, record.id, policy.id, python, sql))
    return out


@pytest.fixture(scope="module")
def duck() -> Iterator[DuckDBEngine]:
    engine = DuckDBEngine()
    yield engine
    engine.close()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(batches)
def test_duckdb_agrees_with_the_explaining_path(duck: DuckDBEngine,
                                                pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    assert disagreements(duck, to_records(pairs)) == []


def test_examples_agree(duck: DuckDBEngine) -> None:
    records = [read_case(load_case(p)) for p in sorted(EXAMPLES.glob("*.json"))]
    assert disagreements(duck, records) == []


def one_batch(size: int = 80) -> list[Record]:
    found: list[Record] = []

    @settings(max_examples=1, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(full_and_partial(), min_size=size, max_size=size))
    def draw(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
        found.extend(to_records(pairs))

    draw()
    return found


def test_postgresql_agrees() -> None:
    engine = PostgresEngine(PG_URL, schema=f"agree_{os.getpid()}")
    try:
        assert disagreements(engine, one_batch()) == []
    finally:
        engine.drop()
        engine.close()


def test_spark_agrees() -> None:
    engine = SparkEngine()
    try:
        assert disagreements(engine, one_batch()) == []
    finally:
        engine.close()


@pytest.mark.parametrize("layout", ["table", "list"])
def test_golden_scenarios_through_sql(duck: DuckDBEngine, layout: str) -> None:
    """Every golden scenario's expectation, met by the SQL path as by the explaining path."""
    from test_scenarios import assessment_date, checks, load

    scenarios = {}
    for check in checks():
        if check.policy is not None:
            scenarios.setdefault(check.file, []).append(check)
    records, dates = [], {}
    for path, _ in scenarios.items():
        scenario = load(path)
        record = read_case(parse_case({**scenario["case"], "id": path.stem}))
        records.append(record)
        dates[record.id] = assessment_date(scenario) or record.request_date
    load_records(duck, records, {r.id: {"as_of": dates[r.id]} for r in records})
    if layout == "list":
        duck.add_list_column()
    rows = {row["id"]: row for row in duck.run(outcomes_query(Plan(POLICIES, "as_of", {},
                                                                   layout=layout)))}
    index = {p.id: i for i, p in enumerate(POLICIES)}
    wrong = []
    for path, expectations in scenarios.items():
        for check in expectations:
            i = index[check.policy]
            got = {"enforcement": rows[path.stem][f"e{i}"], "priority": rows[path.stem][f"p{i}"]}
            want = {k: check.expected[k] for k in ("enforcement", "priority")}
            if got != want:
                wrong.append((check.id, want, got))
    assert wrong == []
    assert len(scenarios) >= 60


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(batches)
def test_assumptions_fill_unknowns_the_same_way(duck: DuckDBEngine,
                                                pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    from discretion.simulate.run import parse_assumptions

    facts, _ = parse_assumptions(["national_security=false", "gang_participation=false",
                                  "chargeable_conduct=true"])
    values = {f: a.value for a in facts for f in a.facts}
    records = to_records(pairs)
    load_records(duck, records, {r.id: {"as_of": r.request_date} for r in records})
    plan = Plan(POLICIES, "as_of", values)
    rows = {row["id"]: row for row in duck.run(outcomes_query(plan))}
    for record in records:
        filled = Record(record.id, {k: values[k] if v is None and k in values else v
                                    for k, v in record.row.items()}, record.convictions,
                        record.case)
        for i, policy in enumerate(POLICIES):
            d = decide(filled, policy)
            assert (d.enforcement, d.priority.id if d.priority else None) == \
                (rows[record.id][f"e{i}"], rows[record.id][f"p{i}"]), (record.id, policy.id)
