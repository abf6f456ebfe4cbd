"""counter modes: what a location's counter accepts (POS payments, typed amounts, items) instead of one exclusive mode

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 10:00:00

Each old `mode` becomes the switches that give the counter what it offered, and the
`mode` the API derives from them reads the same as before:
- `amount`: typed amounts;
- `items`: items and typed amounts (its screen always offered "Enter an amount instead");
- `pos`: POS payments and typed amounts. A POS counter keeps a typed-amount fallback
  unless the operator turns it off: the old mode had no way to choose, and left the
  counter with nothing to do while its POS was down.
Downgrading writes the derived mode back.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite has ADD/DROP COLUMN): a batch copy of `location` would drop a
    # table other rows point at, which SQLite's foreign keys refuse.
    op.add_column('location', sa.Column('accepts_pos_payments', sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column('location', sa.Column('accepts_typed_amounts', sa.Boolean(), nullable=False,
                                        server_default=sa.true()))
    op.add_column('location', sa.Column('accepts_items', sa.Boolean(), nullable=False, server_default=sa.false()))
    connection = op.get_bind()
    connection.execute(sa.text("UPDATE location SET accepts_pos_payments = :yes WHERE mode = 'pos'"), {"yes": True})
    connection.execute(sa.text("UPDATE location SET accepts_items = :yes WHERE mode = 'items'"), {"yes": True})
    op.drop_column('location', 'mode')


def downgrade() -> None:
    op.add_column('location', sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
                                        server_default='amount'))
    connection = op.get_bind()
    connection.execute(sa.text("UPDATE location SET mode = 'items' WHERE accepts_items = :yes"), {"yes": True})
    connection.execute(sa.text("UPDATE location SET mode = 'pos' WHERE accepts_pos_payments = :yes"), {"yes": True})
    for column in ('accepts_items', 'accepts_typed_amounts', 'accepts_pos_payments'):
        op.drop_column('location', column)
