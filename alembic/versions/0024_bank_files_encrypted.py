"""bank files encrypted at rest: bank_file.content holds every payee's full account
number, so existing files are encrypted with SECRET_KEY (like the outbox's bodies)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 10:00:00

A row already encrypted (it decrypts with this SECRET_KEY) is left as it is, so running
the upgrade on a partly migrated table is safe. The downgrade writes the files back in
clear (migrations 0013 and 0017 read trace numbers out of them).

The clear text must not linger where the rows were: on SQLite the rewrite runs with
`secure_delete` (freed space is zeroed); on PostgreSQL the old row versions stay in the
table's files until `VACUUM FULL bank_file;` is run once after this upgrade (it cannot run
inside the migration's transaction; docs/deployment.md says so).
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op
from app.services.core import crypto

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def _rewrite(change) -> None:  # noqa: ANN001
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        connection.execute(sa.text("PRAGMA secure_delete = ON"))
    rows = connection.execute(sa.text("SELECT id, content FROM bank_file ORDER BY id")).all()
    for row_id, content in rows:
        new = change(content)
        if new is not None and new != content:
            connection.execute(sa.text("UPDATE bank_file SET content = :content WHERE id = :id"),
                               {"content": new, "id": row_id})


def upgrade() -> None:
    _rewrite(lambda content: None if crypto.decrypt(content) is not None else crypto.encrypt(content))


def downgrade() -> None:
    _rewrite(crypto.decrypt)  # a file that does not decrypt (already clear) stays as it is
