"""A real server for the web tests: uvicorn on a fresh database seeded with the demo
data (users with passwords ``demo-<username>``, requests in every state), and helpers to
sign in over HTTP the way a browser does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from _support import Server, drop_schema, fresh_url
from discretion.store import Database

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "screenshots"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def seeded_server(backend: str, home: Path, pg: str | None) -> Iterator[Any]:
    from discretion.workflow.demo import seed

    url, schema = fresh_url(backend, home, pg)
    database = Database(url)
    database.migrate()
    database.dispose()
    server = Server(url, home)
    server.backend = backend  # type: ignore[attr-defined]
    server.tokens = seed(server.workflow())["tokens"]  # type: ignore[attr-defined]
    yield server
    server.stop()
    if schema is not None and pg is not None:
        drop_schema(pg, schema)


@pytest.fixture(scope="module")
def web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A seeded server on SQLite (module-wide)."""
    yield from seeded_server("sqlite", tmp_path_factory.mktemp("web-sqlite"), None)


def api(server: Any, token_var: str) -> httpx.Client:
    return httpx.Client(base_url=server.base, timeout=None,
                        headers={"Authorization": f"Bearer {server.tokens[token_var]}"})


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF token field"
    return found.group(1)


def signed_in(server: Any, username: str) -> httpx.Client:
    """An httpx client holding a session cookie, signed in through the login form."""
    client = httpx.Client(base_url=server.base, timeout=None, follow_redirects=False)
    form = client.get("/login")
    r = client.post("/login", data={"username": username, "password": f"demo-{username}",
                                    "csrf_token": csrf_of(form.text)})
    assert r.status_code == 303, r.text
    return client
