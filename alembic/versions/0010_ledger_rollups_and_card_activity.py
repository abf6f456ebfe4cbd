"""ledger rollups and card activity

Pre-aggregated ledger figures, folded off the write path by id (app/services/reporting/rollups.py):
per operator a watermark and time zone, counts and sums per local day and month, kind,
channel, location and device, and per card its folded balance, loaded value and last movement.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 15:57:48.159631
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_rollup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('grain', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('entries', sa.BigInteger(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], name='fk_ledger_rollup_operator'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('operator_id', 'grain', 'day', 'kind', 'channel', 'location_id', 'device_id', name='uq_ledger_rollup_bucket')
    )
    op.create_table('ledger_rollup_state',
    sa.Column('operator_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('last_ledger_id', sa.BigInteger(), nullable=False),
    sa.Column('folded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], name='fk_ledger_rollup_state_operator'),
    sa.PrimaryKeyConstraint('operator_id')
    )
    op.create_table('card_activity',
    sa.Column('card_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('card_created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('balance_cents', sa.BigInteger(), nullable=False),
    sa.Column('loaded_cents', sa.BigInteger(), nullable=False),
    sa.Column('last_activity_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['card.id'], name='fk_card_activity_card'),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], name='fk_card_activity_operator'),
    sa.PrimaryKeyConstraint('card_id')
    )
    with op.batch_alter_table('card_activity', schema=None) as batch_op:
        batch_op.create_index('ix_card_activity_operator_card', ['operator_id', 'card_id', 'last_activity_at', 'balance_cents'], unique=False)
        batch_op.create_index('ix_card_activity_operator_issued', ['operator_id', 'card_created_at', 'loaded_cents'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('card_activity', schema=None) as batch_op:
        batch_op.drop_index('ix_card_activity_operator_issued')
        batch_op.drop_index('ix_card_activity_operator_card')

    op.drop_table('card_activity')
    op.drop_table('ledger_rollup_state')
    op.drop_table('ledger_rollup')
