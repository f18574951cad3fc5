"""The encoded policies, and the timeline of which one is in force on a date.

The timeline is a list of half-open windows [start, end). Every date from the
first window's start resolves to exactly one state: an encoded policy, or an
explicit "no department-wide priorities in force" state with its reason.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from ..policy import Document, Judgement, Policy, Rung
from . import (
    dhs_2014_11_20,
    dhs_2017_02_20,
    dhs_2021_01_20,
    dhs_2021_09_30,
    eo_2025_01_20,
    ice_2021_02_18,
)
from .common import OTHERWISE

POLICIES: dict[str, Policy] = {
    p.id: p for p in (
        dhs_2014_11_20.POLICY, dhs_2017_02_20.POLICY, dhs_2021_01_20.POLICY,
        ice_2021_02_18.POLICY, dhs_2021_09_30.POLICY, eo_2025_01_20.POLICY,
    )
}


def _no_priorities(id: str, title: str, reason: str, citation: str, start: dt.date) -> Policy:
    """A state with no department-wide priorities: officers decide case by case."""
    judgement = Judgement("enforcement_action", "the officer and their chain of command",
                          "case-by-case judgement; no department-wide priorities apply", citation)
    return Policy(
        id=id, title=title, summary=reason,
        documents=(Document(title, "(no policy in force)", start, citation),),
        issued=start, effective=start, ladder=(),
        otherwise=Rung("none-in-force", OTHERWISE, "judgement", reason, citation,
                       judgement=judgement),
    )


GAP_2021 = _no_priorities(
    "none-2021-01-20", "No department-wide priorities in force (January 2021)",
    "EO 13993 revoked EO 13768 and the Pekoske memo rescinded its implementing memos on "
    "2021-01-20, but the interim priorities took effect only on 2021-02-01.",
    "EO 13993 §2 (86 FR 7051) [V]; Pekoske 2021, effective date [V]", dt.date(2021, 1, 20))
VACATUR = _no_priorities(
    "none-2022-06-24", "No department-wide priorities in force (Texas v. United States vacatur)",
    "The S.D. Tex. vacatur of the Mayorkas guidelines took effect on 2022-06-24; DHS told "
    "officers to decide case by case, informed by their experience, until the Supreme Court "
    "reversed on 2023-06-23.",
    "Texas v. United States (S.D. Tex.), vacatur effective 2022-06-24 [S]; United States v. "
    "Texas, 599 U.S. 670 (2023) [V]", dt.date(2022, 6, 24))

INJUNCTION_2022 = _no_priorities(
    "none-2022-03-22", "No department-wide priorities in force (Arizona v. Biden injunction)",
    "The S.D. Ohio preliminarily enjoined the Mayorkas guidelines nationwide; the Sixth Circuit "
    "stayed the injunction on 2022-04-12.",
    "Arizona v. Biden (S.D. Ohio), preliminary injunction of 2022-03-22 [M: date and nationwide "
    "scope]; stayed by the Sixth Circuit on 2022-04-12 [S]", dt.date(2022, 3, 22))

STATES: dict[str, Policy] = {**POLICIES, GAP_2021.id: GAP_2021, INJUNCTION_2022.id: INJUNCTION_2022,
                             VACATUR.id: VACATUR}


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date | None
    policy_id: str
    note: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


TIMELINE: tuple[Window, ...] = (
    Window(dt.date(2015, 1, 5), dt.date(2017, 2, 20), "dhs-2014-11-20",
           "Johnson 2014 effective 2015-01-05 [S]"),
    Window(dt.date(2017, 2, 20), dt.date(2021, 1, 20), "dhs-2017-02-20",
           "Kelly memo of 2017-02-20 implementing EO 13768 of 2017-01-25 [V]"),
    Window(dt.date(2021, 1, 20), dt.date(2021, 2, 1), GAP_2021.id,
           "EO 13768 revoked; interim priorities not yet effective"),
    Window(dt.date(2021, 2, 1), dt.date(2021, 2, 18), "dhs-2021-01-20",
           "Pekoske interim priorities effective 2021-02-01 [V]"),
    Window(dt.date(2021, 2, 18), dt.date(2021, 11, 29), "ice-2021-02-18",
           "ICE interim guidance controls for ICE from 2021-02-18 [S]; restrictions enjoined in "
           "part from 2021-08-19 (Texas v. United States, S.D. Tex.) [S]"),
    Window(dt.date(2021, 11, 29), dt.date(2022, 3, 22), "dhs-2021-09-30",
           "Mayorkas guidelines effective 2021-11-29 [V]"),
    Window(dt.date(2022, 3, 22), dt.date(2022, 4, 12), INJUNCTION_2022.id,
           "Mayorkas guidelines enjoined nationwide (Arizona v. Biden) [M: start date]"),
    Window(dt.date(2022, 4, 12), dt.date(2022, 6, 24), "dhs-2021-09-30",
           "Mayorkas guidelines in force again after the Sixth Circuit's stay [S]"),
    Window(dt.date(2022, 6, 24), dt.date(2023, 6, 23), VACATUR.id,
           "Mayorkas guidelines vacated [S]"),
    Window(dt.date(2023, 6, 23), dt.date(2025, 1, 20), "dhs-2021-09-30",
           "Mayorkas guidelines reinstated after United States v. Texas [V]"),
    Window(dt.date(2025, 1, 20), None, "eo-2025-01-20", "EO 14159 [V]"),
)
COVERAGE_START = TIMELINE[0].start


class OutOfCoverage(ValueError):
    """A date before the first encoded policy took effect."""


def window_on(day: dt.date) -> Window:
    if day < COVERAGE_START:
        raise OutOfCoverage(
            f"no encoded policy covers {day.isoformat()}: coverage starts "
            f"{COVERAGE_START.isoformat()} (the 2011 Morton memos are not encoded)")
    matches = [w for w in TIMELINE if w.covers(day)]
    if len(matches) != 1:
        raise AssertionError(f"timeline resolves {day} to {len(matches)} states")
    return matches[0]


def in_force(day: dt.date) -> Policy:
    """The policy (or no-priorities state) in force on ``day``."""
    return STATES[window_on(day).policy_id]


def get(policy_id: str) -> Policy:
    try:
        return STATES[policy_id]
    except KeyError:
        known = ", ".join(STATES)
        raise KeyError(f"unknown policy {policy_id!r}; known: {known}") from None


@functools.cache
def _windows(policy_id: str) -> tuple[Window, ...]:
    return tuple(w for w in TIMELINE if w.policy_id == policy_id)


def windows_of(policy_id: str) -> list[Window]:
    return list(_windows(policy_id))
