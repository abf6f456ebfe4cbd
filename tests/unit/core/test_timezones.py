"""The network's time zone is chosen from the IANA zones, and the server checks it whatever the
form sent: "New York" typed by hand is refused with words saying what to choose, the zone
offered for it ("America/New_York") is taken, at sign-up and in Settings (owners only)."""

from __future__ import annotations

import pytest

from app.db import read_session
from app.models import AuditEvent, Operator
from app.services.access import accounts
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode
from app.services.core.timezones import check_timezone, timezone_groups, timezone_label
from tests.support.services import refused


def test_the_select_offers_new_york_in_words_with_its_iana_name_as_the_value():
    groups = dict(timezone_groups())
    assert ("America/New_York", "New York") in groups["America"]
    assert ("America/Argentina/Buenos_Aires", "Argentina / Buenos Aires") in groups["America"]
    assert list(groups)[0] == "Canada and the United States"
    assert ("America/Toronto", "Toronto (America/Toronto)") in groups["Canada and the United States"]
    offered = [zone for _title, zones in timezone_groups() for zone, _label in zones]
    assert "US/Eastern" not in offered and "EST5EDT" not in offered  # aliases stay valid, not offered
    assert all(check_timezone(zone) == zone for zone in offered)


def test_a_zone_typed_as_words_is_refused_naming_what_to_choose():
    error = refused(check_timezone, "New York")
    assert (error.code, error.field) == (ErrorCode.invalid_timezone, "timezone")
    assert error.message == "Choose a time zone from the list, like America/Toronto ('New York' is not one)."
    assert refused(check_timezone, "").message == "Choose a time zone from the list, like America/Toronto."
    assert refused(check_timezone, None).code == ErrorCode.invalid_timezone
    assert check_timezone(" US/Eastern ") == "US/Eastern"
    assert timezone_label("UTC") == "UTC"


def test_sign_up_takes_the_chosen_zone_and_refuses_a_typed_one(database):
    error = refused(accounts.sign_up, operator_name="Harbour Town", email="a@example.com",
                    password="correct horse battery", timezone="New York")
    assert (error.code, error.field) == (ErrorCode.invalid_timezone, "timezone")

    operator, _user = accounts.sign_up(operator_name="Harbour Town", email="a@example.com",
                                       password="correct horse battery", timezone="America/New_York")
    assert operator.timezone == "America/New_York"


def test_an_owner_changes_the_zone_in_settings_and_the_audit_trail_says_so(make_operator):
    owner = make_operator()

    assert accounts.change_timezone(owner.actor, "America/Vancouver") == "America/Vancouver"

    with read_session() as session:
        assert session.get(Operator, owner.operator.id).timezone == "America/Vancouver"
        event = session.query(AuditEvent).filter(AuditEvent.operator_id == owner.operator.id,
                                                 AuditEvent.action == "settings.changed").one()
    assert event.summary == "Network settings changed: timezone"
    assert refused(accounts.change_timezone, owner.actor, "Vancouver").code == ErrorCode.invalid_timezone


@pytest.mark.parametrize("zone", ["America/Halifax", "nowhere"])
def test_staff_cannot_change_the_zone(make_operator, zone):
    owner = make_operator()
    staff = Actor(owner.operator.id, role="staff")

    assert refused(accounts.change_timezone, staff, zone).code == ErrorCode.forbidden
    with read_session() as session:
        assert session.get(Operator, owner.operator.id).timezone == "America/Toronto"
