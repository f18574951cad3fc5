"""The fixed list of reason codes a supervisor gives with a decision.

A code classifies the decision for oversight queries; the written reason says why in
this case. Each code applies to approvals, denials or both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReasonCode:
    code: str
    outcomes: tuple[str, ...]
    label: str

    def spec(self) -> dict[str, object]:
        return {"code": self.code, "outcomes": list(self.outcomes), "label": self.label}


REASON_CODES: dict[str, ReasonCode] = {r.code: r for r in (
    ReasonCode("priority_confirmed", ("approve",),
               "The case falls within an enforcement priority of the policy in force."),
    ReasonCode("threat_determined", ("approve",),
               "The supervisor determines that the person poses a threat the policy names "
               "(public safety, national security)."),
    ReasonCode("justified_allocation", ("approve",),
               "Outside the priorities, the action is a justified allocation of limited "
               "resources (the written justification says why)."),
    ReasonCode("exigent_circumstances", ("approve",),
               "Exigent circumstances require the action now."),
    ReasonCode("outside_priorities", ("deny",),
               "The case is outside the priorities and no exception is justified."),
    ReasonCode("mitigating_factors", ("deny",),
               "Mitigating factors outweigh the aggravating ones."),
    ReasonCode("no_threat", ("deny",),
               "The supervisor determines that the person does not pose the threat the policy "
               "names."),
    ReasonCode("insufficient_evidence", ("deny",),
               "The facts in the file do not support the action."),
    ReasonCode("humanitarian", ("deny",),
               "Humanitarian concerns: illness, age, caregiving, pregnancy, disability."),
    ReasonCode("victim_or_witness", ("deny",),
               "The person is a crime victim, witness or party to a labour or tenant dispute."),
    ReasonCode("protected_area", ("deny",),
               "The action would take place at or near a protected area."),
    ReasonCode("relief_pending", ("deny",),
               "Relief or a benefit is pending or likely (asylum, T/U visa, DACA, TPS)."),
    ReasonCode("resources", ("deny",), "Resources are needed for higher priorities."),
    ReasonCode("other", ("approve", "deny"), "Another reason, given in full in the written reason."),
)}
