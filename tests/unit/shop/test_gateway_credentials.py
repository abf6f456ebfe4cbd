"""Gateway credentials are tried before they are saved: one harmless authenticated call
(Bambora's report search, Forte's location read) against the fake gateways. Right ones
are saved; wrong ones are refused with the gateway's own message; an unreachable gateway
is refused too; nothing is written when refused; "Test connection" saves nothing."""

from __future__ import annotations

import base64

import pytest

from app.services.core.errors import ErrorCode
from app.services.shop import shop_settings
from tests.fakes.server import free_port
from tests.support.services import refused


@pytest.fixture(autouse=True)
def quick_gateway_timeout(monkeypatch):
    monkeypatch.setattr(shop_settings, "GATEWAY_TIMEOUT_SECONDS", 5.0)


def bambora_values(fake, **changes):
    return {"merchant_id": fake.merchant_id, "payments_passcode": fake.passcode,
            "reporting_passcode": fake.reporting_passcode, "base_url": fake.base_url, **changes}


def forte_values(fake, **changes):
    return {"organization_id": fake.organization_id, "location_id": fake.location_id,
            "api_access_id": fake.api_access_id, "api_secure_key": fake.api_secure_key,
            "api_login_id": fake.api_login_id, "base_url": fake.base_url, **changes}


def nowhere() -> str:
    """An address where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


# --- Bambora -----------------------------------------------------------------------------


def test_right_bambora_credentials_are_tried_with_a_report_search_then_saved(make_operator, fake_bambora):
    owner = make_operator()

    view = shop_settings.update_gateway_settings(owner.actor, "bambora", bambora_values(fake_bambora))

    assert view.gateway == "bambora" and view.fields["merchant_id"] == fake_bambora.merchant_id
    assert shop_settings.get_gateway_settings(owner.operator.id).gateway == "bambora"
    (search,) = [r for r in fake_bambora.requests if r.path == "/v1/reports"]
    expected = base64.b64encode(f"{fake_bambora.merchant_id}:{fake_bambora.reporting_passcode}".encode()).decode()
    assert search.headers["authorization"] == "Passcode " + expected
    assert search.body["name"] == "Search" and search.body["criteria"][0]["field"] == 5
    assert fake_bambora.payment_requests() == []  # nothing charged


def test_a_wrong_bambora_passcode_is_refused_with_bambora_s_message_and_nothing_is_saved(make_operator, fake_bambora):
    owner = make_operator()

    error = refused(shop_settings.update_gateway_settings, owner.actor, "bambora",
                    bambora_values(fake_bambora, reporting_passcode="not-the-passcode"))

    assert error.code == ErrorCode.invalid_input and error.field == "reporting_passcode"
    assert "Bambora refused these credentials: Authentication failed" in error.message
    assert "nothing was saved" in error.message
    view = shop_settings.get_gateway_settings(owner.operator.id)
    assert view.gateway == "sandbox" and view.fields == {}


def test_without_a_reporting_passcode_the_payments_passcode_is_the_one_tried(make_operator, fake_bambora):
    owner = make_operator()
    values = bambora_values(fake_bambora, payments_passcode="wrong-payments")
    del values["reporting_passcode"]

    error = refused(shop_settings.update_gateway_settings, owner.actor, "bambora", values)

    assert error.field == "payments_passcode" and "Authentication failed" in error.message


def test_a_refused_change_keeps_the_working_bambora_settings(make_operator, fake_bambora):
    owner = make_operator()
    shop_settings.update_gateway_settings(owner.actor, "bambora", bambora_values(fake_bambora))
    before = shop_settings.get_gateway_settings(owner.operator.id)

    refused(shop_settings.update_gateway_settings, owner.actor, "bambora", {"merchant_id": "999999999"})

    assert shop_settings.get_gateway_settings(owner.operator.id) == before


def test_an_unreachable_bambora_is_refused_in_a_plain_sentence_and_nothing_is_saved(make_operator):
    owner = make_operator()
    address = nowhere()

    error = refused(shop_settings.update_gateway_settings, owner.actor, "bambora",
                    {"merchant_id": "300200578", "payments_passcode": "secret", "base_url": address})

    assert error.code == ErrorCode.unavailable and error.field == "base_url"
    assert error.message.startswith(f"Bambora could not be reached at {address}, so nothing was saved.")
    assert shop_settings.get_gateway_settings(owner.operator.id).gateway == "sandbox"


# --- Forte -------------------------------------------------------------------------------


def test_right_forte_credentials_are_tried_with_a_location_read_then_saved(make_operator, fake_forte):
    owner = make_operator(currency="USD")

    view = shop_settings.update_gateway_settings(owner.actor, "forte", forte_values(fake_forte))

    assert view.gateway == "forte" and view.fields["api_secure_key_last4"] == fake_forte.api_secure_key[-4:]
    (read,) = fake_forte.requests
    assert (read.method, read.path) == ("GET", f"/organizations/{fake_forte.organization_id}"
                                               f"/locations/{fake_forte.location_id}")
    assert read.headers["x-forte-auth-organization-id"] == fake_forte.organization_id
    expected = base64.b64encode(f"{fake_forte.api_access_id}:{fake_forte.api_secure_key}".encode()).decode()
    assert read.headers["authorization"] == "Basic " + expected


def test_a_wrong_forte_secure_key_is_refused_with_forte_s_message_and_nothing_is_saved(make_operator, fake_forte):
    owner = make_operator(currency="USD")

    error = refused(shop_settings.update_gateway_settings, owner.actor, "forte",
                    forte_values(fake_forte, api_secure_key="wrong-key"))

    assert error.code == ErrorCode.invalid_input and error.field == "api_secure_key"
    assert "Forte refused these credentials: Invalid authentication" in error.message
    assert shop_settings.get_gateway_settings(owner.operator.id).gateway == "sandbox"


def test_a_forte_location_outside_the_organization_is_refused_naming_the_location(make_operator, fake_forte):
    owner = make_operator(currency="USD")

    error = refused(shop_settings.update_gateway_settings, owner.actor, "forte",
                    forte_values(fake_forte, location_id="loc_000000"))

    assert error.field == "location_id" and "Location not found" in error.message


def test_an_unreachable_forte_is_refused_and_nothing_is_saved(make_operator, fake_forte):
    owner = make_operator(currency="USD")
    address = nowhere()

    error = refused(shop_settings.update_gateway_settings, owner.actor, "forte",
                    forte_values(fake_forte, base_url=address))

    assert error.code == ErrorCode.unavailable
    assert error.message.startswith(f"Forte could not be reached at {address}, so nothing was saved.")
    assert shop_settings.get_gateway_settings(owner.operator.id).gateway == "sandbox"


# --- Test connection and the mode --------------------------------------------------------


def test_test_connection_asks_the_gateway_and_saves_nothing(make_operator, fake_forte):
    owner = make_operator()

    said = shop_settings.check_gateway_connection(owner.actor, "forte", forte_values(fake_forte))
    error = refused(shop_settings.check_gateway_connection, owner.actor, "forte",
                    forte_values(fake_forte, api_secure_key="wrong-key"))

    assert said == "Forte accepted these credentials (TEST MODE)."
    assert "Invalid authentication" in error.message and "saved" not in error.message
    assert len(fake_forte.requests) == 2
    assert shop_settings.get_gateway_settings(owner.operator.id).gateway == "sandbox"


def test_test_connection_tries_the_stored_secret_when_none_is_typed(make_operator, fake_bambora):
    owner = make_operator()
    shop_settings.update_gateway_settings(owner.actor, "bambora", bambora_values(fake_bambora))

    said = shop_settings.check_gateway_connection(owner.actor, "bambora", bambora_values(
        fake_bambora, payments_passcode="", reporting_passcode=""))

    assert said.startswith("Bambora accepted these credentials")


def test_each_gateway_is_live_at_its_live_address_and_test_elsewhere(make_operator, fake_bambora):
    owner = make_operator()
    shop_settings.update_gateway_settings(owner.actor, "bambora", bambora_values(fake_bambora))

    modes = shop_settings.get_gateway_settings(owner.operator.id).modes

    assert modes == {"sandbox": "test", "bambora": "test", "forte": "live"}
    assert shop_settings.gateway_mode("bambora", {"base_url": "https://api.na.bambora.com/"}) == "live"
    assert shop_settings.gateway_mode("forte", {"base_url": "https://sandbox.forte.net/api/v3"}) == "test"
