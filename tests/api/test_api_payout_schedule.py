"""`payouts.schedule` (and the CPA-005 province) in GET/PATCH /api/v1/settings over real HTTP."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

from tests.support.backend import Backend, Operator


def _refused(operator: Operator, schedule: dict) -> dict:
    answer = operator.http.patch("/settings", json={"payouts": {"schedule": schedule}})
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_input" and error["message"], error
    return error


def test_a_weekly_schedule_is_saved_and_shown_with_its_next_run(backend: Backend, rival: Operator):
    operator = backend.new_operator("Weekly Payouts", currency="USD")
    before = operator.http.get("/settings").json()["payouts"]["schedule"]
    assert before == {"frequency": "off", "weekday": None, "day": None, "cutoff_time": "17:00",
                      "minimum_net_cents": 0, "next_run_at": None}

    changed = operator.http.patch("/settings", json={"payouts": {"schedule": {
        "frequency": "weekly", "weekday": "fri", "cutoff_time": "16:30", "minimum_net_cents": 2_500}}})

    assert changed.status_code == 200, changed.text
    schedule = changed.json()["payouts"]["schedule"]
    assert {key: schedule[key] for key in ("frequency", "weekday", "day", "cutoff_time", "minimum_net_cents")} == {
        "frequency": "weekly", "weekday": "fri", "day": None, "cutoff_time": "16:30", "minimum_net_cents": 2_500}
    next_run = datetime.fromisoformat(schedule["next_run_at"])
    in_zone = next_run.astimezone(zoneinfo.ZoneInfo("America/Toronto"))  # create-operator's default zone
    assert next_run > datetime.now(UTC) and (in_zone.weekday(), in_zone.hour, in_zone.minute) == (4, 16, 30)
    assert operator.http.get("/settings").json()["payouts"]["schedule"] == schedule
    # a partial change keeps the rest
    smaller = operator.http.patch("/settings", json={"payouts": {"schedule": {"minimum_net_cents": 0}}}).json()
    assert smaller["payouts"]["schedule"]["weekday"] == "fri" and smaller["payouts"]["schedule"]["minimum_net_cents"] == 0
    assert rival.http.get("/settings").json()["payouts"]["schedule"]["frequency"] == "off"

    off = operator.http.patch("/settings", json={"payouts": {"schedule": None}})
    assert off.status_code == 200 and off.json()["payouts"]["schedule"]["next_run_at"] is None


def test_bad_schedule_values_are_refused_naming_the_field_and_change_nothing(backend: Backend):
    operator = backend.new_operator("Picky Payouts", currency="CAD")
    saved = operator.http.patch("/settings", json={"payouts": {"schedule": {"frequency": "monthly", "day": 15}}})
    assert saved.status_code == 200, saved.text

    for schedule, field in (
        ({"frequency": "fortnightly"}, "payouts.schedule.frequency"),
        ({"frequency": "weekly"}, "payouts.schedule.weekday"),
        ({"day": 31}, "payouts.schedule.day"),
        ({"cutoff_time": "24:00"}, "payouts.schedule.cutoff_time"),
        ({"minimum_net_cents": -5}, "payouts.schedule.minimum_net_cents"),
        ({"when": "friday"}, "payouts.schedule.when"),
    ):
        assert _refused(operator, schedule)["field"] == field, schedule
    province = operator.http.patch("/settings", json={"payouts": {"cpa005": {"province": "Narnia"}}})
    assert province.status_code == 400 and province.json()["error"]["field"] == "payouts.cpa005.province"

    after = operator.http.get("/settings").json()["payouts"]
    assert (after["schedule"]["frequency"], after["schedule"]["day"]) == ("monthly", 15)
    assert after["cpa005"]["province"] is None
    assert operator.http.patch("/settings", json={"payouts": {"cpa005": {"province": "on"}}}).json()[
        "payouts"]["cpa005"]["province"] == "ON"
