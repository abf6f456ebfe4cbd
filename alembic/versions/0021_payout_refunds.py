"""refunds a POS made after the counter gave them back to the card: what each payout line
deducted for them (payout_line.refunded_cents)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 10:00:00

Lines written before this revision deducted nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refunded_cents', sa.BigInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    op.drop_column('payout_line', 'refunded_cents')
