"""Executive Order 14159, 20 January 2025: "Protecting the American People Against Invasion".

The order makes it policy to enforce the immigration laws against "all inadmissible
and removable aliens" (§2) [V], revokes EO 13993 and orders memoranda based on it
revoked (§3) [V], and leaves civil enforcement priorities to the Secretary (§4) [M].
It lists no priority categories, cut-offs or approvals of its own [NF: none seen].
"""

from __future__ import annotations

import datetime as dt

from ..policy import Document, Policy, Rung
from .common import OTHERWISE

EO = "EO 14159"

POLICY = Policy(
    id="eo-2025-01-20",
    title="Executive Order 14159: Protecting the American People Against Invasion (2025)",
    summary="Enforcement against all inadmissible and removable aliens; the order names no "
    "priority categories and no approval requirements.",
    documents=(
        Document("Executive Order 14159, Protecting the American People Against Invasion",
                 "President Donald J. Trump", dt.date(2025, 1, 20), "90 FR 8443"),
        Document("Enforcement Actions in or Near Protected Areas", "Benjamine Huffman, Acting "
                 "Secretary of Homeland Security", dt.date(2025, 1, 20),
                 "DHS memo rescinding the 2021 protected-areas guidelines"),
    ),
    issued=dt.date(2025, 1, 20),
    effective=dt.date(2025, 1, 20),
    ladder=(),
    otherwise=Rung(
        "removable", OTHERWISE, "permitted",
        "Removable: the order directs enforcement against all inadmissible and removable aliens",
        f"{EO} §2 [V]",
        note="§4 leaves civil enforcement priorities to the Secretary, 'including by ensuring "
        "the successful enforcement of final orders of removal' [M]; no published priority "
        "categories were found, so no priority is reported.",
    ),
    notes=(
        "In force from 2025-01-20 [V]. Its §3 ends the Mayorkas guidelines by revoking EO "
        "13993 and the memoranda based on it [V for the mechanism].",
        "The same day the Acting Secretary rescinded the 2021 protected-areas guidelines [V]; "
        "locations are outside this engine's questions.",
        "The engine presumes the person is removable; removability is decided in proceedings.",
    ),
)
