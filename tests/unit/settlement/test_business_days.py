"""Bank business days: the Federal Reserve's holidays for NACHA, Canada's (and a province's)
for CPA-005, from the holidays library. No database."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.settlement import business_days
from app.services.settlement.business_days import FEDERAL_RESERVE, canada


def test_the_day_after_the_wednesday_before_thanksgiving_is_the_friday():
    assert business_days.next_business_day(date(2026, 11, 25), FEDERAL_RESERVE) == date(2026, 11, 27)
    assert business_days.closure(date(2026, 11, 26), FEDERAL_RESERVE) == "Thanksgiving Day (US Federal Reserve)"
    assert business_days.next_business_day(date(2025, 11, 26), FEDERAL_RESERVE) == date(2025, 11, 28)


def test_the_fed_shifts_a_sunday_holiday_to_monday_but_stays_open_the_friday_before_a_saturday_one():
    assert business_days.closure(date(2022, 6, 20), FEDERAL_RESERVE) == (
        "Juneteenth National Independence Day (observed) (US Federal Reserve)")  # June 19, 2022 was a Sunday
    assert business_days.is_business_day(date(2026, 7, 3), FEDERAL_RESERVE)  # July 4, 2026 is a Saturday
    assert business_days.is_business_day(date(2027, 12, 24), FEDERAL_RESERVE)  # Christmas 2027: a Saturday
    assert business_days.next_business_day(date(2027, 12, 24), FEDERAL_RESERVE) == date(2027, 12, 27)


def test_the_fed_is_not_the_stock_exchange():
    assert business_days.is_business_day(date(2026, 4, 3), FEDERAL_RESERVE)  # Good Friday: NYSE closed, Fed open
    assert not business_days.is_business_day(date(2026, 10, 12), FEDERAL_RESERVE)  # Columbus Day
    assert not business_days.is_business_day(date(2026, 11, 11), FEDERAL_RESERVE)  # Veterans Day
    assert business_days.is_business_day(date(2025, 1, 9), FEDERAL_RESERVE)  # a government day of mourning


def test_canada_day_christmas_and_boxing_day_move_the_due_date():
    national = canada()
    assert business_days.next_business_day(date(2026, 6, 30), national) == date(2026, 7, 2)
    # Christmas 2026 is a Friday; Boxing Day a Saturday, observed the Monday after.
    assert business_days.next_business_day(date(2026, 12, 24), national) == date(2026, 12, 29)
    assert business_days.closure(date(2026, 12, 28), national) == "Boxing Day (observed) (Canada)"
    assert business_days.next_business_day(date(2025, 12, 24), national) == date(2025, 12, 29)


def test_a_provinces_holiday_counts_only_for_that_province():
    assert business_days.next_business_day(date(2026, 6, 23), canada("QC")) == date(2026, 6, 25)
    assert business_days.next_business_day(date(2026, 6, 23), canada("ON")) == date(2026, 6, 24)
    assert business_days.next_business_day(date(2026, 6, 23), canada()) == date(2026, 6, 24)
    family_day = date(2026, 2, 16)
    assert business_days.closure(family_day, canada("ON")) == "Family Day (Canada (ON))"
    assert business_days.is_business_day(family_day, canada("QC"))
    assert business_days.is_business_day(family_day, canada())


def test_a_batch_paying_both_countries_waits_for_a_day_open_in_both():
    both = (FEDERAL_RESERVE, canada())
    assert business_days.next_business_day(date(2026, 6, 30), both) == date(2026, 7, 2)  # Canada Day
    assert business_days.next_business_day(date(2026, 10, 9), both) == date(2026, 10, 13)  # both on Oct 12
    assert business_days.next_business_day(date(2026, 11, 10), both) == date(2026, 11, 12)  # Veterans/Remembrance


def test_adding_business_days_skips_weekends_and_holidays():
    assert business_days.add_business_days(date(2026, 11, 25), 2, FEDERAL_RESERVE) == date(2026, 11, 30)
    assert business_days.add_business_days(date(2026, 12, 24), 1, canada()) == date(2026, 12, 29)
    assert business_days.add_business_days(date(2026, 12, 5), 0, FEDERAL_RESERVE) == date(2026, 12, 7)
    assert business_days.closure(date(2026, 12, 5), FEDERAL_RESERVE) == "a Saturday"


def test_an_unknown_province_or_country_is_refused():
    with pytest.raises(ValueError):
        canada("XX")
    with pytest.raises(ValueError):
        business_days.calendar_for("FR")
    assert business_days.calendar_for("CA", "QC") == canada("QC")
    assert business_days.calendar_for("US", "QC") == FEDERAL_RESERVE
