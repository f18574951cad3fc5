"""Login throttling and lockout; API token expiry; web session idle timeout.

Tokens issued before this revision had no expiry: they get one now, the default lifetime
(``DISCRETION_TOKEN_DAYS``, 90 days) counted from the upgrade, rather than living forever.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import datetime as dt
import os

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column('api_tokens', sa.Column('expires_at', WHEN, nullable=True))
    op.add_column('web_sessions', sa.Column('last_seen_at', WHEN, nullable=True))
    op.create_table('login_failures',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', WHEN, nullable=False),
    sa.Column('cleared', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_login_failures_username'), 'login_failures', ['username'], unique=False)
    op.create_index(op.f('ix_login_failures_address'), 'login_failures', ['address'], unique=False)
    op.create_index(op.f('ix_login_failures_at'), 'login_failures', ['at'], unique=False)
    op.create_table('login_lockouts',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('until', WHEN, nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_login_lockouts_username'), 'login_lockouts', ['username'], unique=False)
    days = int(os.environ.get("DISCRETION_TOKEN_DAYS", "90"))
    tokens = sa.table('api_tokens', sa.column('expires_at', WHEN))
    op.execute(tokens.update().where(tokens.c.expires_at.is_(None)).values(
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=days)))


def downgrade() -> None:
    op.drop_index(op.f('ix_login_lockouts_username'), table_name='login_lockouts')
    op.drop_table('login_lockouts')
    op.drop_index(op.f('ix_login_failures_at'), table_name='login_failures')
    op.drop_index(op.f('ix_login_failures_address'), table_name='login_failures')
    op.drop_index(op.f('ix_login_failures_username'), table_name='login_failures')
    op.drop_table('login_failures')
    with op.batch_alter_table('web_sessions') as batch:
        batch.drop_column('last_seen_at')
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_column('expires_at')
