"""Factors found on each side of a totality or threat assessment.

A factor is found when the case file records it (``factors.aggravating`` /
``factors.mitigating``), or when the record shows it plainly. The derived ones
use display thresholds that no policy states (65 years of age, ten years); each
finding says so in its basis, so a reader can discount it. Factors never change
the engine's outcome: they inform the person who must judge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from .facts import Record
from .policy import Factor
from .rules import age_on

AGE_ADVANCED = 65
AGE_TENDER = 18
YEARS_LONG = 10


def _years(start: dt.date, day: dt.date) -> int:
    return age_on(start, day)


def _age(record: Record, day: dt.date) -> int | None:
    born = record.row["birth_date"]
    return None if born is None else age_on(born, day)


def _advanced_age(record: Record, day: dt.date) -> str | None:
    age = _age(record, day)
    if age is not None and age >= AGE_ADVANCED:
        return (f"age {age} on {day.isoformat()} (display threshold {AGE_ADVANCED}; no policy "
                "names an age)")
    return None


def _tender_age(record: Record, day: dt.date) -> str | None:
    age = _age(record, day)
    if age is not None and age < AGE_TENDER:
        return f"age {age} on {day.isoformat()} (under {AGE_TENDER})"
    return None


def _lengthy_presence(record: Record, day: dt.date) -> str | None:
    since = record.row["continuous_presence_since"]
    if since is not None and since <= day and _years(since, day) >= YEARS_LONG:
        return (f"continuously present since {since.isoformat()}: {_years(since, day)} years "
                f"(display threshold {YEARS_LONG} years)")
    return None


def _time_since_offense(record: Record, day: dt.date) -> str | None:
    dates = [c["conviction_date"] for c in record.convictions]
    if not dates or any(d is None for d in dates):
        return None
    last = max(dates)
    if last <= day and _years(last, day) >= YEARS_LONG:
        return (f"most recent conviction {last.isoformat()}: {_years(last, day)} years ago "
                f"(display threshold {YEARS_LONG} years)")
    return None


def _gravity(record: Record, day: dt.date) -> str | None:
    felonies = [c for c in record.convictions if c["level"] == "felony"]
    long_terms = [c for c in record.convictions if (c["sentence_days"] or 0) >= 365]
    if felonies or long_terms:
        return (f"{len(felonies)} felony conviction(s); {len(long_terms)} sentence(s) of a year "
                "or more")
    return None


def _firearm(record: Record, day: dt.date) -> str | None:
    n = sum(1 for c in record.convictions if c["cat_firearm"] is True)
    return f"{n} conviction(s) in the firearm category" if n else None


def _serious_harm(record: Record, day: dt.date) -> str | None:
    cats = ("cat_crime_of_violence", "cat_sexual_abuse_of_a_minor", "cat_aggravated_felony_A")
    n = sum(1 for c in record.convictions if any(c[k] is True for k in cats))
    return (f"{n} conviction(s) for a crime of violence, sexual abuse of a minor, murder or "
            "rape" if n else None)


def _serious_prior_record(record: Record, day: dt.date) -> str | None:
    total = len(record.convictions)
    felonies = sum(1 for c in record.convictions if c["level"] == "felony")
    if total >= 3 or felonies >= 2:
        return (f"{total} convictions, {felonies} of them felonies (display threshold: three "
                "convictions or two felonies)")
    return None


DERIVED: dict[str, Callable[[Record, dt.date], str | None]] = {
    "advanced_age": _advanced_age, "tender_age": _tender_age,
    "lengthy_presence": _lengthy_presence, "time_since_offense": _time_since_offense,
    "gravity_of_offense": _gravity, "firearm": _firearm, "serious_harm": _serious_harm,
    "serious_prior_record": _serious_prior_record,
}


def _recorded(record: Record) -> dict[str, set[str]]:
    factors = record.case.factors if record.case is not None else None
    if factors is None:
        return {"aggravating": set(), "mitigating": set()}
    return {"aggravating": set(factors.aggravating or ()),
            "mitigating": set(factors.mitigating or ())}


def find_factors(record: Record, factors: tuple[Factor, ...],
                 day: dt.date) -> dict[str, list[dict[str, Any]]]:
    """The policy's factors found in this case, each with its basis."""
    recorded = _recorded(record)
    found: dict[str, list[dict[str, Any]]] = {"aggravating": [], "mitigating": []}
    derived: dict[str, str | None] = {}
    for factor in factors:
        bases = []
        if factor.id in recorded[factor.side]:
            bases.append("recorded in the case file")
        derive = DERIVED.get(factor.id)
        if derive is not None:
            if factor.id not in derived:
                derived[factor.id] = derive(record, day)
            basis = derived[factor.id]
            if basis:
                bases.append(basis)
        if bases:
            found[factor.side].append({**factor.spec(), "basis": "; ".join(bases)})
    return found
