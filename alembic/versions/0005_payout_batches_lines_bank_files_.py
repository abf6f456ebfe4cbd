"""payout batches lines bank files operator payout settings

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 13:36:27.646305
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('payout_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('period_from', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('period_through', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=True),
    sa.Column('total_gross_cents', sa.Integer(), nullable=False),
    sa.Column('total_commission_cents', sa.Integer(), nullable=False),
    sa.Column('total_net_cents', sa.Integer(), nullable=False),
    sa.Column('redemption_count', sa.Integer(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('exported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('paid_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('cancelled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('payout_batch', schema=None) as batch_op:
        batch_op.create_index('ix_payout_batch_operator', ['operator_id', 'id'], unique=False)

    op.create_table('bank_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('file_creation_number', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['payout_batch.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('batch_id', 'format', name='uq_bank_file_batch_format'),
    sa.UniqueConstraint('operator_id', 'format', 'file_creation_number', name='uq_bank_file_creation_number')
    )
    op.create_table('payout_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('redemption_count', sa.Integer(), nullable=False),
    sa.Column('gross_cents', sa.Integer(), nullable=False),
    sa.Column('commission_bps', sa.Integer(), nullable=False),
    sa.Column('commission_cents', sa.Integer(), nullable=False),
    sa.Column('net_cents', sa.Integer(), nullable=False),
    sa.Column('bank_country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('routing_number', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True),
    sa.Column('institution_number', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('transit_number', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('account_number_encrypted', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('account_last4', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
    sa.Column('account_type', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['payout_batch.id'], ),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('batch_id', 'location_id', name='uq_payout_line_batch_location')
    )
    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.create_index('ix_payout_line_location', ['location_id'], unique=False)

    with op.batch_alter_table('operator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payout_settings', sa.Text(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('last_cpa005_file_number', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('redemption', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payout_batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_redemption_payout_batch_id'), ['payout_batch_id'], unique=False)
        batch_op.create_foreign_key('fk_redemption_payout_batch_id', 'payout_batch', ['payout_batch_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('redemption', schema=None) as batch_op:
        # WARNING: constraint name is None; this directive will fail as
        # rendered.  Add a name, or use a naming convention; see
        # https://alembic.sqlalchemy.org/en/latest/naming.html
        batch_op.drop_constraint('fk_redemption_payout_batch_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_redemption_payout_batch_id'))
        batch_op.drop_column('payout_batch_id')

    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+): batch mode's copy-and-drop of the operator
    # table is refused by SQLite while cards and users point at operator rows.
    with op.batch_alter_table('operator', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('last_cpa005_file_number')
        batch_op.drop_column('payout_settings')

    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.drop_index('ix_payout_line_location')

    op.drop_table('payout_line')
    op.drop_table('bank_file')
    with op.batch_alter_table('payout_batch', schema=None) as batch_op:
        batch_op.drop_index('ix_payout_batch_operator')

    op.drop_table('payout_batch')
