"""The web pages over real HTTP (no browser): security headers, login and sessions,
CSRF, who may open which page, errors that name the field, redaction and access logging."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from _web import api, csrf_of, signed_in
from conftest import EXAMPLES
from discretion.web.security import CSP

ROLES = {"officer": "ofc.garcia", "supervisor": "sup.hou", "hq": "hq.chen",
         "auditor": "aud.okafor", "admin": "admin", "analyst": "an.rivera"}
OVERSIGHT = {"hq", "auditor", "admin"}
RECORD_READERS = set(ROLES) - {"analyst"}  # the analyst reads no request, case or log
# Every page, and the roles that may open it. Request 4 is a Houston request in the demo.
PAGES: dict[str, set[str]] = {
    "/officer": {"officer"},
    "/officer/requests": {"officer"},
    "/supervisor": {"supervisor"},
    "/supervisor/history": {"supervisor"},
    "/hq": {"hq"},
    "/oversight": OVERSIGHT,
    "/oversight/charts/office.png": OVERSIGHT,
    "/oversight/search": OVERSIGHT,
    "/oversight/requests/4": OVERSIGHT,
    "/analyst": OVERSIGHT | {"analyst"},
    "/requests/4": RECORD_READERS,
    "/requests/4/explanation": RECORD_READERS,
}
HOMES = {"officer": "/officer", "supervisor": "/supervisor", "hq": "/hq",
         "auditor": "/oversight", "admin": "/oversight", "analyst": "/analyst"}


@pytest.fixture(scope="module")
def clients(web: Any) -> dict[str, httpx.Client]:
    return {role: signed_in(web, username) for role, username in ROLES.items()}


def test_root_answers_with_the_login_page(web: Any) -> None:
    r = httpx.get(web.base + "/")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    page = httpx.get(web.base + "/login")
    assert page.status_code == 200 and "<h1>Sign in</h1>" in page.text
    assert '<html lang="en">' in page.text


@pytest.mark.parametrize("path", ["/login", "/api/health", "/static/app.css", "/officer"])
def test_security_headers_on_every_response(web: Any, path: str) -> None:
    r = httpx.get(web.base + path)
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    if not path.startswith("/static/"):
        assert r.headers["cache-control"] == "no-store"


def test_pages_with_personal_data_are_not_stored(clients: dict[str, httpx.Client]) -> None:
    r = clients["officer"].get("/requests/4")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"


def test_no_inline_script_or_style_in_any_page(clients: dict[str, httpx.Client]) -> None:
    for path, roles in PAGES.items():
        if path.endswith(".png"):
            continue
        role = sorted(roles)[0]
        text = clients[role].get(path).text
        assert "<style" not in text and " style=" not in text, path
        for tag in text.split("<script")[1:]:
            assert tag.lstrip().startswith("src="), f"inline script in {path}"


def test_swagger_pages_are_off_and_the_schema_stays(web: Any) -> None:
    assert httpx.get(web.base + "/docs").status_code == 404
    assert httpx.get(web.base + "/redoc").status_code == 404
    assert httpx.get(web.base + "/openapi.json").json()["info"]["title"] == "discretion"


def test_pages_redirect_to_login_without_a_session(web: Any) -> None:
    for path in PAGES:
        r = httpx.get(web.base + path)
        assert r.status_code == 303 and r.headers["location"] == "/login", path


def test_role_page_matrix(clients: dict[str, httpx.Client]) -> None:
    """Every page for every role: allowed pages answer 200, the others 403 with a page
    that says why."""
    for path, allowed in PAGES.items():
        for role, client in clients.items():
            r = client.get(path)
            expected = 200 if role in allowed else 403
            assert r.status_code == expected, (path, role, r.status_code)
            if expected == 403:
                assert "Not available to your role" in r.text


def test_each_role_lands_on_its_home(web: Any) -> None:
    for role, username in ROLES.items():
        client = httpx.Client(base_url=web.base)
        form = client.get("/login")
        r = client.post("/login", data={"username": username, "password": f"demo-{username}",
                                        "csrf_token": csrf_of(form.text)})
        assert r.status_code == 303 and r.headers["location"] == HOMES[role], role
        assert client.get("/").headers["location"] == HOMES[role], role


def test_the_analyst_is_refused_every_form_and_the_refusals_are_logged(
        web: Any, clients: dict[str, httpx.Client]) -> None:
    analyst = clients["analyst"]
    token = csrf_of(analyst.get("/analyst").text)
    before = _count(web)
    for path, data in [("/officer/requests", {"case_id": "analyst-probe", "action": "arrest",
                                              "request_date": "2021-07-01"}),
                       ("/requests/4/decision", {"outcome": "deny"}),
                       ("/requests/4/dissent", {"text": "I disagree with this."})]:
        r = analyst.post(path, data={**data, "csrf_token": token})
        assert r.status_code == 403, (path, r.status_code)
    assert _count(web) == before
    entries = api(web, "AUDITOR_TOKEN").get("/api/audit/entries", params={
        "kind": "access.refused", "limit": 1000}).json()
    refused = {e["subject"] for e in entries if e["actor"] == "an.rivera"}
    assert {"web/requests/4/decision", "web/requests/4/dissent"} <= refused, refused
    # the API answers the analyst only health, session and me
    me = api(web, "ANALYST_TOKEN")
    assert me.get("/api/me").json()["role"] == "analyst"
    assert me.get("/api/requests").status_code == 403
    assert me.get("/api/audit/entries").status_code == 403


def test_office_scoping_follows_the_workflow(web: Any) -> None:
    dallas = signed_in(web, "ofc.nguyen")
    r = dallas.get("/requests/4")  # a Houston request: not found, as in the API
    assert r.status_code == 404 and "no request 4" in r.text


def test_session_cookie_attributes(web: Any) -> None:
    client = httpx.Client(base_url=web.base)
    form = client.get("/login")
    r = client.post("/login", data={"username": "ofc.garcia", "password": "demo-ofc.garcia",
                                    "csrf_token": csrf_of(form.text)})
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie"
                  and v.startswith("discretion_session=")).lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie


def test_login_needs_its_csrf_cookie(web: Any) -> None:
    client = httpx.Client(base_url=web.base)
    client.get("/login")
    r = client.post("/login", data={"username": "ofc.garcia", "password": "demo-ofc.garcia",
                                    "csrf_token": "forged"})
    assert r.status_code == 403 and "security token" in r.text
    assert "discretion_session" not in r.cookies


def test_wrong_password_is_refused_and_logged(web: Any) -> None:
    client = httpx.Client(base_url=web.base)
    form = client.get("/login")
    r = client.post("/login", data={"username": "ofc.garcia", "password": "nope",
                                    "csrf_token": csrf_of(form.text)})
    assert r.status_code == 401 and "Wrong username or password." in r.text
    assert 'role="alert"' in r.text
    entries = api(web, "AUDITOR_TOKEN").get("/api/audit/entries", params={
        "kind": "session.login_failed", "limit": 1000}).json()
    assert any(e["subject"] == "user/ofc.garcia" for e in entries)


def _count(web: Any) -> int:
    return len(api(web, "HQ_TOKEN").get("/api/requests", params={"limit": 500}).json())


def test_forms_without_the_csrf_token_change_nothing(web: Any,
                                                     clients: dict[str, httpx.Client]) -> None:
    before = _count(web)
    case = {"case_id": "csrf-probe", "action": "arrest", "request_date": "2021-07-01"}
    for token in (None, "0" * 64):
        data = {**case, **({"csrf_token": token} if token else {})}
        r = clients["officer"].post("/officer/requests", data=data)
        assert r.status_code == 403 and "security token (CSRF)" in r.text
    # a token from another session does not work either
    other = signed_in(web, "ofc.garcia")
    theirs = csrf_of(other.get("/officer").text)
    r = clients["officer"].post("/officer/requests", data={**case, "csrf_token": theirs})
    assert r.status_code == 403
    assert _count(web) == before
    r = clients["supervisor"].post("/requests/4/decision", data={"outcome": "deny"})
    assert r.status_code == 403
    r = clients["officer"].post("/logout")
    assert r.status_code == 403


def test_bad_form_input_names_the_field_and_writes_nothing(
        web: Any, clients: dict[str, httpx.Client]) -> None:
    officer = clients["officer"]
    token = csrf_of(officer.get("/officer").text)
    before = _count(web)
    r = officer.post("/officer/requests", data={
        "csrf_token": token, "case_id": "bad-input", "action": "arrest",
        "request_date": "2021-07-01", "birth_date": "1984-13-40", "convictions": "one",
        "conviction_sentence_days": "ten"})
    assert r.status_code == 422
    assert "Date of birth" in r.text and "YYYY-MM-DD" in r.text
    assert "Sentence (days)" in r.text and "whole number" in r.text
    # the case format's own check, mapped back to the form's label
    r = officer.post("/officer/requests", data={
        "csrf_token": token, "case_id": "bad-input", "action": "arrest",
        "request_date": "2021-07-01", "citizenship": "mex"})
    assert r.status_code == 422 and "Citizenship" in r.text and 'role="alert"' in r.text
    assert _count(web) == before


def test_upload_and_form_submit_and_the_assessment_shows(
        web: Any, clients: dict[str, httpx.Client]) -> None:
    officer = clients["officer"]
    token = csrf_of(officer.get("/officer").text)
    case = json.loads((EXAMPLES / "seed-minor-victim.json").read_text())
    case["id"] = "http-upload"
    r = officer.post("/officer/requests", data={"csrf_token": token},
                     files={"case_file": ("case.json", json.dumps(case), "application/json")},
                     headers={"HX-Request": "true"})
    assert r.status_code == 200, r.text
    assert "awaiting judgement" in r.text and "ICE 11090.1" in r.text
    bad = officer.post("/officer/requests", data={"csrf_token": token},
                       files={"case_file": ("case.json", "{not json", "application/json")})
    assert bad.status_code == 422 and "not valid JSON" in bad.text


def test_auditor_pages_are_redacted(web: Any, clients: dict[str, httpx.Client]) -> None:
    hq = clients["hq"].get("/oversight/requests/8").text
    auditor = clients["auditor"].get("/oversight/requests/8").text
    assert "demo-minor-victim-2" in hq  # the case's own identifier, for headquarters
    assert "demo-minor-victim-2" not in auditor and "case-" in auditor  # a pseudonym
    assert "Personal data is redacted" in auditor


def test_page_reads_are_audited(web: Any, clients: dict[str, httpx.Client]) -> None:
    clients["supervisor"].get("/supervisor")
    clients["auditor"].get("/oversight")
    clients["officer"].get("/hq")  # refused: logged as well
    entries = api(web, "AUDITOR_TOKEN").get("/api/audit/entries", params={"limit": 1000}).json()
    seen = {(e["actor"], e["kind"]) for e in entries}
    assert ("sup.hou", "requests.listed") in seen
    assert ("aud.okafor", "oversight.query") in seen
    assert ("ofc.garcia", "access.refused") in seen


def test_logout_ends_the_session(web: Any) -> None:
    client = signed_in(web, "hq.chen")
    token = csrf_of(client.get("/hq").text)
    r = client.post("/logout", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/hq").status_code == 303


def test_the_login_form_shares_the_lockout(web: Any) -> None:
    """The form calls the same throttled login as the API: after five wrong passwords the
    account is locked, and even the right password is refused with Retry-After."""
    client = httpx.Client(base_url=web.base)

    def attempt(password: str) -> httpx.Response:
        form = client.get("/login")
        return client.post("/login", data={"username": "fod.elp", "password": password,
                                            "csrf_token": csrf_of(form.text)})

    assert [attempt("wrong").status_code for _ in range(5)] == [401] * 5
    locked = attempt("demo-fod.elp")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert 'role="alert"' in locked.text and "discretion_session" not in locked.cookies
    admin = api(web, "ADMIN_TOKEN")
    assert admin.post("/api/users/fod.elp/unlock").status_code in (200, 204)
    assert attempt("demo-fod.elp").status_code == 303


def test_headquarters_decides_an_overdue_request_on_its_page(tmp_path: Any) -> None:
    """A request whose deadline passed is escalated as overdue; headquarters then finds it on
    its page with a link, and the request page offers HQ the decision form (and only then)."""
    import datetime as dt

    from _support import Server
    from discretion.store import Database
    from discretion.workflow.demo import seed
    from discretion.workflow.roles import SYSTEM

    url = f"sqlite:///{tmp_path / 'overdue.sqlite'}"
    Database(url).migrate()
    server = Server(url, tmp_path)
    try:
        server.tokens = seed(server.workflow())["tokens"]  # type: ignore[attr-defined]
        case = json.loads((EXAMPLES / "seed-minor-victim.json").read_text())
        made = api(server, "OFFICER_TOKEN").post("/api/requests", json={
            "case": {**case, "id": "overdue-web"}}).json()
        assert made["state"] == "awaiting_judgement"
        hq = signed_in(server, "hq.chen")
        page = hq.get(f"/requests/{made['id']}")
        assert page.status_code == 200 and "/decision" not in page.text  # not yet overdue
        due = dt.datetime.fromisoformat(made["due_at"].replace("Z", "+00:00"))
        server.workflow().escalate_overdue(SYSTEM, now=due + dt.timedelta(seconds=1))
        listing = hq.get("/hq").text
        assert f'href="/requests/{made["id"]}">Open and decide' in listing
        page = hq.get(f"/requests/{made['id']}")
        assert f'action="/requests/{made["id"]}/decision"' in page.text
        r = hq.post(f"/requests/{made['id']}/decision", data={
            "csrf_token": csrf_of(page.text), "outcome": "approve",
            "reason_code": "threat_determined", "reason": "Deadline passed; the threat is clear.",
            "expected_version": re.search(r'name="expected_version" value="(\d+)"', page.text)[1]})
        assert r.status_code == 303, r.text
        decided = api(server, "HQ_TOKEN").get(f"/api/requests/{made['id']}").json()
        assert decided["state"] == "approved" and decided["decision"]["by"] == "hq.chen"
    finally:
        server.stop()
