"""Who is acting, on behalf of which operator. Every service call takes one."""

from __future__ import annotations

from dataclasses import dataclass, replace


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

    def at_location(self, location_id: int) -> Actor:
        """This actor acting at `location_id`; every other field (its role too) is kept.

        Copies of an actor are made with `dataclasses.replace`, never rebuilt field by
        field: a rebuilt copy silently drops whatever field it forgets.
        """
        return replace(self, location_id=location_id)
