"""A location's detail screen, as services: its redemptions a page at a time, what it is
owed now (payables) and the payout lines it was paid in (on SQLite and PostgreSQL). Another
operator's location is not found."""

from __future__ import annotations

import pytest

from app.services.core.errors import ErrorCode, GiftnetError
from app.services.counter import redemptions
from app.services.network import locations
from app.services.settlement import batches, payables
from tests.support.settlement import open_location, redeem_at, us_network


@pytest.fixture
def us(make_operator):
    return us_network(make_operator)


def test_a_locations_redemptions_come_newest_first_a_page_at_a_time(us):
    made = redeem_at(us.owner, us.checking, 700, 800, 900, 1000, 1100)
    redeem_at(us.owner, us.savings, 1200)  # another location's: never on this list
    seen, cursor = [], None
    while True:
        page = locations.redemption_page(us.owner.operator.id, us.checking.id, limit=2, cursor=cursor)
        seen += [redemption.id for redemption, _last4, _device in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [redemption.id for redemption in reversed(made)]


def test_payables_are_what_the_location_is_owed_now_and_leave_with_a_batch(us):
    owner = us.owner
    assert payables.location_payable(owner.operator.id, us.checking.id).redemption_count == 0
    done = redeem_at(owner, us.checking, 2000, 3000, 5000)
    redeem_at(owner, us.savings, 4000)
    redemptions.void_redemption(owner.actor, done[2].id)  # voided: not owed

    owed = payables.location_payable(owner.operator.id, us.checking.id)
    preview = {line.location_id: line for line in payables.payables(owner.operator.id, "2999-01-01").lines}
    assert (owed.redemption_count, owed.gross_cents) == (2, 5000)
    assert owed == preview[us.checking.id]  # the same line a batch made now would give it
    assert owed.commission_cents + owed.net_cents == 5000

    batch = batches.create_payout(owner.actor, "2999-01-01").batch
    assert payables.location_payable(owner.operator.id, us.checking.id).gross_cents == 0
    redeem_at(owner, us.checking, 1500)
    assert payables.location_payable(owner.operator.id, us.checking.id).gross_cents == 1500

    paid = payables.location_payouts(owner.operator.id, us.checking.id)
    assert [(p.batch_id, p.status, p.gross_cents, p.net_cents) for p in paid.payouts] == [
        (batch.id, "draft", 5000, owed.net_cents)]
    assert paid.next_cursor is None
    assert [p.batch_id for p in payables.location_payouts(owner.operator.id, us.unbanked.id).payouts] == []


def test_payout_lines_are_paged_newest_first_with_the_batch_status(us):
    owner = us.owner
    batch_ids = []
    for amount in (1000, 2000, 3000):
        redeem_at(owner, us.checking, amount)
        batch_ids.append(batches.create_payout(owner.actor, "2999-01-01").batch.id)
    batches.cancel_payout(owner.actor, batch_ids[0])
    first = payables.location_payouts(owner.operator.id, us.checking.id, limit=2)
    rest = payables.location_payouts(owner.operator.id, us.checking.id, limit=2, cursor=first.next_cursor)
    assert [p.batch_id for p in first.payouts + rest.payouts] == list(reversed(batch_ids))
    assert [p.status for p in rest.payouts] == ["cancelled"] and rest.next_cursor is None
    # The cancelled batch's redemption is owed again.
    assert payables.location_payable(owner.operator.id, us.checking.id).gross_cents == 1000


def test_another_operators_location_is_not_found_for_its_money(us, make_operator):
    stranger = make_operator("Elsewhere")
    theirs = open_location(stranger, "Their Shop")
    redeem_at(us.owner, us.checking, 900)
    for call in (lambda: payables.location_payable(stranger.operator.id, us.checking.id),
                 lambda: payables.location_payouts(stranger.operator.id, us.checking.id),
                 lambda: locations.redemption_page(stranger.operator.id, us.checking.id),
                 lambda: payables.location_payable(us.owner.operator.id, theirs.id)):
        with pytest.raises(GiftnetError) as refused:
            call()
        assert refused.value.code == ErrorCode.not_found
