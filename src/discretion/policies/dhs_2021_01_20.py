"""Acting DHS Secretary David Pekoske, 20 January 2021: "Review of and Interim Revision to
Civil Immigration Enforcement and Removal Policies and Priorities".

Three interim priorities, effective 1 February 2021 [V]: national security, border
security, and public safety (an aggravated felon released on or after the memo's
date and determined to pose a threat). Enforcement outside them is not barred [V].
The 100-day pause on removals (Part C) was enjoined and is not encoded.
"""

from __future__ import annotations

import datetime as dt

from ..policy import Category, Document, Factor, Judgement, Policy, Rung
from ..rules import All, AnyOf, Not, clause
from .common import (
    OTHERWISE,
    at_border_attempting_entry_since,
    convicted_of_aggravated_felony,
    national_security_threat,
    physically_present_before,
    public_safety_threat_found,
    public_safety_threat_pending,
    released_on_or_after,
)

MEMO = "Pekoske 2021"
BORDER_CUTOFF = dt.date(2020, 11, 1)
RELEASE_CUTOFF = dt.date(2021, 1, 20)

NS = Category("NS", "National security", 1, f"{MEMO}, Part B, national security [V]")
BS = Category("BS", "Border security", 1, f"{MEMO}, Part B, border security [V]")
PS = Category("PS", "Public safety", 1, f"{MEMO}, Part B, public safety [V]")

NS_CLAUSE = clause("PK-NS", "engaged in or suspected of terrorism or espionage, or whose "
                   "apprehension, arrest or custody is otherwise necessary to protect national "
                   "security", f"{MEMO}, Part B, national security [V]", national_security_threat())
BS_CLAUSE = clause(
    "PK-BS", "apprehended at the border or a port of entry attempting unlawful entry on or after "
    "1 November 2020, or not physically present in the United States before 1 November 2020",
    f"{MEMO}, Part B, border security [V]",
    AnyOf(at_border_attempting_entry_since(BORDER_CUTOFF),
          Not(physically_present_before(BORDER_CUTOFF),
              "not physically present in the United States before 2020-11-01"),
          label="either border-security limb"),
    note="'Not physically present before' is read literally: any presence before the cut-off, "
    "even with later departures, takes the person outside this limb. 'On or after' includes "
    "2020-11-01 itself.")

_PS_CONDITIONS = (
    released_on_or_after(RELEASE_CUTOFF),
    convicted_of_aggravated_felony(),
)
PS_NOTE = (
    "The release cut-off is the memo's date, 2021-01-20, inclusive; secondary sources differ "
    "(2021-01-20 per AILA, 2021-01-21 per others) and the boundary awaits legal review [S]. "
    "People already at liberty before then are outside this priority even with an "
    "aggravated-felony conviction. A person still incarcerated will be released after the "
    "memo's date and is read as within the release limb."
)
PS_CLAUSE = clause(
    "PK-PS", "released from prison or jail on or after 20 January 2021, convicted of an "
    "aggravated felony, and determined to pose a threat to public safety",
    f"{MEMO}, Part B, public safety [V]", All(*_PS_CONDITIONS, public_safety_threat_found(),
                              label="all three public-safety conditions"), note=PS_NOTE)
PS_PENDING = clause(
    "PK-PS-assess", "released on or after 20 January 2021 and convicted of an aggravated felony, "
    "with no public-safety threat determination yet", f"{MEMO}, Part B, public safety [V]",
    All(*_PS_CONDITIONS, public_safety_threat_pending(), label="awaiting the threat determination"),
    note=PS_NOTE)

FACTORS = (
    Factor("gravity_of_offense", "seriousness of the criminal record", "aggravating",
           f"{MEMO}, Part B, public safety [S]"),
    Factor("serious_prior_record", "extent of the criminal record", "aggravating",
           f"{MEMO}, Part B, public safety [S]"),
    Factor("time_since_offense", "how recent the criminal conduct is", "mitigating",
           f"{MEMO}, Part B, public safety [S]"),
)

THREAT = Judgement(
    "public_safety_threat", "an ICE officer (the memo does not name the deciding official) [S]",
    "whether the person poses a threat to public safety", f"{MEMO}, Part B, public safety [V]", FACTORS)

POLICY = Policy(
    id="dhs-2021-01-20",
    title="Acting Secretary Pekoske: Review of and Interim Revision to Civil Immigration "
    "Enforcement and Removal Policies and Priorities (2021)",
    summary="Interim priorities: national security; border security (arrivals since "
    "2020-11-01); public safety (aggravated felons released since the memo and found to be a "
    "threat). Enforcement outside them is not barred.",
    documents=(
        Document("Review of and Interim Revision to Civil Immigration Enforcement and Removal "
                 "Policies and Priorities", "David Pekoske, Acting Secretary of Homeland "
                 "Security", dt.date(2021, 1, 20), "dhs.gov 21_0120_enforcement-memo_signed.pdf"),
    ),
    issued=dt.date(2021, 1, 20),
    effective=dt.date(2021, 2, 1),
    ladder=(
        Rung("NS", NS_CLAUSE, "permitted", "National security priority", NS.citation,
             priority=NS),
        Rung("BS", BS_CLAUSE, "permitted", "Border security priority", BS.citation, priority=BS),
        Rung("PS", PS_CLAUSE, "permitted", "Public safety priority", PS.citation, priority=PS),
        Rung("PS-assess", PS_PENDING, "permitted",
             "Possible public safety priority: the threat determination is still to be made",
             PS.citation, judgement=THREAT,
             note="Enforcement outside the priorities is not barred, so the pending "
             "determination decides the priority, not whether the action may proceed."),
    ),
    otherwise=Rung(
        "outside", OTHERWISE, "permitted",
        "Outside the interim priorities: enforcement is not barred; resources go to the "
        "priorities first", f"{MEMO}, Part B [V: summary; the process was left to the ICE Director]",
        note="The memo does not prohibit action against people outside the priorities and sets "
        "no approval requirement; ICE added pre-approval on 2021-02-18 (ice-2021-02-18).",
    ),
    notes=(
        "Issued 2021-01-20; the interim priorities took effect 2021-02-01 [V]. Between those "
        "dates the timeline records no department-wide priorities in force.",
        "The three priorities are not ranked against each other; a person in any of them is a "
        "priority, and the engine reports the first that applies.",
        "The 100-day pause on removals (Part C) was enjoined (Texas v. United States, S.D. Tex., "
        "TRO of 2021-01-26 [M]) and is not encoded.",
        "For ICE, controlled from 2021-02-18 by Acting Director Tae Johnson's interim guidance "
        "[S]; rescinded by the Mayorkas guidelines on 2021-11-29 [V].",
    ),
    factors=FACTORS,
)
