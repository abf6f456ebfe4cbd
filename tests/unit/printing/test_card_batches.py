"""Print runs of cards: N cards without recipients in one transaction, loaded or loaded
when sold, once per idempotency key, and their files (PDF sheets, the card printer's CSV)
for owners only, every download audited."""

from __future__ import annotations

import csv
import io
import math
import re

import pytest
from sqlmodel import select

from app.db import read_session
from app.models import AuditEvent, Card, LedgerEntry
from app.services.access import team
from app.services.core.actor import Actor
from app.services.core.errors import GiftnetError
from app.services.messaging import outbox
from app.services.money import cards, ledger
from app.services.printing import card_batches
from tests.support.pdfs import pdf_page_count, pdf_qr_codes, pdf_text


def _rows(batch_file: card_batches.BatchFile) -> list[dict]:
    return list(csv.DictReader(io.StringIO(batch_file.data.decode("utf-8"))))


def _staff(owner, email: str = "sam@example.com") -> Actor:
    team.invite(owner.actor, email, "staff")
    message = next(item for item in outbox.list_outbox(owner.operator.id).messages if item.to_address == email)
    token = re.search(r"/join/(\S+)", outbox.read_email(message).text_body).group(1)
    joined = team.accept(token, "Sam Staff", "correct horse battery staple")
    return Actor(joined.operator_id, user_id=joined.user_id, role=joined.role)


def _ledger_rows(card_ids: list[int]) -> list[LedgerEntry]:
    with read_session() as session:
        return list(session.exec(select(LedgerEntry).where(LedgerEntry.card_id.in_(card_ids))).all())


def _audit_actions(operator_id: int) -> list[str]:
    with read_session() as session:
        return list(session.exec(select(AuditEvent.action).where(AuditEvent.operator_id == operator_id)
                                 .order_by(AuditEvent.id)).all())


def test_a_loaded_print_run_makes_every_card_in_the_csv_with_its_amount_and_ledger_row(database, make_operator):
    owner = make_operator("Harbour District", currency="USD")

    batch = card_batches.create_card_batch(owner.actor, 25, 2500)
    rows = _rows(card_batches.batch_file(owner.actor, batch.id, "csv"))

    assert (batch.count, batch.amount_cents, batch.currency) == (25, 2500, "USD")
    assert list(rows[0]) == list(card_batches.CSV_COLUMNS)
    assert [int(row["number"]) for row in rows] == list(range(1, 26))
    assert len({row["code"] for row in rows}) == 25
    for row in rows:
        card = cards.find_card_by_code(owner.operator.id, row["code"])  # every code is a real card
        assert (card.id, card.batch_id, card.balance_cents, card.initial_amount_cents) == (
            int(row["card_id"]), batch.id, 2500, 2500)
        assert card.recipient_email is None and card.status == "active"
        assert (row["amount_cents"], row["amount"], row["currency"]) == ("2500", "25.00", "USD")
        assert row["card_link"] == row["qr_payload"] and "/c/" in row["card_link"]
    entries = _ledger_rows([int(row["card_id"]) for row in rows])
    assert sorted((entry.kind, entry.amount_cents, entry.balance_after_cents) for entry in entries) == [
        ("issue", 2500, 2500)] * 25
    assert ledger.check_ledger() == []


def test_cards_loaded_when_sold_hold_nothing_until_a_top_up_loads_them(database, make_operator):
    owner = make_operator("Harbour District")

    batch = card_batches.create_card_batch(owner.actor, 3, 0)
    rows = _rows(card_batches.batch_file(owner.actor, batch.id, "csv"))
    card_ids = [int(row["card_id"]) for row in rows]

    assert [row["amount_cents"] for row in rows] == ["0", "0", "0"]
    assert _ledger_rows(card_ids) == []  # no value moved yet
    assert ledger.check_ledger() == []
    sold = ledger.top_up_card(owner.actor, card_ids[0], 4000)
    assert (sold.kind, sold.balance_after_cents) == ("topup", 4000)
    assert ledger.balance_of(owner.operator.id, card_ids[0]) == 4000
    assert ledger.check_ledger() == []
    pdf = card_batches.batch_file(owner.actor, batch.id, "pdf")
    assert pdf_text(pdf.data).count("Loaded at purchase") == 2  # the sold card shows what it holds
    assert "$40.00 CAD" in pdf_text(pdf.data)


def test_the_pdf_sheets_hold_eight_cards_a_page_with_codes_and_qr_codes_of_their_card_links(
        database, make_operator):
    owner = make_operator("Harbour District", currency="USD")
    batch = card_batches.create_card_batch(owner.actor, 10, 1500)
    rows = _rows(card_batches.batch_file(owner.actor, batch.id, "csv"))

    pdf = card_batches.batch_file(owner.actor, batch.id, "pdf")
    a4 = card_batches.batch_file(owner.actor, batch.id, "pdf", paper="a4")

    assert pdf.media_type == "application/pdf" and pdf.filename == f"giftnet-print-run-{batch.id}.pdf"
    assert pdf_page_count(pdf.data) == math.ceil(10 / 8) == pdf_page_count(a4.data)
    text = pdf_text(pdf.data)
    assert all(row["code"] in text for row in rows)
    assert text.count("$15.00 USD") == 10
    assert sorted(pdf_qr_codes(pdf.data)) == sorted(row["card_link"] for row in rows)
    assert _audit_actions(owner.operator.id).count("card.batch_downloaded") == 3
    assert card_batches.get_card_batch(owner.operator.id, batch.id).downloads == 3


def test_a_retried_print_run_with_the_same_key_makes_no_second_run(database, make_operator):
    owner = make_operator("Harbour District")

    first = card_batches.create_card_batch(owner.actor, 4, 1000, idempotency_key="run-1")
    again = card_batches.create_card_batch(owner.actor, 4, 1000, idempotency_key="run-1")

    assert again.id == first.id
    assert cards.count_cards(owner.operator.id).count == 4
    with pytest.raises(GiftnetError) as reused:
        card_batches.create_card_batch(owner.actor, 5, 1000, idempotency_key="run-1")
    assert reused.value.code == "idempotency_key_reused"
    assert cards.count_cards(owner.operator.id).count == 4


@pytest.mark.parametrize(("count", "amount_cents", "code", "field"), [
    (0, 1000, "invalid_input", "count"),
    (10_001, 1000, "invalid_input", "count"),
    (True, 1000, "invalid_input", "count"),
    ("5", 1000, "invalid_input", "count"),
    (5, -1, "invalid_amount", "amount_cents"),
    (5, 10.5, "invalid_amount", "amount_cents"),
    (5, 1, "amount_out_of_range", "amount_cents"),  # under the network's card minimum
    (5, 10_000_000, "amount_out_of_range", "amount_cents"),
])
def test_a_bad_count_or_amount_is_refused_naming_the_field_and_makes_nothing(
        database, make_operator, count, amount_cents, code, field):
    owner = make_operator("Harbour District")

    with pytest.raises(GiftnetError) as refused:
        card_batches.create_card_batch(owner.actor, count, amount_cents)

    assert (refused.value.code, refused.value.field) == (code, field)
    assert card_batches.list_card_batches(owner.operator.id) == []
    assert cards.count_cards(owner.operator.id).count == 0


def test_staff_can_neither_print_a_run_nor_download_its_codes(database, make_operator):
    owner = make_operator("Harbour District")
    batch = card_batches.create_card_batch(owner.actor, 2, 1000)
    staff = _staff(owner)

    for attempt in (lambda: card_batches.create_card_batch(staff, 2, 1000),
                    lambda: card_batches.batch_file(staff, batch.id, "csv"),
                    lambda: card_batches.batch_file(staff, batch.id, "pdf")):
        with pytest.raises(GiftnetError) as refused:
            attempt()
        assert refused.value.code == "forbidden"
    assert "card.batch_downloaded" not in _audit_actions(owner.operator.id)


def test_another_operators_print_run_is_not_found(database, make_operator):
    owner, rival = make_operator("Harbour District"), make_operator("Rival Network")
    batch = card_batches.create_card_batch(owner.actor, 2, 1000)

    with pytest.raises(GiftnetError) as refused:
        card_batches.batch_file(rival.actor, batch.id, "csv")

    assert refused.value.code == "not_found"
    assert card_batches.list_card_batches(rival.operator.id) == []


def test_a_file_format_or_paper_that_does_not_exist_is_refused_naming_it(database, make_operator):
    owner = make_operator("Harbour District")
    batch = card_batches.create_card_batch(owner.actor, 1, 1000)

    for file_format, paper, field in (("xlsx", "letter", "format"), ("pdf", "legal", "paper")):
        with pytest.raises(GiftnetError) as refused:
            card_batches.batch_file(owner.actor, batch.id, file_format, paper=paper)
        assert (refused.value.code, refused.value.field) == ("invalid_input", field)


def test_a_print_run_is_one_transaction(database, make_operator, monkeypatch):
    owner = make_operator("Harbour District")

    def fail_after_the_cards(*args, **kwargs):
        raise RuntimeError("the audit record could not be written")

    monkeypatch.setattr(card_batches.audit, "record", fail_after_the_cards)
    with pytest.raises(RuntimeError):
        card_batches.create_card_batch(owner.actor, 5, 1000)

    with read_session() as session:
        assert session.exec(select(Card).where(Card.operator_id == owner.operator.id)).all() == []
    assert card_batches.list_card_batches(owner.operator.id) == []
