"""Classify one conviction from its asserted categories, statute or NCIC code."""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from ..logic import Tri

if TYPE_CHECKING:
    from ..cases import Conviction

INA: tuple[str, ...] = (
    "aggravated_felony", *(f"aggravated_felony_{c}" for c in "ABCDEFGHIJKLMNOPQRSTU"),
    "sexual_abuse_of_a_minor", "crime_of_violence",
)
DESCRIPTIVE: tuple[str, ...] = (
    "domestic_violence", "sexual_abuse_or_exploitation", "burglary", "theft", "firearm",
    "drug_trafficking", "drug_possession", "dui", "minor_traffic",
)
ELEMENT: tuple[str, ...] = ("immigration_status_element", "gang_participation_element")
ALL = (*INA, *DESCRIPTIVE, *ELEMENT)

# What an assertion entails: a paragraph of 101(a)(43) is an aggravated felony, and
# sexual abuse of a minor is paragraph (A). Entailment is logic, not a guess.
_ENTAILS = {**{f"aggravated_felony_{c}": "aggravated_felony" for c in "ABCDEFGHIJKLMNOPQRSTU"},
            "sexual_abuse_of_a_minor": "aggravated_felony_A"}


@dataclass(frozen=True, slots=True)
class Classification:
    """Each category's truth value for one conviction, with the basis for it."""

    values: dict[str, Tri]
    source: str
    basis: str
    level: str | None = None
    name: str = ""

    def value(self, category: str) -> Tri:
        return self.values[category]

    def known(self) -> dict[str, bool]:
        return {k: v for k, v in self.values.items() if v is not None}


@dataclass(frozen=True, slots=True)
class _Row:
    pattern: re.Pattern[str]
    name: str
    level: str | None
    yes: frozenset[str]
    maybe: frozenset[str]
    ina_no: frozenset[str]
    basis: str


def _words(text: str) -> frozenset[str]:
    words = frozenset(text.split())
    unknown = words - set(ALL) - {"*"}
    if unknown:
        raise ValueError(f"offence table names unknown categories: {sorted(unknown)}")
    return words


def _data(name: str) -> list[dict[str, str]]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@functools.cache
def statute_rows() -> tuple[_Row, ...]:
    return tuple(
        _Row(re.compile(r["pattern"]), r["name"], r["level"] or None, _words(r["yes"]),
             _words(r["maybe"]), _words(r["ina_no"]), r["basis"])
        for r in _data("statutes.csv")
    )


@functools.cache
def ncic_rows() -> dict[str, dict[str, str]]:
    return {r["code"]: r for r in _data("ncic.csv")}


_DOT_AFTER_LETTER = re.compile(r"(?<=[A-Z])\.")
_SPACES = re.compile(r"\s+")


def normalise_statute(text: str) -> str:
    """Upper case, no section signs, no abbreviation dots, single spaces.

    >>> normalise_statute("Tex. Penal Code § 22.011(a)(2)")
    'TEX PENAL CODE 22.011(A)(2)'
    >>> normalise_statute("8 U.S.C. 1326(a)")
    '8 USC 1326(A)'
    """
    s = text.upper().replace("§", " ").replace("SECTION", " ").replace("SEC.", " ")
    s = _DOT_AFTER_LETTER.sub("", s)
    s = s.replace("ANN ", "").replace(" ANNOTATED", "")
    s = re.sub(r"\s+\(", "(", s)
    return _SPACES.sub(" ", s).strip()


def _from_row(row: _Row, statute: str) -> Classification:
    values: dict[str, Tri] = {}
    for cat in (*DESCRIPTIVE, *ELEMENT):
        values[cat] = True if cat in row.yes else (None if cat in row.maybe else False)
    for cat in INA:
        if cat in row.yes:
            values[cat] = True
        elif cat in row.maybe:
            values[cat] = None  # the paragraph that could apply: left for legal review
        elif "*" in row.ina_no or cat in row.ina_no:
            values[cat] = False
        else:
            values[cat] = None
    return Classification(values, "statute", f"{row.name} ({statute}): {row.basis}",
                          row.level, row.name)


def _from_ncic(row: dict[str, str]) -> Classification:
    yes, maybe = _words(row["yes"]), _words(row["maybe"])
    values: dict[str, Tri] = {}
    for cat in (*DESCRIPTIVE, *ELEMENT):
        if cat in yes:
            values[cat] = True
        else:
            values[cat] = None if (cat in maybe or "*" in maybe) else False
    for cat in INA:
        values[cat] = False if row["ina"] == "none" else None
    note = ("a residual code: it names the family of offence, not the offence"
            if "*" in maybe else "the code identifies the kind of offence")
    if row["ina"] != "none":
        note += "; INA categories need the statute of conviction and legal review"
    basis = f"NCIC {row['code']} {row['description']} ({note})"
    return Classification(values, "ncic", basis, None, row["description"].title())


def _asserted(categories: list[str]) -> Classification:
    named = set(categories)
    for cat in list(named):
        while cat in _ENTAILS:
            cat = _ENTAILS[cat]
            named.add(cat)
    values: dict[str, Tri] = {cat: cat in named for cat in ALL}
    return Classification(values, "asserted",
                          "legal categories asserted by legal review (complete list)")


_UNKNOWN = Classification(
    dict.fromkeys(ALL), "none",
    "neither the statute nor the NCIC code is in the offence tables: every category is unknown",
)


@functools.lru_cache(maxsize=65536)
def _classify(statute: str | None, ncic: str | None,
              asserted: tuple[str, ...] | None) -> Classification:
    if asserted is not None:
        return _asserted(list(asserted))
    if statute:
        norm = normalise_statute(statute)
        for row in statute_rows():
            if row.pattern.search(norm):
                return _from_row(row, statute)
    if ncic:
        row_ = ncic_rows().get(ncic)
        if row_ is not None:
            return _from_ncic(row_)
    return _UNKNOWN


def classify(conviction: Conviction) -> Classification:
    """Categories of one conviction; see the module docstring for the order of sources."""
    asserted = conviction.legal_categories
    return _classify(conviction.statute, conviction.ncic_code,
                     tuple(asserted) if asserted is not None else None)
