"""Nothing at rest holds a secret in clear: after a full journey, the raw SQLite file (and
its WAL) and every column of every table (SQLite and PostgreSQL, each value cast to
text) are searched for every secret the journey handled.

The journey runs for real, in this process, through the services and the FastAPI app: a
sign-in and its session cookie, an operator API key, a POS key, webhook secrets, cards
issued over the API (idempotent, emailed) and by the dashboard, locations paid into US
and Canadian accounts, the network's own return account, an activated device, an
invitation, redemptions, and payout batches whose NACHA and CPA-005 files were written
and downloaded. The secrets: full account numbers, card codes and card link tokens,
keys, the session token, the device secret, activation and invitation tokens, signing
secrets.

Each secret is also looked for where it must be (the bank file the bank downloads, the
card's email as sent), so the search cannot pass by searching nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from app.api import create_api
from app.db import dispose_engines, read_session
from app.models import OutboxMessage
from app.models.base import utcnow
from app.services.access import accounts, api_keys, team
from app.services.messaging import webhooks
from app.services.messaging.outbox import read_email
from app.services.money import ledger
from app.services.network import devices, locations, pos_keys
from app.services.settlement import bank_files, batches, payout_settings
from tests.support.settlement import US_NACHA_SETTINGS, redeem_at

PASSWORD = "correct horse battery"
US_ACCOUNT = "918273645501"
US_SAVINGS = "564738291029"
CA_ACCOUNT = "830472615938"
CA_RETURN_ACCOUNT = "629184037"
CA_SETTINGS = {"originator_id": "GIFTNET001", "data_centre": "00310", "originator_short_name": "Centre-ville",
               "originator_long_name": "Association du centre-ville", "return_institution_number": "003",
               "return_transit_number": "00012", "return_account_number": CA_RETURN_ACCOUNT}


def variants(secret: str) -> set[str]:
    """The forms a secret could be stored in: as is, without dashes, lower and upper case."""
    bare = secret.replace("-", "")
    return {secret, bare, secret.lower(), bare.lower(), secret.upper(), bare.upper()}


def journey(make_operator) -> tuple[dict[str, str], list[str]]:
    """Run everything that handles a secret; (name -> secret, texts where some must appear)."""
    secrets: dict[str, str] = {}
    us = make_operator("Vault Street", currency="USD")
    payout_settings.update_settings(us.actor, {"payouts": {"nacha": US_NACHA_SETTINGS}})
    ca = make_operator("Centre-ville", currency="CAD")
    payout_settings.update_settings(ca.actor, {"payouts": {"cpa005": CA_SETTINGS}})
    secrets["CA return account number"] = CA_RETURN_ACCOUNT

    token = accounts.log_in(us.email, PASSWORD)
    secrets["session token"] = token
    secrets["session ticket"] = accounts.session_ticket(token)
    key = api_keys.create_api_key(us.operator.id, "Till system", user_id=us.user.id).plaintext
    secrets["API key"] = key
    seen: list[str] = []

    with TestClient(create_api()) as client:
        assert client.post("/auth/session", json={"ticket": secrets["session ticket"]}).status_code == 204
        bearer = {"Authorization": f"Bearer {key}"}
        checking = client.post("/api/v1/locations", headers=bearer, json={
            "name": "Vault Books", "email": "books@example.com", "bank_country": "US", "routing_number": "011401533",
            "account_number": US_ACCOUNT, "account_type": "checking", "commission_bps": 250})
        assert checking.status_code == 201, checking.text
        secrets["US account number"] = US_ACCOUNT
        issued = client.post("/api/v1/cards", headers={**bearer, "Idempotency-Key": "vault-card-1"},
                             json={"amount_cents": 7_500, "recipient_email": "holder@example.com",
                                   "recipient_name": "Holder", "message": "Enjoy"})
        assert issued.status_code == 201, issued.text
        secrets["API card code"] = issued.json()["code"]
        redeemed = client.post("/api/v1/redemptions", headers=bearer, json={
            "card_code": issued.json()["code"], "location_id": checking.json()["id"], "amount_cents": 2_000})
        assert redeemed.status_code == 201, redeemed.text
        assert client.post("/api/v1/cards/lookup", headers=bearer, json={"code": issued.json()["code"]}).status_code == 200

        savings = locations.create_location(us.actor, {
            "name": "Vault Bakery", "email": "bakery@example.com", "bank_country": "US", "routing_number": "011401533",
            "account_number": US_SAVINGS, "account_type": "savings"})
        secrets["US savings account number"] = US_SAVINGS
        dashboard_card = ledger.issue_card(us.actor, 3_000)
        secrets["dashboard card code"] = dashboard_card.code
        secrets["card link token"] = dashboard_card.link_token
        redeem_at(us, savings, 1_500)
        pos = pos_keys.create_pos_key(us.actor, checking.json()["id"], "Till 1").plaintext
        secrets["POS key"] = pos
        pushed = client.post("/api/v1/pos/payments", headers={"Authorization": f"Bearer {pos}"},
                             json={"amount_cents": 300, "reference": "V-1"})
        assert pushed.status_code == 201, pushed.text
        secrets["webhook endpoint secret"] = webhooks.create_endpoint(us.actor, "https://hooks.example.com/in").secret
        secrets["location webhook secret"] = webhooks.reveal_location_secret(us.actor, checking.json()["id"])

        link = devices.create_activation_link(us.actor, checking.json()["id"])
        secrets["activation token"] = link.token
        device = devices.activate_device(link.token, "Front counter")
        secrets["device secret"] = device.secret
        secrets["device ticket"] = devices.device_ticket(device.secret)
        assert client.post("/auth/device", json={"ticket": secrets["device ticket"]}).status_code == 204
        secrets["invitation token"] = team.invite(us.actor, "sam@example.com", "staff").token

        us_batch = batches.create_payout(us.actor, through=utcnow()).batch.id
        downloaded = client.get(f"/api/v1/payouts/{us_batch}/file", headers=bearer, params={"format": "nacha"})
        assert downloaded.status_code == 200, downloaded.text
        seen.append(downloaded.text)

    ca_location = locations.create_location(ca.actor, {
        "name": "Librairie", "email": "librairie@example.com", "bank_country": "CA", "institution_number": "001",
        "transit_number": "00011", "account_number": CA_ACCOUNT, "account_type": "checking"})
    secrets["CA account number"] = CA_ACCOUNT
    redeem_at(ca, ca_location, 4_000)
    ca_batch = batches.create_payout(ca.actor, through=utcnow()).batch.id
    seen.append(bank_files.export_bank_file(ca.actor, ca_batch, "cpa005").content)
    with read_session() as session:
        for message in session.exec(select(OutboxMessage)).all():
            email = read_email(message)
            seen.append(email.text_body + email.html_body)
    accounts.log_out(accounts.log_in(ca.email, PASSWORD))  # a logged-out session stays a hash too
    return secrets, seen


def raw_database_bytes(url: str) -> bytes:
    """The SQLite file as it lies on disk, with its WAL and journal if any."""
    dispose_engines()
    path = Path(make_url(url).database)
    return b"".join(candidate.read_bytes() for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
                    if candidate.exists())


def every_column_as_text(url: str) -> dict[str, str]:
    """table -> every value of every row and column, cast to text by the database itself."""
    engine = create_engine(url)
    try:
        dumped = {}
        with engine.connect() as connection:
            for table in inspect(engine).get_table_names():
                columns = [column["name"] for column in inspect(engine).get_columns(table)]
                casts = ", ".join(f'CAST("{column}" AS TEXT)' for column in columns)
                rows = connection.execute(text(f'SELECT {casts} FROM "{table}"')).all()
                dumped[table] = "\n".join("\t".join(value or "" for value in row) for row in rows)
        return dumped
    finally:
        engine.dispose()


def test_after_a_full_journey_no_secret_is_in_any_column_or_in_the_database_file(database, make_operator):
    secrets, seen = journey(make_operator)

    everything_seen = "\n".join(seen)
    for name in ("US account number", "US savings account number", "CA account number", "API card code"):
        assert secrets[name] in everything_seen, f"the {name} should reach the bank file or the email it is for"

    dumped = every_column_as_text(database)
    assert "books@example.com" in dumped["location"] and "holder@example.com" in dumped["card"]  # the scan reads data
    found = [(name, table) for name, secret in secrets.items() for table, values in dumped.items()
             if any(form in values for form in variants(secret))]
    assert not found, f"in clear at rest (secret, table): {found}"

    if database.startswith("sqlite"):
        raw = raw_database_bytes(database)
        assert b"books@example.com" in raw
        leaked = [name for name, secret in secrets.items() if any(form.encode() in raw for form in variants(secret))]
        assert not leaked, f"in the raw SQLite file: {leaked}"
        # Even a full account number's digits never sit in the file in a row of their own.
        for number in (US_ACCOUNT, US_SAVINGS, CA_ACCOUNT, CA_RETURN_ACCOUNT):
            assert not re.search(number.encode(), raw)
