"""payout schedules: the run record that claims each scheduled batch once

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'payout_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('operator_id', sa.Integer(), nullable=False),
        sa.Column('scheduled_on', sa.Date(), nullable=False),
        sa.Column('cutoff_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('frequency', sa.String(length=12), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('total_net_cents', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('skipped', sa.Text(), server_default='[]', nullable=False),
        sa.Column('file_status', sa.String(length=8), nullable=False),
        sa.Column('file_format', sa.String(length=8), nullable=True),
        sa.Column('bank_file_id', sa.Integer(), nullable=True),
        sa.Column('file_error', sa.Text(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('file_written_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['operator_id'], ['operator.id']),
        sa.ForeignKeyConstraint(['batch_id'], ['payout_batch.id']),
        sa.ForeignKeyConstraint(['bank_file_id'], ['bank_file.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('operator_id', 'scheduled_on', name='uq_payout_run_operator_day'),
    )
    op.create_index('ix_payout_run_file_status', 'payout_run', ['file_status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_payout_run_file_status', table_name='payout_run')
    op.drop_table('payout_run')
