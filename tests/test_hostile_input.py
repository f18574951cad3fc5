"""Hostile input: the case parser and the population loaders refuse bad input cleanly.

Random JSON and mutated real cases (Hypothesis), a coverage-guided fuzzer (atheris),
mutated real ICE rows for every adapter, and size bombs. Refusal means the project's own
error naming what is wrong, never a crash, and nothing loaded half-way.
"""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, ROOT, run_cli
from discretion import policies
from discretion.cases import MAX_CASE_BYTES, CaseError, loads_case, parse_case
from discretion.decide import decide
from discretion.simulate.adapters import ADAPTERS, AdapterError
from discretion.simulate.adapters.base import sample_dir
from discretion.simulate.population_io import PopulationError, load_population

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False)
    | st.text(max_size=30) | st.sampled_from(["2021-07-01", "2021-02-30", "felony", "border",
                                              "discretion.case/1", "US-TX", "1103"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=5),
    max_leaves=25)


def decide_all(case: Any) -> None:
    for policy in policies.POLICIES.values():
        decide(case, policy, dt.date(2021, 7, 1))


@FUZZ
@given(json_values)
def test_any_json_is_a_case_or_a_case_error(value: Any) -> None:
    try:
        case = parse_case(value)
    except CaseError as exc:
        assert exc.errors and all(e["path"].startswith("$") and e["reason"] for e in exc.errors)
        return
    decide_all(case)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _set(node: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


EXAMPLE_CASES = [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.json"))]


@FUZZ
@given(st.sampled_from(EXAMPLE_CASES), st.data())
def test_mutated_real_cases(example: dict[str, Any], data: st.DataObject) -> None:
    case = copy.deepcopy(example)
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(_paths(case)))
        if path[0] in ("format", "id"):
            continue
        _set(case, path, data.draw(json_values))
    try:
        parsed = parse_case(case)
    except CaseError as exc:
        assert all(e["path"].startswith("$") for e in exc.errors)
        return
    decide_all(parsed)


@pytest.mark.parametrize("text, words", [
    ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
    ('{"format": "discretion.case/1", "id": "x", "person": ' * 5000 + "{}" + "}" * 5000,
     "nested too deeply"),
    (" " * (MAX_CASE_BYTES + 1), "the limit is"),
])
def test_json_bombs_are_refused(text: str, words: str) -> None:
    with pytest.raises(CaseError) as info:
        loads_case(text)
    assert words in info.value.errors[0]["reason"]


def test_too_many_items_are_refused() -> None:
    case = {"format": "discretion.case/1", "id": "x", "convictions": [{}] * 1001}
    with pytest.raises(CaseError) as info:
        parse_case(case)
    assert info.value.errors[0]["path"] == "$.convictions"


def test_coverage_guided_fuzzer_finds_no_crash() -> None:
    """A bounded libFuzzer run (a number of inputs, not a time)."""
    result = subprocess.run([sys.executable, str(ROOT / "tests" / "fuzz" / "case_fuzzer.py"),
                             "-runs=20000", "-seed=7", "-max_len=4096"],
                            capture_output=True, text=True, cwd=ROOT, timeout=3600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done 20000 runs" in result.stderr


# -- populations -------------------------------------------------------------------------------

SAMPLES = {
    "ice-seattle-arrests": ("arrests-sample.csv.gz", 7),
    "ice-national-removals": ("ICERemovals_FY2018-sample.csv.gz", 6),
    "ice-i213": ("sea-i213s-sample.csv.gz", 1),
}
cells = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.sampled_from(["", "1/1/2012", "13/45/2020", "2021-02-30", "(b)(6),(b)(7)c)", '"',
                     "[{\"CHARGE_DATE\": 1}]", "[]", "null", "|", "\n", "Assault"]))


def _real_lines(name: str) -> list[str]:
    with gzip.open(sample_dir() / name, "rt", encoding="utf-8", newline="") as fh:
        return fh.read().split("\n")


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_mutated_real_rows_load_or_are_refused(tmp_path_factory: pytest.TempPathFactory,
                                               adapter_id: str, data: st.DataObject) -> None:
    name, header_line = SAMPLES[adapter_id]
    lines = _real_lines(name)
    head, body = lines[:header_line], [line for line in lines[header_line:header_line + 60] if line]
    mutated = []
    for line in body:
        fields = line.split("|")
        for _ in range(data.draw(st.integers(0, 3))):
            fields[data.draw(st.integers(0, len(fields) - 1))] = data.draw(cells)
        if data.draw(st.integers(0, 9)) == 0:
            fields = fields[: data.draw(st.integers(0, len(fields)))]
        mutated.append("|".join(fields))
    path = tmp_path_factory.mktemp("pop") / name.replace("-sample", "")
    with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
        fh.write("\n".join([*head, *mutated]) + "\n")
    con = duckdb.connect()
    try:
        report = ADAPTERS[adapter_id].load(path, con)
    except AdapterError as exc:
        assert str(path) in str(exc) or "column" in str(exc)
        return
    loaded = con.execute("SELECT count(*) FROM cases").fetchone()
    assert loaded is not None and loaded[0] == report.to_dict()["cases"]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(["id", "birth_date", "conviction_count", "terrorism", "status",
                                 "apprehension_date", "shoe_size", "convictions"]),
                min_size=1, max_size=5, unique=True),
       st.lists(st.lists(cells, min_size=5, max_size=5), max_size=8))
def test_random_population_files_load_or_are_refused(tmp_path_factory: pytest.TempPathFactory,
                                                     columns: list[str],
                                                     rows: list[list[str]]) -> None:
    path = tmp_path_factory.mktemp("pop") / "pop.csv"
    quote = lambda v: '"' + v.replace('"', '""') + '"'  # noqa: E731
    path.write_text("\n".join([",".join(columns)] + [",".join(quote(v) for v in r[: len(columns)])
                                                      for r in rows]) + "\n", encoding="utf-8")
    try:
        report = load_population(path, duckdb.connect())
    except PopulationError as exc:
        assert exc.problems
        return
    assert report.cases == len(rows)


def test_gzip_bomb_is_refused_before_reading(tmp_path: Path) -> None:
    bomb = tmp_path / "arrests.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:
        for _ in range(64):
            fh.write(b"\0" * (1 << 20))
    assert bomb.stat().st_size < 1 << 20
    env = {**os.environ, "DISCRETION_MAX_POPULATION_BYTES": str(16 << 20)}
    result = subprocess.run([sys.executable, "-m", "discretion.cli", "simulate", str(bomb),
                             "--source", "ice-seattle-arrests", "--format", "json"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert result.returncode == 2
    assert "expands to more than 16,777,216 bytes" in json.loads(result.stderr)["reason"]


def test_huge_line_and_wide_csv_are_refused(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(20000)) + "\n" + ",".join("1" * 20000) + "\n")
    long_line = tmp_path / "long.csv"
    long_line.write_text("id,status\n" + "x" * (30 << 20) + ",lpr\n")
    for path in (wide, long_line):
        with pytest.raises(PopulationError):
            load_population(path, duckdb.connect())


def test_bad_case_upload_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "bomb.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    result = run_cli("assess", str(path), "--format", "json")
    assert result.returncode == 2
    assert "nested too deeply" in result.stderr
