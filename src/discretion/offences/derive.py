"""Conviction-level rules of offence law: thresholds and the aggravated-felony union.

These are rules, not table lookups, so that both evaluators apply them: a term of
imprisonment of at least one year for INA 101(a)(43)(F), (G), (R) and (S) (and
twelve months for (P)), counting the sentence imposed "regardless of any
suspension" (INA 101(a)(48)(B)). Where legal review asserted the categories, its
answer already accounts for thresholds and is used as it stands.
"""

from __future__ import annotations

from ..rules import All, AnyOf, Branch, Compare, Flag, Named, Node, Not, OneOf

ONE_YEAR_DAYS = 365
"""A term of "at least one year" read as 365 days or more: sentences are recorded in days
and a one-year sentence is written 365 days, so a leap year does not move the line."""

_TERM_THRESHOLD = {"F": "crime of violence", "G": "theft or burglary",
                   "P": "passport or document fraud", "R": "commercial bribery, counterfeiting, "
                   "forgery or vehicle trafficking", "S": "obstruction of justice or perjury"}

_PARAGRAPHS = {
    "A": "murder, rape or sexual abuse of a minor", "B": "illicit trafficking in a controlled "
    "substance", "C": "illicit trafficking in firearms or destructive devices",
    "D": "money laundering over $10,000", "E": "explosives or listed firearms offences",
    "F": "crime of violence with a term of at least one year", "G": "theft or burglary with a "
    "term of at least one year", "H": "ransom offences", "I": "child pornography",
    "J": "racketeering or gambling offences", "K": "prostitution business, peonage or trafficking "
    "in persons", "L": "national-defence information, sabotage or treason",
    "M": "fraud or tax evasion over $10,000", "N": "alien smuggling", "O": "illegal entry or "
    "re-entry after removal for an aggravated felony", "P": "passport or document fraud with a "
    "term of at least 12 months", "Q": "failure to appear for service of sentence",
    "R": "commercial bribery, counterfeiting, forgery or vehicle trafficking with a term of at "
    "least one year", "S": "obstruction of justice, perjury or witness bribery with a term of at "
    "least one year", "T": "failure to appear to answer a felony charge", "U": "attempt or "
    "conspiracy to commit one of the above",
}

ASSERTED = Flag("asserted", "legal categories asserted by legal review", conviction=True)


def category(name: str, label: str = "") -> Flag:
    return Flag(f"cat_{name}", label or name.replace("_", " "), conviction=True)


def term_at_least_one_year() -> Compare:
    return Compare("sentence_days", ">=", ONE_YEAR_DAYS,
                   "term of imprisonment imposed is at least one year", conviction=True)


def paragraph(letter: str) -> Node:
    """INA 101(a)(43)(letter), with its term threshold where the paragraph states one."""
    label = f"INA 101(a)(43)({letter}): {_PARAGRAPHS[letter]}"
    base = category(f"aggravated_felony_{letter}", f"offence of the kind in ({letter})")
    if letter not in _TERM_THRESHOLD:
        return Named(base, label)
    # Legal review's assertion already weighed the term; otherwise the term must reach it.
    return Named(All(base, AnyOf(ASSERTED, term_at_least_one_year(), label="asserted, or the "
                                 "term reaches the threshold"), label="offence and term"), label)


def _aggravated_felony() -> Named:
    union = AnyOf(*(paragraph(c) for c in _PARAGRAPHS), label="any paragraph of INA 101(a)(43)")
    return Named(Branch(ASSERTED, category("aggravated_felony"), union,
                        "asserted, or any paragraph"),
                 "an aggravated felony (INA 101(a)(43))")


AGGRAVATED_FELONY = _aggravated_felony()
FELONY = OneOf("level", ["felony"], "a felony in the convicting jurisdiction", conviction=True)
MISDEMEANOR = OneOf("level", ["misdemeanor"], "a misdemeanor", conviction=True)
IMMIGRATION_STATUS_ELEMENT = category("immigration_status_element",
                                      "an offence whose essential element is immigration status")
STATE_OR_LOCAL = Flag("state_or_local", "convicted in a state or local court", conviction=True)
NOT_IMMIGRATION_STATUS_ELEMENT = Not(
    All(STATE_OR_LOCAL, IMMIGRATION_STATUS_ELEMENT,
        label="a state or local offence whose essential element is immigration status"),
    "not a state or local offence whose essential element is immigration status")
GANG_ELEMENT = category("gang_participation_element",
                        "an element was active participation in a criminal street gang "
                        "(18 U.S.C. 521(a))")
