"""Payee names in the bank files are reduced to the characters every bank accepts (A-Z, 0-9,
the space and & - . , /); statements and screens keep the full name."""

from __future__ import annotations

import itertools

import pytest

from app.integrations.fixed_width import bank_ascii
from app.models.base import utcnow
from app.services.network import locations
from app.services.settlement import bank_files, batches, statements
from tests.support.bankfiles import parse_cpa005, parse_nacha
from tests.support.settlement import ca_network, redeem_at, us_network

EMAILS = itertools.count(1)
SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 &-.,/")


def open_location(owner, name: str, **bank):
    """A location named `name` exactly (its email made up from a counter, since the name may not fit one)."""
    return locations.create_location(owner.actor, {"name": name, "email": f"shop{next(EMAILS)}@example.com", **bank})


@pytest.mark.parametrize(("name", "in_the_file"), [
    ("Café Crème & Co.", "CAFE CREME & CO."),
    ("Joe's Diner 🍕🍔", "JOES DINER"),
    ("Straße #1 (Ouest) — 50% off!", "STRASSE 1 OUEST - 50 OFF"),
    ("Ærø Øl / Smørrebrød", "AERO OL / SMORREBROD"),
    ("Naïve   café\tdéjà-vu, inc.", "NAIVE CAFE DEJA-VU, INC."),
    ("<Books> @ \"Main\" ~ {St} | $5 * ^_^", "BOOKS MAIN ST 5"),
    ("🌮🌮🌮", ""),
])
def test_a_name_keeps_only_what_every_bank_accepts(name, in_the_file):
    assert bank_ascii(name) == in_the_file
    assert set(bank_ascii(name)) <= SAFE


def test_the_nacha_file_names_payees_plainly_and_the_statement_keeps_the_full_name(make_operator):
    us = us_network(make_operator)
    fancy = open_location(us.owner, "Café Crème & Co. ☕", bank_country="US", routing_number="011401533",
                          account_number="555666777", account_type="checking")
    symbols = open_location(us.owner, "<Pizza> #1 @ \"Main\" 🍕", bank_country="US", routing_number="121000358",
                            account_number="111222333", account_type="savings")
    emoji_only = open_location(us.owner, "🌮🌮", bank_country="US", routing_number="011401533",
                               account_number="999888777", account_type="checking")
    for location in (fancy, symbols, emoji_only):
        redeem_at(us.owner, location, 1_000)

    payout = batches.create_payout(us.owner.actor, through=utcnow())
    parsed = parse_nacha(bank_files.export_bank_file(us.owner.actor, payout.batch.id, "nacha").content)

    names = {entry.identification_number: entry.receiver_name for entry in parsed.entries}
    assert names == {f"LOC{fancy.id}": "CAFE CREME & CO.", f"LOC{symbols.id}": "PIZZA 1 MAIN",
                     f"LOC{emoji_only.id}": f"LOCATION {emoji_only.id}"}
    assert {line.location_name for line in payout.lines} == {"Café Crème & Co. ☕", "<Pizza> #1 @ \"Main\" 🍕", "🌮🌮"}
    batches.mark_paid(us.owner.actor, payout.batch.id)
    statement = statements.location_statement(us.owner.operator.id, payout.batch.id, fancy.id)
    assert statement.location_name == "Café Crème & Co. ☕"
    assert "Café Crème & Co. ☕" in statements.compose_statement_email(statement)[1]


def test_the_cpa005_file_names_payees_plainly(make_operator):
    ca = ca_network(make_operator)
    bakery = open_location(ca.owner, "Boulangerie « Élise » & Fils 🥐", bank_country="CA", institution_number="001",
                           transit_number="00011", account_number="7654321", account_type="checking")
    redeem_at(ca.owner, bakery, 2_000)
    redeem_at(ca.owner, ca.savings, 1_000)  # "Café Rouge"

    payout = batches.create_payout(ca.owner.actor, through=utcnow())
    parsed = parse_cpa005(bank_files.export_bank_file(ca.owner.actor, payout.batch.id, "cpa005").content)

    assert sorted(payment.payee_name for payment in parsed.payments) == ["BOULANGERIE ELISE & FILS", "CAFE ROUGE"]
    assert all(set(payment.payee_name) <= SAFE for payment in parsed.payments)
