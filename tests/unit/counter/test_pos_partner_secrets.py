"""A location's POS secrets named on screen by their last characters only: owners only,
another operator's location not found, a short secret not named at all."""

from __future__ import annotations

from dataclasses import replace

from app.services.core.errors import ErrorCode
from app.services.counter import pos_partner_secrets, pos_partner_settings
from tests.support.counter import open_location
from tests.support.pos_partners import CLOVER_AUTH_CODE, SHOPIFY_METHOD, SHOPIFY_SECRET, SHOPIFY_SHOP
from tests.support.services import refused


def test_an_owner_sees_only_the_last_characters_of_each_secret_on_file(clover_till):
    endings = pos_partner_secrets.secret_endings(clover_till.owner.actor, clover_till.location.id)

    assert endings == {"square": {}, "clover": {"api_token": clover_till.clover.api_token[-4:],
                                                "auth_code": CLOVER_AUTH_CODE[-4:]}, "shopify": {}}


def test_a_secret_not_on_file_has_no_ending_and_a_short_one_is_not_named(make_operator):
    owner = make_operator("Downtown Association")
    location = open_location(owner, "Bean There", mode="pos")
    pos_partner_settings.configure_partner(owner.actor, location.id, "shopify", {
        "shop_domain": SHOPIFY_SHOP, "webhook_secret": "short-key", "payment_method_name": SHOPIFY_METHOD})

    assert pos_partner_secrets.secret_endings(owner.actor, location.id)["shopify"] == {"webhook_secret": ""}

    pos_partner_settings.configure_partner(owner.actor, location.id, "shopify", {
        "shop_domain": SHOPIFY_SHOP, "webhook_secret": SHOPIFY_SECRET, "payment_method_name": SHOPIFY_METHOD})
    assert pos_partner_secrets.secret_endings(owner.actor, location.id)["shopify"] == {
        "webhook_secret": SHOPIFY_SECRET[-4:]}


def test_staff_and_other_networks_get_no_endings(shopify_till, make_operator):
    staff = replace(shopify_till.owner.actor, user_id=None, role="staff")
    rival = make_operator("Uptown Network")

    assert refused(pos_partner_secrets.secret_endings, staff, shopify_till.location.id).code == ErrorCode.forbidden
    assert refused(pos_partner_secrets.secret_endings, rival.actor,
                   shopify_till.location.id).code == ErrorCode.not_found
