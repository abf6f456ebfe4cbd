"""A known history for the dashboard and report tests, written straight into the
tables with chosen times (the services stamp `now`; these rows need the past).

Network in America/Toronto (UTC-4 in June), "now" = 2025-06-15 16:00 UTC (noon local):
- card A: issued $100.00 on 2024-03-01 (older than 12 months), $40.00 redeemed at
  Bakery by device D1 on 2024-05-01; balance $60.00.
- card B: issued $50.00 on 2025-06-01 03:30 UTC, which is still May 31 locally (the
  operator's calendar decides); topped up $25.00 on June 10; $30.00 redeemed at Bakery
  on June 14 and voided an hour later; $12.34 redeemed at Florist on June 15;
  balance $62.66.
- card C: issued $20.00 on June 15 00:30 local (04:30 UTC, today); $20.00 redeemed at
  Florist the same day; balance $0.00.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from app.db import write_session
from app.models import Card, Device, LedgerEntry, Location

NOW = datetime(2025, 6, 15, 16, 0, tzinfo=UTC)


@dataclass
class History:
    operator_id: int
    card_ids: dict[str, int]
    bakery_id: int
    florist_id: int
    device_id: int


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def seed_history(operator_id: int, currency: str = "CAD") -> History:
    with write_session() as session:
        bakery = Location(operator_id=operator_id, name="Bakery", email="bakery@example.com")
        florist = Location(operator_id=operator_id, name="Florist", email="florist@example.com")
        session.add(bakery)
        session.add(florist)
        session.flush()
        device = Device(operator_id=operator_id, location_id=bakery.id, code="DV-TEST-D1", name="D1",
                        secret_hash=secrets.token_hex(32), activated_at=_at("2024-02-01 12:00"))
        session.add(device)
        session.flush()
        plan = {
            "A": ("2024-03-01 15:00", 10_000, "dashboard", [
                ("redeem", -4_000, "2024-05-01 15:00", bakery.id, device.id),
            ]),
            "B": ("2025-06-01 03:30", 5_000, "api", [
                ("topup", 2_500, "2025-06-10 14:00", None, None),
                ("redeem", -3_000, "2025-06-14 12:00", bakery.id, device.id),
                ("void", 3_000, "2025-06-14 13:00", bakery.id, device.id),
                ("redeem", -1_234, "2025-06-15 14:00", florist.id, None),
            ]),
            "C": ("2025-06-15 04:30", 2_000, "shop", [
                ("redeem", -2_000, "2025-06-15 15:00", florist.id, None),
            ]),
        }
        card_ids = {}
        for name, (issued_at, amount, channel, moves) in plan.items():
            balance = amount + sum(move[1] for move in moves)
            card = Card(
                operator_id=operator_id, code_hash=secrets.token_hex(32), code_encrypted="x", last4=f"000{len(card_ids)}",
                link_token_hash=secrets.token_hex(32), link_token_encrypted="x", currency=currency,
                balance_cents=balance, initial_amount_cents=amount, channel=channel,
                created_at=_at(issued_at), updated_at=_at(issued_at),
            )
            session.add(card)
            session.flush()
            card_ids[name] = card.id
            running = amount
            session.add(LedgerEntry(operator_id=operator_id, card_id=card.id, kind="issue", amount_cents=amount,
                                    balance_after_cents=running, created_at=_at(issued_at)))
            for kind, cents, at, location_id, device_id in moves:
                running += cents
                session.add(LedgerEntry(operator_id=operator_id, card_id=card.id, kind=kind, amount_cents=cents,
                                        balance_after_cents=running, location_id=location_id, device_id=device_id,
                                        created_at=_at(at)))
            session.flush()
        return History(operator_id, card_ids, bakery.id, florist.id, device.id)
