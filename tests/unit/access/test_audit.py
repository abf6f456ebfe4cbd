"""The audit trail: every operator action leaves exactly one row saying who, what and what
changed, in the action's own transaction; secrets never reach it; rows are never changed
or deleted; and one operator never sees another's."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.db import read_session, write_session
from app.models import ApiKey, AuditEvent
from app.models.base import utcnow
from app.services.access import accounts, api_keys, audit_trail
from app.services.core import audit
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.counter import redemptions
from app.services.messaging import webhooks
from app.services.money import card_emails, ledger
from app.services.network import devices, items, location_import, locations, pos_keys
from app.services.reporting import daily_summary
from app.services.settlement import bank_files, batches, payout_settings
from app.services.shop import orders, shop_settings
from app.services.shop.orders import CartLine
from tests.fakes.bambora import APPROVED_CARD
from tests.support.counter import activate_counter, device_code, open_location
from tests.support.services import refused
from tests.support.settlement import redeem_at, us_network


class Trail:
    """The audit rows written since it was made (all operators), to assert on one action."""

    def __init__(self) -> None:
        self.mark = last_id()

    def new(self) -> list[AuditEvent]:
        with read_session() as session:
            return list(session.exec(select(AuditEvent).where(AuditEvent.id > self.mark).order_by(AuditEvent.id)))

    def one(self) -> AuditEvent:
        rows = self.new()
        assert len(rows) == 1, [(row.action, row.summary) for row in rows]
        self.mark = rows[0].id
        return rows[0]

    def none(self) -> None:
        assert self.new() == []


def last_id() -> int:
    with read_session() as session:
        return session.exec(select(AuditEvent.id).order_by(AuditEvent.id.desc())).first() or 0


def changes(event: AuditEvent) -> dict:
    return json.loads(event.changes)


@pytest.fixture
def owner(make_operator):
    return make_operator("Downtown Association", currency="USD")


# --- signing in and out -------------------------------------------------------------


def test_sign_in_a_wrong_password_and_sign_out_each_leave_one_event_with_the_address(owner):
    trail = Trail()

    refused(accounts.log_in, owner.email, "not the password", ip="203.0.113.9")
    failed = trail.one()
    token = accounts.log_in(owner.email, owner.password, ip="203.0.113.9")
    signed_in = trail.one()
    accounts.log_out(token, ip="203.0.113.9")
    signed_out = trail.one()

    assert [(e.action, e.actor, e.user_id, e.ip) for e in (failed, signed_in, signed_out)] == [
        ("user.sign_in_failed", owner.email, owner.user.id, "203.0.113.9"),
        ("user.signed_in", owner.email, owner.user.id, "203.0.113.9"),
        ("user.signed_out", owner.email, owner.user.id, "203.0.113.9"),
    ]
    assert owner.password not in failed.changes + failed.summary


def test_a_sign_in_attempt_for_an_unknown_email_is_not_an_operators_event(owner):
    trail = Trail()
    refused(accounts.log_in, "nobody@example.com", "whatever password")
    trail.none()


# --- settings -------------------------------------------------------------------------


def test_a_settings_change_records_before_and_after_and_an_account_number_only_by_its_last_4(owner):
    trail = Trail()

    payout_settings.update_settings(owner.actor, {"commission_bps": 250, "payouts": {"nacha": {
        "company_name": "Downtown Assoc", "offset_routing_number": "021000021",
        "offset_account_number": "99887766554"}}})

    event = trail.one()
    assert (event.action, event.actor, event.target_type, event.target_id) == \
        ("settings.changed", owner.email, "operator", str(owner.operator.id))
    assert changes(event) == {
        "commission_bps": [0, 250],
        "payouts.nacha.company_name": [None, "Downtown Assoc"],
        "payouts.nacha.offset_routing_number": [None, "021000021"],
        "payouts.nacha.offset_account_number": [None, "••••6554"],
    }
    assert "99887766554" not in event.changes and "99887766554" not in event.summary


def test_a_secret_entered_again_with_the_same_last_4_still_shows_as_changed(owner):
    nacha = {"offset_routing_number": "021000021", "offset_account_number": "11116554"}
    payout_settings.update_settings(owner.actor, {"payouts": {"nacha": nacha}})
    trail = Trail()

    payout_settings.update_settings(owner.actor, {"payouts": {"nacha": {**nacha, "offset_account_number": "22226554"}}})

    assert changes(trail.one()) == {"payouts.nacha.offset_account_number": ["••••6554", "••••6554 (changed)"]}


def test_a_refused_settings_change_and_a_save_that_changes_nothing_leave_no_event(owner):
    payout_settings.update_settings(owner.actor, {"commission_bps": 100})
    trail = Trail()

    assert refused(payout_settings.update_settings, owner.actor,
                   {"commission_bps": 300, "card_min_cents": 0}).field == "card_min_cents"
    payout_settings.update_settings(owner.actor, {"commission_bps": 100})

    trail.none()
    assert payout_settings.get_settings(owner.operator.id).commission_bps == 100


def test_shop_and_gateway_settings_changes_hide_the_gateway_passcodes(owner, fake_bambora):
    # Saving asks the gateway first: the fake Bambora knows these credentials.
    fake_bambora.merchant_id, fake_bambora.passcode = "300200100", "PAYpasscode-ABCD1234"
    fake_bambora.reporting_passcode = "REPpasscode-WXYZ9876"
    trail = Trail()

    shop_settings.update_shop_settings(owner.actor, {"primary_colour": "#112233", "preset_amounts_cents": [2500, 5000]})
    shop_event = trail.one()
    shop_settings.update_gateway_settings(owner.actor, "bambora", {
        "merchant_id": "300200100", "payments_passcode": "PAYpasscode-ABCD1234",
        "reporting_passcode": "REPpasscode-WXYZ9876", "base_url": fake_bambora.base_url})
    gateway_event = trail.one()

    assert shop_event.action == "shop_settings.changed"
    assert changes(shop_event)["primary_colour"][1] == "#112233"
    assert changes(shop_event)["preset_amounts_cents"][1] == [2500, 5000]
    assert gateway_event.action == "gateway_settings.changed"
    assert changes(gateway_event)["gateway"] == [None, "bambora"]
    assert changes(gateway_event)["bambora.merchant_id"] == [None, "300200100"]
    assert changes(gateway_event)["bambora.payments_passcode"] == [None, "••••1234"]
    assert "passcode-ABCD" not in gateway_event.changes and "passcode-WXYZ" not in gateway_event.changes


def test_the_daily_summary_switch_is_a_settings_change(owner):
    trail = Trail()
    daily_summary.set_enabled(owner.actor, True)
    turned_on = trail.one()
    daily_summary.set_enabled(owner.actor, True)  # already on
    trail.none()
    daily_summary.set_enabled(owner.actor, False)

    assert changes(turned_on) == {"daily_summary": [False, True]}
    assert changes(trail.one()) == {"daily_summary": [True, False]}


def test_a_refused_gateway_change_leaves_no_event(owner):
    trail = Trail()
    assert refused(shop_settings.update_gateway_settings, owner.actor, "forte", {"organization_id": "org_1"}).code \
        == ErrorCode.invalid_input
    trail.none()


# --- keys and webhook endpoints ---------------------------------------------------------


def test_an_api_key_created_and_revoked_is_recorded_by_its_prefix_never_its_secret(owner):
    trail = Trail()

    created = api_keys.create_api_key(owner.operator.id, "Till sync", user_id=owner.user.id)
    created_event = trail.one()
    api_keys.revoke_api_key(owner.operator.id, created.api_key.id, user_id=owner.user.id)
    revoked_event = trail.one()
    api_keys.revoke_api_key(owner.operator.id, created.api_key.id, user_id=owner.user.id)  # already revoked

    trail.none()
    assert [(e.action, e.actor, e.target_id) for e in (created_event, revoked_event)] == [
        ("api_key.created", owner.email, str(created.api_key.id)),
        ("api_key.revoked", owner.email, str(created.api_key.id)),
    ]
    assert created.api_key.prefix in created_event.summary
    assert created.plaintext not in created_event.changes + created_event.summary
    assert changes(revoked_event) == {"revoked": [False, True]}


def test_pos_keys_and_webhook_endpoints_are_recorded_without_their_secrets(owner):
    books = open_location(owner, "Main Street Books")
    trail = Trail()

    pos_key = pos_keys.create_pos_key(owner.actor, books.id, "Counter till")
    pos_created, turned_on = trail.new()  # the first key turns the location's POS payments on, recorded too
    trail.mark = turned_on.id
    assert (turned_on.action, changes(turned_on)) == ("location.pos_payments_enabled",
                                                      {"accepts_pos_payments": [False, True]})
    pos_keys.revoke_pos_key(owner.actor, pos_key.pos_key.id)
    pos_revoked = trail.one()
    endpoint = webhooks.create_endpoint(owner.actor, "https://hooks.example.com/giftnet", ["card.issued"])
    endpoint_created = trail.one()

    assert [e.action for e in (pos_created, pos_revoked, endpoint_created)] == \
        ["pos_key.created", "pos_key.revoked", "webhook.created"]
    assert pos_key.plaintext not in pos_created.changes + pos_created.summary
    assert endpoint.secret not in endpoint_created.changes + endpoint_created.summary
    assert changes(endpoint_created)["url"] == [None, "https://hooks.example.com/giftnet"]


def test_items_added_and_withdrawn_and_a_webhook_sent_again_are_recorded(owner):
    books = open_location(owner, "Main Street Books", mode="items")
    with write_session() as session:
        delivery = webhooks.queue_delivery(session, operator_id=owner.operator.id, event_type="card.issued",
                                           data={"card_id": 1}, url="https://hooks.example.com/x")
    trail = Trail()

    item = items.create_item(owner.actor, books.id, name="Coffee", price_cents=350, sku="COF")
    added = trail.one()
    items.set_item_active(owner.actor, item.id, False)
    withdrawn = trail.one()
    items.set_item_active(owner.actor, item.id, False)  # already withdrawn
    trail.none()
    webhooks.retry_now(owner.actor, delivery.id)
    retried = trail.one()

    assert (added.action, changes(added)) == ("item.created", {"name": [None, "Coffee"], "price_cents": [None, 350],
                                                               "sku": [None, "COF"]})
    assert (withdrawn.action, changes(withdrawn)) == ("item.deactivated", {"active": [True, False]})
    assert (retried.action, retried.target_id) == ("webhook.retried", str(delivery.id))


def test_a_key_driven_freeze_is_recorded_with_the_key_as_actor_but_api_issues_are_not(owner):
    key = api_keys.create_api_key(owner.operator.id, "Back office", user_id=owner.user.id).api_key
    by_key = Actor(owner.operator.id, api_key_id=key.id, channel="api")
    trail = Trail()

    card = ledger.issue_card(by_key, 2500).card  # the ledger and the API log keep this one
    ledger.top_up_card(by_key, card.id, 500)
    trail.none()
    ledger.set_card_frozen(by_key, card.id, True)
    frozen = trail.one()
    ledger.set_card_frozen(by_key, card.id, True)  # already frozen: nothing happened
    trail.none()

    assert (frozen.action, frozen.actor, frozen.user_id, frozen.target_id) == \
        ("card.frozen", f"API key {key.prefix}…", None, str(card.id))
    assert changes(frozen) == {"status": ["active", "frozen"]}


def test_a_dashboard_issue_top_up_and_unfreeze_are_recorded(owner):
    trail = Trail()

    issued = ledger.issue_card(owner.actor, 2500, recipient_email="ada@example.com")
    issue_event = trail.one()
    ledger.top_up_card(owner.actor, issued.card.id, 1000)
    top_up_event = trail.one()
    ledger.set_card_frozen(owner.actor, issued.card.id, True)
    trail.one()
    ledger.set_card_frozen(owner.actor, issued.card.id, False)
    unfrozen = trail.one()

    assert (issue_event.action, issue_event.actor) == ("card.issued", owner.email)
    assert issued.code not in issue_event.changes + issue_event.summary
    assert changes(top_up_event) == {"balance_cents": [2500, 3500]}
    assert changes(unfrozen) == {"status": ["frozen", "active"]}


def test_a_new_card_link_is_recorded_without_the_link(owner):
    card = ledger.issue_card(owner.actor, 2500).card
    trail = Trail()

    link_token = card_emails.rotate_card_link(owner.actor, card.id)

    rotated = trail.one()
    assert (rotated.action, rotated.target_id) == ("card.link_rotated", str(card.id))
    assert link_token not in rotated.changes + rotated.summary


def test_an_order_refund_is_recorded_and_a_refund_the_gateway_refuses_is_undone_on_the_trail(owner, fake_bambora):
    shop_settings.update_gateway_settings(owner.actor, "bambora", {
        "merchant_id": fake_bambora.merchant_id, "payments_passcode": fake_bambora.passcode,
        "reporting_passcode": fake_bambora.reporting_passcode, "base_url": fake_bambora.base_url})
    order = orders.create_order(owner.operator.id, buyer_name="Ada", buyer_email="ada@example.com",
                                lines=[CartLine(kind="card", amount_cents=5000)])
    paid = orders.pay_order(owner.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "click-1")
    trail = Trail()

    orders.refund_line(owner.actor, order.id, paid.lines[0].id, 1000)
    refunded = trail.one()
    fake_bambora.payments.clear()  # the gateway no longer knows the payment
    refused(orders.refund_line, owner.actor, order.id, paid.lines[0].id, 1000)
    started, undone = trail.new()

    assert (refunded.action, refunded.actor, changes(refunded)) == \
        ("order.refunded", owner.email, {"refunded_cents": [0, 1000]})
    assert (started.action, undone.action) == ("order.refunded", "order.refund_undone")
    assert changes(undone) == {"refunded_cents": [2000, 1000]}


def test_a_refused_top_up_leaves_no_event(owner):
    card = ledger.issue_card(owner.actor, 2500).card
    trail = Trail()
    assert refused(ledger.top_up_card, owner.actor, card.id, 10_000_000).code == ErrorCode.amount_out_of_range
    trail.none()


# --- locations and devices ----------------------------------------------------------------


def test_a_location_created_and_updated_shows_the_bank_account_only_by_its_last_4(owner):
    trail = Trail()

    books = locations.create_location(owner.actor, {"name": "Main Street Books", "email": "books@example.com"})
    created = trail.one()
    link_sent = devices.create_activation_link(owner.actor, books.id)
    sent = trail.one()
    locations.update_location(owner.actor, books.id, {"phone": "555-0100", "bank_country": "US",
                                                      "routing_number": "011401533", "account_number": "123456789"})
    updated = trail.one()
    locations.update_location(owner.actor, books.id, {"phone": "555-0100"})  # nothing changes

    trail.none()
    assert (created.action, changes(created)["name"]) == ("location.created", [None, "Main Street Books"])
    assert (sent.action, sent.target_id) == ("activation_link.sent", str(books.id))
    assert link_sent.token not in sent.changes + sent.summary
    assert updated.action == "location.updated"
    assert changes(updated)["phone"] == [None, "555-0100"]
    assert changes(updated)["account_last4"] == [None, "6789"]
    assert "123456789" not in updated.changes and "account_number_encrypted" not in updated.changes


def test_a_csv_import_is_one_event_with_its_counts_and_a_refused_or_dry_run_import_none(owner):
    content = b"name,email\nBooks,books@example.com\nCafe,cafe@example.com\n"
    trail = Trail()

    location_import.import_locations(owner.actor, content, filename="shops.csv", dry_run=True)
    location_import.import_locations(owner.actor, b"name,email\n,not-an-email\n", filename="bad.csv")
    trail.none()
    location_import.import_locations(owner.actor, content, filename="shops.csv")
    imported = trail.one()

    assert (imported.action, imported.target_id) == ("location.imported", "shops.csv")
    assert changes(imported) == {"created": [None, 2], "updated": [None, 0], "rows": [None, 2]}


def test_a_device_activates_as_itself_and_its_revocation_names_the_owner(owner):
    books = open_location(owner, "Main Street Books")
    trail = Trail()

    counter = activate_counter(owner, books, "Front counter")
    sent, activated = trail.new()
    trail.mark = activated.id
    devices.revoke_device(owner.actor, counter.device_id)
    revoked = trail.one()

    assert (sent.action, activated.action, revoked.action) == \
        ("activation_link.sent", "device.activated", "device.revoked")
    assert activated.actor == f"device {device_code(counter)}"
    assert revoked.actor == owner.email and revoked.target_id == str(counter.device_id)


def test_a_void_at_the_counter_is_recorded_with_the_device_as_actor(owner):
    books = open_location(owner, "Main Street Books")
    counter = activate_counter(owner, books)
    card = ledger.issue_card(owner.actor, 5000).card
    receipt = redemptions.redeem(counter, location_id=books.id, card_id=card.id, amount_cents=1200)
    trail = Trail()

    redemptions.void_redemption(counter, receipt.redemption.id)
    voided = trail.one()
    assert refused(redemptions.void_redemption, counter, receipt.redemption.id).code == ErrorCode.conflict

    trail.none()
    assert (voided.action, voided.actor, voided.target_id) == \
        ("redemption.voided", f"device {device_code(counter)}", str(receipt.redemption.id))
    assert changes(voided) == {"status": ["completed", "voided"]}


# --- payouts ---------------------------------------------------------------------------------


def test_a_payout_batch_created_exported_and_paid_leaves_one_event_each(make_operator):
    us = us_network(make_operator)
    redeem_at(us.owner, us.checking, 2000)
    trail = Trail()

    payout = batches.create_payout(us.owner.actor, through=utcnow())
    created = trail.one()
    bank_file = bank_files.export_bank_file(us.owner.actor, payout.batch.id, "nacha")
    exported = trail.one()
    bank_files.export_bank_file(us.owner.actor, payout.batch.id, "nacha")  # the same stored file again
    trail.none()
    batches.mark_paid(us.owner.actor, payout.batch.id)
    paid = trail.one()
    assert refused(batches.cancel_payout, us.owner.actor, payout.batch.id).code == ErrorCode.conflict

    trail.none()
    assert [(e.action, e.target_id) for e in (created, exported, paid)] == [
        ("payout.created", str(payout.batch.id)), ("payout.exported", str(payout.batch.id)),
        ("payout.paid", str(payout.batch.id))]
    assert changes(exported) == {"status": ["draft", "exported"], "file": [None, bank_file.filename]}
    assert changes(paid) == {"status": ["exported", "paid"]}


def test_a_cancelled_payout_is_recorded_and_a_failed_batch_is_not(make_operator):
    us = us_network(make_operator)
    trail = Trail()
    assert refused(batches.create_payout, us.owner.actor, through=utcnow()).code == ErrorCode.conflict
    trail.none()

    redeem_at(us.owner, us.checking, 2000)
    trail = Trail()
    payout = batches.create_payout(us.owner.actor, through=utcnow())
    trail.one()
    batches.cancel_payout(us.owner.actor, payout.batch.id)

    cancelled = trail.one()
    assert (cancelled.action, changes(cancelled)) == ("payout.cancelled", {"status": ["draft", "cancelled"]})


# --- the record itself -------------------------------------------------------------------------


def test_an_event_rolls_back_with_the_action_it_describes(owner):
    trail = Trail()
    with pytest.raises(RuntimeError), write_session() as session:
        audit.record(session, owner.actor, "settings.changed", summary="never committed")
        raise RuntimeError("the action failed after recording")
    trail.none()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET summary = 'rewritten'",
    "DELETE FROM audit_event",
])
def test_the_trail_refuses_update_and_delete(owner, statement):
    with write_session() as session:
        audit.record(session, owner.actor, "settings.changed", summary="as it happened")
    with pytest.raises(Exception, match="append-only"), write_session() as session:
        session.execute(text(statement))
    assert [event.summary for event in audit_trail.list_events(owner.actor).events] == ["as it happened"]


def test_secrets_are_masked_whatever_the_caller_passes(owner):
    with write_session() as session:
        event = audit.record(session, owner.actor, "settings.changed", changes={
            "password": ["old password 1", "new password 2"],
            "api_secret": [None, "sk_live_abcdefgh1234"],
            "bank": [{"account_number": "000123456789"}, {"account_number": "000987654321"}],
            "name": ["Old", "New"],
            "accounts": [[], [{"owner": "Ada", "account_number": "000555566667777"}]],
        })
    assert changes(event) == {
        "password": ["••••", "•••• (changed)"],
        "api_secret": [None, "••••1234"],
        "bank": [{"account_number": "••••6789"}, {"account_number": "••••4321"}],
        "name": ["Old", "New"],
        "accounts": [[], [{"owner": "Ada", "account_number": "••••7777"}]],
    }


def test_diff_keeps_only_what_changed_in_the_order_given():
    assert audit.diff({"a": 1, "b": 2, "token": "x" * 12}, {"a": 1, "b": 3, "token": "y" * 12}) == {
        "b": [2, 3], "token": ["••••xxxx", "••••yyyy"]}


def test_a_malformed_change_is_refused_as_a_programming_error(owner):
    with pytest.raises(ValueError, match="before, after"), write_session() as session:
        audit.record(session, owner.actor, "settings.changed", changes={"name": "only one value"})


# --- reading: filters, paging, tenancy --------------------------------------------------------


def record_many(actor: Actor, actions: list[str]) -> None:
    with write_session() as session:
        for index, action in enumerate(actions):
            audit.record(session, actor, action, target_type="card", target_id=index, summary=f"{action} #{index}")


def test_pages_go_newest_first_by_keyset_and_end(owner):
    record_many(owner.actor, ["card.frozen"] * 5)

    first = audit_trail.list_events(owner.actor, limit=2)
    second = audit_trail.list_events(owner.actor, limit=2, cursor=first.next_cursor)
    third = audit_trail.list_events(owner.actor, limit=2, cursor=second.next_cursor)

    ids = [event.id for page in (first, second, third) for event in page.events]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5
    assert third.next_cursor is None
    assert refused(audit_trail.list_events, owner.actor, cursor="³").field == "cursor"
    assert refused(audit_trail.list_events, owner.actor, limit=0).field == "limit"


def test_filters_by_action_family_actor_target_and_dates(owner):
    key = api_keys.create_api_key(owner.operator.id, "Back office", user_id=owner.user.id).api_key
    by_key = Actor(owner.operator.id, api_key_id=key.id, channel="api")
    record_many(owner.actor, ["card.frozen", "card.unfrozen", "settings.changed"])
    record_many(by_key, ["card.frozen"])
    now = utcnow()

    def actions(**filters) -> list[str]:
        return [event.action for event in audit_trail.list_events(owner.actor, **filters).events]

    assert actions(action="card.") == ["card.frozen", "card.unfrozen", "card.frozen"]
    assert actions(action="card.frozen") == ["card.frozen", "card.frozen"]
    assert actions(who=f"API key {key.prefix}…") == ["card.frozen"]
    assert actions(user_id=owner.user.id, action="card.") == ["card.unfrozen", "card.frozen"]
    assert actions(target="card:1") == ["card.unfrozen"]
    assert actions(until=now - timedelta(hours=1)) == []
    assert len(actions(since=now - timedelta(hours=1), until=now + timedelta(seconds=1))) == 5
    assert refused(audit_trail.list_events, owner.actor, since=now, until=now - timedelta(days=1)).field == "since"
    choices = audit_trail.filter_choices(owner.actor)
    assert choices.actions == ["api_key.created", "card.frozen", "card.unfrozen", "settings.changed"]
    assert choices.actors == sorted([owner.email, f"API key {key.prefix}…"], key=str.lower)


def test_the_menus_offer_actions_and_people_older_than_the_recent_window(owner, monkeypatch):
    record_many(owner.actor, ["payout.paid", "custom.thing"])
    device = Actor(owner.operator.id, channel="system")
    record_many(device, ["card.frozen"] * 3)
    monkeypatch.setattr(audit_trail, "CHOICES_WINDOW", 2)

    choices = audit_trail.filter_choices(owner.actor)

    assert choices.actions == ["card.frozen", "custom.thing", "payout.paid"]
    assert choices.actors == sorted([owner.email, "system"], key=str.lower)  # people: the window, the team
    assert [event.action for event in audit_trail.list_events(owner.actor, action="custom.").events] == ["custom.thing"]
    assert audit_trail.list_events(owner.actor, action="device.").events == []


def test_one_operator_never_sees_anothers_events(make_operator):
    alpha, beta = make_operator("Alpha Network"), make_operator("Beta Network")
    record_many(alpha.actor, ["card.frozen", "settings.changed"])
    api_keys.create_api_key(alpha.operator.id, "Alpha's key", user_id=alpha.user.id)

    assert audit_trail.list_events(beta.actor).events == []
    assert audit_trail.list_events(beta.actor, action="card.").events == []
    assert audit_trail.filter_choices(beta.actor) == audit_trail.FilterChoices(actions=[], actors=[beta.email])
    assert not audit_trail.has_events(beta.actor) and audit_trail.has_events(alpha.actor)
    assert audit_trail.events_csv(beta.actor, "America/Toronto").count("\n") == 1  # the header alone
    alpha_first = audit_trail.list_events(alpha.actor).events[-1].id
    assert audit_trail.list_events(beta.actor, cursor=alpha_first + 1).events == []
    assert len(audit_trail.list_events(alpha.actor).events) == 3


def test_the_csv_has_local_times_and_defuses_spreadsheet_formulas(owner):
    with write_session() as session:
        audit.record(session, owner.actor, "location.updated", summary="=HYPERLINK(\"http://evil\")")
    lines = audit_trail.events_csv(owner.actor, "America/Toronto").splitlines()
    assert lines[0].startswith("id,when (America/Toronto),who,action")
    assert owner.email in lines[1] and "'=HYPERLINK" in lines[1]


def test_unknown_api_key_or_user_labels_still_name_the_actor(owner):
    with write_session() as session:
        label = audit.actor_label(session, Actor(owner.operator.id, api_key_id=999_999, channel="api"))
        system = audit.actor_label(session, Actor(owner.operator.id, channel="system"))
        assert session.exec(select(ApiKey).where(ApiKey.id == 999_999)).first() is None
    assert (label, system) == ("API key #999999", "system")


def test_an_invalid_action_name_is_refused(owner):
    with pytest.raises(ValueError), write_session() as session:
        audit.record(session, owner.actor, "")
    assert isinstance(refused(audit_trail.list_events, owner.actor, limit=500), GiftnetError)
