"""languages: the network's default (operator.default_language) and each card's
(card.language, its emails' language)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 10:00:00

Existing networks and cards are English.
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('operator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_language', sa.String(length=2), server_default='en', nullable=False))
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), server_default='en', nullable=False))


def downgrade() -> None:
    op.drop_column('card', 'language')
    op.drop_column('operator', 'default_language')
