"""Which policy is in force on a date: exactly one state for every date from 2015-01-05."""

from __future__ import annotations

import datetime as dt

import pytest

from discretion import policies
from discretion.policies import OutOfCoverage, in_force, window_on


def test_every_date_resolves_to_exactly_one_state() -> None:
    day, last = dt.date(2015, 1, 5), dt.date(2035, 12, 31)
    seen = set()
    while day <= last:
        matches = [w for w in policies.TIMELINE if w.covers(day)]
        assert len(matches) == 1, day
        seen.add(matches[0].policy_id)
        day += dt.timedelta(days=1)
    assert seen == set(policies.STATES)


def test_windows_are_contiguous() -> None:
    for before, after in zip(policies.TIMELINE, policies.TIMELINE[1:], strict=False):
        assert before.end == after.start


@pytest.mark.parametrize("day, expected", [
    ("2015-01-05", "dhs-2014-11-20"), ("2017-02-19", "dhs-2014-11-20"),
    ("2017-02-20", "dhs-2017-02-20"), ("2021-01-19", "dhs-2017-02-20"),
    ("2021-01-20", "none-2021-01-20"), ("2021-01-31", "none-2021-01-20"),
    ("2021-02-01", "dhs-2021-01-20"), ("2021-02-17", "dhs-2021-01-20"),
    ("2021-02-18", "ice-2021-02-18"), ("2021-11-28", "ice-2021-02-18"),
    ("2021-11-29", "dhs-2021-09-30"), ("2022-03-21", "dhs-2021-09-30"),
    ("2022-03-22", "none-2022-03-22"), ("2022-04-11", "none-2022-03-22"),
    ("2022-04-12", "dhs-2021-09-30"), ("2022-06-23", "dhs-2021-09-30"),
    ("2022-06-24", "none-2022-06-24"), ("2023-06-22", "none-2022-06-24"),
    ("2023-06-23", "dhs-2021-09-30"), ("2025-01-19", "dhs-2021-09-30"),
    ("2025-01-20", "eo-2025-01-20"), ("2026-11-29", "eo-2025-01-20"),
])
def test_both_sides_of_each_boundary(day: str, expected: str) -> None:
    assert in_force(dt.date.fromisoformat(day)).id == expected


def test_before_coverage_is_an_error() -> None:
    with pytest.raises(OutOfCoverage, match="2015-01-05"):
        window_on(dt.date(2015, 1, 4))


def test_no_priorities_states_answer_judgement() -> None:
    from conftest import base_case
    from discretion.cases import parse_case
    from discretion.decide import decide

    decision = decide(parse_case(base_case()), None, dt.date(2022, 12, 1))
    assert decision.policy.id == "none-2022-06-24"
    assert decision.enforcement == "judgement"
    assert decision.missing == []
