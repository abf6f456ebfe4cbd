"""covering indexes for dashboard figures

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 14:30:53.604439
"""

from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.create_index('ix_card_operator_balance', ['operator_id', 'balance_cents'], unique=False)
        batch_op.create_index('ix_card_operator_opened', ['operator_id', 'created_at', 'balance_cents'], unique=False)

    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_operator_created'))
        batch_op.create_index('ix_ledger_operator_period', ['operator_id', 'created_at', 'kind', 'location_id', 'amount_cents'], unique=False)
        batch_op.create_index('ix_ledger_operator_id', ['operator_id', 'id'], unique=False)

    with op.batch_alter_table('pos_payment', schema=None) as batch_op:
        batch_op.create_index('ix_pos_payment_operator', ['operator_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pos_payment', schema=None) as batch_op:
        batch_op.drop_index('ix_pos_payment_operator')

    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_operator_id')
        batch_op.drop_index('ix_ledger_operator_period')
        batch_op.create_index(batch_op.f('ix_ledger_operator_created'), ['operator_id', 'created_at'], unique=False)

    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_index('ix_card_operator_opened')
        batch_op.drop_index('ix_card_operator_balance')

