"""An operator's payout schedule (`payouts.schedule` of the settings): its fields and their
checks, and when its runs fall. No database writes here: the runs themselves are
`schedules.py`; the settings that store the schedule are `payout_settings.py`.

Rules this module keeps:
- `frequency` is `off` (batches are created by hand), `daily` (every day), `weekly` (on
  `weekday`, mon..sun), `semimonthly` (the 1st and the 16th) or `monthly` (on `day`,
  1-28, so every month has it); a run falls at `cutoff_time` (HH:MM, default 17:00) in the
  network's time zone (`Operator.timezone`) and pays what was redeemed up to that moment;
- a location whose net would be below `minimum_net_cents` waits for a later run;
- a schedule counts from when it was set (`active_since`, written when the frequency,
  weekday, day or cut-off change): setting one never creates a batch for a cut-off
  already past; one run per operator and local day (`PayoutRun`'s unique key), so a run
  that was missed (jobs stopped) is made once, at the next pass, for the latest cut-off,
  and pays everything unpaid up to it.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from app.models import PayoutRun
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_

FREQUENCIES = ("off", "daily", "weekly", "semimonthly", "monthly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEMIMONTHLY_DAYS = (1, 16)
DEFAULT_CUTOFF = "17:00"
MAX_MINIMUM_NET_CENTS = 100_000_000  # $1,000,000
FIELDS = ("frequency", "weekday", "day", "cutoff_time", "minimum_net_cents")
# The fields that move the runs: changing one starts the schedule afresh (active_since).
TIMING_FIELDS = ("frequency", "weekday", "day", "cutoff_time")
SEARCH_DAYS = 62  # two months hold a run of every frequency
PREFIX = "payouts.schedule"
_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class PayoutSchedule:
    frequency: str = "off"
    weekday: str | None = None
    day: int | None = None
    cutoff_time: str = DEFAULT_CUTOFF
    minimum_net_cents: int = 0
    active_since: datetime | None = None

    @classmethod
    def from_stored(cls, stored: object) -> PayoutSchedule:
        if not isinstance(stored, dict) or stored.get("frequency") not in FREQUENCIES:
            return cls()
        since = stored.get("active_since")
        return cls(frequency=stored["frequency"], weekday=stored.get("weekday"), day=stored.get("day"),
                   cutoff_time=stored.get("cutoff_time") or DEFAULT_CUTOFF,
                   minimum_net_cents=int(stored.get("minimum_net_cents") or 0),
                   active_since=datetime.fromisoformat(since) if since else None)

    @property
    def is_on(self) -> bool:
        return self.frequency != "off"

    def falls_on(self, day: date) -> bool:
        """Whether a run falls on this local day."""
        if self.frequency == "daily":
            return True
        if self.frequency == "weekly":
            return WEEKDAYS[day.weekday()] == self.weekday
        if self.frequency == "semimonthly":
            return day.day in SEMIMONTHLY_DAYS
        if self.frequency == "monthly":
            return day.day == self.day
        return False

    def cutoff_on(self, day: date, timezone: str) -> datetime:
        """The UTC moment of the run on local `day`."""
        hours, minutes = (int(part) for part in self.cutoff_time.split(":"))
        return datetime.combine(day, time(hours, minutes), zoneinfo.ZoneInfo(timezone)).astimezone(UTC)

    def describe(self) -> str:
        """In words, for the screen and the audit: "weekly on Friday at 17:00"."""
        if not self.is_on:
            return "off"
        when = {
            "daily": "daily",
            "weekly": f"weekly on {_weekday_name(self.weekday)}",
            "semimonthly": "on the 1st and the 16th",
            "monthly": f"monthly on day {self.day}",
        }[self.frequency]
        return f"{when} at {self.cutoff_time}"


def _weekday_name(weekday: str | None) -> str:
    names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    return names[WEEKDAYS.index(weekday)] if weekday in WEEKDAYS else "?"


# --- when the runs fall -------------------------------------------------------------


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(zoneinfo.ZoneInfo(timezone)).date()


def due_cutoff(schedule: PayoutSchedule, timezone: str, now: datetime,
               last_run_on: date | None = None) -> datetime | None:
    """The cut-off whose run is due at `now`: the latest one at or before now, counted from
    `active_since`, on a local day after `last_run_on`. None when nothing is due."""
    if not schedule.is_on:
        return None
    today = local_day(now, timezone)
    for back in range(SEARCH_DAYS):
        day = today - timedelta(days=back)
        if not schedule.falls_on(day):
            continue
        cutoff = schedule.cutoff_on(day, timezone)
        if cutoff > now:
            continue
        too_early = schedule.active_since is not None and cutoff <= schedule.active_since
        already_run = last_run_on is not None and day <= last_run_on
        return None if too_early or already_run else cutoff
    return None


def next_run_at(schedule: PayoutSchedule, timezone: str, now: datetime,
                last_run_on: date | None = None) -> datetime | None:
    """When the next run happens: a due one (it runs at the next pass of the jobs), else
    the first cut-off after now on a day not run yet. None when the schedule is off."""
    if not schedule.is_on:
        return None
    due = due_cutoff(schedule, timezone, now, last_run_on)
    if due is not None:
        return due
    today = local_day(now, timezone)
    for ahead in range(SEARCH_DAYS):
        day = today + timedelta(days=ahead)
        if not schedule.falls_on(day) or (last_run_on is not None and day <= last_run_on):
            continue
        cutoff = schedule.cutoff_on(day, timezone)
        if cutoff > now and (schedule.active_since is None or cutoff > schedule.active_since):
            return cutoff
    return None


def last_run_on(session: Session, operator_id: int) -> date | None:
    """The local day of the operator's latest scheduled run."""
    return session.exec(select(func.max(PayoutRun.scheduled_on)).where(PayoutRun.operator_id == operator_id)).one()


def schedule_answer(stored: object, timezone: str, now: datetime, last_run: date | None) -> dict:
    """`payouts.schedule` as `GET /settings` answers it, with `next_run_at`."""
    schedule = PayoutSchedule.from_stored(stored)
    upcoming = next_run_at(schedule, timezone, now, last_run)
    return {"frequency": schedule.frequency, "weekday": schedule.weekday, "day": schedule.day,
            "cutoff_time": schedule.cutoff_time, "minimum_net_cents": schedule.minimum_net_cents,
            "next_run_at": upcoming.isoformat() if upcoming else None}


# --- checking a change --------------------------------------------------------------


def _refuse(name: str, sentence: str) -> GiftnetError:
    return GiftnetError(ErrorCode.invalid_input, sentence, field=f"{PREFIX}.{name}")


def _whole(raw: object, name: str, low: int, high: int, sentence: str) -> int:
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise _refuse(name, sentence)
    return raw


def _clean(name: str, raw: object) -> object:
    if name == "frequency":
        value = raw.strip().lower() if isinstance(raw, str) else raw
        if value not in FREQUENCIES:
            raise _refuse(name, "The payout schedule's frequency is off, daily, weekly, semimonthly or monthly.")
        return value
    if name == "weekday":
        if raw is None:
            return None
        value = raw.strip().lower()[:3] if isinstance(raw, str) else raw
        if value not in WEEKDAYS:
            raise _refuse(name, "The payout schedule's weekday is one of mon, tue, wed, thu, fri, sat, sun.")
        return value
    if name == "day":
        if raw is None:
            return None
        return _whole(raw, name, 1, 28, "The payout schedule's day of the month is a whole number from 1 to 28 "
                                        "(every month has it).")
    if name == "cutoff_time":
        value = raw.strip() if isinstance(raw, str) else raw
        if value is None or value == "":
            return DEFAULT_CUTOFF
        if isinstance(value, str) and re.fullmatch(r"\d:[0-5]\d", value):
            value = "0" + value
        if not isinstance(value, str) or not _HH_MM.match(value):
            raise _refuse(name, "The payout schedule's cut-off time is HH:MM on a 24-hour clock, like 17:00, in "
                                "the network's time zone.")
        return value
    if raw is None or raw == "":
        return 0
    return _whole(raw, name, 0, MAX_MINIMUM_NET_CENTS,
                  f"The payout schedule's minimum net amount is a whole number of cents from 0 to "
                  f"{MAX_MINIMUM_NET_CENTS}.")


def merge_schedule(stored: object, changes: object, now: datetime) -> dict:
    """The stored schedule after a PATCH of `payouts.schedule`: the fields given change,
    the others stay; `null` turns it off. Refuses `invalid_input` naming the field (an
    unknown one, a bad value, a weekly schedule without its weekday, a monthly one
    without its day)."""
    before = dict(stored) if isinstance(stored, dict) else {}
    if changes is None:
        return {"frequency": "off"}
    if not isinstance(changes, dict):
        raise GiftnetError(ErrorCode.invalid_input, N_("{prefix} must be an object."), field=PREFIX, params={"prefix": PREFIX})
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise _refuse(unknown[0], f"Unknown field: {PREFIX}.{unknown[0]}.")
    merged = {name: before.get(name) for name in FIELDS if before.get(name) is not None}
    merged.setdefault("frequency", "off")
    for name, raw in changes.items():
        value = _clean(name, raw)
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    if merged["frequency"] == "weekly" and not merged.get("weekday"):
        raise _refuse("weekday", "A weekly payout schedule needs its weekday: mon, tue, wed, thu, fri, sat or sun.")
    if merged["frequency"] == "monthly" and not merged.get("day"):
        raise _refuse("day", "A monthly payout schedule needs its day of the month, 1 to 28.")
    if merged["frequency"] != "off":
        merged.setdefault("cutoff_time", DEFAULT_CUTOFF)
        merged.setdefault("minimum_net_cents", 0)
        timing_changed = any(merged.get(name) != before.get(name) for name in TIMING_FIELDS)
        merged["active_since"] = (now.astimezone(UTC).isoformat() if timing_changed or not before.get("active_since")
                                  else before["active_since"])
    return merged


__all__ = [
    "FREQUENCIES",
    "WEEKDAYS",
    "PayoutSchedule",
    "due_cutoff",
    "last_run_on",
    "merge_schedule",
    "next_run_at",
    "schedule_answer",
]
