"""The demo network loaded on first `make run`, so a newcomer has something to look at."""

from __future__ import annotations

from sqlmodel import select

from app.db import read_session
from app.models import User
from app.services import accounts, ledger
from app.services.actor import Actor

DEMO_EMAIL = "demo@giftnet.local"
DEMO_PASSWORD = "demo-downtown-2026"

_DEMO_CARDS = [
    (2500, "alex@example.com", "Alex Martin", "Happy birthday!"),
    (5000, "sam@example.com", "Sam Roy", "Thanks for everything"),
    (10000, None, None, None),
    (7500, "jo@example.com", "Jo Tremblay", "Enjoy downtown"),
]


def seed_demo() -> bool:
    """Create "Demo Downtown" with a few cards, once. Returns False when it already exists."""
    with read_session() as session:
        if session.exec(select(User.id).where(User.email == DEMO_EMAIL)).first() is not None:
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
    return True
