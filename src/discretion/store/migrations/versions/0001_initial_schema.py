"""Initial schema: offices, users, tokens, sessions, versioned cases, requests,
assessments, decisions, dissents, escalations, transitions and the audit log.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('audit_checkpoints',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('root', sa.LargeBinary(length=32), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.LargeBinary(length=64), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_audit_checkpoints_size'), 'audit_checkpoints', ['size'], unique=False)
    op.create_table('audit_entries',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('time', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_index('ix_audit_kind', 'audit_entries', ['kind'], unique=False)
    op.create_index('ix_audit_subject', 'audit_entries', ['subject'], unique=False)
    head = op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('frontier', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    assert head is not None
    op.bulk_insert(head, [{'id': 1, 'size': 0, 'last_hash': bytes(32), 'frontier': b''}])
    op.create_table('offices',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('director', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('cases',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('office', sa.String(length=8), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office'], ['offices.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('office', 'external_id')
    )
    op.create_index(op.f('ix_cases_office'), 'cases', ['office'], unique=False)
    op.create_table('users',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('office', sa.String(length=8), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office'], ['offices.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', ID, nullable=False),
    sa.Column('secret_hash', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)
    op.create_table('case_versions',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('case_id', ID, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by', ID, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'version')
    )
    op.create_table('requests',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('case_id', ID, nullable=False),
    sa.Column('case_version', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('office', sa.String(length=8), nullable=False),
    sa.Column('request_date', sa.Date(), nullable=False),
    sa.Column('officer_id', ID, nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('enforcement', sa.String(length=24), nullable=False),
    sa.Column('recommendation', sa.String(length=8), nullable=False),
    sa.Column('assigned_role', sa.String(length=32), nullable=True),
    sa.Column('assigned_to', sa.String(length=64), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['office'], ['offices.code'], ),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_requests_case_id'), 'requests', ['case_id'], unique=False)
    op.create_index(op.f('ix_requests_office'), 'requests', ['office'], unique=False)
    op.create_index(op.f('ix_requests_officer_id'), 'requests', ['officer_id'], unique=False)
    op.create_index(op.f('ix_requests_state'), 'requests', ['state'], unique=False)
    op.create_table('web_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', ID, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_web_sessions_user_id'), 'web_sessions', ['user_id'], unique=False)
    op.create_table('assessments',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('request_id', ID, nullable=False),
    sa.Column('case_version', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.String(length=64), nullable=False),
    sa.Column('policy_hash', sa.String(length=80), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('enforcement', sa.String(length=24), nullable=False),
    sa.Column('priority', sa.String(length=32), nullable=True),
    sa.Column('recommendation', sa.String(length=8), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_assessments_request_id'), 'assessments', ['request_id'], unique=False)
    op.create_table('escalations',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('request_id', ID, nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by', sa.String(length=64), nullable=True),
    sa.Column('finding', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_escalations_request_id'), 'escalations', ['request_id'], unique=False)
    op.create_table('transitions',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('request_id', ID, nullable=False),
    sa.Column('from_state', sa.String(length=24), nullable=True),
    sa.Column('to_state', sa.String(length=24), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_transitions_request_id'), 'transitions', ['request_id'], unique=False)
    op.create_table('assessment_categories',
    sa.Column('assessment_id', ID, nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], ),
    sa.PrimaryKeyConstraint('assessment_id', 'category')
    )
    op.create_index(op.f('ix_assessment_categories_category'), 'assessment_categories', ['category'],
                    unique=False)
    op.create_table('decisions',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('request_id', ID, nullable=False),
    sa.Column('assessment_id', ID, nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('reason_code', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('justification', sa.Text(), nullable=True),
    sa.Column('determination', sa.Text(), nullable=True),
    sa.Column('recommendation', sa.String(length=8), nullable=False),
    sa.Column('against_recommendation', sa.Boolean(), nullable=False),
    sa.Column('office', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id')
    )
    op.create_index(op.f('ix_decisions_office'), 'decisions', ['office'], unique=False)
    op.create_table('dissents',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('request_id', ID, nullable=False),
    sa.Column('decision_id', ID, nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_dissents_request_id'), 'dissents', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_dissents_request_id'), table_name='dissents')
    op.drop_table('dissents')
    op.drop_index(op.f('ix_decisions_office'), table_name='decisions')
    op.drop_table('decisions')
    op.drop_index(op.f('ix_assessment_categories_category'), table_name='assessment_categories')
    op.drop_table('assessment_categories')
    op.drop_index(op.f('ix_transitions_request_id'), table_name='transitions')
    op.drop_table('transitions')
    op.drop_index(op.f('ix_escalations_request_id'), table_name='escalations')
    op.drop_table('escalations')
    op.drop_index(op.f('ix_assessments_request_id'), table_name='assessments')
    op.drop_table('assessments')
    op.drop_index(op.f('ix_web_sessions_user_id'), table_name='web_sessions')
    op.drop_table('web_sessions')
    op.drop_index(op.f('ix_requests_state'), table_name='requests')
    op.drop_index(op.f('ix_requests_officer_id'), table_name='requests')
    op.drop_index(op.f('ix_requests_office'), table_name='requests')
    op.drop_index(op.f('ix_requests_case_id'), table_name='requests')
    op.drop_table('requests')
    op.drop_table('case_versions')
    op.drop_index(op.f('ix_api_tokens_user_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_table('users')
    op.drop_index(op.f('ix_cases_office'), table_name='cases')
    op.drop_table('cases')
    op.drop_table('offices')
    op.drop_table('audit_head')
    op.drop_index('ix_audit_subject', table_name='audit_entries')
    op.drop_index('ix_audit_kind', table_name='audit_entries')
    op.drop_table('audit_entries')
    op.drop_index(op.f('ix_audit_checkpoints_size'), table_name='audit_checkpoints')
    op.drop_table('audit_checkpoints')
