"""indexes for the Cards filters (status, channel) and a location's money (unpaid redemptions, payout lines)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 17:25:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

UNPAID = "payout_batch_id IS NULL AND status = 'completed'"


def upgrade() -> None:
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.create_index('ix_card_operator_status', ['operator_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_card_operator_channel', ['operator_id', 'channel', 'id'], unique=False)
    op.create_index('ix_redemption_location_unpaid', 'redemption', ['location_id', 'created_at', 'amount_cents'],
                    unique=False, sqlite_where=sa.text(UNPAID), postgresql_where=sa.text(UNPAID))
    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.drop_index('ix_payout_line_location')
        batch_op.create_index('ix_payout_line_location', ['location_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.drop_index('ix_payout_line_location')
        batch_op.create_index('ix_payout_line_location', ['location_id'], unique=False)
    op.drop_index('ix_redemption_location_unpaid', table_name='redemption')
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_index('ix_card_operator_channel')
        batch_op.drop_index('ix_card_operator_status')
