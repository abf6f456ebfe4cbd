"""Times as screens show them: the operator's own zone, to the minute or (an access log) to the second."""

from __future__ import annotations

from datetime import UTC, datetime

from app.services.core.timefmt import format_local_seconds, format_local_time


def test_a_moment_is_shown_in_the_operators_zone_to_the_minute():
    assert format_local_time(datetime(2026, 1, 15, 17, 4, 9, tzinfo=UTC), "America/Toronto") == "2026-01-15 12:04"


def test_an_access_log_moment_keeps_its_seconds():
    assert format_local_seconds(datetime(2026, 1, 15, 17, 4, 9, tzinfo=UTC), "America/Toronto") == "2026-01-15 12:04:09"


def test_a_naive_moment_is_utc_and_no_moment_is_empty():
    assert format_local_seconds(datetime(2026, 7, 1, 0, 0, 5), "UTC") == "2026-07-01 00:00:05"
    assert format_local_time(None, "UTC") == format_local_seconds(None, "UTC") == ""
