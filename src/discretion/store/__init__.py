"""Persistence: SQLAlchemy models, the database handle and Alembic migrations.

SQLite (a file in the data directory) is the default; ``DISCRETION_DATABASE_URL``
selects another database, e.g. ``postgresql+psycopg://user@host/db``.
"""

from .db import Database, data_dir, database_url

__all__ = ["Database", "data_dir", "database_url"]
