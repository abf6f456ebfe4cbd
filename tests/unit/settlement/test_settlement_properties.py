"""Properties of settlement over random histories (hypothesis): redemptions at random
locations with random commissions, random voids, batches created and cancelled.

- a batch's totals are always the sum of the net payables it was shown;
- no redemption is ever paid twice: each live batch holds exactly the redemptions
  its lines count, and paid + payable = everything completed;
- cancelling a batch returns its redemptions to payables, line for line;
- downloading a batch's file again gives the same bytes, and file creation numbers
  increase and never repeat.

Each example is a fresh network in the test's database (SQLite and PostgreSQL)."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from app.db import read_session
from app.models import PayoutBatch, PayoutLine, Redemption
from app.models.base import utcnow
from app.services.core.errors import GiftnetError
from app.services.counter import redemptions
from app.services.money import ledger
from app.services.settlement import bank_files, batches, payables, payout_settings
from tests.support.settlement import CA_CPA005_SETTINGS, open_location

LOCATIONS = 3
redemption_plans = st.lists(
    st.tuples(st.integers(0, LOCATIONS - 1), st.integers(1, 4_000), st.booleans()),  # where, how much, voided
    min_size=1, max_size=12,
)
commissions = st.tuples(st.integers(0, 10_000), st.lists(st.one_of(st.none(), st.integers(0, 10_000)),
                                                         min_size=LOCATIONS, max_size=LOCATIONS))
PROPERTY_SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def network(make_operator, operator_bps: int, location_bps: list[int | None]):
    owner = make_operator(currency="CAD")
    payout_settings.update_settings(owner.actor, {"commission_bps": operator_bps,
                                                  "payouts": {"cpa005": CA_CPA005_SETTINGS}})
    places = [open_location(owner, f"Shop {index} {owner.operator.id}", bank_country="CA", institution_number="001",
                            transit_number=f"{10_000 + index}", account_number=f"{1_000_000 + index}",
                            commission_bps=bps)
              for index, bps in enumerate(location_bps)]
    return owner, places


def redeem_plan(owner, places, plan) -> list[tuple[int, int, int, bool]]:
    """(redemption id, location id, amount, voided) for each planned redemption, off one card."""
    card = ledger.issue_card(owner.actor, 100_000)
    made = []
    for where, amount, void in plan:
        redemption = redemptions.redeem(owner.actor, location_id=places[where].id, card_id=card.card.id,
                                        amount_cents=amount).redemption
        if void:
            redemptions.void_redemption(owner.actor, redemption.id)
        made.append((redemption.id, places[where].id, amount, void))
    return made


def expected_lines(made, places, operator_bps: int) -> dict[int, tuple[int, int, int]]:
    """What each location is owed, computed here from the rules: (gross, commission, net)."""
    owed: dict[int, int] = {}
    for _id, location_id, amount, voided in made:
        if not voided:
            owed[location_id] = owed.get(location_id, 0) + amount
    result = {}
    for place in places:
        if place.id in owed:
            bps = place.commission_bps if place.commission_bps is not None else operator_bps
            gross = owed[place.id]
            commission = (gross * bps * 2 + 10_000) // 20_000  # half up, written differently from the service
            result[place.id] = (gross, commission, gross - commission)
    return result


def assert_nothing_paid_twice(operator_id: int) -> None:
    """Each live batch's lines count exactly the redemptions that point at it; none point at a cancelled one."""
    with read_session() as session:
        statuses = dict(session.exec(select(PayoutBatch.id, PayoutBatch.status)
                                     .where(PayoutBatch.operator_id == operator_id)).all())
        held = {(batch_id, location_id): (count, total) for batch_id, location_id, count, total in session.exec(
            select(Redemption.payout_batch_id, Redemption.location_id, func.count(), func.sum(Redemption.amount_cents))
            .where(Redemption.operator_id == operator_id, Redemption.payout_batch_id.is_not(None))
            .group_by(Redemption.payout_batch_id, Redemption.location_id)).all()}
        lines = {(batch_id, location_id): (count, gross) for batch_id, location_id, count, gross in session.exec(
            select(PayoutLine.batch_id, PayoutLine.location_id, PayoutLine.redemption_count, PayoutLine.gross_cents)
            .where(PayoutLine.operator_id == operator_id)).all()}
        voided_in_batch = session.exec(select(func.count()).where(
            Redemption.operator_id == operator_id, Redemption.status == "voided",
            Redemption.payout_batch_id.is_not(None))).one()
    live_lines = {key: value for key, value in lines.items() if statuses[key[0]] != "cancelled"}
    assert held == live_lines
    assert voided_in_batch == 0


@PROPERTY_SETTINGS
@given(plan=redemption_plans, commission=commissions)
@example(plan=[(0, 1_000, False), (1, 600, False), (1, 400, True)], commission=(5, [None, 25, 10_000]))  # half cents
def test_batch_totals_always_equal_the_sum_of_net_payables(make_operator, plan, commission):
    operator_bps, location_bps = commission
    owner, places = network(make_operator, operator_bps, location_bps)
    made = redeem_plan(owner, places, plan)
    expected = expected_lines(made, places, operator_bps)

    preview = payables.payables(owner.operator.id, through=utcnow())
    if not expected:
        assert preview.lines == []
        return
    payout = batches.create_payout(owner.actor, through=utcnow())

    assert {line.location_id: (line.gross_cents, line.commission_cents, line.net_cents) for line in payout.lines} \
        == expected
    shared = list(payables.PayableLine.__dataclass_fields__)  # a batch line also says whether it came back
    assert [line.as_dict() for line in preview.lines] == [
        {name: getattr(line, name) for name in shared} for line in payout.lines]
    assert payout.batch.total_net_cents == sum(net for _gross, _commission, net in expected.values())
    assert payout.batch.total_net_cents == preview.total_net_cents
    assert payout.batch.total_gross_cents == sum(amount for _id, _where, amount, voided in made if not voided)
    assert payout.batch.redemption_count == sum(1 for *_rest, voided in made if not voided)
    assert_nothing_paid_twice(owner.operator.id)


@PROPERTY_SETTINGS
@given(rounds=st.lists(st.tuples(redemption_plans, st.sampled_from(["keep", "cancel", "pay"])), min_size=1,
                       max_size=3),
       commission=commissions)
def test_no_redemption_is_paid_twice_and_cancelling_returns_it_to_payables(make_operator, rounds, commission):
    operator_bps, location_bps = commission
    owner, places = network(make_operator, operator_bps, location_bps)
    made: list = []
    file_numbers: list[int] = []
    for plan, fate in rounds:
        made += redeem_plan(owner, places, plan)
        before = payables.payables(owner.operator.id, through=utcnow())
        try:
            payout = batches.create_payout(owner.actor, through=utcnow())
        except GiftnetError:
            assert before.lines == []  # refused only when nothing was payable
            continue
        bank_file = bank_files.export_bank_file(owner.actor, payout.batch.id, "cpa005") \
            if payout.batch.total_net_cents else None
        if bank_file is not None:
            file_numbers.append(bank_file.file_creation_number)
            again = bank_files.export_bank_file(owner.actor, payout.batch.id, "cpa005")
            assert (again.content, again.file_creation_number) == (bank_file.content, bank_file.file_creation_number)
        assert payables.payables(owner.operator.id, through=utcnow()).lines == []
        if fate == "cancel":
            batches.cancel_payout(owner.actor, payout.batch.id)
            after = payables.payables(owner.operator.id, through=utcnow())
            assert [line.as_dict() for line in after.lines] == [line.as_dict() for line in before.lines]
        elif fate == "pay":
            batches.mark_paid(owner.actor, payout.batch.id)
        assert_nothing_paid_twice(owner.operator.id)

    completed = sum(amount for _id, _where, amount, voided in made if not voided)
    with read_session() as session:
        in_live_batches = session.exec(
            select(func.coalesce(func.sum(PayoutBatch.total_gross_cents), 0))
            .where(PayoutBatch.operator_id == owner.operator.id, PayoutBatch.status != "cancelled")).one()
    still_payable = payables.payables(owner.operator.id, through=utcnow()).total_gross_cents
    assert in_live_batches + still_payable == completed
    assert file_numbers == sorted(set(file_numbers))  # increasing, never repeated
