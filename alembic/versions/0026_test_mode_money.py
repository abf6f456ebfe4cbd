"""test mode money: cards paid through a gateway in test mode (card.is_test) and the
locations where such cards may be tried (location.is_test)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 00:00:00

Existing cards and locations are real (false). A test card redeems only at a test
location, and its redemptions are never paid out.
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy on SQLite): a copied `card` table would turn its
    # batch_id foreign key into a table constraint that 0020's downgrade cannot drop.
    op.add_column('card', sa.Column('is_test', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('location', sa.Column('is_test', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column('location', 'is_test')
    op.drop_column('card', 'is_test')
