"""POS partners: Clover and Shopify POS accounts of a location, the POS log, refunds a POS made of
gift-card payments, and each POS payment's tip and currency

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 20:22:40

POS payments written before this revision get their operator's currency and no tip.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pos_partner_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('partner', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('secret_encrypted', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('auth_code_encrypted', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('tender_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('base_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('verification_code', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('verification_code_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('location_id', 'partner', name='uq_pos_partner_account_location')
    )
    with op.batch_alter_table('pos_partner_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pos_partner_account_operator_id'), ['operator_id'], unique=False)

    op.create_table('pos_log_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('delivery_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('event_type', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('pos_payment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.ForeignKeyConstraint(['pos_payment_id'], ['pos_payment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('location_id', 'source', 'delivery_id', name='uq_pos_log_entry_delivery')
    )
    with op.batch_alter_table('pos_log_entry', schema=None) as batch_op:
        batch_op.create_index('ix_pos_log_entry_location', ['location_id', 'id'], unique=False)

    op.create_table('pos_refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=140), nullable=False),
    sa.Column('payment_external_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('pos_payment_id', sa.Integer(), nullable=True),
    sa.Column('redemption_id', sa.Integer(), nullable=True),
    sa.Column('refunded_cents', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('ledger_entry_id', sa.Integer(), nullable=True),
    sa.Column('applied_by_device_id', sa.Integer(), nullable=True),
    sa.Column('applied_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('applied_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['applied_by_device_id'], ['device.id'], ),
    sa.ForeignKeyConstraint(['applied_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entry.id'], ),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.ForeignKeyConstraint(['pos_payment_id'], ['pos_payment.id'], ),
    sa.ForeignKeyConstraint(['redemption_id'], ['redemption.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('location_id', 'source', 'external_id', name='uq_pos_refund_external')
    )
    with op.batch_alter_table('pos_refund', schema=None) as batch_op:
        batch_op.create_index('ix_pos_refund_location_status', ['location_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_pos_refund_payment', ['location_id', 'source', 'payment_external_id'], unique=False)

    with op.batch_alter_table('pos_payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tip_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True))
    op.execute("UPDATE pos_payment SET currency = (SELECT operator.currency FROM operator "
               "WHERE operator.id = pos_payment.operator_id) WHERE currency IS NULL")



def downgrade() -> None:
    with op.batch_alter_table('pos_payment', schema=None) as batch_op:
        batch_op.drop_column('currency')
        batch_op.drop_column('tip_cents')

    with op.batch_alter_table('pos_refund', schema=None) as batch_op:
        batch_op.drop_index('ix_pos_refund_payment')
        batch_op.drop_index('ix_pos_refund_location_status')

    op.drop_table('pos_refund')
    with op.batch_alter_table('pos_log_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_pos_log_entry_location')

    op.drop_table('pos_log_entry')
    with op.batch_alter_table('pos_partner_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pos_partner_account_operator_id'))

    op.drop_table('pos_partner_account')
