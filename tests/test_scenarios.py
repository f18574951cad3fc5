"""Golden scenarios: hand-written expectations, read from the memos, for every encoded policy.

Each ``tests/scenarios/*.json`` file holds one case and what each of the six policies
should answer for it (enforcement and priority, sometimes the exact missing facts);
files with an ``in_force`` key also say which state the timeline puts in force on the
date and what it answers. Where a reviewer's reading and the engine differed, the
difference was resolved in the engine or in the scenario, and the description says so.

``pytest tests/test_scenarios.py --reset-scenarios`` rewrites the expectations from the
engine's current output (when the session ends), so that ``git diff`` shows every change
for review. Never use it to make a disagreement go away.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from discretion import policies
from discretion.cases import parse_case
from discretion.decide import Decision, decide
from discretion.policies import OutOfCoverage
from discretion.rules import Named, Trace

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
POLICY_IDS = tuple(policies.POLICIES)
ENFORCEMENTS = {"permitted", "approval_required", "judgement", "undetermined"}
OUT_OF_COVERAGE = "out-of-coverage"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def scenario_files(folder: Path = SCENARIOS) -> list[Path]:
    return sorted(folder.glob("*.json"))


def assessment_date(scenario: dict[str, Any]) -> dt.date | None:
    """The scenario's date; None lets ``decide`` use the case's request date."""
    day = scenario.get("date")
    return dt.date.fromisoformat(day) if day else None


@dataclass(frozen=True)
class Check:
    """One expectation: a scenario file, a policy (None: the state in force), the answer."""

    file: Path
    policy: str | None
    expected: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file.stem}:{self.policy or 'in-force'}"


def checks(files: list[Path] | None = None) -> Iterator[Check]:
    """Every (file, policy, expected) the scenarios state, for any evaluator to run."""
    for path in scenario_files() if files is None else files:
        scenario = load(path)
        missing = scenario.get("missing_facts", {})
        for policy_id, expected in scenario["expect"].items():
            entry = dict(expected)
            if policy_id in missing:
                entry["missing_facts"] = missing[policy_id]
            yield Check(path, policy_id, entry)
        if "in_force" in scenario:
            state = scenario["in_force"]
            entry = {"in_force": state if state is not None else OUT_OF_COVERAGE,
                     **scenario.get("expect_in_force", {})}
            yield Check(path, None, entry)


def assess(scenario: dict[str, Any], policy: str | None) -> Decision:
    return decide(parse_case(scenario["case"]), policy, assessment_date(scenario))


def answer(decision: Decision) -> dict[str, Any]:
    return {"enforcement": decision.enforcement,
            "priority": decision.priority.id if decision.priority else None}


def normalised(groups: list[list[str]]) -> list[list[str]]:
    return sorted(sorted(group) for group in groups)


ALL_CHECKS = list(checks())


@pytest.mark.parametrize("check", ALL_CHECKS, ids=[c.id for c in ALL_CHECKS])
def test_scenario(check: Check) -> None:
    scenario = load(check.file)
    expected = check.expected
    if check.policy is None and expected["in_force"] == OUT_OF_COVERAGE:
        with pytest.raises(OutOfCoverage):
            assess(scenario, None)
        return
    decision = assess(scenario, check.policy)
    if check.policy is None:
        assert decision.policy.id == expected["in_force"], "state in force"
    got = answer(decision)
    want = {"enforcement": expected["enforcement"], "priority": expected["priority"]}
    assert got == want, scenario["description"]
    if "missing_facts" in expected:
        assert normalised(decision.missing) == normalised(expected["missing_facts"])


# -- the scenarios' own shape -------------------------------------------------------------

def test_there_are_enough_scenarios() -> None:
    assert len(scenario_files()) >= 70


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_scenario_file_is_well_formed(path: Path) -> None:
    scenario = load(path)
    allowed = {"description", "date", "case", "expect", "missing_facts", "in_force",
               "expect_in_force"}
    assert set(scenario) <= allowed, set(scenario) - allowed
    assert scenario["description"].strip()
    assert list(scenario["expect"]) == list(POLICY_IDS), "expectations for all six policies"
    for expected in (*scenario["expect"].values(), scenario.get("expect_in_force")):
        if expected is not None:
            assert set(expected) == {"enforcement", "priority"}
            assert expected["enforcement"] in ENFORCEMENTS
    assert set(scenario.get("missing_facts", {})) <= set(POLICY_IDS)
    if scenario.get("in_force") is not None:
        assert scenario["in_force"] in policies.STATES
        assert "expect_in_force" in scenario
    parse_case(scenario["case"])


# -- coverage: every clause decides some scenario, every rung is some outcome -------------

def clause_ids(policy: policies.Policy) -> set[str]:
    return {node.id for rung in policy.rungs for node in rung.when.walk()
            if isinstance(node, Named) and node.id}


def true_clauses(trace: Trace) -> Iterator[str]:
    """Clauses that hold in the trace of the rung that decided (the walk stops at the
    first true alternative, so these are the reasons it gives)."""
    if trace.value is not True:
        return
    node = trace.node
    if isinstance(node, Named) and node.id:
        yield node.id
    for child in trace.children:
        yield from true_clauses(child)


@dataclass
class Coverage:
    clauses: dict[str, set[str]]
    rungs: dict[str, set[str]]


@pytest.fixture(scope="module")
def coverage() -> Coverage:
    clauses: dict[str, set[str]] = {p: set() for p in POLICY_IDS}
    rungs: dict[str, set[str]] = {p: set() for p in POLICY_IDS}
    for path in scenario_files():
        scenario = load(path)
        for policy_id in POLICY_IDS:
            decision = assess(scenario, policy_id)
            if decision.rung is None:
                continue
            rungs[policy_id].add(decision.rung.id)
            for result in decision.results:
                if result.rung is decision.rung:
                    clauses[policy_id].update(true_clauses(result.trace))
    return Coverage(clauses, rungs)


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_every_clause_is_the_deciding_reason_in_some_scenario(policy_id: str,
                                                              coverage: Coverage) -> None:
    missing = clause_ids(policies.get(policy_id)) - coverage.clauses[policy_id]
    assert not missing, f"no scenario is decided by {sorted(missing)}"


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_every_rung_is_the_outcome_of_some_scenario(policy_id: str, coverage: Coverage) -> None:
    missing = {r.id for r in policies.get(policy_id).rungs} - coverage.rungs[policy_id]
    assert not missing, f"no scenario ends on rung(s) {sorted(missing)}"


def test_every_timeline_state_is_in_force_in_some_scenario() -> None:
    states = {load(p).get("in_force") for p in scenario_files()}
    assert set(policies.STATES) <= states


# -- --reset-scenarios ----------------------------------------------------------------------

def reset(path: Path) -> None:
    """Rewrite one file's expectations from the engine's current output."""
    scenario = load(path)
    scenario["expect"] = {p: answer(assess(scenario, p)) for p in POLICY_IDS}
    for policy_id in scenario.get("missing_facts", {}):
        scenario["missing_facts"][policy_id] = assess(scenario, policy_id).missing
    if "in_force" in scenario:
        try:
            decision = assess(scenario, None)
        except OutOfCoverage:
            scenario["in_force"] = None
            scenario.pop("expect_in_force", None)
        else:
            scenario["in_force"] = decision.policy.id
            scenario["expect_in_force"] = answer(decision)
    path.write_text(json.dumps(scenario, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
