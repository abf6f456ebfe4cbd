"""The network's time zone: one of the IANA zones this machine knows (`zoneinfo`), chosen
from a list rather than typed, and checked again on the server whatever the form sent.

`timezone_groups` is what the sign-up and Settings screens offer: the zones of North
America a network here most likely uses first, then every `Region/City` zone grouped by
region with its city in words ("New York", "Argentina / Buenos Aires"); legacy aliases
(`US/Eastern`, `EST5EDT`) stay valid but are not offered.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_

DEFAULT_TIMEZONE = "America/Toronto"
REGIONS = ("America", "Europe", "Africa", "Asia", "Atlantic", "Australia", "Indian", "Pacific", "Antarctica",
           "Arctic")
COMMON_NORTH_AMERICA = (
    "America/St_Johns", "America/Halifax", "America/Toronto", "America/New_York", "America/Winnipeg",
    "America/Chicago", "America/Regina", "America/Edmonton", "America/Denver", "America/Phoenix",
    "America/Vancouver", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
)


def timezone_label(zone: str) -> str:
    """"America/New_York" -> "New York"; "America/Argentina/Buenos_Aires" -> "Argentina / Buenos Aires"."""
    place = zone.split("/", 1)[1] if "/" in zone else zone
    return place.replace("_", " ").replace("/", " / ")


@cache
def timezone_groups() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """(group title, ((zone, label), ...)) for the screens' time zone select, common zones first."""
    known = zoneinfo.available_timezones()
    common = tuple((zone, f"{timezone_label(zone)} ({zone})") for zone in COMMON_NORTH_AMERICA if zone in known)
    by_region = tuple(
        (region, tuple((zone, timezone_label(zone)) for zone in sorted(known) if zone.startswith(region + "/")))
        for region in REGIONS
    )
    return (("Canada and the United States", common), *[group for group in by_region if group[1]],
            ("Other", (("UTC", "UTC"),)))


def check_timezone(value: object, *, field: str = "timezone") -> str:
    """The zone as given when this machine knows it (any IANA name, aliases included);
    refuses anything else with `invalid_timezone`."""
    zone = value.strip() if isinstance(value, str) else ""
    if zone not in zoneinfo.available_timezones():
        shown = f" ({value!r} is not one)" if isinstance(value, str) and value.strip() else ""
        raise GiftnetError(ErrorCode.invalid_timezone,
                           N_("Choose a time zone from the list, like America/Toronto{shown}."), field=field, params={"shown": shown})
    return zone


__all__ = ["DEFAULT_TIMEZONE", "check_timezone", "timezone_groups", "timezone_label"]
