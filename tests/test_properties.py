"""Properties of deciding: learning facts only narrows the answer; missing facts settle it."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings

from discretion import policies
from discretion.cases import parse_case
from discretion.decide import decide
from strategies import full_and_partial

POLICY_IDS = list(policies.POLICIES)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(full_and_partial())
def test_learning_facts_never_unsettles_a_decision(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    full, partial = (parse_case(c) for c in pair)
    for pid in POLICY_IDS:
        known, less = decide(full, pid), decide(partial, pid)
        if less.enforcement != "undetermined":
            assert known.enforcement == less.enforcement, (pid, less.enforcement, known.enforcement)
        if less.rung is not None:
            # Unranked priorities (all but 2014) mean "a priority" whichever applies first.
            assert _priority(known) == _priority(less), pid
        assert {r.id for r in known.possible} <= {r.id for r in less.possible}, pid


def _priority(decision: Any) -> Any:
    ranks = {c.rank for c in decision.policy.categories}
    if len(ranks) > 1:
        return decision.priority.id if decision.priority else None
    return decision.priority is not None


def _copy_path(src: Any, dst: Any, parts: list[str]) -> None:
    """Copy the value at a case path (``a.b[2].c``, ``a.b[].c``) from src into dst."""
    head, rest = parts[0], parts[1:]
    key, _, index = head.partition("[")
    if key not in src:
        return
    if not index:
        if not rest:
            dst[key] = copy.deepcopy(src[key])
            return
        if not isinstance(dst.get(key), dict):
            dst[key] = {}
        _copy_path(src[key], dst[key], rest)
        return
    if key not in dst:
        dst[key] = copy.deepcopy(src[key])
        return
    positions = range(len(src[key])) if index == "]" else [int(index[:-1])]
    for i in positions:
        if rest:
            _copy_path(src[key][i], dst[key][i], rest)
        else:
            dst[key][i] = copy.deepcopy(src[key][i])


@SETTINGS
@given(full_and_partial())
def test_each_missing_fact_set_settles_the_outcome(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    full, partial = pair
    for pid in POLICY_IDS:
        decision = decide(parse_case(partial), pid)
        for group in decision.missing:
            learnt = copy.deepcopy(partial)
            for path in group:
                _copy_path(full, learnt, path.split("."))
            after = decide(parse_case(learnt), pid)
            assert after.rung is not None or (
                after.enforcement != "undetermined" and decision.rung is None
                and len({r.enforcement for r in after.possible}) == 1), (pid, group)


@SETTINGS
@given(full_and_partial())
def test_stated_consequences_of_a_judgement_come_true(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """'If found: X; if not found: Y' is what recording the determination then gives."""
    _, partial = pair
    for pid in POLICY_IDS:
        decision = decide(parse_case(partial), pid)
        for judgement in decision.judgements:
            if "if_found" not in judgement:
                continue
            for value, expected in ((True, judgement["if_found"]), (False, judgement["if_not_found"])):
                case = copy.deepcopy(partial)
                case.setdefault("determinations", {})[judgement["determination"]] = {
                    "value": value, "by": "officer-9", "date": "2021-07-01"}
                after = decide(parse_case(case), pid)
                assert after.enforcement == expected["enforcement"], (pid, value)
                assert (after.priority.id if after.priority else None) == expected["priority"]
