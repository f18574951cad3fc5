"""The population file format, user files with mappings, and the data CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from discretion.population import CONVICTION_COLUMNS
from discretion.simulate.adapters import ADAPTERS
from discretion.simulate.population_io import (
    PopulationError,
    load_population,
    parse_mapping,
    read_mapping,
    write_population,
)


def test_round_trip_of_an_adapter_load(tmp_path: Path) -> None:
    con = duckdb.connect()
    ADAPTERS["ice-i213"].load(None, con)
    path = tmp_path / "pop.parquet"
    write_population(con, path)
    other = duckdb.connect()
    report = load_population(path, other)
    assert report.cases == 1371 and report.facts_missing == []
    for table, order in (("cases", "id"), ("convictions", "case_id, idx")):
        a = con.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
        b = other.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
        assert a == b


def test_csv_with_a_mapping(tmp_path: Path) -> None:
    (tmp_path / "mine.csv").write_text(
        "case,arrest_dt,where,priors,office\n"
        "a,03/10/2021,Border,2,HOU\n"
        "b,11/02/2021,Interior,,SEA\n"
        "c,,,0,SEA\n")
    (tmp_path / "map.toml").write_text(
        '[columns]\ncase = "id"\narrest_dt = "apprehension_date"\nwhere = "apprehension_at"\n'
        'priors = "removal_count"\n'
        '[values.apprehension_at]\nBorder = "border"\nInterior = "interior"\n'
        '[dates]\napprehension_date = "%m/%d/%Y"\n')
    con = duckdb.connect()
    report = load_population(tmp_path / "mine.csv", con, tmp_path / "map.toml")
    assert report.cases == 3 and report.extras == ["office"]
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT id, apprehension_date::VARCHAR, apprehension_at, removal_count, office "
        "FROM cases").fetchall()}
    assert rows["a"] == ("2021-03-10", "border", 2, "HOU")
    assert rows["b"][1:3] == ("interior", None)
    assert rows["c"] == (None, None, 0, "SEA")
    assert [r[0] for r in con.execute("DESCRIBE convictions").fetchall()] == list(CONVICTION_COLUMNS)


def test_errors_name_the_column(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("id,apprehension_date,apprehension_at,final_order\n"
                                      "a,2021-13-45,Border,maybe\na,2021-01-01,interior,true\n")
    with pytest.raises(PopulationError) as found:
        load_population(tmp_path / "bad.csv", duckdb.connect())
    text = str(found.value)
    assert "'apprehension_date'" in text and "'2021-13-45'" in text
    assert "'apprehension_at'" in text and "Border" in text and "values.apprehension_at" in text
    assert "'final_order'" in text and "duplicate ids" in text
    (tmp_path / "noid.csv").write_text("x\n1\n")
    with pytest.raises(PopulationError, match="column 'id' is missing"):
        load_population(tmp_path / "noid.csv", duckdb.connect())


def test_mapping_errors_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(PopulationError, match=r"columns\.arrest_dt = 'arrest_date'"):
        parse_mapping({"columns": {"arrest_dt": "arrest_date"}})
    with pytest.raises(PopulationError, match=r"values\.apprehension_at\.Border = 'borderland'"):
        parse_mapping({"values": {"apprehension_at": {"Border": "borderland"}}})
    with pytest.raises(PopulationError, match="unknown key 'colums'"):
        parse_mapping({"colums": {}})
    with pytest.raises(PopulationError, match=r"dates\.final_order is not a date fact"):
        parse_mapping({"dates": {"final_order": "%Y"}})
    (tmp_path / "m.json").write_text(json.dumps({"columns": {"dt": "apprehension_date"}}))
    assert read_mapping(tmp_path / "m.json").columns == {"dt": "apprehension_date"}
    (tmp_path / "data.csv").write_text("id\na\n")
    with pytest.raises(PopulationError, match=r"mapping columns\.dt: no such column"):
        load_population(tmp_path / "data.csv", duckdb.connect(), tmp_path / "m.json")


def test_bad_convictions_column(tmp_path: Path) -> None:
    con = duckdb.connect()
    path = tmp_path / "p.parquet"
    con.execute(f"COPY (SELECT 'a' AS id, [{{'colour': 'red'}}] AS convictions) TO '{path}' "
                "(FORMAT parquet)")
    with pytest.raises(PopulationError, match="field 'colour' is not a conviction fact"):
        load_population(path, duckdb.connect())


def test_cli_synth_and_sources(tmp_path: Path) -> None:
    out = tmp_path / "s.parquet"
    run = subprocess.run([sys.executable, "-m", "discretion.cli_data", "synth", "--rows", "500",
                          "--out", str(out), "--no-progress"], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert load_population(out, duckdb.connect()).cases == 500
    run = subprocess.run([sys.executable, "-m", "discretion.cli_data", "sources", "--json"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0
    ids = [a["id"] for a in json.loads(run.stdout)]
    assert ids == list(ADAPTERS)
