"""Times as people read them: a moment in the operator's own time zone, a duration in words."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta


def format_local_time(moment: datetime | None, timezone: str) -> str:
    return _local(moment, timezone, "%Y-%m-%d %H:%M")


def format_local_seconds(moment: datetime | None, timezone: str) -> str:
    """To the second, for what is read that closely (an access log)."""
    return _local(moment, timezone, "%Y-%m-%d %H:%M:%S")


def _local(moment: datetime | None, timezone: str, pattern: str) -> str:
    """'' for no moment; a naive moment is UTC (as the database hands it back)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zoneinfo.ZoneInfo(timezone)).strftime(pattern)


def describe_duration(duration: timedelta, lang: str = "en") -> str:
    """72 h -> '3 days', 36 h -> '36 hours', 90 min -> '90 minutes' (French: '3 jours', '36 heures')."""
    minutes = int(duration.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    french = lang == "fr"
    if rest or hours == 0:
        return f"{minutes} minute{'s' if minutes > 1 or (not french and minutes != 1) else ''}"
    if hours % 24 == 0 and hours >= 48:
        return f"{hours // 24} {'jours' if french else 'days'}"
    if french:
        return f"{hours} heure{'s' if hours > 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"
