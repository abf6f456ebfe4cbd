"""Activity: the operator's first screen. Live figures and feed, a chosen range, charts."""

from __future__ import annotations

import reflex as rx

from app.components.first_steps import first_steps_checklist
from app.components.forms import inline_field
from app.components.i18n import t
from app.components.layout import dashboard_shell, error_callout, page_title
from app.components.tables import data_table
from app.state.feed import OperatorFeed
from app.state.home import FEED_LABELS, FEED_PLACES, HomeState
from app.state.language import N_

FEED_COLUMNS = [N_("When"), N_("What"), N_("Card"), N_("Where"), N_("Amount")]


def _fr(figure: str) -> rx.Var:
    """A live figure as the reader writes it (the shared feed holds both languages)."""
    return rx.cond(HomeState.lang == "fr", OperatorFeed.fr[figure], getattr(OperatorFeed, figure))


def _range_fr(figure: str) -> rx.Var:
    """A figure of the chosen range (or the breakage) as the reader writes it."""
    return rx.cond(HomeState.lang == "fr", HomeState.fr[figure], getattr(HomeState, figure))


def _figure(label: rx.Var | str, value: rx.Var, element_id: str, note: rx.Var | str = "") -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color=rx.color("gray", 11)),
            rx.text(value, size="6", weight="bold", id=element_id),
            rx.cond(note != "", rx.text(note, size="1", color=rx.color("gray", 10))),
            spacing="1",
        ),
        min_width="150px",
        flex="1",
    )


def _period_row(label: rx.Var | str, name: str, today: rx.Var, month: rx.Var, in_range: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(label),
        rx.table.cell(today, id=f"figure-{name}-today"),
        rx.table.cell(month, id=f"figure-{name}-month"),
        rx.table.cell(in_range, id=f"figure-{name}-range"),
    )


def _range_picker() -> rx.Component:
    return rx.hstack(
        inline_field(t("From"), "range-from", HomeState.range_from, HomeState.set_range_from, type="date"),
        inline_field(t("To"), "range-to", HomeState.range_to, HomeState.set_range_to, type="date"),
        rx.button(t("Show range"), id="range-apply", size="3", on_click=HomeState.apply_range),
        align="center",
        wrap="wrap",
        spacing="3",
    )


def _figures_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell(""),
                rx.table.column_header_cell(t("Today")),
                rx.table.column_header_cell(t("This month")),
                rx.table.column_header_cell(t("Chosen range")),
            )
        ),
        rx.table.body(
            _period_row(t("Cards sold"), "sold-count", _fr("today_sold_count"), _fr("month_sold_count"),
                        _range_fr("range_sold_count")),
            _period_row(t("Value of cards sold"), "sold", _fr("today_sold"), _fr("month_sold"),
                        _range_fr("range_sold")),
            _period_row(t("Top-ups"), "topups", _fr("today_topups"), _fr("month_topups"),
                        _range_fr("range_topups")),
            _period_row(t("Redeemed (net of voids)"), "redeemed", _fr("today_redeemed"),
                        _fr("month_redeemed"), _range_fr("range_redeemed")),
        ),
        id="figures-table",
        width="100%",
        size="2",
    )


def _period_table() -> rx.Component:
    # Remounted (a new key) on every update of the live feed: its mount re-reads a range that
    # includes today, so the Chosen range column keeps up with Today beside it.
    live_range = rx.el.span(key=OperatorFeed.version.to_string(), on_mount=HomeState.refresh_live_range,
                            hidden=True, aria_hidden="true", id="figures-range-follower")
    return rx.fragment(_figures_table(), live_range)


def _charts() -> rx.Component:
    sales_vs_redemptions = rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
        rx.recharts.x_axis(data_key=rx.cond(HomeState.lang == "fr", "day_fr", "day")),
        rx.recharts.y_axis(),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(),
        rx.recharts.bar(data_key="sales", name=t("Sales and top-ups ($)"), fill="#0d9488"),
        rx.recharts.bar(data_key="redeemed", name=t("Redeemed ($)"), fill="#f97316"),
        data=HomeState.daily,
        width="100%",
        height=260,
    )
    by_location = rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
        rx.recharts.x_axis(type_="number"),
        rx.recharts.y_axis(data_key="name", type_="category", width=140),
        rx.recharts.graphing_tooltip(),
        rx.recharts.bar(data_key="redeemed", name=t("Redeemed ($)"), fill="#f97316"),
        data=HomeState.by_location,
        layout="vertical",
        width="100%",
        height=260,
    )
    liability = rx.recharts.line_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
        rx.recharts.x_axis(data_key=rx.cond(HomeState.lang == "fr", "day_fr", "day")),
        rx.recharts.y_axis(),
        rx.recharts.graphing_tooltip(),
        rx.recharts.line(data_key="liability", name=t("Liability ($)"), stroke="#0f766e", dot=False),
        data=HomeState.daily,
        width="100%",
        height=260,
    )
    return rx.grid(
        rx.card(rx.heading(t("Sales vs redemptions per day"), size="3"), sales_vs_redemptions, id="chart-sales-redemptions"),
        rx.card(
            rx.heading(t("Redemptions by location"), size="3"),
            rx.cond(HomeState.by_location.length() > 0, by_location,
                    rx.text(t("No redemptions in this range."), color=rx.color("gray", 11), id="chart-by-location-empty")),
            id="chart-redemptions-by-location",
        ),
        rx.card(rx.heading(t("Liability over time"), size="3"), liability, id="chart-liability"),
        columns=rx.breakpoints(initial="1", lg="2"),
        gap="12px",
        width="100%",
    )


def _feed_word(word: rx.Var, known: tuple[str, ...]) -> rx.Var:
    """One of the feed's English words in the reader's language (others, like a location's name, as they are)."""
    return rx.match(word, *[(english, t(english)) for english in known], word)


def _feed_row(item: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item.time, white_space="nowrap"),
        rx.table.cell(rx.badge(_feed_word(item.label, FEED_LABELS), color_scheme=rx.cond(item.credit, "green", "orange"), size="2")),
        rx.table.cell(
            rx.cond(
                item.card_id > 0,
                rx.link(item.card, href="/cards/" + item.card_id.to_string(), class_name="activity-card-link",
                        display="inline-block", padding_y="10px", min_width="96px"),
                rx.text(""),
            )
        ),
        rx.table.cell(_feed_word(item.where, FEED_PLACES)),
        rx.table.cell(rx.cond(HomeState.lang == "fr", item.amount_fr, item.amount), class_name="feed-amount"),
        id="feed-" + item.key,
        class_name="activity-row",
        align="center",
    )


def home_page() -> rx.Component:
    return dashboard_shell(
        rx.vstack(
            page_title(t("Activity"), t("Your network at a glance, as it happens.")),
            first_steps_checklist(),
            rx.flex(
                _figure(t("Cards with value"), _fr("active_cards"), "figure-active-cards"),
                _figure(t("Outstanding liability"), _fr("outstanding"), "figure-outstanding"),
                _figure(t("Expected breakage"), rx.cond(HomeState.breakage_known, _range_fr("breakage"),
                                                        t("Not enough history")), "figure-breakage",
                        rx.cond(HomeState.breakage_known,
                                t("{rate} of the value loaded on cards older than 12 months is still unredeemed; "
                                  "applied to today's liability.", rate=_range_fr("breakage_rate")),
                                t("Needs cards issued more than 12 months ago."))),
                gap="12px",
                wrap="wrap",
                width="100%",
            ),
            _range_picker(),
            error_callout(HomeState.range_error, "range-error"),
            _period_table(),
            rx.heading(t("Live activity"), size="5", margin_top="12px"),
            data_table(
                [rx.table.column_header_cell(t(title)) for title in FEED_COLUMNS], OperatorFeed.items, _feed_row,
                table_id="activity-table",
                empty=rx.callout(t("Nothing has happened yet: card sales, top-ups and redemptions appear here as they "
                                   "happen."),
                                 icon="info", id="activity-empty"),
            ),
            rx.heading(t("Charts for the chosen range"), size="5", margin_top="12px"),
            _charts(),
            spacing="4",
            width="100%",
        ),
        active="activity",
    )
