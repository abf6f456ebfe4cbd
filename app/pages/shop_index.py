"""`/shop` without a shop's address: a helpful page instead of a bare 404."""

from __future__ import annotations

import reflex as rx

from app.components.account import account_card, account_title
from app.components.i18n import t
from app.state.shop_index import ShopIndexState


def shop_index_page() -> rx.Component:
    return account_card(
        account_title(t("Gift card shops"), id="shop-index-title"),
        rx.text(t("Every network on Giftnet sells its gift cards in its own shop, at an address of its own "
                "(/shop/ and the network's name), and in a widget on its own website. A card bought there is "
                "accepted by every business of that network."), size="3", id="shop-index-about"),
        rx.cond(
            ShopIndexState.own_shop_path != "",
            rx.vstack(
                rx.text(t("Your network's shop: "),
                        rx.link(ShopIndexState.own_shop_path, href=ShopIndexState.own_shop_path,
                                id="shop-index-own-shop", display="inline-block", padding_y="10px"), size="3"),
                rx.cond(
                    ShopIndexState.is_owner,
                    rx.text(t("Its amounts, colours, payment gateway and the widget's code are on the "),
                            rx.link(t("Shop and widget screen"), href="/widget", id="shop-index-widget-link",
                                    display="inline-block", padding_y="10px"), ".", size="3"),
                ),
                spacing="1",
            ),
            rx.text(t("Buying a gift card? Open the shop link on the network's own website, or ask one of its "
                    "businesses for it."), size="3", color=rx.color("gray", 11), id="shop-index-buyer"),
        ),
        rx.text(t("Running a network? "), rx.link(t("Sign in"), href="/login", id="shop-index-login",
                                               display="inline-block", padding_y="10px"), size="3"),
    )
