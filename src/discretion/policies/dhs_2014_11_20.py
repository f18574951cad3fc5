"""DHS Secretary Jeh Johnson, 20 November 2014:
"Policies for the Apprehension, Detention and Removal of Undocumented Immigrants".

Three ranked priorities; outside them, removal needs an ICE Field Office Director's
judgement that it would serve an important federal interest. Confidence tags after
each citation: [V] verified wording, [S] secondary summary, [M] memory awaiting the
primary text (see ``discretion.policy.CONFIDENCE_WORDS``).
"""

from __future__ import annotations

import datetime as dt

from ..offences.derive import (
    FELONY,
    MISDEMEANOR,
    NOT_IMMIGRATION_STATUS_ELEMENT,
    category,
)
from ..policy import Approval, Category, Document, Factor, Policy, Rung
from ..rules import (
    All,
    AnyConviction,
    AnyOf,
    Compare,
    Cutoff,
    Flag,
    IncidentsAtLeast,
    Not,
    TimeToServeAtLeast,
    clause,
)
from .common import (
    OTHERWISE,
    at_border_attempting_entry,
    continuously_present_since,
    convicted_of_aggravated_felony,
    convicted_with_gang_element,
    gang_participant_16_or_older,
    last_entry_unlawful,
    national_security_threat,
)

MEMO = "Johnson 2014"
PRESENCE_CUTOFF = dt.date(2014, 1, 1)
FINAL_ORDER_CUTOFF = dt.date(2014, 1, 1)

# -- Priority 1: threats to national security, border security, and public safety -------

P1 = Category(
    "P1", "Priority 1: threats to national security, border security and public safety", 1,
    f"{MEMO}, §A, Priority 1 [V]",
    exception="Not a priority only if the person qualifies for asylum or other relief, or an ICE "
    "Field Office Director, CBP Sector Chief or CBP Director of Field Operations finds "
    "'compelling and exceptional factors' that clearly indicate the person is not a threat "
    f"({MEMO}, §A, Priority 1 [V])",
)

P1a = clause("J14-P1a", "engaged in or suspected of terrorism or espionage, or otherwise a "
             "danger to national security", f"{MEMO}, §A, Priority 1(a) [V]",
             national_security_threat())
P1b = clause("J14-P1b", "apprehended at the border or a port of entry while attempting to enter "
             "unlawfully", f"{MEMO}, §A, Priority 1(b) [V]", at_border_attempting_entry(),
             note="The memo sets no date cut-off for this clause [V].")
P1c = clause("J14-P1c", "convicted of an offence with active criminal-street-gang participation "
             "as an element, or 16 or older and participated in an organised criminal gang",
             f"{MEMO}, §A, Priority 1(c) [V]",
             AnyOf(convicted_with_gang_element(), gang_participant_16_or_older()),
             note="The second limb needs no conviction [V]. A transnational criminal "
             "organisation is read as an 'organized criminal gang'.")
P1d = clause("J14-P1d", "convicted of a felony in the convicting jurisdiction, other than a state "
             "or local offence whose essential element is immigration status",
             f"{MEMO}, §A, Priority 1(d) [V]",
             AnyConviction(All(FELONY, NOT_IMMIGRATION_STATUS_ELEMENT,
                               label="a felony, not an immigration-status offence"),
                           "convicted of a qualifying felony"),
             note="Felony means as classified by the convicting jurisdiction [V]; the "
             "conviction's 'level' is read as that classification.")
P1e = clause("J14-P1e", "convicted of an aggravated felony (INA 101(a)(43)) at the time of "
             "conviction", f"{MEMO}, §A, Priority 1(e) [V]", convicted_of_aggravated_felony(),
             note="'At the time of the conviction' refers to the definition then in force. "
             "Asserted categories are taken to apply it; derived categories use today's "
             "tables, which legal review must check for older convictions.")

# -- Priority 2: misdemeanants and new immigration violators ------------------------------

P2 = Category(
    "P2", "Priority 2: misdemeanants and new immigration violators", 2,
    f"{MEMO}, §A, Priority 2 [V]",
    exception="Not a priority if the person qualifies for asylum or other relief, or an ICE Field "
    "Office Director, CBP Sector Chief, CBP Director of Field Operations, USCIS District "
    f"Director or USCIS Service Center Director finds factors indicating the person is not a "
    f"threat ({MEMO}, §A, Priority 2 [S]; a lower bar than Priority 1 [M])",
)

_COUNTABLE_MISDEMEANOR = All(
    MISDEMEANOR, Not(category("minor_traffic"), "not a minor traffic offence"),
    NOT_IMMIGRATION_STATUS_ELEMENT, label="a misdemeanor that counts")

P2a = clause("J14-P2a", "convicted of three or more misdemeanors arising out of three separate "
             "incidents, other than minor traffic offences and immigration-status offences",
             f"{MEMO}, §A, Priority 2(a) [V]",
             IncidentsAtLeast(_COUNTABLE_MISDEMEANOR, 3,
                              "three countable misdemeanors from three separate incidents"),
             note="Misdemeanor means the conviction's level is 'misdemeanor'; a 'petty' offence "
             "(punishable by five days or less) is not counted, following the memo's footnote "
             "defining a misdemeanor by a maximum term above five days and up to one year [M].")

_SIGNIFICANT = AnyOf(
    category("domestic_violence", "domestic violence"),
    category("sexual_abuse_or_exploitation", "sexual abuse or exploitation"),
    category("burglary", "burglary"),
    category("firearm", "unlawful possession or use of a firearm"),
    category("drug_trafficking", "drug distribution or trafficking"),
    category("dui", "driving under the influence"),
    TimeToServeAtLeast(90, "sentenced to 90 days or more in custody (suspended time not counted)"),
    label="a significant misdemeanor")

P2b = clause("J14-P2b", "convicted of a significant misdemeanor", f"{MEMO}, §A, Priority 2(b) "
             "[S]; ICE FAQ, June 2015 [V for DUI]",
             AnyConviction(All(MISDEMEANOR, _SIGNIFICANT, label="a significant misdemeanor"),
                           "convicted of a significant misdemeanor"),
             note="The 90-day rule counts time to be served: the sentence less any suspended "
             "part [S; the suspended-sentence wording is M]. DUI follows the June 2015 ICE FAQ: a "
             "misdemeanor under the federal definition that requires operating a motor vehicle "
             "and has impairment or a BAC of .08 or more as an element [V]; the 'dui' category "
             "carries that definition.")
P2c = clause("J14-P2c", "apprehended anywhere in the United States after unlawfully entering or "
             "re-entering, and has not shown continuous physical presence since 1 January 2014",
             f"{MEMO}, §A, Priority 2(c) [S]",
             All(last_entry_unlawful(),
                 Not(continuously_present_since(PRESENCE_CUTOFF),
                     "has not been continuously present since 2014-01-01")),
             note="'To the satisfaction of an immigration officer' is read through the case: a "
             "stated date of continuous presence settles it; without one, an entry or removal "
             "after the cut-off shows a break, and otherwise the answer is unknown. The June "
             "2015 FAQ's case-by-case rule for pre-2014 entrants with orders reinstated since is "
             "not encoded: it is a discretionary 'important federal interest' review [V].")
P2d = clause("J14-P2d", "in the judgement of an ICE Field Office Director or USCIS District or "
             "Service Center Director, significantly abused the visa or visa waiver programs",
             f"{MEMO}, §A, Priority 2(d) [S; deciding officials M]",
             Flag("visa_program_abuse", "significantly abused the visa or visa waiver programs"),
             note="The case field is read as that official's judgement.")

# -- Priority 3: other immigration violations --------------------------------------------

P3 = Category(
    "P3", "Priority 3: other immigration violations", 3, f"{MEMO}, §A, Priority 3 [S]",
    exception="Not a priority if the person qualifies for asylum or other relief, or an "
    "immigration officer judges the person not a threat to the integrity of the immigration "
    f"system or finds factors suggesting the person should not be a priority ({MEMO}, "
    "§A, Priority 3 [M])",
)
P3a = clause("J14-P3", "issued a final order of removal on or after 1 January 2014",
             f"{MEMO}, §A, Priority 3 [S]",
             All(Flag("final_order", "subject to a final order of removal"),
                 Compare("final_order_date", ">=", Cutoff(FINAL_ORDER_CUTOFF)),
                 label="final order issued on or after 2014-01-01"),
             note="'On or after' includes 2014-01-01 itself.")

FACTORS = tuple(
    Factor(fid, label, "mitigating", f"{MEMO}, §D [M]") for fid, label in (
        ("time_since_offense", "extended length of time since the offence"),
        ("lengthy_presence", "length of time in the United States"),
        ("military_service", "military service"),
        ("family_impact", "family or community ties in the United States"),
        ("crime_victim", "status as a victim, witness or plaintiff in civil or criminal "
         "proceedings"),
        ("serious_illness", "compelling humanitarian factors: poor health"),
        ("advanced_age", "compelling humanitarian factors: age"),
        ("pregnant_or_nursing", "compelling humanitarian factors: pregnancy"),
        ("caregiver", "compelling humanitarian factors: a young child or seriously ill relative"),
    )
)

POLICY = Policy(
    id="dhs-2014-11-20",
    title="DHS Secretary Johnson: Policies for the Apprehension, Detention and Removal of "
    "Undocumented Immigrants (2014)",
    summary="Three ranked priorities (national security, border security and serious crime; "
    "misdemeanants and new immigration violators; recent final orders). Outside them, removal "
    "needs an ICE Field Office Director's finding of an important federal interest.",
    documents=(
        Document("Policies for the Apprehension, Detention and Removal of Undocumented "
                 "Immigrants", "Jeh Charles Johnson, Secretary of Homeland Security",
                 dt.date(2014, 11, 20), "dhs.gov 14_1120_memo_prosecutorial_discretion.pdf"),
        Document("ICE FAQ on the November 2014 priorities", "U.S. Immigration and Customs "
                 "Enforcement", dt.date(2015, 6, 1), "ICE FAQ, June 2015 (as summarised)"),
    ),
    issued=dt.date(2014, 11, 20),
    effective=dt.date(2015, 1, 5),
    ladder=(
        Rung("P1", AnyOf(P1a, P1b, P1c, P1d, P1e, label="any Priority 1 clause"), "permitted",
             "Priority 1", P1.citation, priority=P1),
        Rung("P2", AnyOf(P2a, P2b, P2c, P2d, label="any Priority 2 clause"), "permitted",
             "Priority 2 (only if not Priority 1)", P2.citation, priority=P2),
        Rung("P3", P3a, "permitted", "Priority 3 (only if not Priority 1 or 2)", P3.citation,
             priority=P3),
    ),
    otherwise=Rung(
        "outside", OTHERWISE, "approval_required",
        "Outside the priorities: an ICE Field Office Director must judge that removal would "
        "serve an important federal interest", f"{MEMO}, §B [V via the OLC opinion of 19 Nov "
        "2014; section letter M]",
        approval=Approval("field_office_director", "ICE Field Office Director",
                          "removing the person would serve an important federal interest",
                          f"{MEMO}, §B [V via the OLC opinion of 19 Nov 2014; section letter M]"),
        note="The memo does not forbid enforcement outside the priorities; it conditions "
        "pursuing removal on the FOD's judgement. The engine applies that approval to every "
        "enforcement action (arrest, detainer, detention, removal), since each is a step in "
        "pursuing removal. No time limit for the approval was found [NF].",
    ),
    notes=(
        "Effective 2015-01-05 [S]; applied to people encountered on or after that date and to "
        "those already detained, in proceedings or under unexecuted orders [M].",
        "Superseded by the Kelly memo of 2017-02-20, which names it [V].",
        "Prosecutorial-discretion factors (§D) are reported for the exception paths; the memo's "
        "list is from memory [M].",
    ),
    factors=FACTORS,
)
