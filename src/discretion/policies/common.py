"""Conditions several memos share, each written once and named as the memos name it.

Each function returns a fresh node so a policy's explanation reads in its own words;
the date a memo names is always passed in, so counterfactual runs can move it.
"""

from __future__ import annotations

import datetime as dt

from ..offences.derive import AGGRAVATED_FELONY, GANG_ELEMENT
from ..rules import (
    AgeAtLeast,
    All,
    AnyConviction,
    AnyOf,
    AssessedAfter,
    Compare,
    Const,
    Cutoff,
    Flag,
    Found,
    IfKnown,
    Named,
    Node,
    Not,
    OneOf,
    Recorded,
    YearsBeforeAsOf,
)

OTHERWISE = Const(True, "none of the rungs above applies")


def terrorism_or_espionage() -> Node:
    return AnyOf(Flag("terrorism", "engaged in or suspected of terrorism"),
                 Flag("espionage", "engaged in or suspected of espionage"),
                 label="terrorism or espionage")


def national_security_threat() -> Node:
    """Terrorism, espionage, or otherwise a danger to national security: a fact of the case,
    or a determination an officer recorded."""
    return AnyOf(terrorism_or_espionage(),
                 Flag("national_security_other", "otherwise a danger to national security"),
                 Found("national_security_threat",
                       "an officer recorded a national-security threat determination"),
                 label="a threat to national security")


def at_border_attempting_entry() -> Node:
    return All(OneOf("apprehension_at", ["border", "port_of_entry"],
                     "apprehended at the border or a port of entry"),
               Flag("attempting_unlawful_entry", "while attempting to enter unlawfully"),
               label="apprehended at the border or a port of entry attempting unlawful entry")


def at_border_attempting_entry_since(cutoff: dt.date) -> Node:
    return All(at_border_attempting_entry(),
               Compare("apprehension_date", ">=", Cutoff(cutoff)),
               label=f"... on or after {cutoff.isoformat()}")


def physically_present_before(cutoff: dt.date) -> Node:
    """Was in the United States at some time before ``cutoff``.

    The list of entries, when known, is the record of arrivals: presence before the
    cut-off means a first entry before it. Without that list, an entry, a start of
    continuous presence or a removal before the cut-off shows presence (records that
    know a date but not the whole list); nothing else can show its absence.
    """
    cut = Cutoff(cutoff)
    from_entries = All(Compare("entry_count", ">", 0, "some entry is recorded"),
                       Compare("first_entry_date", "<", cut), label="first entry before the cut-off")
    other_evidence = AnyOf(
        Compare("first_entry_date", "<", cut, "an entry before the cut-off is recorded"),
        Compare("continuous_presence_since", "<", cut),
        Compare("first_removal_date", "<", cut, "a removal before the cut-off is recorded"),
        All(OneOf("apprehension_at", ["interior"], "apprehended in the interior"),
            Compare("apprehension_date", "<", cut), label="apprehended in the interior before "
            "the cut-off"),
        AnyConviction(All(Flag("state_or_local", "convicted in a state or local court",
                               conviction=True),
                          Compare("conviction_date", "<", cut, conviction=True),
                          label="a state conviction before the cut-off"),
                      "convicted in a U.S. state court before the cut-off"),
        Const(None, "no other record of presence or absence"),
        label="other evidence of presence before the cut-off")
    return IfKnown("entry_count", from_entries, other_evidence,
                   f"physically present in the United States before {cutoff.isoformat()}")


def continuously_present_since(cutoff: dt.date) -> Node:
    """Continuously present since ``cutoff``: the stated date settles it; otherwise an
    entry or a removal after the cut-off shows a break, and nothing shows continuity."""
    cut = Cutoff(cutoff)
    stated = Compare("continuous_presence_since", "<=", cut)
    break_shown = AnyOf(
        Compare("last_entry_date", ">", cut, "entered after the cut-off"),
        Compare("last_removal_date", ">=", cut, "removed on or after the cut-off"),
        label="a break in presence is shown")
    unproven = All(Not(break_shown), Const(None, "continuity is not otherwise shown"),
                   label="no date of continuous presence stated")
    return IfKnown("continuous_presence_since", stated, unproven,
                   f"continuously present since {cutoff.isoformat()}")


def last_entry_unlawful() -> Node:
    """The most recent entry was without inspection; with no entries at all, it was not."""
    return IfKnown("last_entry_manner",
                   OneOf("last_entry_manner", ["without_inspection"],
                         "the most recent entry was without inspection"),
                   All(Not(Compare("entry_count", "==", 0, "no entry is recorded")),
                       Const(None, "the manner of entry is not recorded"),
                       label="manner of the most recent entry unknown"),
                   "entered or re-entered unlawfully")


def entered_after(cutoff: dt.date) -> Node:
    """The most recent entry was after ``cutoff``; with its date unknown, no entry can be
    after a cut-off later than the assessment date."""
    cut = Cutoff(cutoff)
    return IfKnown("last_entry_date", Compare("last_entry_date", ">", cut),
                   All(AssessedAfter(cut), Const(None, "the date of entry is not recorded"),
                       label="date of the most recent entry unknown"),
                   f"most recent entry after {cutoff.isoformat()}")


def unlawful_entry_after(cutoff: dt.date) -> Node:
    return All(last_entry_unlawful(), entered_after(cutoff),
               label=f"entered unlawfully after {cutoff.isoformat()}")


def unlawful_entry_within(years: int) -> Node:
    """Entered without inspection within ``years`` before the assessment date: improper
    entry (8 U.S.C. 1325(a)) stays chargeable for the five-year limitation period
    (18 U.S.C. 3282)."""
    return All(last_entry_unlawful(),
               Compare("last_entry_date", ">", YearsBeforeAsOf(years),
                       f"the most recent entry was within {years} years"),
               label=f"entered without inspection within the last {years} years")


def convicted_of_aggravated_felony() -> Node:
    return AnyConviction(AGGRAVATED_FELONY, "convicted of an aggravated felony")


def convicted_with_gang_element() -> Node:
    return AnyConviction(GANG_ELEMENT, "convicted of an offence with a gang-participation element")


def gang_participant_16_or_older() -> Node:
    """Not younger than 16 and participated in a gang or criminal organisation.

    The case format records participation without an end date, so it is read as
    continuing to the assessment date: someone 16 or older on that date has
    participated while 16 or older.
    """
    return All(AgeAtLeast(16), Flag("gang_participation",
                                    "intentionally participated in an organised criminal gang "
                                    "or organisation to further its illegal activity"),
               label="not younger than 16 and participated in a criminal gang")


def released_on_or_after(cutoff: dt.date) -> Node:
    """Released from criminal custody on or after ``cutoff``, or still serving a sentence."""
    return AnyOf(OneOf("custody_status", ["incarcerated"], "still incarcerated"),
                 Compare("release_date", ">=", Cutoff(cutoff)),
                 label=f"released from prison or jail on or after {cutoff.isoformat()}")


def public_safety_threat_found() -> Node:
    return Found("public_safety_threat", "a public-safety threat determination is recorded")


def public_safety_threat_pending() -> Node:
    return Not(Recorded("public_safety_threat", "a public-safety threat determination is recorded"),
               "no public-safety threat determination is recorded yet")


def has_conviction() -> Node:
    """Some conviction is recorded. Records that keep only the most serious conviction
    show one without knowing how many there are; that is enough here."""
    return AnyConviction(Const(True, "a conviction"), "has a criminal conviction")


def has_pending_charge() -> Node:
    return Flag("pending_charge", "has an unresolved criminal charge")


def criminal_history() -> Node:
    return AnyOf(has_conviction(), has_pending_charge(),
                 Flag("chargeable_conduct", "committed acts that constitute a chargeable offence"),
                 label="has criminal history or conduct")


def named(node: Node, label: str) -> Named:
    return Named(node, label)
