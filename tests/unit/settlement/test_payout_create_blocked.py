"""Payout set-up (issue 17): no batch before its bank file can be written. While the originator
settings a network's file needs are missing, the Settlements screen disables Create with
`readiness.file_blocker`'s sentence, and the service refuses with the same sentence."""

from __future__ import annotations

from app.models.base import utcnow
from app.services.core.errors import ErrorCode
from app.services.settlement import batches, payout_settings, readiness
from tests.support.services import refused
from tests.support.settlement import US_NACHA_SETTINGS, open_location, redeem_at


def test_a_batch_waits_for_the_bank_file_settings_and_says_which_are_missing(make_operator):
    owner = make_operator("Harbour Town", currency="USD")
    books = open_location(owner, "Books on Main", bank_country="US", routing_number="011401533",
                          account_number="123456789", account_type="checking")
    redeem_at(owner, books, 1_000)

    reason = readiness.file_blocker(readiness.bank_file_readiness(owner.operator.id))
    assert reason.startswith("A batch needs its bank file settings first, and these are missing: NACHA settings: ")
    assert "The NACHA company ID is missing." in reason and reason.endswith("Fill them in on the Settings screen.")

    error = refused(batches.create_payout, owner.actor, through=utcnow(), require_bank_file=True)
    assert error.code == ErrorCode.conflict and error.message == reason

    payout_settings.update_settings(owner.actor, {"payouts": {"nacha": US_NACHA_SETTINGS}})
    assert readiness.file_blocker(readiness.bank_file_readiness(owner.operator.id)) == ""
    detail = batches.create_payout(owner.actor, through=utcnow(), require_bank_file=True)
    assert detail.batch.id and [line.location_id for line in detail.lines] == [books.id]


def test_a_location_without_bank_details_does_not_block_the_batch(make_operator):
    owner = make_operator("Harbour Town", currency="USD")
    payout_settings.update_settings(owner.actor, {"payouts": {"nacha": US_NACHA_SETTINGS}})
    open_location(owner, "Flower Stand")  # left out of a batch, named in the checklist, not a blocker
    checklist = readiness.bank_file_readiness(owner.operator.id)
    assert not checklist.ready and readiness.file_blocker(checklist) == ""
