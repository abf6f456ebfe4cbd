"""webhook endpoints version: operator.webhook_endpoints_version, a new random number each time
the operator's webhook endpoints change, so that every process may answer "which endpoints
want this event" from its own cache, checked against the operator row it reads anyway

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 00:00:00

0: the endpoints never changed (an operator without endpoints until its first).
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('operator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('webhook_endpoints_version', sa.BigInteger(), server_default='0',
                                      nullable=False))
    # Operators that already have endpoints: a version other than "never changed".
    op.execute("UPDATE operator SET webhook_endpoints_version = 1 "
               "WHERE id IN (SELECT operator_id FROM webhook_endpoint)")


def downgrade() -> None:
    op.drop_column('operator', 'webhook_endpoints_version')
