"""The demo network loaded on first `make run`, so a newcomer has something to look at."""

from __future__ import annotations

from sqlmodel import select

from app.db import read_session
from app.models import Location, User
from app.services.access import accounts
from app.services.core.actor import Actor
from app.services.money import ledger
from app.services.network import devices, items, locations
from app.services.network.devices import SentLink

DEMO_EMAIL = "demo@giftnet.local"
DEMO_PASSWORD = "demo-downtown-2026"

_DEMO_CARDS = [
    (2500, "alex@example.com", "Alex Martin", "Happy birthday!"),
    (5000, "sam@example.com", "Sam Roy", "Thanks for everything"),
    (10000, None, None, None),
    (7500, "jo@example.com", "Jo Tremblay", "Enjoy downtown"),
]


# One location per redemption mode; the café has a small catalog. Matched by external id,
# so seeding again adds only what is missing.
_DEMO_LOCATIONS = [
    {
        "name": "Demo Café", "email": "cafe@demo-downtown.example", "phone": "416-555-0101",
        "address": "101 King St W", "external_id": "DEMO-CAFE", "mode": "items", "notify_items_email": True,
        "bank_country": "CA", "institution_number": "001", "transit_number": "00011", "account_number": "1234567",
        "account_type": "checking",
        # The demo device's counter: a test location, so cards bought in the demo's sandbox shop
        # (test cards) can be tried here; real cards are redeemed and paid out as anywhere.
        "is_test": True,
    },
    {
        "name": "Riverside Hardware", "email": "hardware@demo-downtown.example", "phone": "416-555-0102",
        "address": "22 River Rd", "external_id": "DEMO-HARDWARE", "mode": "pos",
    },
    {
        "name": "Main Street Books", "email": "books@demo-downtown.example", "address": "12 Main St",
        "external_id": "DEMO-BOOKS", "mode": "amount",
    },
]
_DEMO_ITEMS = [("Coffee", 350, "COF"), ("Croissant", 425, "CRO"), ("Lunch special", 1450, "LUNCH")]
DEMO_DEVICE_LOCATION = "DEMO-CAFE"


def _demo_actor() -> Actor | None:
    with read_session() as session:
        user = session.exec(select(User).where(User.email == DEMO_EMAIL)).first()
    return Actor(user.operator_id, user_id=user.id) if user is not None else None


def _demo_location_id(actor: Actor, external_id: str) -> int | None:
    with read_session() as session:
        return session.exec(
            select(Location.id).where(Location.operator_id == actor.operator_id, Location.external_id == external_id)
        ).first()


def _seed_locations(actor: Actor) -> None:
    for fields in _DEMO_LOCATIONS:
        if _demo_location_id(actor, fields["external_id"]) is not None:
            continue
        location = locations.create_location(actor, fields)
        if fields["mode"] == "items":
            for name, price_cents, sku in _DEMO_ITEMS:
                items.create_item(actor, location.id, name=name, price_cents=price_cents, sku=sku)


def seed_demo() -> bool:
    """Create "Demo Downtown" with a few cards and three locations, once; a demo network
    seeded before locations existed gains them. Returns False when it already existed."""
    actor = _demo_actor()
    if actor is not None:
        _seed_locations(actor)
        return False
    operator, user = accounts.sign_up(
        operator_name="Demo Downtown", email=DEMO_EMAIL, password=DEMO_PASSWORD, currency="CAD",
        timezone="America/Toronto", user_name="Demo Owner",
    )
    actor = Actor(operator.id, user_id=user.id)
    for index, (amount_cents, email, name, message) in enumerate(_DEMO_CARDS):
        issued = ledger.issue_card(
            actor, amount_cents, recipient_email=email, recipient_name=name, sender_name="Demo Downtown",
            message=message, idempotency_key=f"demo-card-{index}",
        )
        if index == 1:
            ledger.top_up_card(actor, issued.card.id, 2000, idempotency_key="demo-topup-1")
            ledger.debit_card(actor, issued.card.id, 1850, idempotency_key="demo-debit-1", memo="Demo purchase")
    _seed_locations(actor)
    return True


def demo_activation_link() -> tuple[str, SentLink] | None:
    """A fresh device activation link for the demo café (its older links stop working),
    so a newcomer can open the device side at once; None before `seed_demo`."""
    actor = _demo_actor()
    location_id = _demo_location_id(actor, DEMO_DEVICE_LOCATION) if actor else None
    if location_id is None:
        return None
    location = locations.get_location(actor.operator_id, location_id)
    return location.name, devices.create_activation_link(actor, location_id)
