"""Printable cards through the API: a card's PDF, print runs of cards and their files, as a
shop's or a print shop's software would call them."""

from __future__ import annotations

import csv
import io
import uuid

from tests.support.backend import Backend, Operator
from tests.support.pdfs import pdf_page_count, pdf_qr_codes, pdf_text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_cards_pdf_holds_its_code_and_amount_and_its_qr_code_is_the_card_link(shop: Operator):
    card = shop.issue(6400, recipient_name="Sam", message="For the bookshop", send_email=False)

    answer = shop.http.get(f"/cards/{card['id']}/pdf")

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == f'attachment; filename="gift-card-{card["last4"]}.pdf"'
    assert answer.headers["cache-control"] == "no-store"
    text = _one_line(pdf_text(answer.content))
    assert card["code"] in text and "$64.00 CAD" in text and "For the bookshop" in text
    assert pdf_qr_codes(answer.content) == [card["redeem_url"]]


def test_another_operators_card_pdf_is_not_found(shop: Operator, rival: Operator):
    card = shop.issue(2500, send_email=False)

    answer = rival.http.get(f"/cards/{card['id']}/pdf")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "card_not_found"
    assert card["code"] not in answer.text


def test_a_print_run_answers_its_id_and_count_and_its_csv_lists_cards_that_exist_with_their_amount(
        shop: Operator, on_backend_db: Backend):
    from app.services.money import cards

    created = shop.http.post("/cards/batches", json={"count": 12, "amount_cents": 2000})

    assert created.status_code == 201, created.text
    batch = created.json()
    assert batch["count"] == 12 and batch["amount_cents"] == 2000 and batch["currency"] == "CAD"
    assert "code" not in created.text
    csv_file = shop.http.get(f"/cards/batches/{batch['id']}/file", params={"format": "csv"})
    assert csv_file.status_code == 200
    assert csv_file.headers["content-type"].startswith("text/csv")
    assert csv_file.headers["content-disposition"] == f'attachment; filename="giftnet-print-run-{batch["id"]}.csv"'
    rows = _csv_rows(csv_file.text)
    assert len(rows) == 12
    for row in rows:
        found = cards.find_card_by_code(shop.id, row["code"])
        assert found.balance_cents == 2000 and found.batch_id == batch["id"]
        answer = shop.http.get(f"/cards/{row['card_id']}").json()
        assert answer["balance_cents"] == 2000 and answer["redeem_url"] == row["card_link"] == row["qr_payload"]
    pdf = shop.http.get(f"/cards/batches/{batch['id']}/file", params={"format": "pdf", "paper": "a4"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf_page_count(pdf.content) == 2
    text = pdf_text(pdf.content)
    assert all(row["code"] in text for row in rows)
    assert sorted(pdf_qr_codes(pdf.content, pages=1)) == sorted(row["card_link"] for row in rows[:8])


def test_cards_of_a_run_loaded_when_sold_are_loaded_by_a_top_up(shop: Operator):
    batch = shop.http.post("/cards/batches", json={"count": 2, "amount_cents": 0}).json()
    rows = _csv_rows(shop.http.get(f"/cards/batches/{batch['id']}/file", params={"format": "csv"}).text)
    card_id = rows[0]["card_id"]

    assert shop.http.get(f"/cards/{card_id}").json()["balance_cents"] == 0
    assert shop.http.get(f"/cards/{card_id}/transactions").json()["data"] == []
    sold = shop.http.post(f"/cards/{card_id}/topups", json={"amount_cents": 3500})
    assert sold.status_code == 201, sold.text
    assert shop.http.get(f"/cards/{card_id}").json()["balance_cents"] == 3500


def test_a_print_run_retried_with_its_idempotency_key_is_made_once(shop: Operator):
    key = f"run-{uuid.uuid4()}"
    headers = {"Idempotency-Key": key}

    first = shop.http.post("/cards/batches", json={"count": 3, "amount_cents": 1500}, headers=headers)
    again = shop.http.post("/cards/batches", json={"count": 3, "amount_cents": 1500}, headers=headers)
    other = shop.http.post("/cards/batches", json={"count": 4, "amount_cents": 1500}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    rows = _csv_rows(shop.http.get(f"/cards/batches/{first.json()['id']}/file", params={"format": "csv"}).text)
    assert len(rows) == 3


def test_a_bad_count_or_amount_is_refused_naming_the_field(shop: Operator):
    cases = [
        ({"count": 0, "amount_cents": 1000}, 400, "invalid_input", "count"),
        ({"count": 10_001, "amount_cents": 1000}, 400, "invalid_input", "count"),
        ({"count": "5", "amount_cents": 1000}, 400, "invalid_input", "count"),
        ({"amount_cents": 1000}, 400, "invalid_input", "count"),
        ({"count": 5, "amount_cents": -100}, 422, "invalid_amount", "amount_cents"),
        ({"count": 5, "amount_cents": 1}, 422, "amount_out_of_range", "amount_cents"),
        ({"count": 5, "amount_cents": 1000, "recipient_email": "a@example.com"}, 400, "invalid_input",
         "recipient_email"),
    ]
    for body, status, code, field in cases:
        answer = shop.http.post("/cards/batches", json=body)
        error = answer.json()["error"]
        assert (answer.status_code, error["code"], error.get("field")) == (status, code, field), (body, answer.text)
        assert error["message"]


def test_another_operators_print_run_is_not_found_and_a_bad_format_is_refused(shop: Operator, rival: Operator):
    batch = shop.http.post("/cards/batches", json={"count": 1, "amount_cents": 1000}).json()

    stolen = rival.http.get(f"/cards/batches/{batch['id']}/file", params={"format": "csv"})
    wrong = shop.http.get(f"/cards/batches/{batch['id']}/file", params={"format": "xlsx"})

    assert stolen.status_code == 404 and stolen.json()["error"]["code"] == "not_found"
    assert wrong.status_code == 400 and wrong.json()["error"]["field"] == "format"


def test_issuing_with_attach_pdf_queues_the_email_with_the_printable_card(shop: Operator, on_backend_db: Backend):
    from sqlmodel import select

    from app.db import read_session
    from app.models import OutboxMessage
    from app.services.messaging import outbox

    card = shop.issue(3000, recipient_email=f"pdf-{uuid.uuid4().hex[:6]}@example.com", attach_pdf=True)

    with read_session() as session:
        message = session.exec(select(OutboxMessage).where(OutboxMessage.card_id == card["id"])).one()
    email = outbox.read_email(message)
    assert [item.filename for item in email.attachments] == [f"gift-card-{card['last4']}.pdf"]
    assert card["code"] in _one_line(pdf_text(email.attachments[0].data))


def test_the_card_pages_printable_card_needs_only_the_link_and_masks_the_code(shop: Operator, backend: Backend):
    import httpx

    card = shop.issue(2200, send_email=False)
    answer = httpx.get(card["redeem_url"].replace("https://gifts.example.test", backend.url) + "/card.pdf")

    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = _one_line(pdf_text(answer.content))
    assert card["code"] not in text and card["last4"] in text and "$22.00 CAD" in text
    unknown = httpx.get(f"{backend.url}/c/no-such-token-at-all/card.pdf")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "card_not_found"
