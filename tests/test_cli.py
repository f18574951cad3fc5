"""The command line, run as a real process: outputs, exit codes and errors."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES, base_case, run_cli

KEYS = {"enforcement", "priority", "approval", "missing_facts", "factors", "policy",
        "explanation"}


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.json")))
@pytest.mark.parametrize("policy", ["dhs-2014-11-20", "dhs-2017-02-20", "dhs-2021-01-20",
                                    "ice-2021-02-18", "dhs-2021-09-30", "eo-2025-01-20"])
def test_every_example_under_every_policy_in_json(example: str, policy: str) -> None:
    result = run_cli("assess", str(EXAMPLES / example), "--policy", policy, "--format", "json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert set(body) >= KEYS
    assert body["policy"]["id"] == policy and body["policy"]["hash"].startswith("sha256:")
    assert body["enforcement"] in {"permitted", "approval_required", "judgement", "undetermined"}
    assert body["explanation"]["children"], "an explanation names the rungs it walked"
    if body["enforcement"] == "undetermined":
        assert body["missing_facts"], "undetermined always says what to find out"


def test_text_output_cites_clauses() -> None:
    result = run_cli("assess", str(EXAMPLES / "seed-minor-victim.json"), "--policy",
                     "dhs-2014-11-20")
    assert result.returncode == 0
    assert "J14-P1d" in result.stdout and "Johnson 2014, §A, Priority 1(d)" in result.stdout
    assert "Enforcement: permitted" in result.stdout


def test_default_policy_and_date_come_from_the_request() -> None:
    result = run_cli("assess", str(EXAMPLES / "seed-minor-victim.json"), "-f", "json")
    body = json.loads(result.stdout)
    assert body["policy"]["id"] == "ice-2021-02-18" and body["policy"]["date"] == "2021-07-01"
    assert body["enforcement"] == "judgement"


def test_nothing_known_is_undetermined_and_lists_what_to_find_out(tmp_case) -> None:
    path = tmp_case(base_case())
    result = run_cli("assess", str(path), "--date", "2021-07-01", "-f", "json")
    body = json.loads(result.stdout)
    assert result.returncode == 0
    assert body["enforcement"] == "undetermined"
    paths = {f["path"] for group in body["missing_facts"] for f in group}
    assert "national_security.terrorism" in paths and "immigration.entries" in paths


def test_invalid_case_exits_2_with_json_error(tmp_case) -> None:
    path = tmp_case(base_case(convictions=[{"sentence_days": "long"}], colour="red"))
    result = run_cli("assess", str(path), "-f", "json")
    assert result.returncode == 2 and result.stdout == ""
    body = json.loads(result.stderr)
    paths = {e["path"] for e in body["errors"]}
    assert paths == {"$.convictions[0].sentence_days", "$.colour"}


def test_invalid_case_text_error(tmp_case) -> None:
    result = run_cli("assess", str(tmp_case("{oops")))
    assert result.returncode == 2 and "not valid JSON" in result.stderr


@pytest.mark.parametrize("args, words", [
    (["--policy", "dhs-1999"], "unknown policy"),
    (["--date", "2021-02-30"], "YYYY-MM-DD"),
    (["--date", "2014-06-01"], "coverage starts 2015-01-05"),
])
def test_bad_options_exit_2(args: list[str], words: str) -> None:
    result = run_cli("assess", str(EXAMPLES / "border-apprehension.json"), *args, "-f", "json")
    assert result.returncode == 2
    assert words in json.loads(result.stderr)["error"]


def test_missing_file_exits_2() -> None:
    result = run_cli("assess", "no-such-case.json")
    assert result.returncode == 2 and "no such file" in result.stderr


def test_timeline_table_and_json() -> None:
    text = run_cli("timeline", str(EXAMPLES / "seed-minor-victim.json"))
    assert text.returncode == 0
    for pid in ("dhs-2014-11-20", "eo-2025-01-20"):
        assert pid in text.stdout
    assert "★ ice-2021-02-18" in text.stdout
    body = json.loads(run_cli("timeline", str(EXAMPLES / "seed-minor-victim.json"),
                              "-f", "json").stdout)
    assert [row["policy"] for row in body["policies"]] == [
        "dhs-2014-11-20", "dhs-2017-02-20", "dhs-2021-01-20", "ice-2021-02-18",
        "dhs-2021-09-30", "eo-2025-01-20"]
    assert body["in_force"] == "ice-2021-02-18"


def test_policies_lists_dates_and_sources() -> None:
    result = run_cli("policies", "-f", "json")
    body = json.loads(result.stdout)
    ids = {p["id"] for p in body}
    assert {"dhs-2021-09-30", "none-2022-06-24"} <= ids
    mayorkas = next(p for p in body if p["id"] == "dhs-2021-09-30")
    assert [w["start"] for w in mayorkas["in_force"]] == ["2021-11-29", "2022-04-12", "2023-06-23"]
    assert "Encoded policies" in run_cli("policies").stdout


def test_schema_case() -> None:
    result = run_cli("schema", "case")
    assert json.loads(result.stdout)["title"] == "Case"
