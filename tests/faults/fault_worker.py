"""A worker process for the fault tests, killed by them at a random moment.

    python tests/faults/fault_worker.py redeem  plan.json   # many redemptions in flight at once
    python tests/faults/fault_worker.py payout  plan.json   # payout batches cancelled and created in turn

It prints `ready` once its imports are done (so that the test's random delay falls in
the work, not in Python's start-up), then does the work through the real services on
DATABASE_URL, and exits 0 when everything answered as the services promise.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from app.db import read_session
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.counter import redemptions
from app.services.settlement import batches


def ready() -> None:
    with read_session() as session:  # connected: the test's delay now falls in the work
        session.exec(text("SELECT 1"))
    print("ready", flush=True)


def redeem(plan: dict) -> None:
    """Every planned redemption (card, amount, idempotency key), `threads` at a time."""
    actor = Actor(plan["operator_id"], user_id=plan["user_id"], channel="api")

    def one(op: dict) -> None:
        redemptions.redeem(actor, location_id=op["location_id"], card_id=op["card_id"],
                           amount_cents=op["amount_cents"], idempotency_key=op["key"])

    ready()
    with ThreadPoolExecutor(max_workers=plan["threads"]) as pool:
        for future in [pool.submit(one, op) for op in plan["ops"]]:
            future.result()


def payout(plan: dict) -> None:
    """Again and again: cancel the draft batch there is (as an operator fixing a batch
    would), then create a batch of everything payable. The last batch stays."""
    actor = Actor(plan["operator_id"], user_id=plan["user_id"])
    ready()
    for _ in range(plan["rounds"]):
        for draft in batches.list_payouts(plan["operator_id"], status="draft").batches:
            batches.cancel_payout(actor, draft.id)
        try:
            batches.create_payout(actor, plan["through"])
        except GiftnetError as error:
            if error.code != ErrorCode.conflict:  # "nothing to pay" only if a batch already holds it all
                raise


if __name__ == "__main__":
    job, plan_path = sys.argv[1], sys.argv[2]
    with open(plan_path) as plan_file:
        loaded = json.load(plan_file)
    {"redeem": redeem, "payout": payout}[job](loaded)
