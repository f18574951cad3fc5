"""Hypothesis strategies: consistent, fully known cases, and partial views of them.

A *full* case knows every fact (legal categories are asserted, lists are given),
and its facts agree with one another (entries in order, removals between entries,
presence starting at the last entry). A *partial* case drops some keys of a full
one, which is exactly "not knowing" in the case format.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from typing import Any

from hypothesis import strategies as st

from discretion.cases import CATEGORY_NAMES, MITIGATING, Conviction
from discretion.offences import classify

DAY0 = dt.date(1995, 1, 1)


def _day(offset: int) -> str:
    return (DAY0 + dt.timedelta(days=offset)).isoformat()


days = st.integers(min_value=0, max_value=(dt.date(2026, 6, 30) - DAY0).days)
# Dates near the policies' cut-offs are where mistakes hide: draw them often.
CUTOFFS = [dt.date(2014, 1, 1), dt.date(2020, 11, 1), dt.date(2021, 1, 20)]
near_cutoff = st.builds(lambda c, d: (c - DAY0).days + d, st.sampled_from(CUTOFFS),
                        st.integers(-2, 2))
some_day = st.one_of(days, near_cutoff)
categories = st.lists(st.sampled_from(CATEGORY_NAMES), max_size=4, unique=True)


@st.composite
def conviction(draw: st.DrawFn, incidents: list[str]) -> dict[str, Any]:
    sentence = draw(st.sampled_from([0, 5, 30, 89, 90, 91, 180, 364, 365, 366, 1826, 3650]))
    suspended = draw(st.integers(0, sentence))
    out: dict[str, Any] = {
        "date": _day(draw(some_day)),
        "level": draw(st.sampled_from(["felony", "misdemeanor", "petty"])),
        "sentence_days": sentence, "suspended_days": suspended,
        "legal_categories": draw(categories),
        "incident": draw(st.sampled_from(incidents)),
    }
    if draw(st.booleans()):
        statute = draw(st.sampled_from(STATUTES))
        table = classify(Conviction(statute=statute))
        # Legal review agrees with what the table already settles, and decides the rest.
        open_ = [k for k, v in table.values.items() if v is None]
        out["statute"] = statute
        decided = draw(st.lists(st.sampled_from(open_), max_size=3, unique=True)) if open_ else []
        out["legal_categories"] = sorted({k for k, v in table.values.items() if v} | set(decided))
        if table.level:
            out["level"] = table.level
    return out


STATUTES = ["Tex. Penal Code 22.011(a)(2)", "Cal. Penal Code 273.5", "Cal. Veh. Code 23152(a)",
            "8 U.S.C. 1326", "21 U.S.C. 841(a)(1)", "RCW 9A.52.030", "Ruritania Code 1"]


@st.composite
def full_case(draw: st.DrawFn) -> dict[str, Any]:
    """A case with every fact known and consistent."""
    request_day = draw(st.integers((dt.date(2015, 1, 5) - DAY0).days,
                                   (dt.date(2026, 6, 30) - DAY0).days))
    entry_days = sorted(draw(st.lists(some_day.filter(lambda d: d < request_day),
                                      max_size=3, unique=True)))
    removals = [draw(st.integers(a + 1, b - 1)) for a, b in itertools.pairwise(entry_days) if b - a > 2]
    entries = [{"date": _day(d),
                "manner": draw(st.sampled_from(["without_inspection", "inspected", "paroled"])),
                "at": draw(st.sampled_from(["border", "port_of_entry", "interior"]))}
               for d in entry_days]
    immigration: dict[str, Any] = {
        "status": draw(st.sampled_from(["no_lawful_status", "lpr", "nonimmigrant", "parole"])),
        "entries": entries,
        "removals": [{"date": _day(d)} for d in removals],
        "final_order_date": draw(st.one_of(st.none(), some_day.map(_day))),
    }
    if entries:
        immigration["continuous_presence_since"] = entries[-1]["date"]
    at = draw(st.sampled_from(["border", "port_of_entry", "interior"]))
    immigration["apprehension"] = {
        "date": _day(draw(st.integers(entry_days[-1] if entry_days else 0, request_day))),
        "at": at, "attempting_unlawful_entry": draw(st.booleans()) if at != "interior" else False,
    }
    incidents = ["a", "b", "c", "d"]
    case: dict[str, Any] = {
        "format": "discretion.case/1", "id": "h",
        "person": {"birth_date": _day(draw(st.integers(-40 * 365, request_day - 14 * 365)))},
        "immigration": immigration,
        "convictions": draw(st.lists(conviction(incidents), max_size=4)),
        "pending_charges": [{"level": "felony"}] * draw(st.integers(0, 1)),
        "custody": {"status": draw(st.sampled_from(["incarcerated", "released", "at_large"])),
                    "release_date": _day(draw(some_day))},
        "gang": {"participation": draw(st.booleans()),
                 "organization": "criminal_street_gang"},
        "national_security": {k: draw(st.booleans()) for k in
                              ("terrorism", "espionage", "other_threat")},
        "conduct": {k: draw(st.booleans()) for k in
                    ("visa_program_abuse", "fraud_before_agency", "public_benefits_abuse",
                     "chargeable_conduct")},
        "sex_offender_registration": draw(st.booleans()),
        "factors": {"aggravating": [], "mitigating": draw(st.lists(st.sampled_from(MITIGATING),
                                                                    max_size=2, unique=True))},
        "request": {"action": draw(st.sampled_from(["arrest", "detainer", "detention", "removal"])),
                    "date": _day(request_day), "office": "HOU"},
    }
    dets = {}
    for name in ("public_safety_threat", "national_security_threat"):
        if draw(st.booleans()):
            dets[name] = {"value": draw(st.booleans()), "by": "officer-1",
                          "date": _day(request_day)}
    if dets:
        case["determinations"] = dets
    return case


# Keys a partial case may drop, as paths. Determinations are judgements, not facts:
# dropping one changes the question, so they are never dropped.
DROPPABLE = [
    ("person",), ("person", "birth_date"), ("immigration",), ("immigration", "status"),
    ("immigration", "entries"), ("immigration", "removals"),
    ("immigration", "continuous_presence_since"), ("immigration", "final_order_date"),
    ("immigration", "apprehension"), ("immigration", "apprehension", "date"),
    ("immigration", "apprehension", "at"),
    ("immigration", "apprehension", "attempting_unlawful_entry"),
    ("convictions",), ("pending_charges",), ("custody",), ("custody", "status"),
    ("custody", "release_date"), ("gang",), ("gang", "participation"),
    ("national_security",), ("national_security", "terrorism"),
    ("national_security", "espionage"), ("national_security", "other_threat"),
    ("conduct",), ("conduct", "visa_program_abuse"), ("conduct", "fraud_before_agency"),
    ("conduct", "public_benefits_abuse"), ("conduct", "chargeable_conduct"),
    ("sex_offender_registration",),
]
CONVICTION_DROPPABLE = ["date", "level", "sentence_days", "suspended_days", "legal_categories",
                        "incident"]


def _drop(case: dict[str, Any], path: tuple[str, ...]) -> None:
    node = case
    for key in path[:-1]:
        node = node.get(key)  # type: ignore[assignment]
        if not isinstance(node, dict):
            return
    node.pop(path[-1], None)


def reads_apprehension_from_request(case: dict[str, Any]) -> bool:
    """An arrest or detainer request without an apprehension is read as an interior one;
    dropping a recorded apprehension would then change a fact, not hide it."""
    request = case.get("request") or {}
    return request.get("action") in ("arrest", "detainer")


@st.composite
def partial_of(draw: st.DrawFn, full: dict[str, Any]) -> dict[str, Any]:
    partial = copy.deepcopy(full)
    protected = {("immigration",), ("immigration", "apprehension")} \
        if reads_apprehension_from_request(full) else set()
    for path in draw(st.lists(st.sampled_from(DROPPABLE), max_size=8, unique=True)):
        if path not in protected:
            _drop(partial, path)
    for conv in partial.get("convictions") or []:
        for key in draw(st.lists(st.sampled_from(CONVICTION_DROPPABLE), max_size=3,
                                 unique=True)):
            conv.pop(key, None)
    return partial


@st.composite
def full_and_partial(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    full = draw(full_case())
    return full, draw(partial_of(full))
