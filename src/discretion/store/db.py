"""The database handle: engine set-up, write transactions and migrations.

Write transactions are the unit of durability: a state change and the audit
entries that record it commit together or not at all. On SQLite the file runs in
WAL mode with ``synchronous=FULL`` (every commit is fsynced before it returns) and
every transaction starts with ``BEGIN IMMEDIATE``, so a writer holds the write lock
from its first statement and two writers never deadlock on a lock upgrade. On
PostgreSQL the default ``synchronous_commit=on`` gives the same guarantee.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def data_dir() -> Path:
    """Where local state lives: ``DISCRETION_DATA_DIR``, default ``./var``."""
    return Path(os.environ.get("DISCRETION_DATA_DIR", "var")).resolve()


def database_url() -> str:
    """``DISCRETION_DATABASE_URL``, default a SQLite file in the data directory."""
    url = os.environ.get("DISCRETION_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / 'discretion.sqlite'}"


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get("read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    """One database: an engine, a session factory and the write discipline."""

    def __init__(self, url: str | None = None, *, pool_size: int = 10):
        self.url = url or database_url()
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            path = self.url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 60}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _sqlite_setup(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time; queueing threads of this process on a lock is
        # fairer and faster than letting them poll SQLite's busy handler.
        self._write_lock = threading.Lock() if self.is_sqlite else None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: commits on success, rolls back on any exception."""
        with self._write_lock or nullcontext(), self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only connection: on SQLite a deferred transaction, which takes no write lock
        and sees one consistent snapshot (WAL)."""
        with self.engine.connect() as conn:
            yield conn.execution_options(read_only=True)

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """An ORM session for reads only (no write lock on SQLite); never commits."""
        with self.reading() as conn, Session(bind=conn) as session:
            yield session

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()
