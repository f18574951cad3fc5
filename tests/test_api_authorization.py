"""The authorisation matrix: every ``/api`` route × every role (and no credentials) ×
office, over real HTTP, with the exact status expected in each cell.

Rows of :data:`MATRIX` read ``own-office | other-office | analyst``: the first six are
officer, supervisor, hq, auditor, admin and anonymous acting on records of office HOU
(officer ofc.hou, supervisor sup.hou); the next two are an officer and a supervisor of
another office (ofc.dal, fod.dal) acting on the same HOU records. Where a user is the
subject (``/api/users/{username}``), the subject is ``ofc.hou``, so the HOU officer is
acting on themselves. The last column is an analyst (an.lyst), who may use health, their
session and ``/api/me`` only: every other route refuses them, 403, in the authentication
dependency, before any record is looked up. A cell that changes state gets fresh records
of its own, so cells do not depend on the order they run in.

A route that is added without a row here fails :func:`test_every_api_route_has_a_row`.
Every access that gets in, and every one refused or not found, must be in the audit log.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import text

from conftest import EXAMPLES
from discretion.store import Database

CELLS = [("officer", "ofc.hou"), ("supervisor", "sup.hou"), ("hq", "hq.review"),
         ("auditor", "aud.oig"), ("admin", "adm.root"), ("anonymous", None),
         ("officer/other office", "ofc.dal"), ("supervisor/other office", "fod.dal"),
         ("analyst", "an.lyst")]

MATRIX: dict[tuple[str, str], str] = {
    # officer supervisor hq auditor admin anonymous | other-office officer, supervisor | analyst
    ("GET", "/api/health"):                                  "200 200 200 200 200 200 | 200 200 | 200",
    ("POST", "/api/session"):                                "200 200 200 200 200 401 | 200 200 | 200",
    ("DELETE", "/api/session"):                              "204 204 204 204 204 401 | 204 204 | 204",
    ("GET", "/api/me"):                                      "200 200 200 200 200 401 | 200 200 | 200",
    ("GET", "/api/users"):                                   "403 403 403 403 200 401 | 403 403 | 403",
    ("POST", "/api/users"):                                  "403 403 403 403 201 401 | 403 403 | 403",
    ("PATCH", "/api/users/{username}"):                      "403 403 403 403 200 401 | 403 403 | 403",
    ("POST", "/api/users/{username}/unlock"):                "403 403 403 403 200 401 | 403 403 | 403",
    ("GET", "/api/users/{username}/tokens"):                 "200 403 403 403 200 401 | 403 403 | 403",
    ("POST", "/api/users/{username}/tokens"):                "201 403 403 403 201 401 | 403 403 | 403",
    ("DELETE", "/api/users/{username}/tokens/{token_id}"):   "200 403 403 403 200 401 | 403 403 | 403",
    ("GET", "/api/offices"):                                 "200 200 200 200 200 401 | 200 200 | 403",
    ("PUT", "/api/offices/{code}"):                          "403 403 403 403 200 401 | 403 403 | 403",
    ("GET", "/api/reason-codes"):                            "200 200 200 200 200 401 | 200 200 | 403",
    ("GET", "/api/cases"):                                   "200 200 200 200 200 401 | 200 200 | 403",
    ("POST", "/api/cases"):                                  "201 201 403 403 403 401 | 201 201 | 403",
    ("GET", "/api/cases/{case_id}"):                         "200 200 200 200 200 401 | 404 404 | 403",
    ("PUT", "/api/cases/{case_id}"):                         "200 200 403 403 403 401 | 404 404 | 403",
    ("GET", "/api/cases/{case_id}/versions"):                "200 200 200 200 200 401 | 404 404 | 403",
    ("GET", "/api/cases/{case_id}/versions/{version}"):      "200 200 200 200 200 401 | 404 404 | 403",
    ("GET", "/api/requests"):                                "200 200 200 200 200 401 | 200 200 | 403",
    ("POST", "/api/requests"):                               "201 403 403 403 403 401 | 403 403 | 403",
    ("GET", "/api/requests/{request_id}"):                   "200 200 200 200 200 401 | 404 404 | 403",
    ("POST", "/api/requests/{request_id}/decision"):         "403 200 403 403 403 401 | 404 404 | 403",
    ("POST", "/api/requests/{request_id}/dissent"):          "201 403 403 403 403 401 | 404 403 | 403",
    ("GET", "/api/decisions"):                               "200 200 200 200 200 401 | 200 200 | 403",
    ("GET", "/api/decisions/{decision_id}"):                 "200 200 200 200 200 401 | 404 404 | 403",
    ("GET", "/api/escalations"):                             "403 403 200 200 200 401 | 403 403 | 403",
    ("POST", "/api/escalations/overdue"):                    "403 200 200 403 200 401 | 403 200 | 403",
    ("POST", "/api/escalations/{escalation_id}/review"):     "403 403 200 403 403 401 | 403 403 | 403",
    ("GET", "/api/oversight/denials"):                       "403 403 200 200 200 401 | 403 403 | 403",
    ("GET", "/api/oversight/against-recommendation"):        "403 403 200 200 200 401 | 403 403 | 403",
    ("GET", "/api/oversight/dissents"):                      "403 403 200 200 200 401 | 403 403 | 403",
    ("GET", "/api/audit/entries"):                           "403 403 200 200 200 401 | 403 403 | 403",
    ("GET", "/api/audit/entries/{seq}"):                     "403 403 200 200 200 401 | 403 403 | 403",
    ("GET", "/api/audit/entries/{seq}/proof"):               "200 200 200 200 200 401 | 200 200 | 403",
    ("GET", "/api/audit/consistency"):                       "200 200 200 200 200 401 | 200 200 | 403",
    ("GET", "/api/audit/checkpoints"):                       "200 200 200 200 200 401 | 200 200 | 403",
    ("GET", "/api/audit/checkpoints/latest"):                "200 200 200 200 200 401 | 200 200 | 403",
    ("POST", "/api/audit/checkpoints"):                      "403 403 201 201 201 401 | 403 403 | 403",
    ("GET", "/api/audit/key"):                               "200 200 200 200 200 401 | 200 200 | 403",
}


def expected(method: str, path: str) -> dict[str, int]:
    cells = MATRIX[(method, path)].replace("|", " ").split()
    assert len(cells) == len(CELLS), (method, path)
    return {label: int(status) for (label, _), status in zip(CELLS, cells, strict=True)}


def _api_routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) the app serves under /api, through included routers; a mount or
    other route without methods under /api shows as ("ANY", path) and so fails the guard."""
    found = set()
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if path.startswith("/api"):
            methods = getattr(route, "methods", None) or {"ANY"}
            found |= {(m, path) for m in methods if m != "HEAD"}
    return found


def test_every_api_route_has_a_row(tmp_path: Path) -> None:
    """A new /api route must come with its row in the matrix (and its cells in the walk)."""
    from discretion.api import create_app

    app = create_app(f"sqlite:///{tmp_path / 'routes.sqlite'}")
    routes = _api_routes(app)
    assert routes, "no /api routes found: the guard itself is broken"
    assert routes - set(MATRIX) == set(), "routes without a row in MATRIX"
    assert set(MATRIX) - routes == set(), "rows in MATRIX for routes that no longer exist"
    spec = app.openapi()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() if p.startswith("/api") for m in ops}
    assert documented == routes, "every /api route is in the OpenAPI document, and only those"


def _case(new_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "seed-minor-victim.json").read_text())
    data["id"] = new_id
    return data


_ids = itertools.count()


class Fresh:
    """Records made for one cell, as the people whose job it is would make them."""

    def __init__(self, api: Any):
        self.api = api

    def pending(self, case_id: str | None = None) -> dict[str, Any]:
        case = _case(case_id or f"m-{next(_ids)}")
        made = self.api.client("ofc.hou").post("/api/requests", json={"case": case})
        assert made.status_code == 201 and made.json()["state"] == "awaiting_judgement", made.text
        return dict(made.json())

    def denied_against_recommendation(self) -> dict[str, Any]:
        req = self.pending()
        decided = self.api.client("sup.hou").post(f"/api/requests/{req['id']}/decision", json={
            "outcome": "deny", "reason_code": "mitigating_factors", "reason": "Old conviction only.",
            "justification": "No offence in nine years."})
        assert decided.status_code == 200, decided.text
        return dict(decided.json())

    def token_of_ofc_hou(self) -> str:
        made = self.api.client("adm.root").post("/api/users/ofc.hou/tokens", json={"label": "matrix"})
        assert made.status_code == 201, made.text
        return str(made.json()["id"])


@pytest.fixture(scope="module")
def world(api: Any) -> dict[str, Any]:
    """A HOU case with a request awaiting judgement; a denied request with its decision
    and escalation; a checkpoint."""
    fresh = Fresh(api)
    pending = fresh.pending("matrix-case")  # the case PUT /api/cases/{case_id} updates
    denied = fresh.denied_against_recommendation()
    assert api.client("adm.root").post("/api/audit/checkpoints").status_code == 201
    return {"request": pending["id"], "case": pending["case"], "decision": denied["decision"]["id"]}


def _request(api: Any, world: dict[str, Any], label: str, username: str | None,
             method: str, path: str) -> Any:
    fresh = Fresh(api)
    params: dict[str, Any] = {"username": "ofc.hou", "code": "SEA", "case_id": world["case"],
                              "version": 1, "request_id": world["request"],
                              "decision_id": world["decision"], "seq": 1}
    query: dict[str, Any] = {}
    body: Any = None
    if (method, path) == ("POST", "/api/session"):
        who = username or "ofc.hou"
        body = {"username": who, "password": f"pw-{who}" if username else "wrong-password"}
    elif (method, path) == ("POST", "/api/users"):
        body = {"username": f"new.{next(_ids)}", "role": "officer", "office": "HOU"}
    elif (method, path) == ("PATCH", "/api/users/{username}"):
        body = {"active": True}
    elif (method, path) == ("POST", "/api/users/{username}/tokens"):
        body = {"label": "matrix"}
    elif path == "/api/users/{username}/tokens/{token_id}":
        params["token_id"] = fresh.token_of_ofc_hou()
    elif path == "/api/offices/{code}":
        body = {"name": "Seattle", "director": None}
    elif (method, path) in (("POST", "/api/cases"), ("PUT", "/api/cases/{case_id}")):
        body = _case("matrix-case" if method == "PUT" else f"matrix-{next(_ids)}")
    elif (method, path) == ("POST", "/api/requests"):
        body = {"case": _case(f"matrix-{next(_ids)}")}
    elif path.endswith("/decision"):
        params["request_id"] = fresh.pending()["id"]
        body = {"outcome": "approve", "reason_code": "priority_confirmed", "reason": "Threat found."}
    elif path.endswith("/dissent"):
        params["request_id"] = fresh.denied_against_recommendation()["id"]
        body = {"text": "I disagree with this denial."}
    elif path.endswith("/review"):
        params["escalation_id"] = fresh.denied_against_recommendation()["escalations"][0]["id"]
        body = {"finding": "noted", "note": "Seen at headquarters."}
    elif path == "/api/oversight/denials":
        query = {"category": "sexual_abuse_of_a_minor"}
    elif path == "/api/audit/consistency":
        query = {"first": 1, "second": 2}
    return api.client(username).request(method, path.format(**params), params=query, json=body)


_databases: dict[str, Database] = {}


def _log_size(api: Any) -> int:
    db = _databases.get(api.url) or _databases.setdefault(api.url, Database(api.url))
    with db.reading() as conn:
        return int(conn.execute(text("SELECT size FROM audit_head")).scalar_one())


def test_every_route_for_every_role_and_office(api: Any, world: dict[str, Any]) -> None:
    failures = []
    for (method, path) in sorted(MATRIX, key=lambda r: (r[1], r[0])):
        want = expected(method, path)
        for label, username in CELLS:
            before = _log_size(api)
            response = _request(api, world, label, username, method, path)
            status = response.status_code
            if status != want[label]:
                failures.append(f"{label:<24} {method:<6} {path}: {status}, expected {want[label]}"
                                f" ({response.text[:120]})")
            if status >= 400:
                assert response.headers["content-type"] == "application/problem+json", (method, path)
            logged = _log_size(api) > before
            if username and path != "/api/health" and status in (200, 201, 204, 403, 404) and not logged:
                failures.append(f"{label} {method} {path}: access ({status}) not logged")
    assert not failures, "\n".join(failures)


def test_other_offices_lists_leave_out_this_office(api: Any, world: dict[str, Any]) -> None:
    dal = api.client("ofc.dal")
    assert all(r["office"] == "DAL" for r in dal.get("/api/requests").json())
    assert all(c["office"] == "DAL" for c in dal.get("/api/cases").json())
    assert world["case"] not in [c["id"] for c in dal.get("/api/cases").json()]
    assert world["request"] not in [r["id"] for r in dal.get("/api/requests").json()]
