"""The Alembic migrations build exactly the schema the models describe, on SQLite and
PostgreSQL, and running them twice changes nothing."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from discretion.store import Database
from discretion.store.models import Base


def test_migrations_match_the_models(db: Database) -> None:
    db.migrate()  # a second time: nothing to do
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        head = conn.execute(text("SELECT size, frontier FROM audit_head WHERE id = 1")).one()
    assert diff == [], diff
    assert head.size == 0 and bytes(head.frontier) == b""
