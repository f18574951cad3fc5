"""Offence classification: asserted categories win; tables fill in; the law's thresholds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import base_case
from discretion.cases import Conviction, parse_case
from discretion.facts import read_case
from discretion.offences import DESCRIPTIVE, INA, classify, normalise_statute
from discretion.offences.classify import ncic_rows, statute_rows
from discretion.offences.derive import AGGRAVATED_FELONY, paragraph
from discretion.rules import Env, Node


def conv(**fields: Any) -> Conviction:
    return Conviction.model_validate(fields)


def test_asserted_categories_are_complete_and_entail_their_parents() -> None:
    c = classify(conv(statute="Cal. Penal Code 288(a)", legal_categories=["sexual_abuse_of_a_minor"]))
    assert c.source == "asserted"
    assert c.value("aggravated_felony_A") is True and c.value("aggravated_felony") is True
    assert c.value("burglary") is False and c.value("crime_of_violence") is False


def test_statute_table_matches_variants() -> None:
    for text in ("Tex. Penal Code 22.011(a)(2)", "TEX. PENAL CODE § 22.011 (a)(2)",
                 "Texas Penal Code Ann. 22.011(a)(2)".replace("Texas", "Tex.")):
        c = classify(conv(statute=text))
        assert c.source == "statute", text
        assert c.value("sexual_abuse_or_exploitation") is True
        assert c.value("aggravated_felony_A") is None  # needs legal review, never guessed
        assert c.level == "felony"


def test_ncic_code_identifies_descriptive_categories_only() -> None:
    c = classify(conv(ncic_code="5404"))
    assert c.source == "ncic" and c.value("dui") is True
    assert c.value("aggravated_felony") is False  # DUI: Leocal
    burglary = classify(conv(ncic_code="2202"))
    assert burglary.value("burglary") is True and burglary.value("theft") is False
    assert burglary.value("aggravated_felony_G") is None
    residual = classify(conv(ncic_code="2299"))
    assert residual.value("burglary") is True and residual.value("firearm") is None


def test_statute_wins_over_ncic_and_unknown_offences_stay_unknown() -> None:
    c = classify(conv(statute="Cal. Veh. Code 23152(a)", ncic_code="2202"))
    assert c.source == "statute" and c.value("dui") is True and c.value("burglary") is False
    unknown = classify(conv(statute="Ruritania Code 1.1"))
    assert unknown.source == "none"
    assert all(unknown.value(k) is None for k in (*INA, *DESCRIPTIVE))


def test_tables_are_well_formed() -> None:
    assert len(statute_rows()) >= 50
    assert len(ncic_rows()) == 458
    for row in statute_rows():
        assert row.basis and row.name


def test_normalise_statute() -> None:
    assert normalise_statute("21 U.S.C. § 841(a)(1)") == "21 USC 841(A)(1)"


def conviction_rule(rule: Node, **fields: Any) -> bool | None:
    """Evaluate a conviction-level rule on one conviction, as both evaluators do."""
    record = read_case(parse_case(base_case(convictions=[fields])))
    env = Env(record.row, record.convictions, dt.date(2021, 6, 1))
    env.conv, env.conv_index = record.convictions[0], 0
    return rule.eval(env)


def _af(sentence_days: int, suspended: int = 0) -> bool | None:
    return conviction_rule(paragraph("F"), statute="Cal. Penal Code 273.5", level="felony",
                           sentence_days=sentence_days, suspended_days=suspended)


@pytest.mark.parametrize("days, suspended, expected", [
    (364, 0, False), (365, 0, True), (365, 300, True),  # "regardless of any suspension"
])
def test_one_year_term_threshold_for_crime_of_violence(days: int, suspended: int,
                                                       expected: bool) -> None:
    assert _af(days, suspended) is expected


def test_asserted_category_is_not_second_guessed_by_the_term() -> None:
    assert conviction_rule(AGGRAVATED_FELONY, sentence_days=10,
                           legal_categories=["aggravated_felony_F"]) is True


def test_unknown_term_leaves_threshold_paragraph_unknown() -> None:
    assert _af_unknown_term() is None


def _af_unknown_term() -> bool | None:
    return conviction_rule(paragraph("F"), statute="Cal. Penal Code 273.5", level="felony")


def test_a_short_term_settles_a_single_paragraph_offence() -> None:
    # Only (F) could apply to 273.5; a 200-day term rules it out.
    assert conviction_rule(AGGRAVATED_FELONY, statute="Cal. Penal Code 273.5",
                           sentence_days=200) is False
    # Texas aggravated assault may be a crime of violence: legal review decides (F).
    assert conviction_rule(AGGRAVATED_FELONY, statute="Tex. Penal Code 22.02",
                           sentence_days=400) is None
    assert conviction_rule(AGGRAVATED_FELONY, statute="Tex. Penal Code 22.02",
                           sentence_days=200) is False
    # A DUI row closes every paragraph.
    assert conviction_rule(AGGRAVATED_FELONY, statute="Cal. Veh. Code 23152(a)",
                           sentence_days=400) is False


@pytest.mark.parametrize("days, expected", [(364, False), (365, True)])
def test_one_year_term_threshold_for_theft(days: int, expected: bool) -> None:
    assert conviction_rule(paragraph("G"), statute="Cal. Penal Code 496(a)",
                           sentence_days=days, suspended_days=days) is expected


@pytest.mark.parametrize("jurisdiction, expected", [("US-TX", True), ("US", False), ("MX", False),
                                                    (None, None)])
def test_immigration_status_exclusion_is_for_state_and_local_offences(
        jurisdiction: str | None, expected: bool | None) -> None:
    from discretion.offences.derive import NOT_IMMIGRATION_STATUS_ELEMENT

    fields: dict[str, Any] = {"ncic_code": "0301"}
    if jurisdiction:
        fields["jurisdiction"] = jurisdiction
    excluded = conviction_rule(NOT_IMMIGRATION_STATUS_ELEMENT, **fields)
    # NCIC 0301 leaves the element open: only federal or foreign convictions settle it.
    assert excluded is (None if expected in (True, None) else True)
