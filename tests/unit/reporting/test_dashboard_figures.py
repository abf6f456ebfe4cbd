"""The Activity screen's figures over a known history (tests/support/dashboard_history.py):
every figure equals the expected cents, in the operator's own calendar."""

from __future__ import annotations

from datetime import date

from app.services.reporting import activity
from app.services.reporting import dashboard_figures as figures
from tests.support.dashboard_history import NOW, seed_history

TZ = "America/Toronto"


def test_today_and_this_month_follow_the_operators_calendar(make_operator):
    owner = make_operator()
    seed_history(owner.operator.id)

    today = figures.period_figures(owner.operator.id, *figures.today_period(TZ, NOW))
    assert (today.sold_count, today.sold_cents, today.topup_cents, today.redeemed_cents) == (1, 2_000, 0, 3_234)
    assert today.redemption_count == 2

    # Card B was issued at 03:30 UTC on June 1, still May 31 in Toronto: not this month.
    month = figures.period_figures(owner.operator.id, *figures.month_period(TZ, NOW))
    assert (month.sold_count, month.sold_cents, month.topup_cents, month.redeemed_cents) == (1, 2_000, 2_500, 3_234)

    may = figures.period_figures(owner.operator.id, *figures.days_period(date(2025, 5, 1), date(2025, 5, 31), TZ))
    assert (may.sold_count, may.sold_cents, may.redeemed_cents) == (1, 5_000, 0)


def test_standing_and_expected_breakage(make_operator):
    owner = make_operator()
    seed_history(owner.operator.id)
    standing = figures.standing(owner.operator.id)
    assert (standing.active_cards, standing.outstanding_cents) == (2, 12_266)
    # Only card A is older than 12 months: $60.00 of its $100.00 is unredeemed (60 %),
    # applied to today's $122.66 liability, rounded down.
    breakage = figures.expected_breakage(owner.operator.id, now=NOW)
    assert breakage.enough_history and breakage.rate_bps == 6_000 and breakage.expected_cents == 7_359


def test_a_young_network_has_not_enough_history_for_breakage(make_operator):
    owner = make_operator()
    seed_history(owner.operator.id)
    assert not figures.expected_breakage(owner.operator.id, now=date_time(2025, 1, 1)).enough_history


def date_time(year: int, month: int, day: int):
    from datetime import UTC, datetime

    return datetime(year, month, day, tzinfo=UTC)


def test_daily_series_and_redemptions_by_location(make_operator):
    owner = make_operator()
    history = seed_history(owner.operator.id)
    series = figures.daily_series(owner.operator.id, date(2025, 6, 13), date(2025, 6, 15), TZ)
    assert [(p.day.day, p.sales_cents, p.redeemed_cents, p.liability_cents) for p in series] == [
        (13, 0, 0, 13_500),
        (14, 0, 0, 13_500),  # redeemed and voided the same day
        (15, 2_000, 3_234, 12_266),
    ]
    assert series[-1].liability_cents == figures.standing(owner.operator.id).outstanding_cents
    rows = figures.redeemed_by_location(owner.operator.id, *figures.days_period(date(2025, 6, 1), date(2025, 6, 15), TZ))
    assert [(row.location_id, row.redeemed_cents, row.redemption_count) for row in rows] == [
        (history.florist_id, 3_234, 2),
        (history.bakery_id, 0, 0),  # redeemed then voided: no redemption left, like no amount
    ]


def test_the_feed_lists_the_newest_happenings_first(make_operator):
    owner = make_operator()
    seed_history(owner.operator.id)
    entries = activity.feed(owner.operator.id)
    assert [entry.label for entry in entries[:3]] == ["Redeemed", "Redeemed", "Card issued"]
    assert entries[0].amount_cents == -2_000 and entries[0].where == "Florist"
    assert len(entries) == 10 and entries[-1].label == "Device activated"
    other = make_operator()
    assert activity.feed(other.operator.id) == []


# --------------------------------------------------------------------------- reports


def _csv_rows(text: str) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(text)))


def test_reports_over_the_known_history_and_their_csv_totals(make_operator):
    from app.services.reporting import reports

    owner = make_operator()
    history = seed_history(owner.operator.id)
    operator_id = owner.operator.id
    start, end = figures.days_period(date(2025, 5, 1), date(2025, 6, 15), TZ)

    sales = {row.channel: row for row in reports.sales_by_channel(operator_id, start, end)}
    assert (sales["api"].new_cards, sales["api"].new_cards_cents) == (1, 5_000)  # card B, May 31 local
    assert (sales["shop"].new_cards, sales["shop"].new_cards_cents) == (1, 2_000)
    assert (sales["dashboard"].new_cards, sales["dashboard"].topups, sales["dashboard"].topup_cents) == (0, 1, 2_500)
    assert _csv_rows(reports.sales_csv(list(sales.values())))[-1] == ["total", "2", "70.00", "1", "25.00"]

    by_location = reports.redemptions_by_location(operator_id, start, end)
    assert [(r.key, r.redemptions, r.redeemed_cents) for r in by_location] == [("Florist", 2, 3_234), ("Bakery", 0, 0)]
    assert _csv_rows(reports.redeemed_csv(by_location, "location"))[-1] == ["total", "2", "32.34"]
    by_device = reports.redemptions_by_device(operator_id, start, end)
    assert [(r.key, r.redeemed_cents) for r in by_device] == [("API or dashboard", 3_234), ("DV-TEST-D1", 0)]

    aging = reports.liability_aging(operator_id, now=NOW)
    assert [(b.label, b.cards, b.unredeemed_cents) for b in aging] == [
        ("0-3 months", 1, 6_266), ("3-6 months", 0, 0), ("6-12 months", 0, 0), ("12-24 months", 1, 6_000),
        ("over 24 months", 0, 0),
    ]
    assert _csv_rows(reports.aging_csv(aging))[-1] == ["total", "2", "122.66"]

    page, total_cents = reports.dormant_cards(operator_id, 6, now=NOW)
    assert [(c.card_id, c.balance_cents) for c in page.rows] == [(history.card_ids["A"], 6_000)] and total_cents == 6_000
    assert _csv_rows(reports.dormant_csv(operator_id, 6, now=NOW))[-1] == ["total", "1", "60.00", "", ""]

    card_b = history.card_ids["B"]
    first = reports.card_history(operator_id, card_b, page=1, page_size=3)
    assert (first.total_rows, first.pages, [e.kind for e in first.rows]) == (5, 2, ["redeem", "void", "redeem"])
    rows = _csv_rows(reports.card_history_csv(operator_id, card_b))
    assert len(rows) == 7 and rows[-1][3] == "62.66"  # header, 5 movements, total = the balance


def test_the_existing_summary_agrees_with_the_dashboard(make_operator):
    from app.services.reporting import reports

    owner = make_operator()
    seed_history(owner.operator.id)
    summary = reports.summary(owner.operator.id, "2025-06-01", "2025-06-15")
    month = figures.period_figures(owner.operator.id, *figures.days_period(date(2025, 6, 1), date(2025, 6, 15), TZ))
    assert (summary.sold_cents, summary.topped_up_cents, summary.redeemed_cents) == (
        month.sold_cents, month.topup_cents, month.redeemed_cents)
    assert summary.outstanding_liability_cents == 12_266


def test_daily_series_across_a_dst_change_puts_rows_on_their_local_day(make_operator):
    from datetime import UTC, datetime

    from app.db import write_session
    from app.models import LedgerEntry

    owner = make_operator()
    history = seed_history(owner.operator.id)
    # Toronto springs forward on 2025-03-09. 04:59 UTC on the 9th is 23:59 on the 8th (EST);
    # 04:30 UTC on the 10th is 00:30 on the 10th (EDT).
    with write_session() as session:
        for cents, at in ((700, datetime(2025, 3, 9, 4, 59, tzinfo=UTC)), (300, datetime(2025, 3, 10, 4, 30, tzinfo=UTC))):
            session.add(LedgerEntry(operator_id=owner.operator.id, card_id=history.card_ids["A"], kind="adjust",
                                    amount_cents=cents, balance_after_cents=0, created_at=at))
    series = figures.daily_series(owner.operator.id, date(2025, 3, 7), date(2025, 3, 11), TZ)
    assert [p.liability_cents - series[0].liability_cents for p in series] == [0, 700, 700, 1_000, 1_000]
