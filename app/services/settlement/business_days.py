"""Bank business days: the days a bank file's effective (NACHA) or due (CPA-005) date may
fall on, from the `holidays` library (pinned in requirements.txt) rather than a list of our own.

Two calendars:

- **US: the Federal Reserve's holidays** (FedACH settles NACHA files). The library has no
  Federal Reserve calendar of its own: its financial calendars are stock exchanges
  (`financial_holidays("XNYS")` closes on Good Friday and stays open on Columbus Day and
  Veterans Day, the Fed does the opposite). The Fed closes on exactly the eleven federal
  legal holidays, which are the library's `holidays.US` in its `public` category, but it
  shifts them its own way: a holiday on a Sunday closes the Monday after, a holiday on a
  Saturday closes nothing (the Fed is open the Friday before, unlike the federal
  government). So we take the library's holidays *without* its observed days
  (`observed=False`, whose rule moves Saturdays to Friday) and add the Monday after each
  Sunday one. One-off closings of the government (e.g. a national day of mourning, the
  `government` category) are not Fed holidays and are left out.
- **Canada: the federal bank holidays** (the Bills of Exchange Act's list, on which Payments
  Canada does not settle: New Year's Day, Good Friday, Victoria Day, Canada Day, Labour Day,
  the National Day for Truth and Reconciliation, Thanksgiving, Remembrance Day, Christmas and
  Boxing Day, with their observed days), the library's `holidays.CA` in its `government`
  category; plus, when the operator names its province (`payouts.cpa005.province`), that
  province's statutory holidays (`holidays.CA(subdiv=...)`, e.g. Quebec's Saint-Jean-Baptiste
  on June 24, Ontario's Family Day), on which the payees' branches there are closed. Without a
  province, the national days only.

A day is a business day when it is a weekday and no calendar given closes it; a batch paying
accounts in both countries waits for a day open in both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays
from holidays.constants import GOVERNMENT, PUBLIC

CANADIAN_PROVINCES: tuple[str, ...] = tuple(holidays.CA.subdivisions)  # AB, BC, ..., YT
MAX_DAYS_SEARCHED = 31  # no calendar closes a month in a row: a longer search is a bug


@dataclass(frozen=True)
class BankCalendar:
    """One country's bank holidays (`US`: the Federal Reserve; `CA`: Canada, with a province or not)."""

    country: str
    province: str | None = None

    @property
    def name(self) -> str:
        if self.country == "US":
            return "US Federal Reserve"
        return f"Canada ({self.province})" if self.province else "Canada"

    def holiday(self, day: date) -> str | None:
        """The holiday's name when this calendar's banks are closed on `day` (weekends aside)."""
        return _holidays(self.country, self.province, day.year).get(day)


FEDERAL_RESERVE = BankCalendar("US")


def canada(province: str | None = None) -> BankCalendar:
    """Canada's bank holidays, with `province`'s own (a code of CANADIAN_PROVINCES) or without."""
    if province is not None and province not in CANADIAN_PROVINCES:
        raise ValueError(f"unknown Canadian province {province!r}")
    return BankCalendar("CA", province)


def calendar_for(country: str, province: str | None = None) -> BankCalendar:
    """The calendar of a bank country (`US` or `CA`); the province counts for Canada only."""
    if country == "US":
        return FEDERAL_RESERVE
    if country == "CA":
        return canada(province)
    raise ValueError(f"no bank calendar for country {country!r}")


@lru_cache(maxsize=256)
def _holidays(country: str, province: str | None, year: int) -> dict[date, str]:
    closed: dict[date, str] = {}
    if country == "US":
        for day, name in holidays.US(years=year, categories=PUBLIC, observed=False).items():
            closed.setdefault(day, name)
        # The Fed's own shift: Sunday -> the Monday after; Saturday -> none. A Sunday holiday
        # of December 31st's year closes January 2nd: look at the year before too.
        for day, name in holidays.US(years=(year - 1, year), categories=PUBLIC, observed=False).items():
            monday = day + timedelta(days=1)
            if day.weekday() == 6 and monday.year == year:
                closed.setdefault(monday, f"{name} (observed)")
        return closed
    for day, name in holidays.CA(years=year, categories=GOVERNMENT).items():
        closed.setdefault(day, name)
    if province:
        for day, name in holidays.CA(years=year, subdiv=province, categories=PUBLIC).items():
            closed.setdefault(day, name)
    return closed


def _calendars(calendars: BankCalendar | Iterable[BankCalendar]) -> tuple[BankCalendar, ...]:
    found = (calendars,) if isinstance(calendars, BankCalendar) else tuple(calendars)
    if not found:
        raise ValueError("at least one bank calendar is needed")
    return found


def closure(day: date, calendars: BankCalendar | Iterable[BankCalendar]) -> str | None:
    """Why `day` is not a business day ("a Saturday", "Thanksgiving Day (US Federal Reserve)"),
    or None when it is one."""
    if day.weekday() >= 5:
        return f"a {day:%A}"
    for calendar in _calendars(calendars):
        name = calendar.holiday(day)
        if name:
            return f"{name} ({calendar.name})"
    return None


def is_business_day(day: date, calendars: BankCalendar | Iterable[BankCalendar]) -> bool:
    return closure(day, calendars) is None


def business_day_on_or_after(day: date, calendars: BankCalendar | Iterable[BankCalendar]) -> date:
    """`day` itself when the banks are open then, else the first business day after it."""
    found = _calendars(calendars)
    for _ in range(MAX_DAYS_SEARCHED):
        if is_business_day(day, found):
            return day
        day += timedelta(days=1)
    raise RuntimeError(f"no business day within {MAX_DAYS_SEARCHED} days of {day}")


def next_business_day(day: date, calendars: BankCalendar | Iterable[BankCalendar]) -> date:
    """The first business day strictly after `day`."""
    return business_day_on_or_after(day + timedelta(days=1), calendars)


def add_business_days(day: date, count: int, calendars: BankCalendar | Iterable[BankCalendar]) -> date:
    """`count` business days after `day` (0: `day` itself when it is one, else the next)."""
    if count < 0:
        raise ValueError("count must not be negative")
    found = _calendars(calendars)
    day = business_day_on_or_after(day, found)
    for _ in range(count):
        day = next_business_day(day, found)
    return day


__all__ = [
    "CANADIAN_PROVINCES",
    "FEDERAL_RESERVE",
    "BankCalendar",
    "add_business_days",
    "business_day_on_or_after",
    "calendar_for",
    "canada",
    "closure",
    "is_business_day",
    "next_business_day",
]
