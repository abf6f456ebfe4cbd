"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel, select

import app.models  # noqa: F401  (every table on SQLModel.metadata)
from alembic import command
from app.db import dispose_engines, read_session
from app.migrations import alembic_config
from app.models import PayoutLine
from app.models.base import utcnow
from app.services.core.actor import Actor
from app.services.money import ledger
from app.services.settlement import bank_files, batches
from tests.support.bankfiles import parse_nacha
from tests.support.settlement import ca_network, redeem_at, us_network


def schema_differences(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrating_to_head_builds_exactly_the_models_schema(database):
    assert schema_differences(database) == []
    assert table_names(database) == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_the_schema_can_be_taken_down_to_nothing_and_rebuilt(database, make_operator):
    make_operator()
    dispose_engines()

    command.downgrade(alembic_config(), "base")
    dispose_engines()
    assert table_names(database) == {"alembic_version"}

    command.upgrade(alembic_config(), "head")
    dispose_engines()
    assert schema_differences(database) == []

    # The rebuilt ledger is append-only again.
    owner = make_operator()
    card_id = ledger.issue_card(Actor(owner.operator.id), 2500).card.id
    engine = create_engine(database)
    try:
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text("DELETE FROM ledger_entry WHERE card_id = :id"), {"id": card_id})
    finally:
        engine.dispose()
    assert ledger.balance_of(owner.operator.id, card_id) == 2500


def test_migrating_twice_changes_nothing(database):
    command.upgrade(alembic_config(), "head")
    assert schema_differences(database) == []


def test_bank_files_written_before_returns_existed_still_name_their_payments(database, make_operator):
    """Migration 0013 reads the trace number of each NACHA line back from its stored file,
    and gives CPA-005 lines the cross-reference their file carries."""
    us, ca = us_network(make_operator), ca_network(make_operator)
    redeem_at(us.owner, us.checking, 1_000)
    redeem_at(us.owner, us.savings, 2_000)
    redeem_at(ca.owner, ca.checking, 3_000)
    us_batch = batches.create_payout(us.owner.actor, through=utcnow()).batch.id
    ca_batch = batches.create_payout(ca.owner.actor, through=utcnow()).batch.id
    traces = {entry.identification_number: entry.trace_number for entry in parse_nacha(
        bank_files.export_bank_file(us.owner.actor, us_batch, "nacha").content).entries}
    bank_files.export_bank_file(ca.owner.actor, ca_batch, "cpa005")
    dispose_engines()

    command.downgrade(alembic_config(), "0012")
    command.upgrade(alembic_config(), "head")
    dispose_engines()

    with read_session() as session:
        named = {(line.batch_id, line.location_id): (line.nacha_trace_number, line.cpa005_cross_reference)
                 for line in session.exec(select(PayoutLine)).all()}
    assert named == {
        (us_batch, us.checking.id): (traces[f"LOC{us.checking.id}"], None),
        (us_batch, us.savings.id): (traces[f"LOC{us.savings.id}"], None),
        (ca_batch, ca.checking.id): (None, f"B{ca_batch}L{ca.checking.id}"),
    }
