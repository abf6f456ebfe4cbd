"""printable cards: card_batch (print runs), card.batch_id, outbox_message.attachments

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'card_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('operator_id', sa.Integer(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('api_key_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('downloads', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id']),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['operator_id'], ['operator.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('operator_id', 'idempotency_key', name='uq_card_batch_operator_idempotency_key'),
    )
    op.create_index(op.f('ix_card_batch_operator_id'), 'card_batch', ['operator_id'], unique=False)
    # No table copy (SQLite's batch mode would rebuild `card`, which the ledger's rows
    # reference): SQLite adds a column with its REFERENCES in place, PostgreSQL adds both.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE card ADD COLUMN batch_id INTEGER REFERENCES card_batch (id)')
    else:
        op.add_column('card', sa.Column('batch_id', sa.Integer(), nullable=True))
        op.create_foreign_key('card_batch_id_fkey', 'card', 'card_batch', ['batch_id'], ['id'])
    op.create_index('ix_card_batch', 'card', ['batch_id', 'id'], unique=False)
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('attachments')
    op.drop_index('ix_card_batch', table_name='card')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE card DROP COLUMN batch_id')
    else:
        op.drop_constraint('card_batch_id_fkey', 'card', type_='foreignkey')
        op.drop_column('card', 'batch_id')
    op.drop_index(op.f('ix_card_batch_operator_id'), table_name='card_batch')
    op.drop_table('card_batch')
