"""Every fact a rule may read: its name, type, meaning, where it sits in a case file,
and how it is read from one.

A case is read once into a flat *record*: one row of case-level facts and one row
per conviction. The same column names are the schema of a population table, so
the explaining evaluator (over records) and the SQL compiler (over tables) read
exactly the same facts. ``None`` is unknown everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from .cases import CATEGORY_NAMES, DETERMINATIONS, Case, Conviction

Kind = Literal["bool", "date", "int", "text"]
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Fact:
    name: str
    kind: Kind
    meaning: str
    path: str
    read: Callable[[Case], Any]
    level: Literal["case", "conviction"] = "case"
    always_known: bool = False


@dataclass(frozen=True, slots=True)
class ConvictionFact:
    name: str
    kind: Kind
    meaning: str
    path: str
    read: Callable[[Conviction, int], Any]
    level: Literal["case", "conviction"] = "conviction"
    always_known: bool = False


# -- small readers -------------------------------------------------------------------------

def _imm(case: Case) -> Any:
    return case.immigration


def _entries(case: Case) -> Any:
    imm = case.immigration
    return imm.entries if imm is not None else None


def _removals(case: Case) -> Any:
    imm = case.immigration
    return imm.removals if imm is not None else None


def _count(items: Any) -> int | None:
    return None if items is None else len(items)


def _last_entry(case: Case) -> Any:
    entries = _entries(case)
    return max(entries, key=lambda e: e.date) if entries else None


def _attr(getter: Callable[[Case], Any], name: str) -> Callable[[Case], Any]:
    def read(case: Case) -> Any:
        obj = getter(case)
        return None if obj is None else getattr(obj, name)
    return read


def _final_order(case: Case) -> bool | None:
    imm = case.immigration
    if imm is None or not imm.given("final_order_date"):
        return None
    return imm.final_order_date is not None


def _determination(name: str) -> Callable[[Case], bool | None]:
    def read(case: Case) -> bool | None:
        found = getattr(case.determinations, name, None) if case.determinations else None
        return None if found is None else bool(found.value)
    return read


INTERIOR_ACTIONS = ("arrest", "detainer")


def _apprehension(case: Case) -> Any:
    """The apprehension the memos speak of.

    A case that records none, and whose request is an arrest or a detainer, is asking
    about that very apprehension: an interior action by an enforcement office, on the
    request date, not an attempt to enter at the border. Any other case without one
    leaves the apprehension unknown.
    """
    from .cases import Apprehension

    imm = case.immigration
    if imm is not None and imm.apprehension is not None:
        return imm.apprehension
    request = case.request
    if request is not None and request.action in INTERIOR_ACTIONS:
        return Apprehension(date=request.date, at="interior", attempting_unlawful_entry=False)
    return None


CASE_FACTS: tuple[Fact, ...] = (
    Fact("birth_date", "date", "date of birth", "person.birth_date",
         _attr(lambda c: c.person, "birth_date")),
    Fact("status", "text", "immigration status", "immigration.status", _attr(_imm, "status")),
    Fact("entry_count", "int", "number of recorded entries to the United States",
         "immigration.entries", lambda c: _count(_entries(c))),
    Fact("first_entry_date", "date", "date of the first recorded entry", "immigration.entries",
         lambda c: min((e.date for e in _entries(c) or ()), default=None)),
    Fact("last_entry_date", "date", "date of the most recent entry", "immigration.entries",
         _attr(_last_entry, "date")),
    Fact("last_entry_manner", "text", "manner of the most recent entry (e.g. without inspection)",
         "immigration.entries[].manner", _attr(_last_entry, "manner")),
    Fact("continuous_presence_since", "date", "start of continuous physical presence",
         "immigration.continuous_presence_since", _attr(_imm, "continuous_presence_since")),
    Fact("removal_count", "int", "number of prior removals", "immigration.removals",
         lambda c: _count(_removals(c))),
    Fact("first_removal_date", "date", "date of the first prior removal", "immigration.removals",
         lambda c: min((r.date for r in _removals(c) or ()), default=None)),
    Fact("last_removal_date", "date", "date of the most recent prior removal",
         "immigration.removals", lambda c: max((r.date for r in _removals(c) or ()), default=None)),
    Fact("final_order", "bool", "subject to a final order of removal",
         "immigration.final_order_date", _final_order),
    Fact("final_order_date", "date", "date of the final order of removal",
         "immigration.final_order_date", _attr(_imm, "final_order_date")),
    Fact("apprehension_date", "date", "date of apprehension", "immigration.apprehension.date",
         _attr(_apprehension, "date")),
    Fact("apprehension_at", "text", "where apprehended: border, port of entry or interior",
         "immigration.apprehension.at", _attr(_apprehension, "at")),
    Fact("attempting_unlawful_entry", "bool", "apprehended while attempting to enter unlawfully",
         "immigration.apprehension.attempting_unlawful_entry",
         _attr(_apprehension, "attempting_unlawful_entry")),
    Fact("conviction_count", "int", "number of criminal convictions", "convictions",
         lambda c: _count(c.convictions)),
    Fact("pending_charge_count", "int", "number of unresolved criminal charges",
         "pending_charges", lambda c: _count(c.pending_charges)),
    Fact("pending_charge", "bool", "has at least one unresolved criminal charge",
         "pending_charges", lambda c: None if c.pending_charges is None else bool(c.pending_charges)),
    Fact("custody_status", "text", "criminal custody status", "custody.status",
         _attr(lambda c: c.custody, "status")),
    Fact("release_date", "date", "date released from criminal custody", "custody.release_date",
         _attr(lambda c: c.custody, "release_date")),
    Fact("gang_participation", "bool", "intentional participation in a gang or criminal organisation",
         "gang.participation", _attr(lambda c: c.gang, "participation")),
    Fact("gang_organization", "text", "kind of organisation: criminal street gang or TCO",
         "gang.organization", _attr(lambda c: c.gang, "organization")),
    Fact("terrorism", "bool", "engaged in or suspected of terrorism",
         "national_security.terrorism", _attr(lambda c: c.national_security, "terrorism")),
    Fact("espionage", "bool", "engaged in or suspected of espionage",
         "national_security.espionage", _attr(lambda c: c.national_security, "espionage")),
    Fact("national_security_other", "bool", "otherwise a danger to national security",
         "national_security.other_threat", _attr(lambda c: c.national_security, "other_threat")),
    Fact("visa_program_abuse", "bool", "significant abuse of the visa or visa waiver programs",
         "conduct.visa_program_abuse", _attr(lambda c: c.conduct, "visa_program_abuse")),
    Fact("fraud_before_agency", "bool", "fraud or wilful misrepresentation before an agency",
         "conduct.fraud_before_agency", _attr(lambda c: c.conduct, "fraud_before_agency")),
    Fact("public_benefits_abuse", "bool", "abuse of a public-benefits program",
         "conduct.public_benefits_abuse", _attr(lambda c: c.conduct, "public_benefits_abuse")),
    Fact("chargeable_conduct", "bool", "committed acts that constitute a chargeable offence",
         "conduct.chargeable_conduct", _attr(lambda c: c.conduct, "chargeable_conduct")),
    Fact("sex_offender_registration", "bool", "required to register as a sex offender",
         "sex_offender_registration", lambda c: c.sex_offender_registration),
    *(Fact(f"determination_{name}", "bool", f"recorded determination: {name.replace('_', ' ')}",
           f"determinations.{name}", _determination(name)) for name in DETERMINATIONS),
)


def _state_or_local(conviction: Conviction, index: int) -> bool | None:
    """``US-TX`` is a state; ``US`` alone is federal; another country is foreign."""
    where = conviction.jurisdiction
    return None if where is None else where.startswith("US-")


def _level(conviction: Conviction, index: int) -> str | None:
    """The level the case gives; else the level the statute table knows for the statute."""
    if conviction.level not in (None, "unknown"):
        return conviction.level
    from .offences import classify
    return classify(conviction).level


def _category_reader(name: str) -> Callable[[Conviction, int], Any]:
    from .offences import classify  # classification tables load on first use

    def read(conviction: Conviction, index: int) -> Any:
        return classify(conviction).value(name)
    return read


CONVICTION_FACTS: tuple[ConvictionFact, ...] = (
    ConvictionFact("conviction_date", "date", "date of conviction", "convictions[].date",
                   lambda c, i: c.date),
    ConvictionFact("state_or_local", "bool", "convicted in a U.S. state or local court (not "
                   "federal, not foreign)", "convictions[].jurisdiction", _state_or_local),
    ConvictionFact("level", "text", "felony, misdemeanor or petty offence in the convicting "
                   "jurisdiction", "convictions[].level", _level),
    ConvictionFact("sentence_days", "int", "term of imprisonment imposed, suspended part included",
                   "convictions[].sentence_days", lambda c, i: c.sentence_days),
    ConvictionFact("suspended_days", "int", "suspended part of the sentence",
                   "convictions[].suspended_days", lambda c, i: c.suspended_days),
    ConvictionFact("incident", "text", "incident the conviction arose from (convictions sharing "
                   "an id arose from one incident)", "convictions[].incident",
                   lambda c, i: c.incident),
    ConvictionFact("asserted", "bool", "legal categories were asserted by legal review",
                   "convictions[].legal_categories", lambda c, i: c.legal_categories is not None,
                   always_known=True),
    *(ConvictionFact(f"cat_{name}", "bool", f"offence category: {name.replace('_', ' ')} "
                     "(asserted by legal review, or from the statute or NCIC tables)",
                     "convictions[].legal_categories", _category_reader(name))
      for name in CATEGORY_NAMES),
)

FACTS: dict[str, Fact | ConvictionFact] = {
    **{f.name: f for f in CASE_FACTS}, **{f.name: f for f in CONVICTION_FACTS}}


@dataclass(slots=True)
class Record:
    """A case read into facts: one case row and one row per conviction."""

    id: str
    row: Row
    convictions: list[Row]
    case: Case | None = None

    @property
    def request_date(self) -> dt.date | None:
        req = self.case.request if self.case is not None else None
        return req.date if req is not None else None


def read_case(case: Case) -> Record:
    row = {f.name: f.read(case) for f in CASE_FACTS}
    convictions = [
        {f.name: f.read(conviction, i) for f in CONVICTION_FACTS}
        for i, conviction in enumerate(case.convictions or ())
    ]
    return Record(case.id, row, convictions, case)


def fact_path(name: str, index: int | None = None) -> str:
    """Where a fact sits in a case file, with the conviction index filled in."""
    path = FACTS[name].path
    return path.replace("[]", f"[{index}]", 1) if index is not None else path
