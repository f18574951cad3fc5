"""The database handle: engine set-up, write transactions and migrations.

Write transactions are the unit of durability: a state change and the audit
entries that record it commit together or not at all. On SQLite the file runs in
WAL mode with ``synchronous=FULL`` (every commit is fsynced before it returns) and
every transaction starts with ``BEGIN IMMEDIATE``, so a writer holds the write lock
from its first statement and two writers never deadlock on a lock upgrade. On
PostgreSQL the default ``synchronous_commit=on`` gives the same guarantee.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def data_dir() -> Path:
    """Where local state lives: ``DISCRETION_DATA_DIR``, default ``./var``."""
    return Path(os.environ.get("DISCRETION_DATA_DIR", "var")).resolve()


def database_url() -> str:
    """``DISCRETION_DATABASE_URL``, or the first line of the file named by
    ``DISCRETION_DATABASE_URL_FILE`` (so that a URL with a password can be a mounted secret
    rather than an environment variable); default a SQLite file in the data directory."""
    url = os.environ.get("DISCRETION_DATABASE_URL")
    if url:
        return url
    path = os.environ.get("DISCRETION_DATABASE_URL_FILE")
    if path:
        lines = Path(path).read_text().strip().splitlines()
        if not lines or not lines[0].strip():
            raise ValueError(f"DISCRETION_DATABASE_URL_FILE: {path} is empty")
        return lines[0].strip()
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


class GroupCommit:
    """SQLite's writer, shared by the threads of a process: many transactions, one fsync.

    SQLite has one writer at a time and each durable commit costs an fsync. Threads queue
    for the writer; each runs its unit of work in a SAVEPOINT of one open transaction, and
    the thread that finds nobody queued behind it (or the 64th, or after 20 ms) commits
    for all of them. Every thread returns only once the COMMIT that covers its work has
    returned, so nothing is acknowledged before it is durable; a unit that fails rolls
    back to its savepoint and leaves the others intact; a crash loses only work nobody
    was told about.
    """

    MAX_UNITS = 64
    MAX_SECONDS = 0.02

    def __init__(self, engine: Engine, lock_path: Path | None):
        self.engine = engine
        self.writer = threading.Lock()
        # Between processes (several server workers, the CLI): a file lock held from BEGIN to
        # COMMIT, so a process waits for the other's batch in the kernel, not in SQLite's
        # busy handler, which polls with sleeps of up to 100 ms.
        self.lock_file = open(lock_path, "a+b") if lock_path else None  # noqa: SIM115
        self.cond = threading.Condition()
        self.queued = 0
        self.conn: Connection | None = None
        self.txn: RootTransaction | None = None
        self.epoch = 0  # generation of the open transaction
        self.done = -1  # newest generation committed (or failed)
        self.errors: dict[int, BaseException] = {}
        self.units = 0
        self.started = 0.0
        # called when a batch's COMMIT fails: anything computed from its uncommitted rows
        # (the audit proof cache) must be forgotten
        self.on_failure: list[Callable[[], None]] = []

    @contextmanager
    def unit(self) -> Iterator[Session]:
        with self.cond:
            self.queued += 1
        self.writer.acquire()
        with self.cond:
            self.queued -= 1
        leader = False
        try:
            if self.conn is None:
                if self.lock_file is not None:
                    fcntl.flock(self.lock_file, fcntl.LOCK_EX)
                try:
                    self.conn = self.engine.connect()
                    self.txn = self.conn.begin()
                except BaseException:
                    self._unlock()
                    self.conn = None
                    raise
                self.units, self.started = 0, time.monotonic()
            epoch = self.epoch
            self.units += 1
            session = Session(bind=self.conn, join_transaction_mode="create_savepoint",
                              expire_on_commit=False)
            try:
                with session.begin():
                    yield session
            finally:
                session.close()
        finally:
            leader = self._settle()
            self.writer.release()
        if not leader:
            self._wait(epoch)

    def _settle(self) -> bool:
        """With the writer held: commit if nobody waits or the batch is big or old."""
        if self.conn is None or self.txn is None:
            return True
        if self.queued and self.units < self.MAX_UNITS and (
                time.monotonic() - self.started) < self.MAX_SECONDS:
            return False
        epoch, txn, conn = self.epoch, self.txn, self.conn
        self.conn = self.txn = None
        self.epoch += 1
        error: BaseException | None = None
        try:
            txn.commit()
        except BaseException as exc:  # the batch is lost: every unit in it must hear so
            error = exc
        finally:
            conn.close()
            self._unlock()
        if error is not None:
            for forget in self.on_failure:
                forget()
        with self.cond:
            if error is not None:
                self.errors[epoch] = error
            self.done = epoch
            self.cond.notify_all()
        if error is not None:
            raise error
        return True

    def _unlock(self) -> None:
        if self.lock_file is not None:
            fcntl.flock(self.lock_file, fcntl.LOCK_UN)

    def _wait(self, epoch: int) -> None:
        with self.cond:
            while self.done < epoch:
                self.cond.wait()
            error = self.errors.get(epoch)
        if error is not None:
            raise RuntimeError("the group commit failed; nothing of this unit was saved") from error


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
        # SQLite has one writer at a time: the threads of this process queue for it and share
        # its commits, rather than polling SQLite's busy handler and fsyncing one by one.
        self.group = None
        if self.is_sqlite:
            path = self.url.split("///", 1)[-1]
            file_db = bool(path) and path != ":memory:"
            self.group = GroupCommit(self.engine, Path(path + ".writer") if file_db else None)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: its work is durable when this returns; on any exception it
        is rolled back (on SQLite, to its savepoint in the shared transaction)."""
        if self.group is not None:
            with self.group.unit() as session:
                yield session
            return
        with self.sessions() as session, session.begin():
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
        if self.group is not None and self.group.lock_file is not None:
            self.group.lock_file.close()
