"""payments the bank returns: payout_return, each line's status, trace number / cross-reference and carried amount, a location's bank details to fix

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 10:00:00

The lines of bank files written before this revision get the trace number (NACHA,
read back from the stored file) or cross-reference (CPA-005, `B<batch>L<location>`)
their file gave them, so that a return of an older payment is matched too.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'payout_return',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('operator_id', sa.Integer(), nullable=False),
        sa.Column('line_id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('net_cents', sa.BigInteger(), nullable=False),
        sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('reason_code', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('account_data', sa.Boolean(), nullable=False),
        sa.Column('entry_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('file_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('file_line', sa.Integer(), nullable=False),
        sa.Column('repaid_batch_id', sa.Integer(), nullable=True),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['payout_batch.id']),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['line_id'], ['payout_line.id']),
        sa.ForeignKeyConstraint(['location_id'], ['location.id']),
        sa.ForeignKeyConstraint(['operator_id'], ['operator.id']),
        sa.ForeignKeyConstraint(['repaid_batch_id'], ['payout_batch.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('line_id', name='uq_payout_return_line'),
        sa.UniqueConstraint('operator_id', 'format', 'entry_key', name='uq_payout_return_entry'),
    )
    op.create_index('ix_payout_return_owed', 'payout_return', ['operator_id', 'repaid_batch_id', 'location_id'],
                    unique=False)
    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), server_default='paid',
                                      nullable=False))
        batch_op.add_column(sa.Column('nacha_trace_number', sqlmodel.sql.sqltypes.AutoString(length=15),
                                      nullable=True))
        batch_op.add_column(sa.Column('cpa005_cross_reference', sqlmodel.sql.sqltypes.AutoString(length=19),
                                      nullable=True))
        batch_op.add_column(sa.Column('carried_cents', sa.BigInteger(), server_default='0', nullable=False))
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_fix_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('bank_fix_fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
    _name_the_written_payments()


def _name_the_written_payments() -> None:
    """The trace number / cross-reference of every line already in a bank file."""
    connection = op.get_bind()
    connection.execute(sa.text(
        "UPDATE payout_line SET cpa005_cross_reference = 'B' || CAST(batch_id AS VARCHAR) || 'L' "
        "|| CAST(location_id AS VARCHAR) "
        "WHERE batch_id IN (SELECT batch_id FROM bank_file WHERE format = 'cpa005')"))
    for batch_id, content in connection.execute(
            sa.text("SELECT batch_id, content FROM bank_file WHERE format = 'nacha'")).all():
        for record in content.splitlines():
            # an entry detail crediting a location: receiver id LOC<location id> (40-54), trace (80-94)
            if len(record) == 94 and record[0] == "6" and record[1:3] in ("22", "32") \
                    and record[39:54].startswith("LOC") and record[42:54].strip().isdigit():
                connection.execute(
                    sa.text("UPDATE payout_line SET nacha_trace_number = :trace "
                            "WHERE batch_id = :batch_id AND location_id = :location_id"),
                    {"trace": record[79:94], "batch_id": batch_id, "location_id": int(record[42:54].strip())})


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch copy of `location` or `payout_line`
    # would drop a table other rows point at, which SQLite's foreign keys refuse.
    for column in ('bank_fix_fingerprint', 'bank_fix_reason'):
        op.drop_column('location', column)
    for column in ('carried_cents', 'cpa005_cross_reference', 'nacha_trace_number', 'status'):
        op.drop_column('payout_line', column)
    op.drop_index('ix_payout_return_owed', table_name='payout_return')
    op.drop_table('payout_return')
