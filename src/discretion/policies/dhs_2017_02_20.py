"""Executive Order 13768 (25 January 2017), read with DHS Secretary John Kelly's
implementing memo "Enforcement of the Immigration Laws to Serve the National Interest"
(20 February 2017).

The order lists removal priorities within "all removable aliens"; the memo says the
Department "no longer will exempt classes or categories of removable aliens from
potential enforcement" [V]. So every removable person may be acted on; the priority
only says where the order points resources.
"""

from __future__ import annotations

import datetime as dt

from ..policy import Category, Document, Policy, Rung
from ..rules import AnyOf, Flag, Found, clause
from .common import (
    OTHERWISE,
    at_border_attempting_entry,
    has_conviction,
    has_pending_charge,
    national_security_threat,
    unlawful_entry_within,
)

EO = "EO 13768"
LIMITATION_YEARS = 5
KELLY = "Kelly memo 2017"

PRIORITY = Category(
    "EO13768-5", "Removal priority under Executive Order 13768 §5", 1,
    f"{EO} §5, 82 FR 8799 [V]; {KELLY}, §A [V]",
)

G1_ARRIVING = clause(
    "EO17-235", "an arriving alien or one subject to expedited removal (INA 235(b), (c)), read "
    "as apprehended at the border or a port of entry attempting unlawful entry",
    f"{EO} §5 (INA 235) [V]; {KELLY} (INA 235(b) and (c)) [V]", at_border_attempting_entry(),
    note="§5's first group lists grounds of inadmissibility and deportability (INA 212(a)(2), "
    "(a)(3), (a)(6)(C), 235, 237(a)(2) and (4)). The engine evaluates the ones the case can "
    "show: 235 here, the security grounds below; the criminal and fraud grounds are reached "
    "through clauses (a) to (d).")
G1_SECURITY = clause(
    "EO17-212a3", "security and related grounds (INA 212(a)(3), 237(a)(4)): terrorism, espionage "
    "or another national-security threat", f"{EO} §5 [V]", national_security_threat())
A = clause("EO17-a", "convicted of any criminal offence", f"{EO} §5(a) [V]",
           has_conviction(),
           note="Any offence, minor traffic offences included: §5(a) makes no exception.")
B = clause("EO17-b", "charged with any criminal offence where the charge has not been resolved",
           f"{EO} §5(b) [V]", has_pending_charge())
C = clause("EO17-c", "committed acts that constitute a chargeable criminal offence",
           f"{EO} §5(c) [V]",
           AnyOf(Flag("chargeable_conduct", "committed acts that constitute a chargeable offence"),
                 unlawful_entry_within(LIMITATION_YEARS),
                 label="chargeable conduct recorded, or an improper entry still chargeable"),
           note="No charge or conviction is needed [V]. An entry without inspection is itself the "
           "federal misdemeanour of improper entry (8 U.S.C. 1325(a)) and stays chargeable for "
           "the five-year limitation period (18 U.S.C. 3282), so a recent unlawful entry meets "
           "this clause: the order's words read literally, as commentators noted [S]; the order "
           "does not single it out.")
D = clause("EO17-d", "engaged in fraud or wilful misrepresentation in an official matter or "
           "application before a governmental agency", f"{EO} §5(d) [V]",
           Flag("fraud_before_agency", "fraud or wilful misrepresentation before an agency"))
E = clause("EO17-e", "abused any program related to receipt of public benefits",
           f"{EO} §5(e) [V]",
           Flag("public_benefits_abuse", "abused a public-benefits program"))
F = clause("EO17-f", "subject to a final order of removal and has not departed",
           f"{EO} §5(f) [V]", Flag("final_order", "subject to a final order of removal"),
           note="A person whose case is before an officer in the United States is read as not "
           "having departed.")
G = clause("EO17-g", "in the judgement of an immigration officer, otherwise poses a risk to "
           "public safety or national security", f"{EO} §5(g) [V]",
           AnyOf(Found("public_safety_threat", "an officer found a risk to public safety"),
                 Found("national_security_threat",
                       "an officer found a risk to national security"),
                 label="an officer's judgement of risk"),
           note="Only a recorded determination counts: the engine never supplies an "
           "officer's judgement.")

POLICY = Policy(
    id="dhs-2017-02-20",
    title="Executive Order 13768 and the Kelly memo: Enforcement of the Immigration Laws to "
    "Serve the National Interest (2017)",
    summary="Removal priorities within all removable aliens (convictions, charges, chargeable "
    "conduct, fraud, benefits abuse, final orders, an officer's risk finding). No class is "
    "exempt and no approval is needed for anyone removable.",
    documents=(
        Document("Executive Order 13768, Enhancing Public Safety in the Interior of the United "
                 "States", "President Donald J. Trump", dt.date(2017, 1, 25), "82 FR 8799"),
        Document("Enforcement of the Immigration Laws to Serve the National Interest",
                 "John Kelly, Secretary of Homeland Security", dt.date(2017, 2, 20),
                 "dhs.gov 17_0220_S1_Enforcement-of-the-Immigration-Laws-to-Serve-the-"
                 "National-Interest.pdf"),
    ),
    issued=dt.date(2017, 2, 20),
    effective=dt.date(2017, 2, 20),
    ladder=(
        Rung("priority", AnyOf(G1_ARRIVING, G1_SECURITY, A, B, C, D, E, F, G,
                               label="any §5 priority"),
             "permitted", "Removal priority under EO 13768 §5", PRIORITY.citation,
             priority=PRIORITY),
    ),
    otherwise=Rung(
        "removable", OTHERWISE, "permitted",
        "Removable, not within a §5 priority: no class is exempt from enforcement",
        f"{KELLY}, §A [V]: the Department 'no longer will exempt classes or categories of "
        "removable aliens from potential enforcement'",
        note="Officers have full authority to arrest on probable cause of an immigration "
        "violation; prosecutorial discretion may not exempt a class [V]. No pre-approval is "
        "required [V].",
    ),
    notes=(
        "In force from 2017-02-20, the date of the Kelly memo, which rescinded the Johnson 2014 "
        "memo by name [V]. The order itself was signed on 2017-01-25; the engine keeps the "
        "2014 priorities until the Department's memo replaced them (a date judgement).",
        "The engine presumes the person is removable; removability is decided in proceedings, "
        "not here. For anyone removable the answer is 'permitted', whatever else is unknown.",
        "The memo excepts the 2012 DACA and 2014 DACA+/DAPA memos from rescission [V]; DACA "
        "status is not encoded as an exemption because §5 and the memo do not exempt it from "
        "the priorities.",
        "The ICE implementing memo (Albence, 2017-02-21) says officers take action against all "
        "removable aliens encountered [V].",
    ),
)
