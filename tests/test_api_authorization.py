"""One test walks every route of the API for every role (and for no credentials), over
real HTTP, and checks who is let in; a route missing from the table fails the test.
Every access that gets in, and every one refused or not found, is written to the audit
log."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from conftest import EXAMPLES
from discretion.store import Database

ROLES = {"officer": "ofc.hou", "supervisor": "sup.hou", "hq": "hq.review", "auditor": "aud.oig",
         "admin": "adm.root"}
ALL = set(ROLES)
LOG_READERS = {"auditor", "hq", "admin"}

# (method, path) -> roles let in. Everyone else gets 403 (or 404 for records of an office
# they cannot see); no credentials gets 401.
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/health"): ALL | {"anonymous"},
    ("POST", "/api/session"): ALL,  # anonymous: a wrong password, 401
    ("DELETE", "/api/session"): ALL,
    ("GET", "/api/me"): ALL,
    ("GET", "/api/users"): {"admin"},
    ("POST", "/api/users"): {"admin"},
    ("POST", "/api/users/{username}/tokens"): {"admin", "officer"},  # officer: their own
    ("GET", "/api/offices"): ALL,
    ("PUT", "/api/offices/{code}"): {"admin"},
    ("GET", "/api/reason-codes"): ALL,
    ("GET", "/api/cases"): ALL,
    ("POST", "/api/cases"): {"officer", "supervisor"},
    ("GET", "/api/cases/{case_id}"): ALL,
    ("PUT", "/api/cases/{case_id}"): {"officer", "supervisor"},
    ("GET", "/api/cases/{case_id}/versions"): ALL,
    ("GET", "/api/cases/{case_id}/versions/{version}"): ALL,
    ("GET", "/api/requests"): ALL,
    ("POST", "/api/requests"): {"officer"},
    ("GET", "/api/requests/{request_id}"): ALL,
    ("POST", "/api/requests/{request_id}/decision"): {"supervisor"},
    ("POST", "/api/requests/{request_id}/dissent"): {"officer"},
    ("GET", "/api/decisions"): ALL,
    ("GET", "/api/decisions/{decision_id}"): ALL,
    ("GET", "/api/escalations"): LOG_READERS,
    ("POST", "/api/escalations/overdue"): {"supervisor", "hq", "admin"},
    ("POST", "/api/escalations/{escalation_id}/review"): {"hq"},
    ("GET", "/api/oversight/denials"): LOG_READERS,
    ("GET", "/api/oversight/against-recommendation"): LOG_READERS,
    ("GET", "/api/oversight/dissents"): LOG_READERS,
    ("GET", "/api/audit/entries"): LOG_READERS,
    ("GET", "/api/audit/entries/{seq}"): LOG_READERS,
    ("GET", "/api/audit/entries/{seq}/proof"): ALL,
    ("GET", "/api/audit/consistency"): ALL,
    ("GET", "/api/audit/checkpoints"): ALL,
    ("GET", "/api/audit/checkpoints/latest"): ALL,
    ("POST", "/api/audit/checkpoints"): LOG_READERS,
    ("GET", "/api/audit/key"): ALL,
}


def _case(new_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "seed-minor-victim.json").read_text())
    data["id"] = new_id
    return data


@pytest.fixture(scope="module")
def world(api: Any) -> dict[str, Any]:
    """One HOU case with a request awaiting judgement, and a denied request with its
    decision and escalation; a checkpoint."""
    officer, sup = api.client("ofc.hou"), api.client("sup.hou")
    pending = officer.post("/api/requests", json={"case": _case("auth-1")}).json()
    denied = officer.post("/api/requests", json={"case": _case("auth-2")}).json()
    decided = sup.post(f"/api/requests/{denied['id']}/decision", json={
        "outcome": "deny", "reason_code": "mitigating_factors", "reason": "Old conviction only.",
        "justification": "No offence in nine years."}).json()
    api.client("adm.root").post("/api/audit/checkpoints")
    return {"request": pending["id"], "denied": denied["id"], "case": pending["case"],
            "decision": decided["decision"]["id"], "escalation": decided["escalations"][0]["id"]}


def _call(api: Any, world: dict[str, Any], role: str, method: str, path: str) -> Any:
    username = ROLES.get(role)
    client = api.client(username)
    params = {"username": "ofc.hou", "code": "SEA", "case_id": world["case"], "version": 1,
              "request_id": world["request"], "decision_id": world["decision"],
              "escalation_id": world["escalation"], "seq": 1}
    if path.endswith("/dissent"):
        params["request_id"] = world["denied"]
    url = path.format(**params)
    query: dict[str, Any] = {}
    body: Any = None
    if (method, path) == ("POST", "/api/session"):
        who = username or "ofc.hou"
        body = {"username": who, "password": f"pw-{who}" if username else "wrong"}
    elif (method, path) == ("POST", "/api/users"):
        body = {"username": f"new.{role}", "role": "officer", "office": "HOU"}
    elif path == "/api/users/{username}/tokens":
        body = {"label": "walk"}
    elif path == "/api/offices/{code}":
        body = {"name": "Seattle", "director": None}
    elif (method, path) in (("POST", "/api/cases"), ("PUT", "/api/cases/{case_id}")):
        body = _case("auth-1")
    elif (method, path) == ("POST", "/api/requests"):
        body = {"case": _case(f"auth-walk-{role}")}
    elif path.endswith("/decision"):
        body = {"outcome": "approve", "reason_code": "priority_confirmed", "reason": "Threat found."}
    elif path.endswith("/dissent"):
        body = {"text": "I disagree with this denial."}
    elif path.endswith("/review"):
        body = {"finding": "noted", "note": "Seen at headquarters."}
    elif path == "/api/oversight/denials":
        query = {"category": "sexual_abuse_of_a_minor"}
    elif path == "/api/audit/consistency":
        query = {"first": 1, "second": 2}
    return client.request(method, url, params=query, json=body)


def _log_size(api: Any) -> int:
    db = Database(api.url)
    try:
        with db.reading() as conn:
            return int(conn.execute(text("SELECT size FROM audit_head")).scalar_one())
    finally:
        db.dispose()


def test_every_route_for_every_role(api: Any, world: dict[str, Any]) -> None:
    spec = api.client().get("/openapi.json").json()
    routes = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert routes == set(ALLOWED), "every route needs a line in ALLOWED (and this test)"
    failures = []
    for method, path in sorted(routes, key=lambda r: (r[1], r[0])):
        for role in [*ROLES, "anonymous"]:
            before = _log_size(api)
            response = _call(api, world, role, method, path)
            status = response.status_code
            allowed = role in ALLOWED[(method, path)]
            if allowed and status in (401, 403):
                failures.append(f"{role} {method} {path}: {status}, expected to be let in")
            elif not allowed and role == "anonymous" and status != 401:
                failures.append(f"anonymous {method} {path}: {status}, expected 401")
            elif not allowed and role != "anonymous" and status not in (403, 404):
                failures.append(f"{role} {method} {path}: {status}, expected 403 or 404")
            if status >= 400:
                assert response.headers["content-type"] == "application/problem+json", (method, path)
            logged = _log_size(api) > before
            if role != "anonymous" and path != "/api/health" and (
                    status < 400 or status in (403, 404)) and not logged:
                failures.append(f"{role} {method} {path}: access ({status}) not logged")
    assert not failures, "\n".join(failures)


def test_other_offices_records_are_not_found(api: Any, world: dict[str, Any]) -> None:
    dal = api.client("ofc.dal")
    assert dal.get(f"/api/requests/{world['request']}").status_code == 404
    assert dal.get(f"/api/cases/{world['case']}").status_code == 404
    assert all(r["office"] == "DAL" for r in dal.get("/api/requests").json())
