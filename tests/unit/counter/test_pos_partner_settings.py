"""A location's POS partner settings: owners only, another operator's location not found,
secrets encrypted and never answered back."""

from __future__ import annotations

from dataclasses import replace

from app.models import PosPartnerAccount
from app.services.core.errors import ErrorCode
from app.services.counter import pos_partner_settings
from tests.support.counter import open_location, rows_of
from tests.support.services import refused

SHOPIFY = {"shop_domain": "bean-there.myshopify.com", "webhook_secret": "s3cret-value",
           "payment_method_name": "Giftnet gift card"}


def test_only_an_owner_changes_a_locations_pos_settings(make_operator):
    owner = make_operator("Downtown Association")
    location = open_location(owner, "Bean There", mode="pos")
    staff = replace(owner.actor, user_id=None, role="staff")

    error = refused(pos_partner_settings.configure_partner, staff, location.id, "shopify", SHOPIFY)

    assert error.code == ErrorCode.forbidden and "Only an owner" in error.message
    assert rows_of(PosPartnerAccount) == []


def test_another_operators_location_is_not_found(make_operator):
    owner = make_operator("Downtown Association")
    rival = make_operator("Uptown Network")
    location = open_location(owner, "Bean There", mode="pos")

    error = refused(pos_partner_settings.configure_partner, rival.actor, location.id, "shopify", SHOPIFY)

    assert error.code == ErrorCode.not_found
    assert refused(pos_partner_settings.partner_settings, rival.operator.id, location.id).code == ErrorCode.not_found


def test_secrets_are_kept_encrypted_and_never_shown(make_operator):
    owner = make_operator("Downtown Association")
    location = open_location(owner, "Bean There", mode="pos")

    view = pos_partner_settings.configure_partner(owner.actor, location.id, "shopify", SHOPIFY)

    [stored] = rows_of(PosPartnerAccount)
    assert "s3cret-value" not in stored.secret_encrypted
    assert "s3cret-value" not in repr(view) and view.secrets_on_file == {"webhook_secret": True}
    assert view.receiver_url.endswith(f"/api/v1/pos/shopify/{location.id}")
