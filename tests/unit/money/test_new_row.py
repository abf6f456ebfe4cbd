"""`new_row` builds the money path's rows without the model constructor: the same values, defaults included."""

from __future__ import annotations

from app.models import Card, LedgerEntry, Redemption
from app.models.base import new_row, utcnow
from app.models.card import CardChannel


def test_a_new_row_holds_what_the_constructor_would_defaults_included():
    now = utcnow()
    given = {
        Card: {"operator_id": 1, "code_hash": "h", "code_encrypted": "e", "last4": "QRST", "link_token_hash": "lh",
               "link_token_encrypted": "le", "currency": "CAD", "balance_cents": 2500, "initial_amount_cents": 2500,
               "channel": CardChannel.api, "created_at": now, "updated_at": now},
        Redemption: {"operator_id": 1, "card_id": 2, "location_id": 3, "kind": "amount", "amount_cents": 500,
                     "balance_after_cents": 2000, "created_at": now},
        LedgerEntry: {"operator_id": 1, "card_id": 2, "kind": "redeem", "amount_cents": -500,
                      "balance_after_cents": 2000, "created_at": now},
    }
    for model, values in given.items():
        built, constructed = new_row(model, **values), model(**values)
        assert type(built) is model
        assert built.model_dump() == constructed.model_dump(), model.__name__
        assert built.id is None and built.operator_id == 1


def test_a_new_row_gets_fresh_defaults_each_time():
    first, second = new_row(Redemption, operator_id=1, card_id=2, location_id=3, kind="amount", amount_cents=1,
                            balance_after_cents=0), new_row(Redemption, operator_id=1, card_id=2, location_id=3,
                                                            kind="amount", amount_cents=1, balance_after_cents=0)
    assert first.created_at <= second.created_at and first is not second


def test_a_new_row_works_in_a_fresh_process_before_any_model_was_constructed():
    """The constructor's first call wires the mappers' attributes; `new_row` must not depend on it."""
    import subprocess
    import sys

    script = ("from app.models import Redemption\nfrom app.models.base import new_row\n"
              "row = new_row(Redemption, operator_id=1, card_id=2, location_id=3, kind='amount', amount_cents=5, "
              "balance_after_cents=0)\nprint(row.location_id, row.amount_cents)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3", "5"]
