"""Login throttling and lockout, token expiry and revocation, session idle timeout and
revocation: over real HTTP against a uvicorn server, on SQLite and PostgreSQL.

Time is moved by writing timestamps into the database (a lockout's end, a token's expiry,
a session's last use), never by sleeping. Client addresses are set with X-Forwarded-For,
which uvicorn honours from its default trusted proxy, 127.0.0.1: each test fails from its
own address so the per-address throttle of one does not leak into another.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from _support import Server
from conftest import ROOT
from discretion.store import Database


def _login(api: Any, username: str, password: str, address: str) -> httpx.Response:
    return httpx.post(api.base + "/api/session", json={"username": username, "password": password},
                      headers={"X-Forwarded-For": address})


def _sql(api: Any, statement: str, **params: Any) -> list[Any]:
    db = Database(api.url)
    try:
        with db.transaction() as session:
            result = session.execute(text(statement), params)
            return list(result) if result.returns_rows else []
    finally:
        db.dispose()


def _audit(api: Any, subject: str) -> list[tuple[str, dict[str, Any]]]:
    rows = _sql(api, "SELECT kind, payload FROM audit_entries WHERE subject = :s ORDER BY seq", s=subject)
    return [(kind, json.loads(payload)) for kind, payload in rows]


def _ago(minutes: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)


# -- lockout and throttle ------------------------------------------------------------------------

def test_five_failures_lock_the_username_until_an_admin_unlocks(api: Any) -> None:
    where = "198.51.100.1"
    for attempt in range(5):
        wrong = _login(api, "ofc2.hou", f"guess-{attempt}", where)
        assert wrong.status_code == 401, wrong.text
    right = _login(api, "ofc2.hou", "pw-ofc2.hou", where)
    assert right.status_code == 429, "the right password must not get in while locked"
    assert right.headers["content-type"] == "application/problem+json"
    assert 880 <= int(right.headers["retry-after"]) <= 900
    assert "locked" in right.json()["detail"] and right.json()["errors"][0]["field"] == "username"
    assert "discretion_session" not in right.cookies

    log = _audit(api, "user/ofc2.hou")
    kinds = [k for k, _ in log]
    assert kinds.count("session.login_failed") == 5 and "session.locked" in kinds
    assert kinds[-1] == "session.login_refused"
    assert not any("guess-" in json.dumps(p) or "pw-ofc2" in json.dumps(p) for _, p in log)

    unlock = api.client("adm.root").post("/api/users/ofc2.hou/unlock")
    assert unlock.status_code == 200 and unlock.json()["was_locked"] is True
    assert _login(api, "ofc2.hou", "pw-ofc2.hou", where).status_code == 200
    assert _audit(api, "user/ofc2.hou")[-2][0] == "session.unlocked"


def test_a_lockout_holds_across_a_restart_and_ends_on_time(api: Any, tmp_path_factory: Any) -> None:
    where = "198.51.100.2"
    for _ in range(5):
        assert _login(api, "sup.hou", "nope-nope", where).status_code == 401
    other = Server(api.url, tmp_path_factory.mktemp("restart"))  # a second process, same database
    try:
        again = httpx.post(other.base + "/api/session", json={"username": "sup.hou",
                           "password": "pw-sup.hou"}, headers={"X-Forwarded-For": "198.51.100.3"})
        assert again.status_code == 429, "the lockout is in the database, not in one process"
    finally:
        other.stop()
    _sql(api, "UPDATE login_lockouts SET until = :t WHERE username = 'sup.hou'", t=_ago(1))
    assert _login(api, "sup.hou", "pw-sup.hou", where).status_code == 200


def test_an_unknown_username_locks_like_a_real_one(api: Any) -> None:
    where = "198.51.100.4"
    answers = [_login(api, "no.such.user", "whatever1", where).status_code for _ in range(6)]
    assert answers == [401] * 5 + [429], "a lockout must not reveal whether the account exists"


def test_failures_spread_over_usernames_throttle_the_address(api: Any) -> None:
    where = "198.51.100.5"
    for n in range(20):
        assert _login(api, f"spray.{n}", "password1", where).status_code == 401
    refused = _login(api, "ofc.hou", "pw-ofc.hou", where)
    assert refused.status_code == 429 and "address" in refused.json()["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 900
    assert _login(api, "ofc.hou", "pw-ofc.hou", "198.51.100.6").status_code == 200


def test_a_success_clears_earlier_failures(api: Any) -> None:
    where = "198.51.100.7"
    for _ in range(4):
        assert _login(api, "ofc.dal", "wrong-pass", where).status_code == 401
    assert _login(api, "ofc.dal", "pw-ofc.dal", where).status_code == 200
    for _ in range(4):
        assert _login(api, "ofc.dal", "wrong-pass", where).status_code == 401
    assert _login(api, "ofc.dal", "pw-ofc.dal", where).status_code == 200


def test_unlock_is_for_admins_only(api: Any) -> None:
    for username in ("ofc.hou", "sup.hou", "hq.review", "aud.oig"):
        assert api.client(username).post("/api/users/ofc.hou/unlock").status_code == 403


# -- API tokens ----------------------------------------------------------------------------------

def _new_token(api: Any, username: str, **body: Any) -> dict[str, Any]:
    made = api.client("adm.root").post(f"/api/users/{username}/tokens", json={"label": "t", **body})
    assert made.status_code == 201, made.text
    return dict(made.json())


def _me(api: Any, token: str) -> httpx.Response:
    return httpx.get(api.base + "/api/me", headers={"Authorization": f"Bearer {token}"})


def test_tokens_expire(api: Any) -> None:
    made = _new_token(api, "hq.review", expires_days=1)
    expires = dt.datetime.fromisoformat(made["expires_at"].replace("Z", "+00:00"))
    assert dt.timedelta(hours=23) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=1)
    default = _new_token(api, "hq.review")
    assert dt.datetime.fromisoformat(default["expires_at"].replace("Z", "+00:00")) - expires > \
        dt.timedelta(days=88)
    assert _me(api, made["token"]).status_code == 200  # verified once: now in the cache
    _sql(api, "UPDATE api_tokens SET expires_at = :t WHERE id = :i", t=_ago(1), i=made["id"])
    expired = _me(api, made["token"])
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    assert _me(api, default["token"]).status_code == 200


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_a_token_lifetime_out_of_range_is_refused(api: Any, days: int) -> None:
    bad = api.client("adm.root").post("/api/users/hq.review/tokens", json={"expires_days": days})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "expires_days"


def test_revoked_tokens_are_refused_at_once_and_listed_without_secrets(api: Any) -> None:
    made = _new_token(api, "aud.oig")
    assert _me(api, made["token"]).status_code == 200
    listed = api.client("adm.root").get("/api/users/aud.oig/tokens")
    assert listed.status_code == 200
    assert made["id"] in [t["id"] for t in listed.json()]
    secret = made["token"].split("_", 2)[2]
    assert secret not in listed.text and "secret" not in listed.text and "$argon2" not in listed.text

    gone = api.client("adm.root").delete(f"/api/users/aud.oig/tokens/{made['id']}")
    assert gone.status_code == 200 and gone.json()["state"] == "revoked"
    assert _me(api, made["token"]).status_code == 401
    states = {t["id"]: t["state"] for t in api.client("adm.root").get("/api/users/aud.oig/tokens").json()}
    assert states[made["id"]] == "revoked"
    missing = api.client("adm.root").delete("/api/users/aud.oig/tokens/0000000000000000")
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "token_id"


def test_only_an_admin_or_the_owner_sees_or_revokes_tokens(api: Any) -> None:
    made = _new_token(api, "ofc.dal")
    officer = api.client("ofc.hou")
    assert officer.get("/api/users/ofc.dal/tokens").status_code == 403
    assert officer.delete(f"/api/users/ofc.dal/tokens/{made['id']}").status_code == 403
    assert _me(api, made["token"]).status_code == 200
    own = httpx.delete(f"{api.base}/api/users/ofc.dal/tokens/{made['id']}",
                       headers={"Authorization": f"Bearer {made['token']}"})
    assert own.status_code == 200 and _me(api, made["token"]).status_code == 401


# -- web sessions --------------------------------------------------------------------------------

def _session(api: Any, username: str, address: str) -> httpx.Client:
    client = httpx.Client(base_url=api.base, headers={"X-Forwarded-For": address})
    logged = client.post("/api/session", json={"username": username, "password": f"pw-{username}"})
    assert logged.status_code == 200, logged.text
    return client


def _session_rows(api: Any, username: str) -> list[Any]:
    return _sql(api, "SELECT s.id, s.last_seen_at FROM web_sessions s JOIN users u ON u.id = s.user_id "
                "WHERE u.username = :u", u=username)


def test_an_idle_session_ends_and_a_used_one_stays(api: Any) -> None:
    client = _session(api, "fod.dal", "198.51.100.8")
    assert client.get("/api/me").status_code == 200
    _sql(api, "UPDATE web_sessions SET last_seen_at = :t", t=_ago(29))
    assert client.get("/api/me").status_code == 200  # used within the idle timeout: recorded
    (row,) = [r for r in _session_rows(api, "fod.dal")]
    seen = row[1] if isinstance(row[1], dt.datetime) else dt.datetime.fromisoformat(str(row[1]))
    assert seen.replace(tzinfo=dt.UTC) > dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    _sql(api, "UPDATE web_sessions SET last_seen_at = :t", t=_ago(31))
    idle = client.get("/api/me")
    assert idle.status_code == 401 and "idle" in idle.json()["detail"]


def test_a_session_ends_at_its_absolute_lifetime(api: Any) -> None:
    client = _session(api, "fod.hou", "198.51.100.9")
    assert client.get("/api/me").status_code == 200
    _sql(api, "UPDATE web_sessions SET expires_at = :t WHERE id IN (SELECT s.id FROM web_sessions s "
         "JOIN users u ON u.id = s.user_id WHERE u.username = 'fod.hou')", t=_ago(1))
    assert client.get("/api/me").status_code == 401


def test_logout_ends_the_session(api: Any) -> None:
    client = _session(api, "hq.review", "198.51.100.10")
    cookie = client.cookies["discretion_session"]
    assert client.delete("/api/session").status_code == 204
    replay = httpx.get(api.base + "/api/me", cookies={"discretion_session": cookie})
    assert replay.status_code == 401


def test_disabling_a_user_or_setting_a_password_revokes_everything(api: Any) -> None:
    admin = api.client("adm.root")
    made = admin.post("/api/users", json={"username": "leaver", "role": "officer", "office": "HOU",
                                          "password": "pw-leaver"}).json()
    client = _session(api, "leaver", "198.51.100.11")
    assert client.get("/api/me").status_code == 200 and _me(api, made["token"]).status_code == 200
    off = admin.patch("/api/users/leaver", json={"active": False})
    assert off.status_code == 200 and off.json()["tokens_revoked"] == 1 and off.json()["sessions_ended"] == 1
    assert client.get("/api/me").status_code == 401 and _me(api, made["token"]).status_code == 401
    assert _login(api, "leaver", "pw-leaver", "198.51.100.11").status_code == 401

    assert admin.patch("/api/users/leaver", json={"active": True}).status_code == 200
    assert _me(api, made["token"]).status_code == 401, "re-enabling does not revive old tokens"
    client = _session(api, "leaver", "198.51.100.11")
    fresh = _new_token(api, "leaver")
    reset = admin.patch("/api/users/leaver", json={"password": "a-new-password"})
    assert reset.status_code == 200 and reset.json()["sessions_ended"] == 1
    assert client.get("/api/me").status_code == 401 and _me(api, fresh["token"]).status_code == 401
    assert _login(api, "leaver", "a-new-password", "198.51.100.11").status_code == 200
    short = admin.patch("/api/users/leaver", json={"password": "short"})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "password"


# -- the CLI -------------------------------------------------------------------------------------

def test_cli_issues_lists_revokes_and_unlocks(api: Any) -> None:
    env = {**api.env, "COLUMNS": "200", "NO_COLOR": "1"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "discretion.cli", "users", *args],
                              capture_output=True, text=True, env=env, cwd=ROOT)
    issued = cli("token", "aud.oig", "--label", "cli", "--expires-days", "7")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip().splitlines()[-1]
    assert _me(api, token).status_code == 200
    listed = json.loads(cli("tokens", "aud.oig", "--json").stdout)
    (mine,) = [t for t in listed if t["label"] == "cli"]
    assert token.split("_", 2)[2] not in json.dumps(listed)
    assert cli("revoke", "aud.oig", mine["id"]).returncode == 0
    assert _me(api, token).status_code == 401
    assert cli("revoke", "aud.oig", "ffffffffffffffff").returncode == 1
    assert cli("token", "aud.oig", "--expires-days", "0").returncode == 2

    for _ in range(5):
        _login(api, "aud.oig", "not-it-at-all", "198.51.100.12")
    assert _login(api, "aud.oig", "pw-aud.oig", "198.51.100.12").status_code == 429
    unlocked = cli("unlock", "aud.oig")
    assert unlocked.returncode == 0 and "unlocked" in unlocked.stdout
    assert _login(api, "aud.oig", "pw-aud.oig", "198.51.100.12").status_code == 200
