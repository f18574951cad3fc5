"""Acting ICE Director Tae D. Johnson, 18 February 2021: "Interim Guidance: Civil Immigration
Enforcement and Removal Priorities" (ICE Policy 11090.1).

Presumed priorities (national security, border security, public safety) need no
pre-approval; any other civil enforcement or removal action needs a written
justification and pre-approval by a Field Office Director or Special Agent in
Charge [V: millermayer; S: AILA].
"""

from __future__ import annotations

import datetime as dt

from ..policy import Approval, Category, Document, Factor, Judgement, Policy, Rung
from ..rules import All, AnyOf, Not, clause
from .common import (
    OTHERWISE,
    at_border_attempting_entry_since,
    convicted_of_aggravated_felony,
    convicted_with_gang_element,
    gang_participant_16_or_older,
    national_security_threat,
    physically_present_before,
    public_safety_threat_found,
    public_safety_threat_pending,
)

MEMO = "ICE 11090.1 (2021)"
BORDER_CUTOFF = dt.date(2020, 11, 1)

NS = Category("NS", "Presumed priority: national security", 1, f"{MEMO}, national security [S]")
BS = Category("BS", "Presumed priority: border security", 1, f"{MEMO}, border security [V]")
PS = Category("PS", "Presumed priority: public safety", 1, f"{MEMO}, public safety [V]")

NS_CLAUSE = clause("TJ-NS", "engaged in or suspected of terrorism or espionage or related "
                   "activities, or whose apprehension, arrest or custody is otherwise necessary "
                   "to protect national security", f"{MEMO}, national security [S]",
                   national_security_threat())
BS_CLAUSE = clause(
    "TJ-BS", "apprehended at the border or a port of entry attempting unlawful entry on or after "
    "1 November 2020, or not physically present in the United States before 1 November 2020",
    f"{MEMO}, border security [V]",
    AnyOf(at_border_attempting_entry_since(BORDER_CUTOFF),
          Not(physically_present_before(BORDER_CUTOFF),
              "not physically present in the United States before 2020-11-01"),
          label="either border-security limb"),
    note="As in the Pekoske memo: 'not physically present before' is read literally, and 'on "
    "or after' includes 2020-11-01. A footnote keeps the INA 235 credible-fear process [V].")

PRONGS = clause(
    "TJ-PS-prongs", "convicted of an aggravated felony, or of an offence with active "
    "criminal-street-gang participation as an element, or 16 or older and participated in an "
    "organised criminal gang or transnational criminal organisation",
    f"{MEMO}, public safety (a)-(c) [V]",
    AnyOf(convicted_of_aggravated_felony(), convicted_with_gang_element(),
          gang_participant_16_or_older(), label="any public-safety prong"),
    note="Unlike the Pekoske memo there is no release-date condition [S].")
PS_CLAUSE = clause("TJ-PS", "poses a threat to public safety and meets a public-safety prong",
                   f"{MEMO}, public safety [V]",
                   All(public_safety_threat_found(), PRONGS, label="threat and a prong"))
PS_PENDING = clause("TJ-PS-assess", "meets a public-safety prong, with no threat determination "
                    "yet", f"{MEMO}, public safety [V]",
                    All(public_safety_threat_pending(), PRONGS,
                        label="a prong, awaiting the threat determination"))

FACTORS = (
    Factor("gravity_of_offense", "seriousness of the criminal activity", "aggravating",
           f"{MEMO}, public safety [S]"),
    Factor("serious_prior_record", "extensiveness of the criminal activity", "aggravating",
           f"{MEMO}, public safety [S]"),
    Factor("time_since_offense", "the criminal activity is not recent", "mitigating",
           f"{MEMO}, public safety [S]"),
    Factor("serious_illness", "health problems", "mitigating",
           f"{MEMO} [S: press summary of the memo]"),
    Factor("advanced_age", "age", "mitigating", f"{MEMO} [S: press summary of the memo]"),
    Factor("family_impact", "family and community ties", "mitigating",
           f"{MEMO} [S: press summary of the memo]"),
    Factor("lengthy_presence", "long presence and community ties", "mitigating",
           f"{MEMO} [S: press summary of the memo]"),
)

THREAT = Judgement(
    "public_safety_threat", "the officer, within the chain of command [S]",
    "whether the person poses a threat to public safety, weighing the extensiveness, "
    "seriousness and recency of the criminal activity and mitigating circumstances",
    f"{MEMO}, public safety [S]; the memo's factor list was not found [NF]", FACTORS)

APPROVAL = Approval(
    "field_office_director", "Field Office Director (ERO) or Special Agent in Charge (HSI)",
    "a written justification that the action is a justified allocation of limited resources, "
    "pre-approved through the chain of command",
    f"{MEMO}, other enforcement or removal actions [V: pre-approval; S: approving officials; M: "
    "wording of the justification]",
)

POLICY = Policy(
    id="ice-2021-02-18",
    title="Acting ICE Director Tae Johnson: Interim Guidance: Civil Immigration Enforcement and "
    "Removal Priorities (ICE Policy 11090.1, 2021)",
    summary="Presumed priorities: national security; border security (arrivals since "
    "2020-11-01); public safety (a threat, plus an aggravated felony or gang conviction or "
    "gang participation at 16 or older). Any other action needs written justification and "
    "FOD/SAC pre-approval.",
    documents=(
        Document("Interim Guidance: Civil Immigration Enforcement and Removal Priorities (ICE "
                 "Policy 11090.1)", "Tae D. Johnson, Acting Director, ICE", dt.date(2021, 2, 18),
                 "ICE Policy 11090.1"),
    ),
    issued=dt.date(2021, 2, 18),
    effective=dt.date(2021, 2, 18),
    ladder=(
        Rung("NS", NS_CLAUSE, "permitted", "Presumed priority: national security", NS.citation,
             priority=NS),
        Rung("BS", BS_CLAUSE, "permitted", "Presumed priority: border security", BS.citation,
             priority=BS),
        Rung("PS", PS_CLAUSE, "permitted", "Presumed priority: public safety", PS.citation,
             priority=PS),
        Rung("PS-assess", PS_PENDING, "judgement",
             "Possible public-safety priority: the officer must assess whether the person "
             "poses a threat to public safety", PS.citation, judgement=THREAT,
             note="Found a threat: a presumed priority, no pre-approval. Found no threat: "
             "outside the priorities, so FOD or SAC pre-approval is needed."),
    ),
    otherwise=Rung(
        "outside", OTHERWISE, "approval_required",
        "Not a presumed priority: written justification and pre-approval by a Field Office "
        "Director or Special Agent in Charge", APPROVAL.citation, approval=APPROVAL,
        note="An after-the-fact approval within 24 hours for exigent circumstances is "
        "remembered but unverified [M] and is not encoded. FODs reported these approvals to the "
        "ICE Director weekly [S].",
    ),
    notes=(
        "Issued and effective 2021-02-18 [V]; controls over the Pekoske memo where they "
        "conflict, and applies to ICE only, not CBP [S].",
        "Texas v. United States (S.D. Tex.) enjoined restrictions in the Pekoske and Johnson "
        "memos from 2021-08-19 [S]; the scope of that injunction awaits the primary order, so "
        "the timeline keeps this guidance in force, with a note, until 2021-11-29.",
        "Rescinded by the Mayorkas guidelines on their effective date, 2021-11-29 [V].",
    ),
    factors=FACTORS,
)
