"""screen languages: the languages a network offers (operator.offered_languages), each
dashboard user's own (user.language) and each counter device's own (device.language)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 23:20:00

A user or device without a language of its own reads the network's default; existing
networks offer English and French.
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('operator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offered_languages', sa.String(length=16), server_default='en,fr', nullable=False))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))


def downgrade() -> None:
    op.drop_column('device', 'language')
    op.drop_column('user', 'language')
    op.drop_column('operator', 'offered_languages')
