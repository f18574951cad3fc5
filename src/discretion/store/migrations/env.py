"""Alembic environment: runs on the connection :meth:`Database.migrate` passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from discretion.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        assert url is not None
        with create_engine(url).begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata)
            context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata)
    context.run_migrations()


run()
