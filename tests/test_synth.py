"""The synthetic population: schema, determinism, and proportions within tolerances."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from discretion.population import CASE_COLUMNS, CONVICTION_COLUMNS
from discretion.simulate.population_io import load_population
from discretion.simulate.synth import PARAMETERS, synth

N = 20_000


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, duckdb.DuckDBPyConnection]:
    path = synth(N, tmp_path_factory.mktemp("synth") / "pop.parquet", seed=7, chunk=6_000)
    con = duckdb.connect()
    load_population(path, con)
    return path, con


def share(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[float, int]:
    row = con.execute(sql).fetchone()
    assert row is not None
    return float(row[0]), int(row[1])


def within(observed: float, expected: float, n: int) -> bool:
    """Five binomial standard errors: a false alarm about once in 3.5 million runs."""
    return abs(observed - expected) <= 5 * math.sqrt(expected * (1 - expected) / n)


def test_schema(population: tuple[Path, duckdb.DuckDBPyConnection]) -> None:
    path, con = population
    names = pq.read_schema(path).names
    assert names[:len(CASE_COLUMNS)] == list(CASE_COLUMNS)
    assert names[-1] == "convictions"
    described = [(r[0], r[1]) for r in con.execute("DESCRIBE cases").fetchall()]
    assert described[:len(CASE_COLUMNS)] == list(CASE_COLUMNS.items())
    conv = [(r[0], r[1]) for r in con.execute("DESCRIBE convictions").fetchall()]
    assert conv == list(CONVICTION_COLUMNS.items())
    assert con.execute("SELECT count(*), count(DISTINCT id) FROM cases").fetchone() == (N, N)


def test_deterministic(tmp_path: Path) -> None:
    a = synth(3_000, tmp_path / "a.parquet", seed=11, chunk=1_000)
    b = synth(3_000, tmp_path / "b.parquet", seed=11, chunk=1_000)
    c = synth(3_000, tmp_path / "c.parquet", seed=12, chunk=1_000)
    assert pq.read_table(a).equals(pq.read_table(b))
    assert not pq.read_table(a).equals(pq.read_table(c))


def test_calibrated_shares(population: tuple[Path, duckdb.DuckDBPyConnection]) -> None:
    _, con = population
    removal, n = share(con, "SELECT avg((record_type = 'removal')::INT), count(*) FROM cases")
    assert within(removal, PARAMETERS["share_removals"][0], n)
    # Among arrests whose count is known, the convicted share is the published one; cases
    # an INA ground forces into 'convicted' (administrative removal) lift it slightly.
    conv, n = share(con, "SELECT avg((conviction_count > 0)::INT), count(*) FROM cases "
                         "WHERE record_type = 'arrest' AND conviction_count IS NOT NULL")
    expected = PARAMETERS["arrest_convicted"][0]
    assert expected - 5 * math.sqrt(expected * (1 - expected) / n) <= conv <= expected + 0.05
    known, n = share(con, "SELECT avg((conviction_count IS NOT NULL)::INT), count(*) FROM cases")
    assert within(known, PARAMETERS["conviction_count_known"][0], n)
    female, n = share(con, "SELECT avg((gender = 'female')::INT), count(*) FROM cases "
                           "WHERE record_type = 'removal'")
    assert within(female, PARAMETERS["female_removals"][0], n)


def test_facts_follow_the_mapping_tables(population: tuple[Path, duckdb.DuckDBPyConnection]) -> None:
    _, con = population
    # Reinstatements carry a final order and a prior removal, through dispositions.csv.
    row = con.execute("SELECT bool_and(final_order), count(*) FROM cases "
                      "WHERE record_type = 'removal' AND disposition = 'REINST'").fetchone()
    assert row is not None and row[0] is True and row[1] > 1000
    # An aggravated-felony ground gives an asserted aggravated-felony conviction.
    row = con.execute("""
        SELECT count(*) FILTER (WHERE NOT EXISTS (
            SELECT 1 FROM convictions v WHERE v.case_id = c.id AND v.asserted
            AND v.cat_aggravated_felony)), count(*)
        FROM cases c WHERE charge_section = '237a2Aiii'""").fetchone()
    assert row is not None and row[0] == 0 and row[1] > 50
    # Present without admission: entered without inspection.
    row = con.execute("SELECT bool_and(last_entry_manner = 'without_inspection') FROM cases "
                      "WHERE charge_section = '212a6Ai'").fetchone()
    assert row == (True,)


def test_structure_and_unknowns(population: tuple[Path, duckdb.DuckDBPyConnection]) -> None:
    _, con = population
    # A known count equals the rows listed; an unknown count may list fewer.
    bad = con.execute("""
        SELECT count(*) FROM cases c LEFT JOIN (SELECT case_id, count(*) k FROM convictions
        GROUP BY 1) v ON v.case_id = c.id
        WHERE c.conviction_count IS NOT NULL AND c.conviction_count <> coalesce(v.k, 0)""").fetchone()
    assert bad == (0,)
    row = con.execute("SELECT count(*) FILTER (WHERE suspended_days > sentence_days), "
                      "count(DISTINCT incident), avg(level IS NULL::INT) FROM convictions").fetchone()
    assert row is not None and row[0] == 0 and row[1] > 1
    unknown_birth, n = share(con, "SELECT avg((birth_date IS NULL)::INT), count(*) FROM cases")
    assert within(unknown_birth, PARAMETERS["birth_date_unknown"][0], n)
    multi = con.execute("SELECT max(idx) FROM convictions").fetchone()
    assert multi is not None and multi[0] >= 3
    # Every text fact stays within its vocabulary.
    for column, allowed in (("apprehension_at", "('border','port_of_entry','interior')"),
                            ("last_entry_manner", "('without_inspection','inspected','paroled')")):
        row = con.execute(f"SELECT count(*) FROM cases WHERE {column} NOT IN {allowed}").fetchone()
        assert row == (0,)


def test_zero_rows(tmp_path: Path) -> None:
    path = synth(0, tmp_path / "empty.parquet")
    con = duckdb.connect()
    assert load_population(path, con).cases == 0
