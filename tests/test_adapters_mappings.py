"""The mapping tables: every row valid and justified, and classification consistent with
the project's own offence tables."""

from __future__ import annotations

import pytest

from discretion.cases import CATEGORY_NAMES, Conviction
from discretion.offences import classify
from discretion.offences.classify import ncic_rows
from discretion.simulate import mappings as m


def test_every_table_loads_and_every_row_has_a_basis() -> None:
    counts = m.validate_all()
    assert set(counts) == set(m.TABLE_FILES)
    assert counts["msc"] >= 280
    for name in m.TABLE_FILES:
        assert all(row["basis"].strip() for row in m.table(name).rows)


def test_own_rows_read_like_the_ncic_table() -> None:
    # The same yes/maybe/ina columns must give what the classifier gives for NCIC codes.
    for code, row in ncic_rows().items():
        mine = m.own_categories(row["yes"], row["maybe"], row["ina"])
        theirs = classify(Conviction(ncic_code=code)).values
        assert mine == dict(theirs), code


@pytest.mark.parametrize(("literal", "expected"), [
    ("Driving Under Influence Liquor", {"dui": True, "minor_traffic": False, "aggravated_felony": False}),
    ("Domestic Violence", {"domestic_violence": True, "theft": None, "aggravated_felony": None}),
    ("Drug Trafficking", {"drug_trafficking": True, "drug_possession": False,
                          "aggravated_felony_B": None}),
    ("Rape - Strongarm", {"sexual_abuse_or_exploitation": True, "domestic_violence": None}),
    ("Aggravated Assault - Weapon", {"firearm": None, "dui": False, "crime_of_violence": None}),
    ("Assault", {"domestic_violence": None, "dui": None}),
    ("Illegal Re-Entry (INA SEC.101(a)(43)(O), 8USC1326 only)",
     {"aggravated_felony_O": None, "immigration_status_element": False, "dui": False}),
])
def test_msc_literals(literal: str, expected: dict[str, bool | None]) -> None:
    offence = m.msc_offences()[m.norm_literal(literal)]
    for cat, value in expected.items():
        assert offence.categories[cat] is value, (literal, cat)
    assert set(offence.categories) == set(CATEGORY_NAMES)


def test_msc_level_only_where_the_literal_says_it() -> None:
    levels = {k: o.level for k, o in m.msc_offences().items() if o.level is not None}
    assert levels == {m.norm_literal("Illegal Re-Entry (INA SEC.101(a)(43)(O), 8USC1326 only)"):
                      "felony"}


def test_msc_matching_ignores_case_and_punctuation() -> None:
    table = m.msc_offences()
    assert m.norm_literal("AGGRAVATED ASSAULT-WEAPON") in table
    assert m.norm_literal("aggravated assault - weapon") in table


def test_ncic_family_is_known_only_where_all_codes_agree() -> None:
    cats = m.ncic_category_offences()
    assert cats["LARCENY"].categories["theft"] is True
    assert cats["BURGLARY"].categories["burglary"] is None  # 2206 possession of tools
    assert cats["TRAFFIC OFFENSES"].categories["dui"] is None
    assert cats["SEX OFFENSES NOT INVOLVING ASSAULT OR COMMERCIALIZED SEX"].categories[
        "sexual_abuse_or_exploitation"] is None


def test_charge_sections_case_rules() -> None:
    assert m.charge_effects("212a2AiI") is not m.charge_effects("212a2Aii")
    cimt_two = m.charge_effects("237a2Aii")
    assert cimt_two is not None and cimt_two.convictions == 2
    upper = m.charge_effects("237A1CI")
    assert upper is not None and upper.last_entry_manner == "inspected"
    af = m.charge_effects("237(a)(2)(A)(iii)")
    assert af is not None and af.conviction_categories == {"aggravated_felony"}
    # An ambiguous upper-case form (237a2Aii vs 237a2AiI) must not guess.
    assert m.charge_effects("237A2AII") is None
    assert m.charge_effects("999zz") is None


def test_dispositions_by_stage() -> None:
    at_arrest = m.disposition_effects("ER/CF", "arrest")
    at_removal = m.disposition_effects("ER/CF", "removal")
    assert at_arrest is not None and at_arrest.final_order is None
    assert at_removal is not None and at_removal.final_order is True
    reinst = m.disposition_effects("REINSTATEMENT OF DEPORT ORDER I-871", "arrest")
    assert reinst is not None and reinst.prior_removal and reinst.final_order
    er = m.disposition_effects("ER", "removal")
    assert er is not None and er.expedited_removal


def test_admission_classes() -> None:
    assert m.admission_class("Without Inspection")[0] == "without_inspection"
    assert m.admission_class("Parolee (District/Poe Authorized)")[0] == "paroled"
    assert m.admission_class("Visitor For Pleasure")[0] == "inspected"
    assert m.admission_class("Adj-Spouse of a U.S. citizen")[0] is None
    assert m.admission_class("(b)(3), (b)(6), (b)(7)(c)")[0] is None


def test_arrest_methods() -> None:
    jail = m.arrest_method("CAP Local Incarceration")
    assert jail is not None and jail.at == "interior" and jail.attempting_unlawful_entry is False
    reprocessed = m.arrest_method("ERO Reprocessed Arrest")
    assert reprocessed is not None and reprocessed.at is None
