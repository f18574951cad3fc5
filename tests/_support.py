"""Shared fixtures for the workflow, audit and API tests: real databases, fresh each time.

SQLite: a file in the test's temporary directory. PostgreSQL: the local server
(``DISCRETION_TEST_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``);
the session creates its own database, each test its own schema in it, and both are
dropped at the end, so runs repeat on a clean machine. Import the fixtures by name.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from discretion.audit.log import Signer
from discretion.store import Database

PG_ADMIN = os.environ.get("DISCRETION_TEST_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database for this test session, dropped at its end."""
    name = f"discretion_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - a machine without the server
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN} ({exc}); start it with "
                    "scripts/ensure-postgres.sh")
    yield make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fresh_url(backend: str, tmp_path: Path, pg_database: str | None) -> tuple[str, str | None]:
    """A URL to an empty database; for PostgreSQL also the schema to drop afterwards."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'discretion.sqlite'}", None
    assert pg_database is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in pg_database else "?"
    return f"{pg_database}{sep}options={quote(f'-csearch_path={schema}')}", schema


def drop_schema(pg_database: str, schema: str) -> None:
    engine = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    pg = request.getfixturevalue("pg_database") if backend == "postgresql" else None
    url, schema = fresh_url(backend, tmp_path, pg)
    yield url
    if schema is not None and pg is not None:
        drop_schema(pg, schema)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate(), "test.local/audit")


# -- a workflow with offices and one user of each kind ------------------------------------------

USERS = [  # username, role, office
    ("ofc.hou", "officer", "HOU"), ("ofc2.hou", "officer", "HOU"), ("fod.hou", "supervisor", "HOU"),
    ("sup.hou", "supervisor", "HOU"), ("ofc.dal", "officer", "DAL"), ("fod.dal", "supervisor", "DAL"),
    ("hq.review", "hq", None), ("aud.oig", "auditor", None), ("adm.root", "admin", None),
    ("an.lyst", "analyst", None),
]


def populate(workflow: Any, tokens: bool = False) -> dict[str, Any]:
    """Offices HOU and DAL with their directors, and the users above; returns principals
    (and tokens, when asked) by username."""
    from discretion.workflow.roles import Principal

    workflow.add_office("HOU", "Houston", "fod.hou")
    workflow.add_office("DAL", "Dallas", "fod.dal")
    people: dict[str, Any] = {}
    for username, role, office in USERS:
        made = workflow.add_user(username, role, office, password=f"pw-{username}" if tokens else None,
                                 token=tokens)
        people[username] = Principal(username, role, office, made["id"])
        if tokens:
            people[f"{username}:token"] = made["token"]
    return people


@pytest.fixture
def workflow(db: Database, signer: Signer) -> Any:
    from discretion.workflow.service import Workflow

    return Workflow(db, signer)


@pytest.fixture
def people(workflow: Any) -> dict[str, Any]:
    return populate(workflow)


# -- a real API server (uvicorn in a subprocess) -------------------------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``uvicorn`` serving the API on a free port, on its own database and signing key."""

    def __init__(self, url: str, home: Path, workers: int = 1, env: dict[str, str] | None = None):
        import subprocess
        import sys

        from cryptography.hazmat.primitives import serialization

        self.url, self.home = url, home
        key = home / "signing-key.pem"
        if not key.exists():
            key.write_bytes(Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        self.env = {**os.environ, "DISCRETION_DATABASE_URL": url, "DISCRETION_DATA_DIR": str(home),
                    "DISCRETION_SIGNING_KEY_FILE": str(key), **(env or {})}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (home / f"server-{self.port}.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "discretion.api.server:app",
             "--port", str(self.port), "--workers", str(workers), "--log-level", "warning"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self) -> None:
        import time

        import httpx

        while True:  # no wall-clock limit: the server either answers or exits
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {(self.home / self.log.name).read_text()}")
            try:
                if httpx.get(self.base + "/api/health").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)

    def workflow(self) -> Any:
        from discretion.audit.keys import load_signing_key
        from discretion.workflow.service import Workflow

        old = os.environ.get("DISCRETION_SIGNING_KEY_FILE")
        os.environ["DISCRETION_SIGNING_KEY_FILE"] = self.env["DISCRETION_SIGNING_KEY_FILE"]
        try:
            return Workflow(Database(self.url), Signer(load_signing_key(create=False)))
        finally:
            if old is None:
                os.environ.pop("DISCRETION_SIGNING_KEY_FILE")
            else:
                os.environ["DISCRETION_SIGNING_KEY_FILE"] = old

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A running API server with the users of :data:`USERS` (passwords ``pw-<username>``),
    their tokens in ``api.people``, and ``api.client(username)`` for an httpx client."""
    import httpx

    home = tmp_path_factory.mktemp(f"api-{request.param}")
    pg = request.getfixturevalue("pg_database") if request.param == "postgresql" else None
    url, schema = fresh_url(request.param, home, pg)
    database = Database(url)
    database.migrate()
    database.dispose()
    server = Server(url, home)
    server.backend = request.param  # type: ignore[attr-defined]
    server.people = populate(server.workflow(), tokens=True)  # type: ignore[attr-defined]

    def client(username: str | None = None) -> httpx.Client:
        headers = ({"Authorization": f"Bearer {server.people[username + ':token']}"}  # type: ignore[attr-defined]
                   if username else {})
        return httpx.Client(base_url=server.base, headers=headers, timeout=None)
    server.client = client  # type: ignore[attr-defined]
    yield server
    server.stop()
    if schema is not None and pg is not None:
        drop_schema(pg, schema)
