"""A key the operator issued (an API key, a location's POS key) as a screen lists it: shown
by its prefix only (the key itself is shown once, when made), when it was made and last used,
and whether it was revoked."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import ApiKey, PosKey
from app.services.core import i18n
from app.services.core.i18n import N_
from app.services.core.timefmt import format_local_time


@dataclass
class KeyRow:
    id: int = 0
    name: str = ""
    prefix: str = ""
    created: str = ""
    last_used: str = ""
    revoked: bool = False
    revoked_at: str = ""


def key_row(key: ApiKey | PosKey, timezone: str, lang: str = i18n.DEFAULT_LANGUAGE) -> KeyRow:
    return KeyRow(
        id=key.id,
        name=key.name,
        prefix=key.prefix + "…",
        created=format_local_time(key.created_at, timezone),
        last_used=format_local_time(key.last_used_at, timezone) or i18n.translate(N_("Never"), lang),
        revoked=key.revoked_at is not None,
        revoked_at=format_local_time(key.revoked_at, timezone),
    )
