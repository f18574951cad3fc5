"""``discretion simulate`` and ``compare`` as real processes, on the shipped samples."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from conftest import run_cli
from discretion import policies

ENFORCEMENTS = ("permitted", "approval_required", "judgement", "undetermined")
PG_URL = os.environ.get("DISCRETION_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SOURCES = ["ice-seattle-arrests", "ice-seattle-removals", "ice-i213", "ice-national-removals",
           "ice-national-arrests"]


def simulate(*args: str) -> dict[str, Any]:
    result = run_cli("simulate", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    body: dict[str, Any] = json.loads(result.stdout)
    return body


def check_consistent(body: dict[str, Any]) -> None:
    for pid, p in body["policies"].items():
        assert sum(p["enforcement"].values()) == p["total"], pid
        for e in ENFORCEMENTS:
            b = p["bounds"][e]
            assert 0 <= b["low"] <= b["high"] <= p["total"], (pid, e, b)
            if e != "undetermined":
                assert b["low"] == p["enforcement"][e]
        assert sum(r["count"] for r in p["rungs"].values()) == p["total"], pid
        assert p["rungs"]["undetermined"]["count"] >= p["enforcement"]["undetermined"]


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_sample_decides_every_row(source: str) -> None:
    body = simulate("--source", source)
    assert set(body["policies"]) == set(policies.POLICIES)
    totals = {p["total"] for p in body["policies"].values()}
    assert totals == {body["population"]["cases"]}
    check_consistent(body)
    assert body["assumptions"] == []


def test_assumptions_are_listed_and_narrow_the_bounds() -> None:
    plain = simulate("--source", "ice-seattle-arrests", "--policy", "dhs-2021-09-30")
    assumed = simulate("--source", "ice-seattle-arrests", "--policy", "dhs-2021-09-30",
                       "--assume", "national_security=false", "--assume", "conduct=false")
    names = [a["assume"] for a in assumed["assumptions"]]
    assert names == ["national_security", "conduct"]
    assert "terrorism" in assumed["assumptions"][0]["facts"]
    before = plain["policies"]["dhs-2021-09-30"]["enforcement"]["undetermined"]
    after = assumed["policies"]["dhs-2021-09-30"]["enforcement"]["undetermined"]
    assert after < before


def test_breakdown_by_column_adds_up() -> None:
    body = simulate("--source", "ice-national-removals", "--by", "fiscal_year",
                    "--policy", "ice-2021-02-18")
    groups = body["groups"]
    assert len(groups) >= 2
    total = sum(g["policies"]["ice-2021-02-18"]["total"] for g in groups)
    assert total == body["policies"]["ice-2021-02-18"]["total"]


def test_counterfactual_moves_the_cutoffs() -> None:
    args = ("--source", "ice-i213", "--policy", "dhs-2021-09-30",
            "--assume", "national_security=false")
    actual = simulate(*args)
    moved = simulate(*args, "--as-if-issued", "2024-09-30")
    assert moved["counterfactual"]["as_if_issued"] == "2024-09-30"
    assert actual["counterfactual"] is None
    bs = lambda body: body["policies"]["dhs-2021-09-30"]["priority"]["BS"]["low"]  # noqa: E731
    # Issued three years later, MY-BS (b) asks for an unlawful entry after 2023-11-01 instead
    # of 2020-11-01: fewer of these 2022-2025 arrests are recent entrants.
    assert 0 < bs(moved) < bs(actual)


def test_html_report_and_png_charts(tmp_path: Path) -> None:
    report, charts = tmp_path / "report.html", tmp_path / "charts"
    result = run_cli("simulate", "--source", "ice-seattle-arrests", "--by", "fiscal_year",
                     "--out", str(report), "--png", str(charts))
    assert result.returncode == 0, result.stderr
    page = report.read_text()
    assert page.count("data:image/png;base64,") >= 2
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "No assumptions" in page
    pngs = sorted(p.name for p in charts.glob("*.png"))
    assert pngs == ["by-fiscal_year.png", "outcomes.png"]
    assert (charts / "outcomes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_explains_each_change() -> None:
    result = run_cli("compare", "--source", "ice-seattle-arrests", "--policy", "dhs-2017-02-20",
                     "--policy", "dhs-2021-09-30", "--assume", "national_security=false",
                     "--format", "json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    cells = sum(n for row in body["matrix"].values() for n in row.values())
    assert cells == body["total"] > 0
    assert body["changes"], "the 2017 and 2021 policies differ on these arrests"
    top = body["changes"][0]
    assert top["a"]["reason"] and top["b"]["reason"]
    assert top["b"]["citation"].startswith("Mayorkas 2021")
    text = run_cli("compare", "--source", "ice-seattle-arrests", "--policy", "dhs-2017-02-20",
                   "--policy", "dhs-2021-09-30")
    assert "What changed" in text.stdout


def test_synthetic_population_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "pop.parquet"
    made = run_cli("synth", "--rows", "2000", "--out", str(path), "--no-progress")
    assert made.returncode == 0, made.stderr
    body = simulate(str(path), "--date", "apprehension_date")
    assert body["population"]["cases"] == 2000
    check_consistent(body)


@pytest.mark.parametrize("engine", ["postgres", "spark"])
def test_other_engines_give_the_same_counts(engine: str) -> None:
    args = ("--source", "ice-seattle-removals", "--assume", "national_security=false")
    here = simulate(*args)
    there = simulate(*args, "--engine", engine, "--url", PG_URL)
    assert there["engine"] == engine
    assert {k: v["enforcement"] for k, v in there["policies"].items()} == \
        {k: v["enforcement"] for k, v in here["policies"].items()}


@pytest.mark.parametrize("args, field, words", [
    (["--source", "ice-nowhere"], "--source", "no adapter"),
    (["--source", "ice-seattle-arrests", "--policy", "dhs-1999"], "--policy", "unknown policy"),
    (["--source", "ice-seattle-arrests", "--assume", "national_security"], "--assume",
     "FACT=VALUE"),
    (["--source", "ice-seattle-arrests", "--assume", "wizardry=true"], "--assume", "no fact"),
    (["--source", "ice-seattle-arrests", "--assume", "national_security=maybe"], "--assume",
     "true or false"),
    (["--source", "ice-seattle-arrests", "--date", "2021-13-01"], "--date", "neither a date"),
    (["--source", "ice-seattle-arrests", "--by", "shoe_size"], "--by", "no column"),
    (["--source", "ice-seattle-arrests", "--as-if-issued", "soon"], "--as-if-issued", "YYYY-MM-DD"),
    (["no-such-file.parquet"], "POPULATION", "no such file"),
])
def test_bad_input_exits_2_naming_the_field(args: list[str], field: str, words: str) -> None:
    result = run_cli("simulate", *args, "--format", "json")
    assert result.returncode == 2, result.stdout
    body = json.loads(result.stderr)
    assert body["field"].startswith(field) and words in body["reason"], body


def test_compare_needs_two_policies() -> None:
    result = run_cli("compare", "--source", "ice-seattle-arrests", "--policy", "dhs-2017-02-20")
    assert result.returncode == 2 and "exactly two" in result.stderr
