"""The analyst role reads no stored record, whoever calls the workflow: every read path
(cases, requests, decisions, escalations, oversight, the audit log and its proofs) refuses
an analyst with Forbidden before looking anything up, as does every write. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from conftest import EXAMPLES
from discretion.workflow.errors import Forbidden, Invalid
from discretion.workflow.roles import ROLES, Principal
from discretion.workflow.service import Workflow


def _world(workflow: Workflow, people: dict[str, Any]) -> dict[str, Any]:
    """A HOU request denied against the recommendation (so escalated), and a checkpoint."""
    case = json.loads((EXAMPLES / "seed-minor-victim.json").read_text())
    req = workflow.submit(people["ofc.hou"], case=case)
    view = workflow.decide(people["sup.hou"], req["id"], outcome="deny",
                           reason_code="mitigating_factors",
                           reason="Long residence and family ties outweigh.",
                           justification="Conviction is 9 years old; no new offences since.")
    workflow.audit_checkpoint_now(people["aud.oig"])
    return {"request": req["id"], "case": req["case"], "decision": view["decision"]["id"],
            "escalation": view["escalations"][0]["id"]}


def _reads(w: dict[str, Any]) -> dict[str, Callable[[Workflow, Principal], Any]]:
    return {
        "list_cases": lambda wf, who: wf.list_cases(who),
        "get_case": lambda wf, who: wf.get_case(who, w["case"]),
        "get_case version 1": lambda wf, who: wf.get_case(who, w["case"], 1),
        "case_versions": lambda wf, who: wf.case_versions(who, w["case"]),
        "list_requests": lambda wf, who: wf.list_requests(who),
        "list_requests of HOU": lambda wf, who: wf.list_requests(who, office="HOU"),
        "get_request": lambda wf, who: wf.get_request(who, w["request"]),
        "list_decisions": lambda wf, who: wf.list_decisions(who),
        "get_decision": lambda wf, who: wf.get_decision(who, w["decision"]),
        "escalations": lambda wf, who: wf.escalations(who, open_only=False),
        "list_offices": lambda wf, who: wf.list_offices(who),
        "list_users": lambda wf, who: wf.list_users(who),
        "denials_by_category": lambda wf, who: wf.denials_by_category(who, "sexual_abuse_of_a_minor"),
        "against_recommendation": lambda wf, who: wf.against_recommendation(who),
        "dissent_counts": lambda wf, who: wf.dissent_counts(who),
        "decision_counts": lambda wf, who: wf.decision_counts(who),
        "audit_entries": lambda wf, who: wf.audit_entries(who),
        "audit_entry": lambda wf, who: wf.audit_entry(who, 1),
        "audit_proof": lambda wf, who: wf.audit_proof(who, 1),
        "audit_consistency": lambda wf, who: wf.audit_consistency(who, 1, 2),
        "audit_checkpoints": lambda wf, who: wf.audit_checkpoints(who),
        "audit_checkpoints latest": lambda wf, who: wf.audit_checkpoints(who, latest_only=True),
    }


def test_every_workflow_read_refuses_an_analyst(workflow: Workflow, people: dict[str, Any]) -> None:
    w = _world(workflow, people)
    analyst, auditor = people["an.lyst"], people["aud.oig"]
    reads = _reads(w)
    allowed = []
    for name, read in reads.items():
        try:
            read(workflow, analyst)
        except Forbidden:
            continue
        allowed.append(name)
    assert allowed == [], f"an analyst could call {allowed}"
    # the same calls work for the auditor (so the refusals above are about the role), bar
    # the admin-only user list
    for name, read in reads.items():
        if name != "list_users":
            assert read(workflow, auditor) is not None, name


def test_every_workflow_write_refuses_an_analyst(workflow: Workflow, people: dict[str, Any]) -> None:
    w = _world(workflow, people)
    analyst = people["an.lyst"]
    case = json.loads((EXAMPLES / "seed-minor-victim.json").read_text())
    writes: dict[str, Callable[[], Any]] = {
        "put_case": lambda: workflow.put_case(analyst, {**case, "id": "analyst-case"}),
        "submit": lambda: workflow.submit(analyst, case={**case, "id": "analyst-request"}),
        "decide": lambda: workflow.decide(analyst, w["request"], outcome="approve",
                                          reason_code="priority_confirmed", reason="Threat found here."),
        "dissent": lambda: workflow.dissent(analyst, w["request"], "I disagree with this denial."),
        "review": lambda: workflow.review(analyst, w["escalation"], "noted", "Seen by an analyst."),
        "escalate_overdue": lambda: workflow.escalate_overdue(analyst),
        "audit_checkpoint_now": lambda: workflow.audit_checkpoint_now(analyst),
        "add_user": lambda: workflow.add_user("new.user", "officer", "HOU", by=analyst),
        "add_office": lambda: workflow.add_office("SEA", "Seattle", by=analyst),
    }
    allowed = []
    for name, write in writes.items():
        try:
            write()
        except Forbidden:
            continue
        allowed.append(name)
    assert allowed == [], f"an analyst could call {allowed}"


def test_the_analyst_principal_is_safe_by_construction() -> None:
    analyst = Principal("an.lyst", "analyst")
    assert "analyst" in ROLES
    assert analyst.redacted and not analyst.reads_records
    assert not analyst.sees_office("HOU") and not Principal("x", "analyst", "HOU").sees_office("HOU")
    # a role nobody has named yet reads nothing, in no office, and redacted
    unknown = Principal("someone", "new-role")
    assert unknown.redacted and not unknown.reads_records and not unknown.sees_office("HOU")
    # the roles that did read keep what they had
    assert Principal("h", "hq").sees_office("HOU") and not Principal("h", "hq").redacted
    assert Principal("o", "officer", "HOU").sees_office("HOU")
    assert not Principal("o", "officer", "DAL").sees_office("HOU")
    assert Principal("a", "auditor").redacted and Principal("a", "auditor").sees_office("HOU")


def test_an_analyst_is_added_without_an_office(workflow: Workflow, people: dict[str, Any]) -> None:
    made = workflow.add_user("an.other", "analyst", None, password="pw-an.other", token=False)
    assert made["role"] == "analyst"
    with pytest.raises(Invalid) as err:
        workflow.add_user("an.office", "analyst", "HOU", token=False)
    assert err.value.field == "office"
    who, _ = workflow.login("an.other", "pw-an.other", None)
    assert who.role == "analyst"
    with pytest.raises(Forbidden):
        workflow.list_requests(who)
