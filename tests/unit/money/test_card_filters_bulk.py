"""The Cards screen's filters and bulk actions, as services: what an operator finds with
status, balance range, issue dates and channel, and what freezing, unfreezing and
resending emails in bulk does (on SQLite and PostgreSQL). Operator B's cards are never
selected, counted or changed, even when their ids are submitted."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.db import read_session, write_session
from app.models import AuditEvent, Card, OutboxMessage
from app.services.core import events
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.money import card_emails, cards, ledger

TORONTO = "America/Toronto"


def _issued_at(card_id: int, moment: datetime) -> None:
    with write_session() as session:
        session.execute(update(Card).where(Card.id == card_id).values(created_at=moment))


def _ids(page: cards.CardPage) -> list[int]:
    return [card.id for card in page.cards]


@pytest.fixture
def network(make_operator):
    """Operator A with six cards of every kind; operator B with two of its own."""
    first, second = make_operator("Downtown A"), make_operator("Uptown B")
    a = first.actor
    made = {
        "dashboard_50": ledger.issue_card(a, 5000, recipient_email="sam@example.com").card,
        "api_20": ledger.issue_card(Actor(a.operator_id, channel="api"), 2000).card,
        "shop_100": ledger.issue_card(Actor(a.operator_id, channel="shop"), 10000, recipient_email="kim@example.com").card,
        "frozen_75": ledger.issue_card(a, 7500, recipient_email="lee@example.com").card,
        "empty": ledger.issue_card(a, 1000).card,
        "old_30": ledger.issue_card(a, 3000).card,
    }
    ledger.set_card_frozen(a, made["frozen_75"].id, True)
    ledger.debit_card(a, made["empty"].id, 1000)
    # Issued on 2026-03-10 at 23:30 in Toronto: already the 11th in UTC.
    _issued_at(made["old_30"].id, datetime(2026, 3, 11, 3, 30, tzinfo=UTC))
    theirs = [ledger.issue_card(second.actor, 5000, recipient_email="b@example.com").card,
              ledger.issue_card(second.actor, 0 + 2000).card]
    ledger.set_card_frozen(second.actor, theirs[1].id, True)
    return first, second, {name: card.id for name, card in made.items()}, [card.id for card in theirs]


def test_each_filter_finds_the_cards_an_operator_expects(network):
    first, _second, ids, _theirs = network
    operator_id = first.operator.id

    def found(**parts) -> set[int]:
        return set(_ids(cards.list_cards(operator_id, filters=cards.card_filter(timezone=TORONTO, **parts))))

    assert found(status="frozen") == {ids["frozen_75"]}
    assert found(status="active") == set(ids.values()) - {ids["frozen_75"]}
    assert found(status="empty") == {ids["empty"]}
    assert found(min_balance_cents=5000) == {ids["dashboard_50"], ids["shop_100"], ids["frozen_75"]}
    assert found(min_balance_cents=2000, max_balance_cents=5000) == {ids["dashboard_50"], ids["api_20"], ids["old_30"]}
    assert found(channel="api") == {ids["api_20"]}
    assert found(channel="shop") == {ids["shop_100"]}
    # Days are the operator's: the card issued late on March 10 in Toronto is a March 10 card.
    assert found(issued_from="2026-03-10", issued_to="2026-03-10") == {ids["old_30"]}
    assert found(issued_from=date(2026, 3, 11), issued_to="2026-03-11") == set()
    assert found(issued_to="2026-03-31") == {ids["old_30"]}
    # Filters combine with each other and with the search.
    assert found(status="active", min_balance_cents=5000, channel="dashboard") == {ids["dashboard_50"]}
    assert found(query="kim@", min_balance_cents=1) == {ids["shop_100"]}
    assert found(query="kim@", status="frozen") == set()


def test_the_count_matches_the_filter_and_stops_at_its_limit(network):
    first, _second, ids, _theirs = network
    operator_id = first.operator.id
    assert cards.count_cards(operator_id) == cards.CardCount(6)
    assert cards.count_cards(operator_id, cards.card_filter(status="active", min_balance_cents=2000)).count == 4
    capped = cards.count_cards(operator_id, limit=4)
    assert capped.at_least and capped.text == "more than 4"
    assert cards.count_cards(operator_id, limit=6).text == "6"


def test_keyset_pages_of_a_filtered_list_cover_every_match_once(network):
    first, _second, ids, _theirs = network
    active = cards.card_filter(status="active")
    seen, cursor = [], None
    while True:
        page = cards.list_cards(first.operator.id, filters=active, limit=2, cursor=cursor)
        seen += _ids(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(set(ids.values()) - {ids["frozen_75"]}, reverse=True)


@pytest.mark.parametrize(
    ("parts", "field", "words"),
    [
        ({"status": "lost"}, "status", "status is one of active, frozen, empty"),
        ({"channel": "fax"}, "channel", "channel is one of dashboard, api, shop"),
        ({"min_balance_cents": -1}, "min_balance_cents", "0 or more"),
        ({"min_balance_cents": 5000, "max_balance_cents": 100}, "min_balance_cents",
         "The minimum balance ($50.00) is above the maximum ($1.00)."),
        ({"issued_from": "abc"}, "issued_from", "YYYY-MM-DD"),
        ({"issued_to": "2026-02-30"}, "issued_to", "YYYY-MM-DD"),
        ({"issued_from": "2026-03-02", "issued_to": "2026-03-01"}, "issued_from", "comes after"),
        ({"issued_to": "9999-12-31"}, "issued_to", "outside the calendar"),
        ({"query": "a\x00b"}, "q", "not valid"),
    ],
)
def test_a_bad_filter_is_refused_naming_its_field(parts, field, words):
    with pytest.raises(GiftnetError) as refused:
        cards.card_filter(timezone=TORONTO, **parts)
    assert refused.value.code == ErrorCode.invalid_input
    assert refused.value.field == field
    assert words in refused.value.message


def test_another_operators_cards_are_never_listed_counted_or_selected(network):
    first, second, ids, theirs = network
    for parts in ({}, {"status": "frozen"}, {"min_balance_cents": 2000, "max_balance_cents": 5000},
                  {"query": "b@example.com"}, {"channel": "dashboard"}):
        chosen = cards.card_filter(**parts)
        assert not set(_ids(cards.list_cards(first.operator.id, filters=chosen))) & set(theirs)
        assert not set(cards.matching_card_ids(first.operator.id, chosen)) & set(theirs)
    assert cards.count_cards(first.operator.id).count == 6
    assert cards.count_cards(second.operator.id).count == 2
    assert set(cards.matching_card_ids(second.operator.id)) == set(theirs)


def test_matching_ids_says_when_more_cards_match_than_one_action_reaches(network):
    first, _second, ids, _theirs = network
    assert cards.matching_card_ids(first.operator.id, limit=3) == sorted(ids.values(), reverse=True)[:4]
    assert len(cards.matching_card_ids(first.operator.id, limit=10)) == 6


def test_freezing_in_bulk_freezes_once_and_counts_those_already_frozen(network):
    first, second, ids, theirs = network
    published: list[events.Event] = []
    stop = events.subscribe(published.append)
    try:
        outcome = cards.freeze_cards(first.actor, [ids["dashboard_50"], ids["api_20"], ids["frozen_75"]])
    finally:
        stop()
    assert (outcome.changed, outcome.unchanged, outcome.not_found) == (2, 1, 0)
    assert outcome.summary == "2 frozen, 1 was already frozen"
    assert sorted(outcome.changed_ids) == sorted([ids["dashboard_50"], ids["api_20"]])
    assert sorted(event.data["card_id"] for event in published if event.type == "card.frozen") == sorted(outcome.changed_ids)
    frozen = set(cards.matching_card_ids(first.operator.id, cards.card_filter(status="frozen")))
    assert frozen == {ids["dashboard_50"], ids["api_20"], ids["frozen_75"]}

    again = cards.freeze_cards(first.actor, [ids["dashboard_50"], ids["api_20"]])
    assert (again.changed, again.unchanged, again.summary) == (0, 2, "0 frozen, 2 were already frozen")

    # One audit event for the action (none for the no-op), with the count and the cards.
    with read_session() as session:
        trail = session.exec(select(AuditEvent).where(AuditEvent.operator_id == first.operator.id)
                             .where(AuditEvent.action.startswith("card.bulk"))).all()
    assert [event.action for event in trail] == ["card.bulk_frozen"]
    assert json.loads(trail[0].changes) == {"status": ["active", "frozen"], "count": [None, 2],
                                            "card_ids": [None, outcome.changed_ids]}
    assert trail[0].actor == first.email and "2 frozen, 1 was already frozen" in trail[0].summary

    thawed = cards.unfreeze_cards(first.actor, [ids["dashboard_50"], ids["empty"]])
    assert thawed.summary == "1 unfrozen, 1 was already active"
    assert cards.get_card(first.operator.id, ids["dashboard_50"]).status == "active"
    # Money never moves: a freeze writes no ledger row.
    assert ledger.check_ledger() == []


def test_a_bulk_action_never_touches_another_operators_cards_even_by_id(network):
    first, second, ids, theirs = network
    outcome = cards.freeze_cards(first.actor, [ids["api_20"], *theirs])
    assert (outcome.changed_ids, outcome.not_found) == ([ids["api_20"]], 2)
    assert outcome.summary == "1 frozen, 2 not found"
    assert cards.unfreeze_cards(first.actor, theirs).summary == "0 unfrozen, 2 not found"
    resent = card_emails.resend_card_emails(first.actor, theirs)
    assert (resent.changed, resent.not_found) == (0, 2)
    with read_session() as session:
        statuses = dict(session.exec(select(Card.id, Card.status).where(Card.id.in_(theirs))).all())
        to_b = session.exec(select(OutboxMessage).where(OutboxMessage.operator_id == second.operator.id)).all()
        from_a_about_b = session.exec(select(OutboxMessage).where(OutboxMessage.card_id.in_(theirs))).all()
    assert statuses == {theirs[0]: "active", theirs[1]: "frozen"}
    assert to_b == [] and from_a_about_b == []


def test_resending_in_bulk_queues_one_email_per_card_with_a_recipient_and_skips_the_rest(network):
    first, _second, ids, _theirs = network
    chosen = [ids["dashboard_50"], ids["shop_100"], ids["api_20"], ids["empty"], ids["frozen_75"]]
    outcome = card_emails.resend_card_emails(first.actor, chosen)
    assert sorted(outcome.changed_ids) == sorted([ids["dashboard_50"], ids["shop_100"], ids["frozen_75"]])
    assert outcome.without_email == 2
    assert outcome.summary == "3 emailed, 2 skipped: no recipient email"
    with read_session() as session:
        queued = session.exec(
            select(OutboxMessage.card_id, OutboxMessage.to_address, OutboxMessage.status)
            .where(OutboxMessage.operator_id == first.operator.id).order_by(OutboxMessage.card_id)
        ).all()
    assert queued == sorted([(ids["dashboard_50"], "sam@example.com", "queued"),
                             (ids["shop_100"], "kim@example.com", "queued"),
                             (ids["frozen_75"], "lee@example.com", "queued")])


def test_a_bulk_action_needs_one_card_and_reaches_at_most_the_limit(network):
    first, _second, _ids, _theirs = network
    for card_ids, words in (([], "Select at least one card."),
                            (range(1, cards.BULK_LIMIT + 2), "at most 1,000 cards"),
                            (["x"], "whole numbers")):
        with pytest.raises(GiftnetError) as refused:
            cards.freeze_cards(first.actor, card_ids)
        assert refused.value.field == "card_ids" and words in refused.value.message
    with pytest.raises(GiftnetError) as unknown:
        card_emails.run_bulk_action(first.actor, "delete", [1])
    assert unknown.value.field == "action"


def test_a_bulk_freeze_owes_each_subscribed_endpoint_one_event_per_card_it_froze(network):
    from app.models import WebhookDelivery
    from app.services.messaging import webhooks

    first, _second, ids, _theirs = network
    webhooks.create_endpoint(first.actor, "https://hooks.example.com/giftnet", ["card.frozen"])
    webhooks.create_endpoint(first.actor, "https://other.example.com/hook", ["card.issued"])
    outcome = cards.freeze_cards(first.actor, [ids["dashboard_50"], ids["api_20"], ids["frozen_75"]])
    with read_session() as session:
        owed = session.exec(select(WebhookDelivery).where(WebhookDelivery.operator_id == first.operator.id,
                                                          WebhookDelivery.event_type == "card.frozen")).all()
    assert sorted(json.loads(delivery.payload)["data"]["card_id"] for delivery in owed) == sorted(outcome.changed_ids)
    assert {delivery.url for delivery in owed} == {"https://hooks.example.com/giftnet"}


def test_a_card_whose_code_cannot_be_read_is_skipped_and_the_others_are_emailed(network):
    first, _second, ids, _theirs = network
    with write_session() as session:  # as after the server's secret key changed
        session.execute(update(Card).where(Card.id == ids["shop_100"]).values(code_encrypted="not-decryptable"))
    outcome = card_emails.resend_card_emails(first.actor, [ids["shop_100"], ids["dashboard_50"]])
    assert (outcome.changed_ids, outcome.unreadable) == ([ids["dashboard_50"]], 1)
    assert outcome.summary == "1 emailed, 1 skipped: the code can no longer be read"
