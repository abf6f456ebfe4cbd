"""NACHA prenotes: the operator's choice to send them, and each prenote sent

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite has ADD/DROP COLUMN): a batch copy of `operator` would trip the foreign keys.
    op.add_column('operator', sa.Column('nacha_prenotes', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'prenote',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('operator_id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('routing_number', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column('account_number_encrypted', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('account_last4', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column('account_type', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('settlement_date', sa.Date(), nullable=False),
        sa.Column('payable_from', sa.Date(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['payout_batch.id']),
        sa.ForeignKeyConstraint(['location_id'], ['location.id']),
        sa.ForeignKeyConstraint(['operator_id'], ['operator.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_prenote_location', 'prenote', ['location_id', 'id'], unique=False)
    op.create_index('ix_prenote_batch', 'prenote', ['batch_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_prenote_batch', table_name='prenote')
    op.drop_index('ix_prenote_location', table_name='prenote')
    op.drop_table('prenote')
    op.drop_column('operator', 'nacha_prenotes')
