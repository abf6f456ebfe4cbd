"""The dashboard frame: navigation on the left, the signed-in operator on top."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventType

from app.components.i18n import language_picker, t
from app.state.language import N_
from app.state.session import SessionState

# The labels are English catalog sentences (shown through `t()`); the ids stay English.
NAV_ITEMS = [
    (N_("Activity"), "/dashboard", "activity"),
    (N_("Cards"), "/cards", "credit-card"),
    (N_("Locations"), "/locations", "store"),
    (N_("Shop"), "/widget", "shopping-bag"),
    (N_("Orders"), "/orders", "receipt"),
    (N_("Settlements"), "/settlements", "landmark"),
    (N_("Reconciliation"), "/reconciliation", "scale"),
    (N_("Reports"), "/reports", "chart-bar"),
    (N_("Developers"), "/developers", "code"),
    (N_("Outbox"), "/outbox", "mail"),
    (N_("Audit"), "/audit", "history"),
    (N_("Team"), "/team", "users"),
    (N_("Settings"), "/settings", "settings"),
]
# Screens of owners only (app/services/core/roles.py): hidden from staff's navigation, and each
# shows `owners_only_notice` instead of its content when staff type its address.
OWNER_ONLY_ROUTES = {"/widget", "/settlements", "/developers", "/audit", "/team", "/settings"}


def _nav_link(label: str, href: str, icon: str, active: str) -> rx.Component:
    is_active = label.lower() == active
    return rx.link(
        rx.hstack(rx.icon(icon, size=20), rx.text(t(label), size="3", weight="medium"), spacing="3", align="center"),
        href=href,
        id=f"nav-{label.lower()}",
        underline="none",
        padding_x="14px",
        padding_y="12px",
        min_height="44px",
        border_radius="8px",
        width=["auto", "auto", "auto", "100%"],
        color=rx.cond(is_active, rx.color("accent", 11), rx.color("gray", 12)),
        background=rx.cond(is_active, rx.color("accent", 3), "transparent"),
        _hover={"background": rx.color("gray", 3)},
    )


def _nav_item(label: str, href: str, icon: str, active: str) -> rx.Component:
    link = _nav_link(label, href, icon, active)
    return rx.cond(SessionState.is_owner, link) if href in OWNER_ONLY_ROUTES else link


def dashboard_shell(content: rx.Component, active: str) -> rx.Component:
    """A dashboard page: shown only once the session is confirmed, never to strangers."""
    # One breakpoint for the whole frame (the 4th of Reflex's: 62em, about 992 px): a side
    # rail on landscape tablets and wider, a wrapping bar on top on portrait tablets.
    # (Radix's responsive props use other breakpoints: do not mix them in here.)
    sidebar = rx.box(
        rx.hstack(rx.icon("gift", size=26, color=rx.color("accent", 10)), rx.heading("Giftnet", size="5"), padding="10px 14px", align="center"),
        *[_nav_item(label, href, icon, active) for label, href, icon in NAV_ITEMS],
        id="nav",
        display="flex",
        flex_direction=["row", "row", "row", "column"],
        flex_wrap=["wrap", "wrap", "wrap", "nowrap"],
        align_items=["center", "center", "center", "stretch"],
        gap="4px",
        width=["100%", "100%", "100%", "220px"],
        min_width=["auto", "auto", "auto", "220px"],
        flex_shrink="0",
        padding=["8px 12px", "8px 12px", "8px 12px", "12px"],
        border_right=["none", "none", "none", f"1px solid {rx.color('gray', 5)}"],
        border_bottom=[f"1px solid {rx.color('gray', 5)}"] * 3 + ["none"],
    )
    header = rx.hstack(
        rx.vstack(
            rx.text(SessionState.operator_name, id="operator-name", weight="bold", size="4"),
            rx.text(SessionState.user_email, id="user-email", size="2", color=rx.color("gray", 11)),
            spacing="0",
        ),
        rx.spacer(),
        language_picker(SessionState, id="dashboard-language"),
        rx.button(rx.icon("log-out"), t("Log out"), id="logout-button", size="3", variant="soft", on_click=SessionState.log_out),
        width="100%",
        padding="16px 24px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        align="center",
    )
    page = rx.box(
        sidebar,
        rx.vstack(header, rx.box(content, padding="24px", width="100%", max_width="1200px"), width="100%", min_width="0", spacing="0"),
        lang=SessionState.lang,
        display="flex",
        flex_direction=["column", "column", "column", "row"],
        min_height="100vh",
        width="100%",
    )
    return rx.fragment(
        rx.cond(
            SessionState.signed_in,
            page,
            rx.center(rx.spinner(size="3"), rx.text(t("Checking your session…"), margin_left="12px"), id="session-loading", height="100vh"),
        ),
        page_ready_marker(),
    )


def owners_only(content: rx.Component, screen: str) -> rx.Component:
    """`content` for owners; for staff, a notice saying the screen is for owners (nothing of it is loaded)."""
    return rx.cond(SessionState.is_owner, content, owners_only_notice(screen))


def owners_only_notice(screen: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("lock", size=28, color=rx.color("amber", 10)), rx.heading(t("Owners only"), size="6"), align="center", spacing="3"),
            rx.text(
                t(
                    "{screen} is for the owners of {network}. Your role is staff: you can work with cards, locations, "
                    "devices, orders and reports. Ask an owner if something here needs changing.",
                    screen=t(screen),
                    network=SessionState.operator_name,
                ),
                size="4",
            ),
            rx.link(rx.button(rx.icon("arrow-left"), t("Back to Activity"), size="3", variant="soft"), href="/dashboard", id="owners-only-back"),
            spacing="4",
        ),
        id="owners-only",
        role="alert",
        size="4",
        max_width="640px",
    )


def page_ready_marker() -> rx.Component:
    """A hidden `#page-ready` element, present once the websocket is connected and the
    page's on_load handlers have run (Reflex's `is_hydrated`). Tests wait for it
    before clicking: a click before that could submit a form natively, without Reflex."""
    return rx.cond(rx.State.is_hydrated, rx.el.span(id="page-ready", hidden=True, aria_hidden="true"))


def page_title(title: str, subtitle: str = "") -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="7", id="page-title"),
        rx.cond(subtitle != "", rx.text(subtitle, color=rx.color("gray", 11), size="3")),
        spacing="1",
        margin_bottom="16px",
    )


def screen_section(title: str, *children: rx.Component, description: str = "") -> rx.Component:
    """One titled part of a screen made of several (Developers: keys, webhook endpoints, the log;
    Team: members, invitations), standing on the page without a card around it."""
    intro = [rx.text(description, color=rx.color("gray", 11))] if description else []
    return rx.vstack(rx.heading(title, size="5"), *intro, *children, spacing="3", width="100%")


def error_callout(message: rx.Var, element_id: str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", id=element_id, width="100%"),
    )


def success_callout(message: rx.Var, element_id: str, icon: str = "circle-check") -> rx.Component:
    """What the last action did, in green, while there is something to say."""
    return rx.cond(
        message != "",
        rx.callout(message, icon=icon, color_scheme="green", id=element_id, width="100%"),
    )


def shown_once_callout(
    secret: rx.Var,
    message: rx.Component,
    *,
    secret_id: str,
    copy_label: str,
    copy_id: str,
    on_copy: EventType,
    dismiss_id: str,
    on_dismiss: EventType,
    callout_id: str,
    note: rx.Component | None = None,
) -> rx.Component:
    """A secret just created (an API key, a signing secret), while `secret` is set: what it is,
    the secret itself, `note` (how to use it), Copy, and "Done, I stored it" to put it away.
    We keep no copy we could show again, so this is the only time the person sees it."""
    return rx.cond(
        secret != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.vstack(
                message,
                rx.code(secret, id=secret_id, size="5", padding="10px", word_break="break-all"),
                *([note] if note is not None else []),
                rx.hstack(
                    rx.button(rx.icon("copy"), copy_label, id=copy_id, size="3", on_click=on_copy),
                    rx.button(t("Done, I stored it"), id=dismiss_id, size="3", variant="soft", on_click=on_dismiss),
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
            ),
            color_scheme="green",
            id=callout_id,
            width="100%",
        ),
    )
