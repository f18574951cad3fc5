"""DHS Secretary Alejandro Mayorkas, 30 September 2021: "Guidelines for the Enforcement of
Civil Immigration Law", effective 29 November 2021 [V].

Three priorities: national security, public safety (a current threat, judged on the
totality of the facts and circumstances, "not ... according to bright lines or
categories" [V]) and border security. Being removable "should not alone be the basis
of an enforcement action" [V]. No pre-approval requirement was found [S].
"""

from __future__ import annotations

import datetime as dt

from ..policy import Category, Document, Factor, Judgement, Policy, Rung
from ..rules import All, AnyOf, clause
from .common import (
    OTHERWISE,
    at_border_attempting_entry,
    criminal_history,
    national_security_threat,
    public_safety_threat_found,
    public_safety_threat_pending,
    unlawful_entry_after,
)

MEMO = "Mayorkas 2021"
ENTRY_CUTOFF = dt.date(2020, 11, 1)

NS = Category("NS", "Threat to national security", 1, f"{MEMO}, priorities: national security [V]")
PS = Category("PS", "Threat to public safety", 1, f"{MEMO}, priorities: public safety [V]")
BS = Category("BS", "Threat to border security", 1, f"{MEMO}, priorities: border security [V]")

NS_CLAUSE = clause("MY-NS", "engaged in or suspected of terrorism or espionage, or related "
                   "activities, or otherwise a danger to national security",
                   f"{MEMO}, priorities: national security [V]", national_security_threat())
PS_CLAUSE = clause(
    "MY-PS", "poses a current threat to public safety, as determined on the totality of the "
    "facts and circumstances", f"{MEMO}, priorities: public safety [V]", public_safety_threat_found(),
    note="Only a recorded determination makes this priority: the guidelines forbid deciding it "
    "by bright lines or categories [V].")
PS_PENDING = clause(
    "MY-PS-assess", "has criminal history or conduct and no public-safety determination yet",
    f"{MEMO}, priorities: public safety [V]",
    All(public_safety_threat_pending(), criminal_history(), label="a candidate awaiting "
        "assessment"),
    note="The guidelines say the threat is 'typically because of serious criminal conduct'. "
    "A person with no convictions, no pending charges and no chargeable conduct is not "
    "treated as a public-safety candidate unless a determination is recorded (a judgement "
    "call, written down here).")
BS_CLAUSE = clause(
    "MY-BS", "apprehended at the border or a port of entry attempting unlawful entry, or "
    "apprehended in the United States after an unlawful entry after 1 November 2020",
    f"{MEMO}, priorities: border security [V]",
    AnyOf(at_border_attempting_entry(), unlawful_entry_after(ENTRY_CUTOFF),
          label="either border-security limb"),
    note="Limb (a) has no date. Limb (b) asks when the person entered unlawfully, not whether "
    "they were present before the cut-off (unlike the interim memos). 'After 1 November 2020' is "
    "read as strictly after, so an entry on that day is outside it. The enforcement action "
    "under review is taken as the apprehension in the United States.")

AGGRAVATING = tuple(
    Factor(fid, label, "aggravating", f"{MEMO}, public-safety aggravating factors [V]")
    for fid, label in (
        ("gravity_of_offense", "the gravity of the offence of conviction and the sentence "
         "imposed"),
        ("serious_harm", "the nature and degree of harm caused by the offence"),
        ("sophistication", "the sophistication of the offence"),
        ("firearm", "use or threatened use of a firearm or dangerous weapon"),
        ("serious_prior_record", "a serious prior criminal record"),
    ))
MITIGATING = tuple(
    Factor(fid, label, "mitigating", f"{MEMO}, public-safety mitigating factors [{tag}]")
    for fid, label, tag in (
        ("advanced_age", "advanced age", "V"), ("tender_age", "tender age", "V"),
        ("lengthy_presence", "lengthy presence in the United States", "V"),
        ("mental_condition", "a mental condition that may have contributed to the conduct", "V"),
        ("serious_illness", "a physical or mental condition requiring care or treatment", "V"),
        ("crime_victim", "status as a victim of crime", "V"),
        ("witness_or_party", "status as a victim, witness or party in legal proceedings", "V"),
        ("family_impact", "impact of removal on family in the United States", "V"),
        ("caregiver", "loss of a provider or caregiver", "V"),
        ("relief_eligibility", "possible eligibility for humanitarian protection or other "
         "immigration relief", "V"),
        ("military_service", "military or other public service of the person or their "
         "immediate family", "V"),
        ("public_service", "other public service", "V"),
        ("time_since_offense", "time since the offence", "V"),
        ("rehabilitation", "evidence of rehabilitation", "V"),
        ("conviction_vacated", "the conviction was vacated or expunged", "M"),
        ("labor_or_tenant_rights", "exercise of workplace or tenant rights", "M"),
    ))
FACTORS = AGGRAVATING + MITIGATING

TOTALITY = Judgement(
    "public_safety_threat", "DHS personnel, reviewing the entire criminal and administrative "
    "record [V]", "whether the person poses a current threat to public safety on the totality "
    "of the facts and circumstances, weighing aggravating and mitigating factors",
    f"{MEMO}, priorities: public safety [V]", FACTORS)

OUTSIDE = Judgement(
    "enforcement_action", "the officer, under the guidelines' case review process [V]",
    "whether an action is warranted; removability alone should not be the basis, and the "
    "guidelines do not compel an action", f"{MEMO}, guiding principles [V]", FACTORS)

POLICY = Policy(
    id="dhs-2021-09-30",
    title="Secretary Mayorkas: Guidelines for the Enforcement of Civil Immigration Law (2021)",
    summary="Priorities: national security; public safety (a current threat judged on the "
    "totality of facts, not by categories); border security (at the border, or an unlawful "
    "entry after 2020-11-01). Outside them, removability alone is not a basis for action.",
    documents=(
        Document("Guidelines for the Enforcement of Civil Immigration Law", "Alejandro N. "
                 "Mayorkas, Secretary of Homeland Security", dt.date(2021, 9, 30),
                 "ice.gov guidelines-civilimmigrationlaw.pdf"),
    ),
    issued=dt.date(2021, 9, 30),
    effective=dt.date(2021, 11, 29),
    ladder=(
        Rung("NS", NS_CLAUSE, "permitted", "Priority: threat to national security", NS.citation,
             priority=NS),
        Rung("BS", BS_CLAUSE, "permitted", "Priority: threat to border security", BS.citation,
             priority=BS),
        Rung("PS", PS_CLAUSE, "permitted", "Priority: threat to public safety", PS.citation,
             priority=PS),
        Rung("PS-assess", PS_PENDING, "judgement",
             "Possible public-safety priority: assess the totality of the facts and "
             "circumstances", PS.citation, judgement=TOTALITY),
    ),
    otherwise=Rung(
        "outside", OTHERWISE, "judgement",
        "Outside the priorities: removability alone should not be the basis of an action",
        f"{MEMO}, guiding principles [V]: removability 'should not alone be the basis of an "
        "enforcement action'",
        judgement=OUTSIDE,
        note="No pre-approval requirement was found for actions outside the priorities [S]; "
        "the guidelines leave them to individual judgement, so the engine answers "
        "'judgement', not 'permitted' or 'approval_required'.",
    ),
    notes=(
        "Issued 2021-09-30; effective 2021-11-29 [V]. It rescinds the Pekoske memo and the "
        "ICE interim guidance on that date [V].",
        "Vacated by the S.D. Tex. in Texas v. United States with effect from 2022-06-24 [S]; "
        "the Supreme Court reversed on 2023-06-23 (United States v. Texas, 599 U.S. 670) and "
        "DHS reinstated the guidelines [V]. The timeline treats 2023-06-23 as the day they "
        "apply again (a date judgement: the mandate issued later).",
        "Personnel should not rely on the fact of conviction or a database search alone [V]: "
        "the engine's categories are a starting point for that review, not its end.",
        "Ended by EO 14159 §3 on 2025-01-20, which revoked EO 13993 and ordered memoranda "
        "based on it revoked [V for the mechanism]; no DHS document rescinding the guidelines "
        "by name was found [NF].",
    ),
    factors=FACTORS,
)
