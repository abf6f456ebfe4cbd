"""Who reads which language outside the dashboard: a counter device keeps its own (chosen on
the device, among the network's offered languages, else the network's default), a shopper
gets `?lang=`, then this browser's choice, then `Accept-Language`; the order's cards send
their emails in the shopper's language; the card page and the POS guides follow the reader."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.db import read_session, write_session
from app.models import Card, Device, Operator, Order, OutboxMessage
from app.services.core.errors import GiftnetError
from app.services.messaging.outbox import read_email
from app.services.money import card_page, ledger
from app.services.network import devices, locations, pos_guides
from app.services.shop import orders
from app.services.shop.orders import CartInvalid, CartLine
from app.state.shop import shop_language
from tests.fakes.bambora import APPROVED_CARD
from tests.support.shop import shop  # noqa: F401 - a fixture

BOTH = ("en", "fr")

# --------------------------------------------------------------------------- the shopper's language


def test_the_address_lang_wins_over_the_browser_and_its_accept_language():
    assert shop_language("fr", "en", "en-US,en;q=0.9", BOTH) == "fr"
    assert shop_language("fr-CA", "", "", BOTH) == "fr"
    assert shop_language("en", "fr", "fr-CA", BOTH) == "en"


def test_without_lang_this_browsers_earlier_choice_then_accept_language():
    assert shop_language(None, "fr", "en-US", BOTH) == "fr"
    assert shop_language("", "", "fr-CA,fr;q=0.9,en;q=0.8", BOTH) == "fr"
    assert shop_language("", "", "en-US,fr;q=0.5", BOTH) == "en"


def test_an_unknown_or_unoffered_language_falls_back_to_the_networks_default():
    assert shop_language("de", "", "de-DE", BOTH, "fr") == "fr"  # nothing asked that we write: the default
    assert shop_language(None, None, None, BOTH, "fr") == "fr"
    # A network offering English only: French is never shown, whoever asks.
    assert shop_language("fr", "fr", "fr-CA", ("en",), "en") == "en"
    # A French-only network: English asked, French shown.
    assert shop_language("en", "en", "en-US", ("fr",), "fr") == "fr"


# --------------------------------------------------------------------------- the device's language


def test_a_device_reads_its_own_language_else_the_networks_default_within_the_offered():
    assert devices.device_language("fr", "en", "en,fr") == ("fr", BOTH)
    assert devices.device_language(None, "fr", "en,fr") == ("fr", BOTH)
    assert devices.device_language(None, "en", "en,fr") == ("en", BOTH)
    assert devices.device_language("fr", "en", "en") == ("en", ("en",))  # French no longer offered
    assert devices.device_language("xx", None, "fr") == ("fr", ("fr",))


@pytest.fixture
def counter(make_operator):
    owner = make_operator("Rue Principale")
    location = locations.create_location(owner.actor, {"name": "Librairie du Coin", "email": "coin@example.com"})
    sent = devices.create_activation_link(owner.actor, location.id)
    activated = devices.activate_device(sent.token, "Caisse avant")
    return owner, activated


def test_a_language_chosen_on_the_device_is_kept_across_visits(counter):
    owner, activated = counter
    context = devices.resolve_device(activated.secret)
    assert context.language == "en" and context.offered_languages == BOTH  # the network's default at first

    assert devices.set_language(context, "fr") == "fr"

    again = devices.resolve_device(activated.secret)  # the next visit, another tab
    assert again.language == "fr"
    with read_session() as session:
        assert session.get(Device, activated.device.id).language == "fr"


def test_a_device_without_a_choice_follows_the_networks_default(counter):
    owner, activated = counter
    with write_session() as session:
        session.execute(update(Operator).where(Operator.id == owner.operator.id).values(default_language="fr"))
    assert devices.resolve_device(activated.secret).language == "fr"


def test_a_language_the_network_does_not_offer_is_refused_and_nothing_changes(counter):
    owner, activated = counter
    with write_session() as session:
        session.execute(update(Operator).where(Operator.id == owner.operator.id).values(offered_languages="en"))
    context = devices.resolve_device(activated.secret)
    assert context.offered_languages == ("en",)

    for asked in ("fr", "de", ""):
        with pytest.raises(GiftnetError) as refused:
            devices.set_language(context, asked)
        assert refused.value.field == "language"
        assert refused.value.localized_message("fr") != refused.value.message  # said in French too
    with read_session() as session:
        assert session.get(Device, activated.device.id).language is None


def test_a_revoked_device_cannot_keep_a_language(counter):
    owner, activated = counter
    context = devices.resolve_device(activated.secret)
    devices.revoke_device(owner.actor, activated.device.id)
    with pytest.raises(GiftnetError):
        devices.set_language(context, "fr")


# --------------------------------------------------------------------------- the order's cards


def _gift_order(owner, language):
    return orders.create_order(owner.operator.id, buyer_name="Ada Acheteuse", buyer_email="ada@example.com",
                               language=language, lines=[
                                   CartLine(kind="card", amount_cents=2500, for_self=False,
                                            recipient_name="Bo Ami", recipient_email="bo@example.com")])


def test_a_card_bought_in_the_french_shop_sends_its_recipient_email_in_french(shop, fake_bambora):  # noqa: F811
    order = _gift_order(shop, "fr")
    with read_session() as session:
        assert session.get(Order, order.id).language == "fr"

    paid = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "click-1")

    assert paid.status == "paid"
    with read_session() as session:
        card = session.exec(select(Card).where(Card.operator_id == shop.operator.id)).one()
        email = session.exec(select(OutboxMessage).where(OutboxMessage.to_address == "bo@example.com")).one()
    assert card.language == "fr"
    assert "carte-cadeau" in email.subject and "25,00" in email.subject
    with read_session() as session:
        receipt = session.exec(select(OutboxMessage).where(OutboxMessage.to_address == "ada@example.com")).one()
    assert receipt.subject.startswith("Votre commande ")
    text = read_email(receipt).text_body
    assert "Merci, Ada Acheteuse." in text and "Total payé\u00a0: 25,00\u00a0$" in text


def test_the_card_page_reads_in_the_cards_language_or_the_one_asked(make_operator):
    owner = make_operator("Centre-ville")
    issued = ledger.issue_card(owner.actor, 100_000, language="fr")

    page = card_page.public_card(issued.link_token)
    assert page.language == "fr"
    assert page.balance == "1\u00a0000,00\u00a0$" and page.status_label.startswith("Active\u00a0: prête")
    assert "Centre-ville" in page.where_to_use and "At any business" not in page.where_to_use

    asked = card_page.public_card(issued.link_token, "en")
    assert (asked.language, asked.balance, asked.status_label) == ("en", "$1,000.00 CAD", "Active: ready to use")


def test_a_shopper_language_the_network_does_not_offer_gives_the_networks_default(shop):  # noqa: F811
    with write_session() as session:
        session.execute(update(Operator).where(Operator.id == shop.operator.id)
                        .values(offered_languages="en", default_language="en"))
    order = _gift_order(shop, "fr")
    with read_session() as session:
        assert session.get(Order, order.id).language == "en"
    assert _gift_order(shop, None).status == "pending"


def test_the_carts_mistakes_are_said_in_the_shoppers_language(shop):  # noqa: F811
    with pytest.raises(CartInvalid) as french:
        orders.create_order(shop.operator.id, buyer_name="", buyer_email="nope", language="fr", lines=[
            CartLine(kind="card", amount_cents=99_999_999, for_self=True)])
    errors = french.value.field_errors
    assert errors["buyer_name"] == "Entrez votre nom."
    assert errors["buyer_email"].startswith("Entrez une adresse courriel")
    assert "Choisissez un montant entre" in errors["lines.0.amount"] and "\u00a0$" in errors["lines.0.amount"]

    with pytest.raises(CartInvalid) as english:
        orders.create_order(shop.operator.id, buyer_name="", buyer_email="nope", lines=[
            CartLine(kind="card", amount_cents=99_999_999, for_self=True)])
    assert english.value.field_errors["buyer_name"] == "Enter your name."
    assert english.value.field_errors["lines.0.amount"].startswith("Choose an amount between $")


# --------------------------------------------------------------------------- the POS partners' guides


def test_the_pos_guides_are_written_in_the_readers_language():
    english = pos_guides.partner_guides("https://giftnet.test", 7, "Gift card (Downtown)")
    french = pos_guides.partner_guides("https://giftnet.test", 7, "Carte-cadeau (Centre-ville)", "fr")
    assert [guide.key for guide in french] == [guide.key for guide in english]
    clover = next(guide for guide in french if guide.key == "clover")
    assert "« Carte-cadeau (Centre-ville) »" in clover.steps[0].text.replace("\u00a0", " ")
    assert clover.steps[1].copy == "https://giftnet.test/api/v1/pos/clover/7"  # the address stays as it is
    assert english[0].summary.startswith("Take the gift card on Square")
    assert french[0].summary.startswith("Encaissez la carte-cadeau sur Square")


# --------------------------------------------------------------------------- the pickers keep the choice their screen's way


def test_each_screens_picker_runs_its_own_roots_way_of_keeping_the_choice():
    """Reflex runs an inherited event handler on the class that defines it: a picker must reach
    the root whose `_keep_language` keeps the choice (on the device, the person, this browser)."""
    from app.state.auth import LoginState, SignedOutState, SignupState
    from app.state.card_page import CardPageState
    from app.state.device import ActivateState, DeviceState
    from app.state.pos_partners import PosPartnersState
    from app.state.redeem import RedeemState
    from app.state.session import SessionState
    from app.state.shop import ShopState
    from app.state.team import JoinState

    expected = {RedeemState: DeviceState, ActivateState: ActivateState, ShopState: ShopState,
                CardPageState: CardPageState, PosPartnersState: PosPartnersState, LoginState: SignedOutState,
                SignupState: SignedOutState, JoinState: JoinState, SessionState: SessionState}
    for screen, keeper in expected.items():
        assert screen.choose_language.state_full_name == keeper.get_full_name(), screen.__name__
