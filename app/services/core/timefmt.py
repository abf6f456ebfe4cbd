"""Times as people read them: in the operator's own time zone."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime


def format_local_time(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zoneinfo.ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
