"""What the settlement tests share: a US network and a Canadian one, each with a location
paid into a checking account, one into a savings account and one without bank
details, their bank file settings, and redemptions made through the real service."""

from __future__ import annotations

from types import SimpleNamespace

from sqlmodel import select

from app.db import read_session
from app.models import Location, Redemption
from app.services.counter import redemptions
from app.services.money import ledger
from app.services.network import locations
from app.services.settlement import payout_settings

US_NACHA_SETTINGS = {
    "immediate_destination": "011000015",
    "immediate_origin": "1234567890",
    "destination_name": "Federal Reserve Bank",
    "origin_name": "Downtown Association",
    "company_name": "Downtown Assoc",
    "company_id": "1234567890",
    "odfi_routing": "021000021",
}
CA_CPA005_SETTINGS = {
    "originator_id": "GIFTNET001",
    "data_centre": "00310",
    "originator_short_name": "Centre-ville",
    "originator_long_name": "Association du centre-ville",
    "return_institution_number": "003",
    "return_transit_number": "00012",
    "return_account_number": "7654321",
}


def open_location(owner, name: str, **bank) -> Location:
    slug = name.lower().replace(" ", "-").replace("'", "")
    return locations.create_location(owner.actor, {"name": name, "email": f"{slug}@example.com", **bank})


def us_network(make_operator, name: str = "Main Street Alliance") -> SimpleNamespace:
    """A USD network: a checking location, a savings location, one without bank details."""
    owner = make_operator(name, currency="USD")
    payout_settings.update_settings(owner.actor, {"payouts": {"nacha": US_NACHA_SETTINGS}})
    return SimpleNamespace(
        owner=owner,
        checking=open_location(owner, "Books on Main", bank_country="US", routing_number="011401533",
                               account_number="123456789", account_type="checking"),
        savings=open_location(owner, "Corner Cafe", bank_country="US", routing_number="121000358",
                              account_number="00099887766", account_type="savings"),
        unbanked=open_location(owner, "Flower Stand"),
    )


def ca_network(make_operator, name: str = "Centre-ville") -> SimpleNamespace:
    """A CAD network: a chequing location, a savings location, one without bank details."""
    owner = make_operator(name, currency="CAD")
    payout_settings.update_settings(owner.actor, {"payouts": {"cpa005": CA_CPA005_SETTINGS}})
    return SimpleNamespace(
        owner=owner,
        checking=open_location(owner, "Librairie du Centre", bank_country="CA", institution_number="001",
                               transit_number="00011", account_number="1234567", account_type="checking"),
        savings=open_location(owner, "Café Rouge", bank_country="CA", institution_number="004",
                              transit_number="12345", account_number="987654321012", account_type="savings"),
        unbanked=open_location(owner, "Fleuriste"),
    )


def redeem_at(owner, location: Location, *amounts_cents: int) -> list[Redemption]:
    """One redemption per amount, each off a fresh card issued for it."""
    made = []
    for amount in amounts_cents:
        card = ledger.issue_card(owner.actor, max(amount, 500))
        made.append(redemptions.redeem(owner.actor, location_id=location.id, card_id=card.card.id,
                                       amount_cents=amount).redemption)
    return made


def batch_of(redemption_id: int) -> int | None:
    with read_session() as session:
        return session.get(Redemption, redemption_id).payout_batch_id


def redemption_rows(operator_id: int) -> list[Redemption]:
    with read_session() as session:
        return list(session.exec(select(Redemption).where(Redemption.operator_id == operator_id)
                                 .order_by(Redemption.id)).all())
