"""The operations CLI as a newcomer runs it, in fresh processes: seed the demo, submit the
minor-victim example as an officer, deny it as a supervisor, see it flagged and escalated;
``audit verify`` passes, then fails naming the entry after one byte of an audit row is
changed. On SQLite (the default) and PostgreSQL (``DISCRETION_DATABASE_URL``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from conftest import EXAMPLES, ROOT
from discretion.store import Database


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Any:
    env = {**os.environ, "DISCRETION_DATA_DIR": str(tmp_path / "var"),
           "DISCRETION_DATABASE_URL": db_url, "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("DISCRETION_SIGNING_KEY_FILE", None)
    env.pop("DISCRETION_TOKEN", None)

    def run(*args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
        extra = {"DISCRETION_TOKEN": token} if token else {}
        return subprocess.run([sys.executable, "-m", "discretion.cli", *args], capture_output=True,
                              text=True, env={**env, **extra}, cwd=ROOT)
    run.home = tmp_path / "var"  # type: ignore[attr-defined]
    return run


def _tokens(home: Path) -> dict[str, str]:
    lines = (home / "demo-tokens.env").read_text().splitlines()
    assert oct((home / "demo-tokens.env").stat().st_mode & 0o777) == "0o600"
    return dict(line.removeprefix("export ").split("=", 1) for line in lines)


def test_newcomer_walkthrough(cli: Any, db_url: str) -> None:
    seeded = cli("demo", "seed")
    assert seeded.returncode == 0, seeded.stderr
    for state in ("cleared", "awaiting_approval", "awaiting_judgement", "returned", "approved",
                  "denied"):
        assert state in seeded.stdout
    tokens = _tokens(cli.home)
    again = cli("demo", "seed")
    assert again.returncode != 0 and "already has users" in again.stderr

    sub = cli("request", "submit", str(EXAMPLES / "seed-minor-victim.json"), "--json",
              token=tokens["OFFICER_TOKEN"])
    assert sub.returncode == 0, sub.stderr
    req = json.loads(sub.stdout)
    assert req["state"] == "awaiting_judgement" and req["recommendation"] == "approve"

    rid = str(req["id"])
    no_reason = cli("request", "decide", rid, "--outcome", "deny", "--reason-code",
                    "mitigating_factors", "--reason", "Old conviction.",
                    token=tokens["SUPERVISOR_TOKEN"])
    assert no_reason.returncode == 2 and "justification" in no_reason.stderr
    officer_tries = cli("request", "decide", rid, "--outcome", "deny", "--reason-code",
                        "mitigating_factors", "--reason", "Old conviction.", "--justification",
                        "Nine years without an offence.", token=tokens["OFFICER_TOKEN"])
    assert officer_tries.returncode == 1 and "forbidden" in officer_tries.stderr
    denied = cli("request", "decide", rid, "--outcome", "deny", "--reason-code",
                 "mitigating_factors", "--reason", "Old conviction, no offence since release.",
                 "--justification", "Nine years without an offence; stable work.",
                 token=tokens["SUPERVISOR_TOKEN"])
    assert denied.returncode == 0, denied.stderr
    assert "FLAGGED" in denied.stdout and "Escalated to HQ (against_recommendation)" in denied.stdout

    shown = cli("request", "show", rid, "--json", token=tokens["HQ_TOKEN"])
    view = json.loads(shown.stdout)
    assert view["state"] == "denied" and view["flagged"] and view["escalated"]
    assert [h["to"] for h in view["history"]] == ["awaiting_judgement", "denied"]
    hidden = cli("request", "show", rid, token=tokens["DAL_OFFICER_TOKEN"])
    assert hidden.returncode == 1 and "not found" in hidden.stderr

    ok = cli("audit", "verify")
    assert ok.returncode == 0 and ok.stdout.startswith("OK"), ok.stderr
    export = cli("audit", "export", token=tokens["AUDITOR_TOKEN"])
    lines = [json.loads(x) for x in export.stdout.splitlines()]
    assert "key" in lines[0] and any("checkpoint" in x for x in lines)
    assert "1984-02-11" not in export.stdout, "the log holds no case facts"
    assert cli("audit", "export", token=tokens["OFFICER_TOKEN"]).returncode == 1

    db = Database(db_url)
    with db.engine.begin() as conn:  # one byte of one audit row
        payload = conn.execute(text("SELECT payload FROM audit_entries WHERE seq = 40")).scalar_one()
        i = payload.index(":") + 1
        changed = payload[:i] + ("1" if payload[i] != "1" else "2") + payload[i + 1:]
        conn.execute(text("UPDATE audit_entries SET payload = :p WHERE seq = 40"), {"p": changed})
    db.dispose()
    bad = cli("audit", "verify")
    assert bad.returncode == 1 and "first bad entry: 40" in bad.stderr


def test_users_add_and_bad_input(cli: Any) -> None:
    assert cli("offices", "add", "SEA", "Seattle").returncode == 0
    made = cli("users", "add", "ofc.lee", "--role", "officer", "--office", "SEA")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("dsc_")
    bad_role = cli("users", "add", "x.y", "--role", "king")
    assert bad_role.returncode == 2 and "role" in bad_role.stderr
    no_office = cli("users", "add", "x.z", "--role", "officer", "--office", "ZZZ")
    assert no_office.returncode == 2 and "office" in no_office.stderr
    missing = cli("request", "submit", "nope.json", token=token)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    broken = json.loads((EXAMPLES / "seed-minor-victim.json").read_text())
    broken["person"]["birth_date"] = "11/02/1984"
    path = cli.home / "broken.json"
    path.write_text(json.dumps(broken))
    bad_case = cli("request", "submit", str(path), "--office", "SEA", token=token)
    assert bad_case.returncode == 2 and "case.person.birth_date" in bad_case.stderr
    assert cli("request", "show", "1").returncode == 2  # no token
    assert cli("request", "show", "1", token="dsc_x_y").returncode == 2
