"""Who is acting, on behalf of which operator. Every service call takes one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    operator_id: int
    user_id: int | None = None
    api_key_id: int | None = None
    location_id: int | None = None
    device_id: int | None = None
    channel: str = "dashboard"  # dashboard | api | shop | device | system
    # owner | staff (app/services/core/roles.py). API keys act as owners: only owners create them.
    role: str = "owner"
