"""order language: the shopper's language on a shop order (shop_order.language), so the
order's cards send their emails in the language the shop was shown in

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 23:40:00

Existing orders read English (their cards were issued before languages existed).
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), server_default='en', nullable=False))


def downgrade() -> None:
    op.drop_column('shop_order', 'language')
