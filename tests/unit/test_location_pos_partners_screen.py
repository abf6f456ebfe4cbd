"""What the location's POS screen shows of its partners (app/state/locations/pos_partners.py):
the Clover and Shopify POS forms with their secrets named by their endings only, Clover's
steps from saved to connected, and each POS payment and POS log line as a row."""

from __future__ import annotations

from app.models import PosLogEntry
from app.services.counter import pos_log, pos_partner_secrets, pos_partner_settings, pos_payment_list
from app.state.locations import pos_partners as screen
from tests.support.counter import open_location
from tests.support.pos_partners import (
    CLOVER_AUTH_CODE,
    SHOPIFY_METHOD,
    SHOPIFY_SECRET,
    clover_notification,
    clover_verification,
    deliver_to_clover_receiver,
    deliver_to_shopify_receiver,
    shopify_pos_order,
)

ZONE = "America/Toronto"


def _forms(owner, location_id: int) -> tuple[screen.CloverForm, screen.ShopifyForm]:
    views = pos_partner_settings.partner_settings(owner.operator.id, location_id)
    endings = pos_partner_secrets.secret_endings(owner.actor, location_id)
    return (screen.clover_form(views["clover"], endings["clover"], ZONE),
            screen.shopify_form(views["shopify"], endings["shopify"]))


def test_a_location_without_partners_shows_empty_forms_with_the_urls_to_paste(make_operator):
    owner = make_operator("Downtown Association")
    location = open_location(owner, "Bean There")

    clover, shopify = _forms(owner, location.id)

    assert (clover.saved, clover.configured, clover.api_token, clover.verification_code) == (False, False, "", "")
    assert clover.base_url == pos_partner_settings.CLOVER_PRODUCTION_API
    assert clover.receiver_url.endswith(f"/api/v1/pos/clover/{location.id}")
    assert (shopify.saved, shopify.webhook_secret) == (False, "")
    assert shopify.receiver_url.endswith(f"/api/v1/pos/shopify/{location.id}")


def test_clover_goes_from_saved_to_verification_code_to_connected(make_operator, fake_clover):
    owner = make_operator("Downtown Association")
    location = open_location(owner, "Bean There")
    typed = {"merchant_id": f"  {fake_clover.merchant_id} ", "api_token": fake_clover.api_token,
             "tender_label": "Giftnet gift card", "auth_code": "", "base_url": fake_clover.base_url}
    fields = screen.partner_fields(typed, screen.CLOVER_FIELDS)
    pos_partner_settings.configure_partner(owner.actor, location.id, "clover", fields)

    saved, _ = _forms(owner, location.id)
    assert (saved.saved, saved.configured, saved.merchant_id) == (True, False, fake_clover.merchant_id)
    assert saved.api_token == f"stored, ends in {fake_clover.api_token[-4:]}" and saved.auth_code == ""
    assert "verification code Clover sends appears here" in screen.clover_saved_sentence(saved, "Giftnet gift card")

    deliver_to_clover_receiver(location.id, clover_verification("ce7643c1-83ea"), auth_code=None)
    waiting, _ = _forms(owner, location.id)
    assert waiting.verification_code == "ce7643c1-83ea" and waiting.verification_code_at != ""
    assert "Paste the verification code" in screen.clover_saved_sentence(waiting, "Giftnet gift card")

    # The Auth Code pasted, the API token left empty: the token on file stays.
    pos_partner_settings.configure_partner(owner.actor, location.id, "clover", screen.partner_fields(
        {**typed, "api_token": "", "auth_code": CLOVER_AUTH_CODE}, screen.CLOVER_FIELDS))
    connected, _ = _forms(owner, location.id)
    assert connected.configured and connected.auth_code == f"stored, ends in {CLOVER_AUTH_CODE[-4:]}"
    assert connected.api_token == saved.api_token
    assert screen.clover_saved_sentence(connected, "Giftnet gift card").startswith("Clover connected")


def test_shopify_shows_its_settings_and_the_secret_by_its_ending(shopify_till):
    _, shopify = _forms(shopify_till.owner, shopify_till.location.id)

    assert (shopify.saved, shopify.payment_method_name) == (True, SHOPIFY_METHOD)
    assert shopify.webhook_secret == f"stored, ends in {SHOPIFY_SECRET[-4:]}"
    assert SHOPIFY_SECRET not in repr(shopify)


def test_a_secret_is_named_stored_without_an_ending_when_none_can_be_shown():
    assert screen.stored_secret(False, "") == ""
    assert screen.stored_secret(True, "") == "stored"
    assert screen.stored_secret(True, "3f9a") == "stored, ends in 3f9a"


def test_each_pos_payment_is_a_row_with_its_source_tip_and_currency(clover_till, shopify_till):
    payment_id = clover_till.clover.add_payment(amount=2000, tip=350)
    deliver_to_clover_receiver(clover_till.location.id, clover_notification(clover_till.clover.merchant_id,
                                                                            (payment_id, "CREATE")))
    deliver_to_shopify_receiver(shopify_till.location.id, shopify_pos_order(total="23.50", tip="3.50"))

    [clover_payment] = pos_payment_list.list_pos_payments(clover_till.owner.operator.id,
                                                          clover_till.location.id).payments
    [shopify_payment] = pos_payment_list.list_pos_payments(shopify_till.owner.operator.id,
                                                           shopify_till.location.id).payments
    clover_row = screen.pos_payment_row(clover_payment, ZONE, "CAD")
    shopify_row = screen.pos_payment_row(shopify_payment, ZONE, "CAD")

    assert (clover_row.source, clover_row.source_label, clover_row.amount, clover_row.tip, clover_row.currency,
            clover_row.status) == ("clover", "Clover", "$23.50", "$3.50", "CAD", "pending")
    assert (shopify_row.source_label, shopify_row.amount, shopify_row.tip, shopify_row.reference) == (
        "Shopify POS", "$23.50", "$3.50", "#1042")


def test_a_payment_without_a_tip_or_currency_shows_a_dash_and_the_networks_currency(clover_till):
    payment_id = clover_till.clover.add_payment(amount=1200)
    deliver_to_clover_receiver(clover_till.location.id, clover_notification(clover_till.clover.merchant_id,
                                                                            (payment_id, "CREATE")))
    [payment] = pos_payment_list.list_pos_payments(clover_till.owner.operator.id, clover_till.location.id).payments
    payment.currency = None  # as our own API's payments were recorded before currencies

    row = screen.pos_payment_row(payment, ZONE, "USD")

    assert (row.amount, row.tip, row.currency) == ("$12.00", "—", "USD")


def test_a_refused_currency_is_a_log_line_marked_as_trouble(shopify_till):
    deliver_to_shopify_receiver(shopify_till.location.id, shopify_pos_order(currency="JPY", total="2350", tip=""))

    [entry] = pos_log.entries_for_location(shopify_till.owner.operator.id, shopify_till.location.id)
    row = screen.pos_log_row(entry, ZONE)

    assert (row.source_label, row.outcome, row.trouble) == ("Shopify POS", "other currency", True)
    assert "JPY" in row.message
    created = screen.pos_log_row(PosLogEntry(id=9, operator_id=1, location_id=1, source="clover",
                                             event_type="CREATE", outcome="created", message="A payment."), ZONE)
    assert (created.outcome, created.trouble) == ("created", False)
