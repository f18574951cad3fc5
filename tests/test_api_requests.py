"""The newcomer's path over real HTTP: an officer submits the minor-victim example, a
supervisor denies it, headquarters sees it flagged and escalated, the receipts check out
against the signed checkpoint; and errors as RFC 9457 problem details."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from conftest import EXAMPLES
from discretion.audit import log, merkle


def minor_victim(new_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "seed-minor-victim.json").read_text())
    if new_id:
        data["id"] = new_id
    return data


def test_submit_deny_flag_escalate_and_prove(api: Any) -> None:
    officer, sup, hq = api.client("ofc.hou"), api.client("sup.hou"), api.client("hq.review")
    submitted = officer.post("/api/requests", json={"case": minor_victim("newcomer")})
    assert submitted.status_code == 201, submitted.text
    req = submitted.json()
    assert req["state"] == "awaiting_judgement" and req["assessment"]["policy"] == "ice-2021-02-18"
    decided = sup.post(f"/api/requests/{req['id']}/decision", json={
        "outcome": "deny", "reason_code": "mitigating_factors",
        "reason": "The conviction is nine years old.",
        "justification": "No offence since release in 2019; steady employment."})
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["state"] == "denied" and body["flagged"] and body["escalated"]
    queue = hq.get("/api/escalations").json()
    assert any(e["request"] == req["id"] and e["reason"] == "against_recommendation" for e in queue)
    flagged = hq.get("/api/requests", params={"flagged": True}).json()
    assert req["id"] in [r["id"] for r in flagged]

    # The receipt of the decision proves inclusion under a root the log key signed ...
    receipt = body["receipts"][0]
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(
        officer.get("/api/audit/key").json()["public_key"]))
    cp = receipt["checkpoint"]
    assert log.check_signature(key, cp["origin"], cp["size"], bytes.fromhex(cp["root"]),
                               base64.b64decode(cp["signature"]))
    assert merkle.verify_inclusion(receipt["seq"], receipt["tree_size"],
                                   bytes.fromhex(receipt["leaf_hash"]),
                                   [bytes.fromhex(p) for p in receipt["inclusion_path"]],
                                   bytes.fromhex(cp["root"]))
    # ... and that tree is a prefix of the next checkpoint.
    later = api.client("aud.oig").post("/api/audit/checkpoints").json()
    proof = officer.get("/api/audit/consistency",
                        params={"first": receipt["tree_size"], "second": later["size"]}).json()
    assert merkle.verify_consistency(receipt["tree_size"], later["size"], bytes.fromhex(cp["root"]),
                                     bytes.fromhex(later["root"]),
                                     [bytes.fromhex(p) for p in proof["proof"]])
    inclusion = officer.get(f"/api/audit/entries/{receipt['seq']}/proof").json()
    assert inclusion["tree_size"] == later["size"]
    assert merkle.verify_inclusion(receipt["seq"], later["size"], bytes.fromhex(receipt["leaf_hash"]),
                                   [bytes.fromhex(p) for p in inclusion["inclusion_path"]],
                                   bytes.fromhex(later["root"]))
    # Oversight: why was it denied, by whom, under which clause?
    entry = api.client("aud.oig").get(f"/api/audit/entries/{receipt['seq']}").json()
    payload = json.loads(entry["payload"])
    assert entry["actor"] == "sup.hou" and payload["reason_code"] == "mitigating_factors"
    assert payload["policy"] == "ice-2021-02-18" and payload["against_recommendation"] is True
    denials = hq.get("/api/oversight/denials", params={"category": "sexual_abuse_of_a_minor"}).json()
    assert req["id"] in [d["request"] for d in denials]


def test_errors_are_problem_details_naming_the_field(api: Any) -> None:
    officer = api.client("ofc.hou")
    bad_case = minor_victim("bad")
    bad_case["convictions"][0]["sentence_days"] = -3
    r = officer.post("/api/requests", json={"case": bad_case})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 422 and problem["title"] and problem["type"]
    assert problem["errors"][0]["field"] == "case.convictions[0].sentence_days"
    r = officer.post("/api/requests", json={"case": minor_victim(), "action": "deport"})
    assert r.status_code == 422 and r.json()["errors"] == [
        {"field": "action", "reason": "must be one of arrest, detainer, detention, removal"}]
    r = officer.post("/api/requests", json={"case": minor_victim(), "colour": "blue"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "colour"
    r = officer.post("/api/requests", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    r = api.client().get("/api/requests")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    r = api.client().get("/api/requests", headers={"Authorization": "Bearer dsc_nope_nope"})
    assert r.status_code == 401
    r = officer.get("/api/requests/999999")
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "request_id"


def test_web_session_login(api: Any) -> None:
    web = api.client()
    assert web.post("/api/session", json={"username": "fod.hou", "password": "nope"}).status_code == 401
    r = web.post("/api/session", json={"username": "fod.hou", "password": "pw-fod.hou"})
    assert r.status_code == 200 and "httponly" in r.headers["set-cookie"].lower()
    assert web.get("/api/me").json()["username"] == "fod.hou"
    assert web.delete("/api/session").status_code == 204
    assert web.get("/api/me").status_code == 401


def test_new_facts_over_http_reassess(api: Any) -> None:
    officer = api.client("ofc.hou")
    req = officer.post("/api/requests", json={"case": minor_victim("facts-http")}).json()
    case = minor_victim("facts-http")
    case["determinations"] = {"public_safety_threat": {"value": True, "by": "ofc.hou",
                                                       "date": "2021-06-30"}}
    r = officer.put(f"/api/cases/{req['case']}", json=case)
    assert r.status_code == 200 and r.json()["version"] == 2
    assert officer.get(f"/api/requests/{req['id']}").json()["state"] == "cleared"
    versions = officer.get(f"/api/cases/{req['case']}/versions").json()
    assert [v["version"] for v in versions] == [1, 2]


def test_overdue_escalation_endpoint_and_checkpoint_listing(api: Any) -> None:
    hq = api.client("hq.review")
    r = hq.post("/api/escalations/overdue")
    assert r.status_code == 200 and isinstance(r.json(), list)  # nothing is 72 hours old here
    assert api.client("ofc.hou").post("/api/escalations/overdue").status_code == 403
    cps = api.client("ofc.hou").get("/api/audit/checkpoints").json()
    sizes = [c["size"] for c in cps]
    assert sizes == sorted(sizes)
