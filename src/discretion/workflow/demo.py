"""Demo data: four field offices, one user of each role (and a second officer and
supervisor), and requests taken through every state of the workflow."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ..store.models import User
from .errors import Conflict
from .roles import SYSTEM, Principal
from .service import Workflow

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

OFFICES = [("HOU", "Houston", "fod.hou"), ("DAL", "Dallas", "fod.dal"),
           ("SEA", "Seattle", "fod.sea"), ("ELP", "El Paso", "fod.elp")]
USERS = [  # username, role, office, name, environment variable for the token
    ("ofc.garcia", "officer", "HOU", "Officer Ana Garcia", "OFFICER_TOKEN"),
    ("ofc.nguyen", "officer", "DAL", "Officer Minh Nguyen", "DAL_OFFICER_TOKEN"),
    ("fod.hou", "supervisor", "HOU", "Field Office Director, Houston", "SUPERVISOR_TOKEN"),
    ("sup.hou", "supervisor", "HOU", "Deputy Field Office Director, Houston", "DEPUTY_TOKEN"),
    ("fod.dal", "supervisor", "DAL", "Field Office Director, Dallas", "DAL_SUPERVISOR_TOKEN"),
    ("fod.sea", "supervisor", "SEA", "Field Office Director, Seattle", "SEA_SUPERVISOR_TOKEN"),
    ("fod.elp", "supervisor", "ELP", "Field Office Director, El Paso", "ELP_SUPERVISOR_TOKEN"),
    ("hq.chen", "hq", None, "HQ reviewer Lin Chen", "HQ_TOKEN"),
    ("aud.okafor", "auditor", None, "Oversight auditor Ngozi Okafor", "AUDITOR_TOKEN"),
    ("admin", "admin", None, "Administrator", "ADMIN_TOKEN"),
    ("an.rivera", "analyst", None, "Policy analyst Sofia Rivera", "ANALYST_TOKEN"),
]


def _case(name: str, new_id: str, office: str = "HOU") -> dict[str, Any]:
    """An example case under a new id, its request made at ``office``."""
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    data = copy.deepcopy(data)
    data["id"] = new_id
    data["request"] = {**data.get("request", {}), "office": office}
    return data


def seed(workflow: Workflow) -> dict[str, Any]:
    with workflow.db.read_session() as session:
        if session.scalar(select(func.count()).select_from(User)):
            raise Conflict("the database already has users; seed a fresh one (set "
                           "DISCRETION_DATA_DIR or DISCRETION_DATABASE_URL)", "database")
    for code, name, director in OFFICES:
        workflow.add_office(code, name, director)
    tokens: dict[str, str] = {}
    who: dict[str, Principal] = {}
    for username, role, office, name, var in USERS:
        made = workflow.add_user(username, role, office, name, password=f"demo-{username}", by=SYSTEM)
        tokens[var] = made["token"]
        who[username] = Principal(username, role, office, made["id"])
    officer, fod, deputy = who["ofc.garcia"], who["fod.hou"], who["sup.hou"]
    summary: list[str] = []

    def note(view: dict[str, Any], what: str) -> None:
        summary.append(f"request {view['id']:>3}  {view['state']:<20} {what}")

    # overdue: escalated and decided by headquarters. First, so that running the escalation
    # "just after its deadline" catches this request and no later one.
    overdue = workflow.submit(officer, case=_case("long-term-resident", "demo-resident-4"))
    deadline = dt.datetime.fromisoformat(overdue["due_at"].replace("Z", "+00:00"))
    workflow.escalate_overdue(SYSTEM, now=deadline + dt.timedelta(seconds=1))
    note(workflow.decide(who["hq.chen"], overdue["id"], outcome="deny",
                         reason_code="outside_priorities", reason="Deadline passed; not a priority."),
         "overdue: escalated to HQ, denied there")
    # cleared: a recent border crosser is a priority, the action may proceed
    note(workflow.submit(officer, case=_case("border-apprehension", "demo-border")),
         "border security priority: cleared to proceed")
    # awaiting approval: outside the priorities, sent to the FOD with a deadline
    note(workflow.submit(officer, case=_case("long-term-resident", "demo-resident-1")),
         "outside the priorities: awaiting the field office director")
    # awaiting judgement
    note(workflow.submit(officer, case=_case("seed-minor-victim", "demo-minor-victim-1")),
         "public-safety threat to be judged: awaiting a supervisor")
    # returned: undetermined, the officer must find facts
    note(workflow.submit(officer, case=_case("seed-prior-removal", "demo-prior-removal")),
         "undetermined: returned to the officer with the facts to find")
    # approved with the recommendation... and against it (flagged, escalated)
    req = workflow.submit(officer, case=_case("long-term-resident", "demo-resident-2"))
    note(workflow.decide(fod, req["id"], outcome="deny", reason_code="outside_priorities",
                         reason="Not a priority; no reason to make an exception."),
         "denied, as recommended")
    req = workflow.submit(officer, case=_case("long-term-resident", "demo-resident-3"))
    note(workflow.decide(fod, req["id"], outcome="approve", reason_code="justified_allocation",
                         reason="Subject of a targeted operation approved this week.",
                         justification="The operation plan documents why this is a justified use "
                         "of resources."), "approved outside the priorities: flagged, escalated")
    # denied against the recommendation, dissent, reviewed by HQ
    req = workflow.submit(officer, case=_case("seed-minor-victim", "demo-minor-victim-2"))
    view = workflow.decide(deputy, req["id"], outcome="deny", reason_code="mitigating_factors",
                           reason="Conviction is nine years old and there is no later offence.",
                           justification="No record since release in 2019; stable employment.")
    view = workflow.dissent(officer, req["id"], "The victim was 13; the threat assessment supports "
                            "arrest.")
    for esc in view["escalations"][:1]:
        workflow.review(who["hq.chen"], esc["id"], "upheld", "Within the supervisor's discretion; "
                        "noted for the quarterly review.")
    note(view, "denied against the recommendation: flagged, escalated, dissent, HQ review")
    # approved after the facts were updated with a threat determination
    case = _case("seed-minor-victim", "demo-minor-victim-3")
    req = workflow.submit(officer, case=case)
    case["determinations"] = {"public_safety_threat": {
        "value": True, "by": "fod.hou", "date": "2021-06-30",
        "reason": "Recent contact with the victim's family."}}
    workflow.put_case(officer, case, case_id=req["case"])
    note(workflow.get_request(officer, req["id"], log=False),
         "new facts (threat determination): reassessed to a presumed priority, cleared")
    # another office
    note(workflow.submit(who["ofc.nguyen"], case=_case("long-term-resident", "demo-dal-1", "DAL")),
         "Dallas: awaiting its own director")
    cp = workflow.audit_checkpoint_now(SYSTEM)
    summary.append(f"audit log: {cp['size']} entries, signed checkpoint at size {cp['size']}")
    return {"tokens": tokens, "summary": summary}
