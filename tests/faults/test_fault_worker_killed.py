"""A worker killed with SIGKILL in the middle of its work, on SQLite and on PostgreSQL,
and the backend itself killed in the middle of API calls.

The work runs in a process of its own (tests/faults/fault_worker.py, the real
services on the test's database). The test kills it after a random delay, several
rounds in a row, and after every kill checks what must hold: the ledger balances,
no redemption without its ledger row or the reverse, every payout batch whole or
absent. Then the same requests are run again with the same idempotency keys, to the
end: each moves money exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlmodel import func, select

from app.db import read_session, write_session
from app.models import IdempotencyRecord, LedgerEntry, PayoutBatch, Redemption
from app.models.base import utcnow
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.counter import redemptions
from app.services.money import idempotency, ledger
from app.services.settlement import batches
from tests.support.backend import Backend, services_on
from tests.support.faults import Worker, assert_money_is_consistent
from tests.support.settlement import ca_network, redeem_at

KILL_ROUNDS = 3
CARD_VALUE = 20_000


def redemption_count(operator_id: int) -> int:
    with read_session() as session:
        return session.exec(select(func.count(Redemption.id)).where(Redemption.operator_id == operator_id)).one()


def batch_count(operator_id: int) -> int:
    with read_session() as session:
        return session.exec(select(func.count(PayoutBatch.id)).where(PayoutBatch.operator_id == operator_id)).one()


def test_redemptions_in_flight_when_the_worker_is_killed_are_whole_or_absent_and_retries_move_money_once(
        make_operator, tmp_path):
    seed = random.randrange(1_000_000)
    chance = random.Random(seed)
    network = ca_network(make_operator)
    owner = network.owner
    # 192 redemptions (at most 8 x 1,999 cents per card): enough that even the last round is
    # killed before the end, however fast the debit statement (a kill lands ~5-35 ms after its mark).
    cards = [ledger.issue_card(owner.actor, CARD_VALUE).card for _ in range(24)]
    ops = [
        {"card_id": card.id, "location_id": chance.choice([network.checking.id, network.savings.id]),
         "amount_cents": chance.randrange(100, 2_000), "key": f"redeem-{card.id}-{n}"}
        for card in cards for n in range(8)
    ]
    chance.shuffle(ops)
    plan = {"operator_id": owner.operator.id, "user_id": owner.user.id, "threads": 8, "ops": ops}

    progress = []
    for round_number in range(KILL_ROUNDS):
        # Each round gets further: killed once a random share more of the work is done,
        # a random few milliseconds later (8 redemptions are in flight at any moment).
        target = redemption_count(owner.operator.id) + chance.randrange(1, len(ops) // (KILL_ROUNDS + 1))
        worker = start_worker(plan, tmp_path)
        worker.wait_ready()
        killed = worker.kill_when(lambda: redemption_count(owner.operator.id) >= target,  # noqa: B023
                                  extra_seconds=chance.uniform(0, 0.03))
        progress.append((killed, redemption_count(owner.operator.id)))
        assert_money_is_consistent(owner.operator.id)

    assert all(killed and 0 < done < len(ops) for killed, done in progress), (seed, progress)
    start_worker(plan, tmp_path).finish()  # the same requests, the same keys, to the end

    assert_money_is_consistent(owner.operator.id)
    assert redemption_count(owner.operator.id) == len(ops)
    with read_session() as session:
        keys = session.exec(select(LedgerEntry.idempotency_key).where(
            LedgerEntry.operator_id == owner.operator.id, LedgerEntry.kind == "redeem")).all()
    assert sorted(keys) == sorted(op["key"] for op in ops)  # each key moved money exactly once
    for card in cards:
        spent = sum(op["amount_cents"] for op in ops if op["card_id"] == card.id)
        assert ledger.balance_of(owner.operator.id, card.id) == CARD_VALUE - spent

    # Once more from this process: every call answers its first result and moves nothing.
    for op in ops[:10]:
        again = redemptions.redeem(owner.actor, location_id=op["location_id"], card_id=op["card_id"],
                                   amount_cents=op["amount_cents"], idempotency_key=op["key"])
        assert again.replayed and again.redemption.amount_cents == op["amount_cents"]
    assert redemption_count(owner.operator.id) == len(ops)
    assert_money_is_consistent(owner.operator.id)


def test_a_payout_batch_interrupted_by_a_kill_exists_whole_or_not_at_all(make_operator, tmp_path):
    seed = random.randrange(1_000_000)
    chance = random.Random(seed)
    network = ca_network(make_operator)
    owner = network.owner
    paid_here = redeem_at(owner, network.checking, *[chance.randrange(100, 5_000) for _ in range(15)])
    paid_here += redeem_at(owner, network.savings, *[chance.randrange(100, 5_000) for _ in range(15)])
    unbanked = redeem_at(owner, network.unbanked, 700, 800)
    through = (utcnow() + timedelta(minutes=1)).isoformat()
    plan = {"operator_id": owner.operator.id, "user_id": owner.user.id, "rounds": 40, "through": through}

    kills = 0
    for _ in range(KILL_ROUNDS):
        # Killed once a random number of batches more exist, a random moment later: in a
        # create, in a cancel, or between the two.
        target = batch_count(owner.operator.id) + chance.randrange(1, 12)
        worker = start_worker(plan, tmp_path, job="payout")
        worker.wait_ready()
        kills += worker.kill_when(lambda: batch_count(owner.operator.id) >= target,  # noqa: B023
                                  extra_seconds=chance.uniform(0, 0.05))
        assert_money_is_consistent(owner.operator.id)
        live = batches.list_payouts(owner.operator.id, status="draft").batches
        assert len(live) <= 1, (seed, [batch.id for batch in live])  # the cancel and the create never overlap
    assert kills == KILL_ROUNDS, seed

    start_worker(plan, tmp_path, job="payout").finish()  # run again to the end

    assert_money_is_consistent(owner.operator.id)
    [batch] = batches.list_payouts(owner.operator.id, status="draft").batches
    assert batch.total_gross_cents == sum(r.amount_cents for r in paid_here)
    assert batch.redemption_count == len(paid_here)
    with read_session() as session:
        held = {r.id for r in session.exec(select(Redemption).where(Redemption.payout_batch_id == batch.id))}
        batch_total = session.exec(select(func.count(PayoutBatch.id)).where(
            PayoutBatch.operator_id == owner.operator.id)).one()
    assert held == {r.id for r in paid_here} and not held & {r.id for r in unbanked}
    assert batch_total >= 2  # the kills left cancelled batches behind, and only those
    with pytest.raises(GiftnetError) as nothing_left:
        batches.create_payout(owner.actor, through)  # a retry pays nobody twice
    assert nothing_left.value.code == ErrorCode.conflict


def start_worker(plan: dict, tmp_path, job: str = "redeem") -> Worker:
    from app.settings import get_settings

    return Worker(get_settings().database_url, job, plan, tmp_path)


def test_the_backend_killed_mid_request_moves_money_once_when_clients_retry_with_their_keys():
    backend = Backend("killed")
    backend.start()
    try:
        shop = backend.new_operator("Killed Network")
        location = shop.add_location("Main Street Books")
        card_ids = [shop.issue(20_000)["id"] for _ in range(6)]
        sent: list[tuple[int, str]] = []  # (card, key) of every request that left, answered or not
        lock, stop = threading.Lock(), threading.Event()

        def client(card_id: int) -> None:
            with backend.client(shop.api_key) as http:
                while not stop.is_set():
                    key = f"kill-{card_id}-{uuid.uuid4()}"
                    with lock:
                        sent.append((card_id, key))
                    try:
                        http.post("/redemptions", headers={"Idempotency-Key": key}, json={
                            "card_id": card_id, "location_id": location["id"], "amount_cents": 100})
                    except httpx.HTTPError:
                        return  # the backend died under this request: its outcome is unknown

        threads = [threading.Thread(target=client, args=(card_id,)) for card_id in card_ids]
        for thread in threads:
            thread.start()
        time.sleep(random.uniform(1.0, 2.5))
        os.killpg(backend.process.pid, signal.SIGKILL)  # the whole server, no shutdown of any kind
        backend.process.wait(timeout=30)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

        backend.start()  # the same database and port, as a supervisor would restart it
        with services_on(backend.database_url):
            assert_money_is_consistent(shop.id)
            # A claim held by the killed process is taken over after STALE_AFTER (409 until
            # then); age them instead of waiting the minute.
            with write_session() as session:
                held = session.exec(select(IdempotencyRecord).where(IdempotencyRecord.state == "in_flight")).all()
                for record in held:
                    record.created_at -= idempotency.STALE_AFTER + timedelta(seconds=1)
                    session.add(record)

        with backend.client(shop.api_key) as http:
            for card_id, key in sent:  # every request again, with its key
                body = {"card_id": card_id, "location_id": location["id"], "amount_cents": 100}
                retried = http.post("/redemptions", headers={"Idempotency-Key": key}, json=body)
                assert retried.status_code == 201, (retried.text, backend.log_path.read_text()[-5000:])
                again = http.post("/redemptions", headers={"Idempotency-Key": key}, json=body)
                assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
                assert again.json()["id"] == retried.json()["id"]

        with services_on(backend.database_url):
            assert_money_is_consistent(shop.id)
            assert redemption_count(shop.id) == len(sent)  # one redemption per key, none twice
            for card_id in card_ids:
                keys = sum(1 for sent_card, _key in sent if sent_card == card_id)
                assert ledger.balance_of(shop.id, card_id) == 20_000 - 100 * keys
    finally:
        backend.stop()
