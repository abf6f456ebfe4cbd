"""A stored bank file holds every payee's full account number: it is encrypted at rest,
and what reads it (downloads, SFTP delivery, returns, the migration) still gets the text."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from alembic import command
from app.db import dispose_engines
from app.migrations import alembic_config
from app.models.base import utcnow
from app.services.core.errors import GiftnetError
from app.services.settlement import bank_files, batches, sealed_files
from tests.support.bankfiles import parse_nacha
from tests.support.settlement import redeem_at, us_network

ACCOUNT = "99887766554"


def raw_contents(database: str) -> list[str]:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(text("SELECT content FROM bank_file ORDER BY id"))]
    finally:
        engine.dispose()


def exported(make_operator):
    us = us_network(make_operator)
    from app.services.network import locations

    locations.update_location(us.owner.actor, us.checking.id, {
        "bank_country": "US", "routing_number": "011401533", "account_number": ACCOUNT, "account_type": "checking"})
    redeem_at(us.owner, us.checking, 2_500)
    batch_id = batches.create_payout(us.owner.actor, through=utcnow()).batch.id
    return us, batch_id, bank_files.export_bank_file(us.owner.actor, batch_id, "nacha")


def test_the_stored_file_is_ciphertext_and_the_download_is_the_bank_file(database, make_operator):
    us, batch_id, written = exported(make_operator)

    [stored] = raw_contents(database)
    assert ACCOUNT not in stored and "101" not in stored[:3] and written.content not in stored
    assert sealed_files.opened(stored) == written.content
    assert ACCOUNT in written.content  # the bank needs the full number
    again = bank_files.export_bank_file(us.owner.actor, batch_id, "nacha")
    assert bank_files.bank_file_bytes(again) == written.content.encode("ascii")
    assert [entry.account_number.strip() for entry in parse_nacha(again.content).entries] == [ACCOUNT]


def test_a_file_stored_under_another_secret_key_is_refused_not_sent_as_garbage(database, make_operator,
                                                                               settings_env):
    us, batch_id, _written = exported(make_operator)
    settings_env(SECRET_KEY="another-key-" + "x" * 40)

    with pytest.raises(GiftnetError) as caught:
        bank_files.export_bank_file(us.owner.actor, batch_id, "nacha")
    assert caught.value.message == sealed_files.UNREADABLE


def test_migration_0023_encrypts_files_written_before_it_and_its_downgrade_restores_them(database, make_operator):
    _us, _batch_id, written = exported(make_operator)
    dispose_engines()

    command.downgrade(alembic_config(), "0023")
    dispose_engines()
    assert raw_contents(database) == [written.content]  # as files were stored before 0023

    command.upgrade(alembic_config(), "head")
    dispose_engines()
    [stored] = raw_contents(database)
    assert ACCOUNT not in stored and sealed_files.opened(stored) == written.content
    if database.startswith("sqlite"):  # the clear file is not left behind in the database file's free pages
        path = Path(make_url(database).database)
        raw = b"".join(part.read_bytes() for part in (path, Path(f"{path}-wal")) if part.exists())
        assert ACCOUNT.encode() not in raw

    command.upgrade(alembic_config(), "head")  # again: nothing encrypted twice
    assert sealed_files.opened(raw_contents(database)[0]) == written.content
