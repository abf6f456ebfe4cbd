"""The Activity screen's Chosen range column (issue 17: it showed $0.00 redeemed next to today's
$12.34 while the range included today). The figures for a range come from rollups plus the live
rows (period_figures is exact); the column was stale because the screen read it once as it
opened while Today follows the live feed. Now a default range follows the calendar, and a range
that includes today is read again on every live update (app/state/home.py)."""

from __future__ import annotations

from datetime import date

from app.services.reporting import dashboard_figures as figures
from app.state.home import DEFAULT_RANGE_DAYS, range_includes, range_on_load
from tests.support.dashboard_history import NOW, seed_history

TZ = "America/Toronto"


def test_the_default_range_follows_the_calendar_and_a_chosen_one_stays():
    today = date(2025, 6, 15)
    assert range_on_load("", "", False, today) == ("2025-05-17", "2025-06-15")
    assert DEFAULT_RANGE_DAYS == 30
    # Opened yesterday with the default: today it ends today, not yesterday.
    assert range_on_load("2025-05-16", "2025-06-14", False, today) == ("2025-05-17", "2025-06-15")
    # Chosen by the person: kept as it is.
    assert range_on_load("2025-06-01", "2025-06-10", True, today) == ("2025-06-01", "2025-06-10")


def test_which_ranges_follow_the_live_figures():
    today = date(2025, 6, 15)
    assert range_includes("2025-06-01", "2025-06-15", today)
    assert range_includes("2025-06-15", "2025-06-15", today)
    assert not range_includes("2025-06-01", "2025-06-14", today)
    assert not range_includes("", "2025-06-15", today)  # not a range: never re-read


def test_a_range_that_includes_today_counts_todays_redemptions(make_operator):
    owner = make_operator()
    seed_history(owner.operator.id)
    today = figures.period_figures(owner.operator.id, *figures.today_period(TZ, NOW))
    assert today.redeemed_cents == 3_234
    week = figures.period_figures(owner.operator.id, *figures.days_period(date(2025, 6, 9), date(2025, 6, 15), TZ))
    before = figures.period_figures(owner.operator.id, *figures.days_period(date(2025, 6, 9), date(2025, 6, 14), TZ))
    assert week.redeemed_cents == before.redeemed_cents + today.redeemed_cents
    assert week.sold_cents == before.sold_cents + today.sold_cents
