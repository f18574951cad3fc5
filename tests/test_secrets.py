"""No secret is committed: every file git tracks is scanned for private keys, API tokens
(ours and common cloud ones), database URLs with a password in them, and password-looking
literals outside the tests. The only passwords in the code are the demo seed's documented
``demo-<username>`` (``discretion demo seed``); the tests' throwaway passwords (``pw-...``)
live only in databases the tests create and drop. Secrets are read at run time from the
environment or from files it names (README "Security")."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pytest

from conftest import ROOT

PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
    "discretion API token": re.compile(r"\bdsc_[0-9a-f]{16}_[A-Za-z0-9_-]{40,}"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "database URL with a password": re.compile(
        r"\b(?:postgres(?:ql)?|mysql)(?:\+\w+)?://[^\s:/@'\"]+:(?!\{|\$|\.\.\.|PASSWORD|password@)[^\s@/'\"]+@"),
}
PASSWORD_LITERAL = re.compile(
    r"""["']?\b(?:password|passwd|secret|api_key|signing_key)["']?\s*[:=]\s*f?["']([^"'\s{}]{6,})["']""",
    re.IGNORECASE)
ALLOWED_PASSWORD = re.compile(r"^demo-")


def tracked_files() -> list[str]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: nothing is committed here to scan")
    return [name for name in listed.stdout.decode().split("\0") if name]


def findings(name: str, content: str) -> list[str]:
    found = [f"{name}: {what}" for what, pattern in PATTERNS.items() if pattern.search(content)]
    if not name.startswith("tests/"):
        for match in PASSWORD_LITERAL.finditer(content):
            if not ALLOWED_PASSWORD.match(match.group(1)):
                found.append(f"{name}: password-looking literal {match.group(0)[:60]!r}")
    return found


def test_no_secret_is_committed() -> None:
    names = tracked_files()
    assert len(names) > 100, "git ls-files listed too little: the scan would prove nothing"
    problems = []
    for name in names:
        path = ROOT / name
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary (compressed samples)
        problems += findings(name, data.decode("utf-8", errors="replace"))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("name", "text"), [
    ("src/x.py", "-----BEGIN " + "PRIVATE KEY-----\nMC4CAQ..."),
    ("tests/x.py", "-----BEGIN OPENSSH " + "PRIVATE KEY-----"),
    ("README.md", "export TOKEN=dsc_" + "0123456789abcdef_" + "A" * 43),
    ("docs/x.md", "DISCRETION_DATABASE_URL=postgresql+psycopg://app:" + "hunter22@db/discretion"),
    ("src/x.py", 'PASSWORD = "' + 'correct-horse"'),
    ("src/x.py", '{"password": "' + 'S3cr3t-value"}'),
    ("scripts/x.sh", "aws=AKIA" + "ABCDEFGHIJKLMNOP"),
])
def test_the_scan_finds_planted_secrets(name: str, text: str) -> None:
    assert findings(name, text), text


@pytest.mark.parametrize(("name", "text"), [
    ("src/discretion/workflow/demo.py", 'password=f"demo-{username}"'),
    ("README.md", "DISCRETION_DATABASE_URL=postgresql+psycopg://user:PASSWORD@host/db"),
    ("README.md", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    ("tests/test_x.py", '{"password": "pw-ofc.hou"}'),
])
def test_the_scan_allows_documented_placeholders(name: str, text: str) -> None:
    assert not findings(name, text), text


def test_local_state_is_ignored_by_git() -> None:
    """The signing key and demo tokens are written under ./var: git must not pick them up."""
    tracked_files()
    for path in ("var/signing-key.pem", "var/demo-tokens.env", "var/discretion.sqlite"):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
        assert ignored.returncode == 0, f"{path} is not ignored by git"


def test_the_database_url_can_come_from_a_file(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A URL with a password is better a mounted file than an environment variable (which
    child processes and crash reports see): the CLI reads it and works on that database."""
    from discretion.store.db import database_url

    secret = tmp_path / "database-url"
    secret.write_text(f"sqlite:///{tmp_path / 'from-file.sqlite'}\n")
    monkeypatch.delenv("DISCRETION_DATABASE_URL", raising=False)
    monkeypatch.setenv("DISCRETION_DATABASE_URL_FILE", str(secret))
    assert database_url() == f"sqlite:///{tmp_path / 'from-file.sqlite'}"
    env = {**os.environ, "DISCRETION_DATA_DIR": str(tmp_path / "var")}
    done = subprocess.run([sys.executable, "-m", "discretion.cli", "db", "upgrade"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "from-file.sqlite").exists() and not (tmp_path / "var" / "discretion.sqlite").exists()
    monkeypatch.setenv("DISCRETION_DATABASE_URL", "sqlite:///elsewhere.sqlite")
    assert database_url() == "sqlite:///elsewhere.sqlite", "the variable itself wins over the file"
    monkeypatch.delenv("DISCRETION_DATABASE_URL")
    secret.write_text("\n")
    with pytest.raises(ValueError, match="is empty"):
        database_url()
