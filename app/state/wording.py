"""Small pieces of the dashboard's sentences in the reader's language: a duration, a count of
cards. (The English of each stays what `timefmt.describe_duration` and the screens wrote.)"""

from __future__ import annotations

from datetime import timedelta

from app.services.core import i18n
from app.services.core.i18n import N_


def duration(span: timedelta, lang: str) -> str:
    """72 h -> '3 days' / '3 jours', 36 h -> '36 hours', 90 min -> '90 minutes'."""
    minutes = int(span.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if rest or hours == 0:
        if minutes == 1:
            return i18n.translate(N_("1 minute"), lang)
        return i18n.translate(N_("{count} minutes"), lang, count=minutes)
    if hours % 24 == 0 and hours >= 48:
        return i18n.translate(N_("{count} days"), lang, count=hours // 24)
    if hours == 1:
        return i18n.translate(N_("1 hour"), lang)
    return i18n.translate(N_("{count} hours"), lang, count=hours)


def cards(count: int, lang: str) -> str:
    """'1 card', '1,234 cards' / '1 234 cartes'."""
    if count == 1:
        return i18n.translate(N_("1 card"), lang)
    return i18n.translate(N_("{count} cards"), lang, count=i18n.format_number(count, lang))
