"""shop orders lines operator shop and gateway settings

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 14:09:01.616937
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('shop_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('buyer_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('buyer_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('gateway', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('attempt_count', sa.Integer(), nullable=False),
    sa.Column('attempt_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('gateway_order_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('gateway_reference', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('gateway_message', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('refunded_cents', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('charging_started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('paid_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('operator_id', 'number', name='uq_shop_order_operator_number')
    )
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.create_index('ix_shop_order_operator', ['operator_id', 'id'], unique=False)

    op.create_table('shop_order_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('for_self', sa.Boolean(), nullable=False),
    sa.Column('recipient_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('recipient_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('delivery_date', sa.Date(), nullable=True),
    sa.Column('target_card_id', sa.Integer(), nullable=True),
    sa.Column('issued_card_id', sa.Integer(), nullable=True),
    sa.Column('refunded_cents', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['issued_card_id'], ['card.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], ),
    sa.ForeignKeyConstraint(['target_card_id'], ['card.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('shop_order_line', schema=None) as batch_op:
        batch_op.create_index('ix_shop_order_line_order', ['order_id', 'position'], unique=False)

    with op.batch_alter_table('operator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shop_settings', sa.Text(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('gateway_settings', sa.Text(), server_default='{}', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('shop_order_line', schema=None) as batch_op:
        batch_op.drop_index('ix_shop_order_line_order')

    op.drop_table('shop_order_line')
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.drop_index('ix_shop_order_operator')

    op.drop_table('shop_order')

    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+) instead of batch mode's copy-and-drop of the
    # operator table, which SQLite refuses while cards and users point at operator rows.
    with op.batch_alter_table('operator', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('gateway_settings')
        batch_op.drop_column('shop_settings')
