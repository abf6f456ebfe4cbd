"""An attacker who may type URLs (an owner of any network: sign-up is open) tries to make
the server call its internal services (SSRF): webhook endpoints, a location's item and
notification webhooks, the payment gateways' and Clover's API addresses, the SFTP host.

The target is a listener on 127.0.0.1 that records every connection: it must receive
nothing while ALLOW_INTERNAL_URLS is off (these tests turn it off; the rest of the suite
runs with it on for its local stand-ins), and saving such a URL is refused naming the field
with nothing stored. With the development setting on, the same listener is reached (so a
silent listener is not what makes these tests pass). Each test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import httpx
import pytest
from sqlmodel import select

from app.db import read_session
from app.integrations import bambora, forte, outbound, sftp
from app.models import Location, WebhookEndpoint
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.counter import clover_pos, pos_partner_settings
from app.services.messaging import webhooks
from app.services.network import items, locations
from app.services.settlement import delivery_settings
from app.services.shop import shop_settings
from tests.support.counter import activate_counter, issue, open_location
from tests.support.fixtures import clover_till, fake_clover  # noqa: F401
from tests.support.listener import Listener, Reply
from tests.support.pos_partners import CLOVER_AUTH_CODE, clover_notification
from tests.support.services import refused
from tests.support.tls import certificates_for
from tests.support.webhooks import redeem

# Every way of writing "this machine" or "inside the network" that a URL parser or libc accepts.
LOOPBACK_HOSTS = ["127.0.0.1", "127.1", "0x7f000001", "2130706433", "017700000001", "[::1]", "[::ffff:127.0.0.1]",
                  "0.0.0.0", "localhost", "LocalHost", "[::ffff:7f00:1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]"]
INTERNAL_URLS = ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/admin", "http://192.168.1.1/",
                 "http://172.16.0.1/", "http://100.64.0.1/", "http://224.0.0.1/", "http://240.0.0.1/",
                 "http://255.255.255.255/", "http://[fd00::1]/", "http://[fe80::1]/", "http://[ff02::1]/"]


@pytest.fixture
def guard_on(database, settings_env):
    """The production setting: internal addresses refused."""
    settings_env(ALLOW_INTERNAL_URLS=None)


@pytest.fixture
def listener():
    with Listener() as running:
        yield running


def _owner(make_operator):
    return make_operator("Probe Network")


def _redeem_at(owner, location, card) -> None:
    """A redemption at `location`: its notification URL and the endpoints are owed an event."""
    redeem(SimpleNamespace(owner=owner, location=location, counter=activate_counter(owner, location), card=card))


# --- the guard itself -------------------------------------------------------------------


@pytest.mark.parametrize("host", LOOPBACK_HOSTS)
def test_every_spelling_of_loopback_is_refused_and_nothing_connects(guard_on, listener, host):
    url = f"http://{host}:{listener.port}/hook"

    with pytest.raises(outbound.OutboundRefused) as when_saved:
        outbound.check_url(url)
    with outbound.http_client(timeout=2) as client, pytest.raises(outbound.OutboundRefused):
        client.post(url, content=b"{}")

    assert "not one on the public internet" in when_saved.value.reason
    assert not listener.reached


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_private_link_local_metadata_multicast_and_reserved_addresses_are_refused(guard_on, url):
    with pytest.raises(outbound.OutboundRefused) as refusal:
        outbound.check_url(url)
    with outbound.http_client(timeout=1) as client, pytest.raises(outbound.OutboundRefused):
        client.get(url)
    assert "public internet" in refusal.value.reason


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://127.0.0.1:6379/_INFO",
                                 "dict://127.0.0.1:11211/stats", "http:///nohost", "not a url"])
def test_only_http_and_https_urls_with_a_host_are_taken(guard_on, url):
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_url(url)


def test_a_name_that_resolves_to_loopback_is_refused(guard_on, listener):
    with outbound.test_network({"hooks.attacker.test": ["127.0.0.1"]}):
        with pytest.raises(outbound.OutboundRefused) as refusal:
            outbound.check_url(f"https://hooks.attacker.test:{listener.port}/")
        with outbound.http_client(timeout=2) as client, pytest.raises(outbound.OutboundRefused):
            client.post(f"http://hooks.attacker.test:{listener.port}/", content=b"{}")
    assert refusal.value.reason == "hooks.attacker.test (127.0.0.1) is a loopback address, not one on the public internet"
    assert not listener.reached


def test_a_name_with_one_internal_address_among_public_ones_is_refused(guard_on, listener):
    with outbound.test_network({"mixed.attacker.test": ["127.0.0.2", "127.0.0.1"]}, public={"127.0.0.2"}), \
            pytest.raises(outbound.OutboundRefused):
        outbound.check_url(f"http://mixed.attacker.test:{listener.port}/")


def test_the_connection_goes_to_the_checked_address_with_the_name_in_the_host_header(guard_on):
    with Listener(host="127.0.0.2") as public_standin, \
            outbound.test_network({"shop.public.test": ["127.0.0.2"]}, public={"127.0.0.2"}), \
            outbound.http_client(timeout=3) as client:
        answer = client.post(f"http://shop.public.test:{public_standin.port}/hook", content=b"{}")
    assert answer.status_code == 200
    [request] = public_standin.requests
    assert f"host: shop.public.test:{public_standin.port}" in request.decode().lower()


def test_over_https_the_pinned_connection_still_checks_the_certificate_against_the_name(guard_on, tmp_path):
    certificates = certificates_for("shop.public.test", tmp_path)
    with Listener(host="127.0.0.2", tls=certificates.server_context()) as public_standin, \
            outbound.test_network({"shop.public.test": ["127.0.0.2"], "other.public.test": ["127.0.0.2"]},
                                  public={"127.0.0.2"}), \
            httpx.Client(transport=outbound.GuardedTransport(verify=certificates.client_context()),
                         trust_env=False) as client:
        answer = client.post(f"https://shop.public.test:{public_standin.port}/hook", content=b"{}")
        with pytest.raises(httpx.ConnectError, match="certificate"):  # the same server, under a name it has no
            client.post(f"https://other.public.test:{public_standin.port}/hook", content=b"{}")  # certificate for
    assert answer.status_code == 200
    assert f"host: shop.public.test:{public_standin.port}" in public_standin.requests[0].decode().lower()


def test_a_name_rebound_to_loopback_after_it_was_saved_reaches_nothing(guard_on, listener):
    url = f"http://rebind.attacker.test:{listener.port}/hook"
    with outbound.test_network({"rebind.attacker.test": ["127.0.0.2"]}, public={"127.0.0.2"}):
        outbound.check_url(url)  # saved: it answered a public address then
    with outbound.test_network({"rebind.attacker.test": ["127.0.0.1"]}), outbound.http_client(timeout=2) as client, \
            pytest.raises(outbound.OutboundRefused):
        client.post(url, content=b"{}")
    assert not listener.reached


def test_a_redirect_from_a_public_server_to_loopback_is_not_followed(guard_on, listener):
    with Listener(Reply(status=302, location=listener.url("/admin")), host="127.0.0.2") as public_standin, \
            outbound.test_network({"shop.public.test": ["127.0.0.2"]}, public={"127.0.0.2"}), \
            outbound.http_client(timeout=3) as client:
        answer = client.post(f"http://shop.public.test:{public_standin.port}/hook", content=b"{}")
    assert answer.status_code == 302 and public_standin.reached
    assert not listener.reached


# --- webhook endpoints --------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "localhost", "[::1]", "169.254.169.254"])
def test_a_webhook_endpoint_to_an_internal_address_is_refused_and_nothing_is_stored(guard_on, make_operator, host):
    owner = _owner(make_operator)

    error = refused(webhooks.create_endpoint, owner.actor, f"http://{host}:8080/hook")

    assert error.code == ErrorCode.invalid_input and error.field == "url"
    assert error.message.startswith("URL must point to a server on the public internet:")
    assert webhooks.list_endpoints(owner.operator.id) == []


def _deliveries_to_an_endpoint_saved_before(make_operator, settings_env, url: str) -> tuple:
    """An endpoint stored while its URL passed (before this guard, or while its name answered a
    public address), an event owed to it, then the production setting back on."""
    settings_env(ALLOW_INTERNAL_URLS="1")
    owner = _owner(make_operator)
    created = webhooks.create_endpoint(owner.actor, url, ["redemption.completed"])
    location = open_location(owner, "Bean There")
    card = issue(owner, 5000)
    _redeem_at(owner, location, card)
    settings_env(ALLOW_INTERNAL_URLS=None)
    return owner, created


def test_a_stored_webhook_endpoint_on_loopback_receives_nothing(database, make_operator, settings_env, listener):
    owner, created = _deliveries_to_an_endpoint_saved_before(make_operator, settings_env, listener.url())

    counts = webhooks.deliver_due()

    assert counts.retrying == 1 and counts.delivered == 0
    assert not listener.reached
    [delivery] = webhooks.list_deliveries(owner.operator.id)
    assert delivery.endpoint_id == created.endpoint.id and delivery.last_error == webhooks.UNREACHABLE


def test_the_development_setting_lets_the_same_endpoint_through(database, make_operator, settings_env, listener):
    owner, _created = _deliveries_to_an_endpoint_saved_before(make_operator, settings_env, listener.url())
    settings_env(ALLOW_INTERNAL_URLS="1")

    assert webhooks.deliver_due().delivered == 1
    assert listener.reached and listener.requests[0].startswith(b"POST /hook ")


def test_delivery_errors_read_the_same_whatever_the_ports_state(guard_on, make_operator, settings_env, monkeypatch):
    """Closed port, a server that never answers, an internal address: one sentence for all."""
    monkeypatch.setattr(webhooks, "REQUEST_TIMEOUT", httpx.Timeout(1.0))
    with Listener(Reply(silent=True), host="127.0.0.2") as silent, Listener() as internal:
        names = {"closed.shop.test": ["127.0.0.3"], "silent.shop.test": ["127.0.0.2"],
                 "internal.shop.test": ["127.0.0.1"]}
        with outbound.test_network(names, public={"127.0.0.2", "127.0.0.3"}):
            settings_env(ALLOW_INTERNAL_URLS="1")
            owner = _owner(make_operator)
            for url in (f"http://closed.shop.test:{silent.port + 1}/", f"http://silent.shop.test:{silent.port}/",
                        f"http://internal.shop.test:{internal.port}/"):
                webhooks.create_endpoint(owner.actor, url, ["redemption.completed"])
            location = open_location(owner, "Bean There")
            _redeem_at(owner, location, issue(owner, 5000))
            settings_env(ALLOW_INTERNAL_URLS=None)

            assert webhooks.deliver_due().retrying == 3

        assert silent.reached and not internal.reached
    errors = {delivery.url.split("/")[2].split(":")[0]: delivery.last_error
              for delivery in webhooks.list_deliveries(owner.operator.id)}
    assert set(errors) == {"closed.shop.test", "silent.shop.test", "internal.shop.test"}
    assert set(errors.values()) == {webhooks.UNREACHABLE}


# --- a location's item and notification webhooks -------------------------------------------


@pytest.mark.parametrize("field", ["item_webhook_url", "notify_webhook_url"])
def test_a_location_webhook_to_loopback_is_refused_naming_the_field(guard_on, make_operator, listener, field):
    owner = _owner(make_operator)
    location = open_location(owner, "Bean There")

    created = refused(open_location, owner, "Second Shop", **{field: listener.url()})
    updated = refused(locations.update_location, owner.actor, location.id, {field: f"http://localhost:{listener.port}/"})

    label = {"item_webhook_url": "Item webhook URL", "notify_webhook_url": "Notification webhook URL"}[field]
    for error in (created, updated):
        assert error.code == ErrorCode.invalid_input and error.field == field
        assert error.message.startswith(f"{label} must point to a server on the public internet:")
    with read_session() as session:
        stored = session.get(Location, location.id)
        assert getattr(stored, field) is None
        assert session.exec(select(Location.name).where(Location.operator_id == owner.operator.id)).all() \
            == ["Bean There"]
    assert not listener.reached


def test_the_counters_item_fetch_does_not_reach_an_internal_service(database, make_operator, settings_env, listener):
    settings_env(ALLOW_INTERNAL_URLS="1")
    owner = _owner(make_operator)
    location = open_location(owner, "Bean There", item_webhook_url=listener.url())
    assert [item.name for item in items.fetch_webhook_items(owner.operator.id, location.id)] == ["Internal secret"]
    connections_while_allowed = listener.connections
    settings_env(ALLOW_INTERNAL_URLS=None)

    error = refused(items.fetch_webhook_items, owner.operator.id, location.id)

    assert error.code == ErrorCode.item_webhook_failed and "Internal secret" not in error.message
    assert listener.connections == connections_while_allowed


def test_the_item_fetch_does_not_follow_a_redirect_to_loopback(guard_on, make_operator, listener):
    with Listener(Reply(status=302, location=listener.url()), host="127.0.0.2") as public_standin, \
            outbound.test_network({"items.shop.test": ["127.0.0.2"]}, public={"127.0.0.2"}):
        owner = _owner(make_operator)
        location = open_location(owner, "Bean There",
                                 item_webhook_url=f"http://items.shop.test:{public_standin.port}/items")
        error = refused(items.fetch_webhook_items, owner.operator.id, location.id)
    assert error.code == ErrorCode.item_webhook_failed and "(HTTP 302)" in error.message
    assert public_standin.reached and not listener.reached


def test_a_notification_url_on_loopback_receives_no_signed_webhook(database, make_operator, settings_env, listener):
    settings_env(ALLOW_INTERNAL_URLS="1")
    owner = _owner(make_operator)
    location = open_location(owner, "Bean There", notify_webhook_url=listener.url())
    _redeem_at(owner, location, issue(owner, 5000))
    settings_env(ALLOW_INTERNAL_URLS=None)

    assert webhooks.deliver_due().retrying == 1

    assert not listener.reached
    [delivery] = webhooks.list_deliveries(owner.operator.id, location_id=location.id)
    assert delivery.status == "pending" and delivery.last_error == webhooks.UNREACHABLE


# --- payment gateways, Clover, SFTP ----------------------------------------------------------


@pytest.mark.parametrize("gateway, values", [
    ("bambora", {"merchant_id": "300200578", "payments_passcode": "secret"}),
    ("forte", {"organization_id": "org_1", "location_id": "loc_1", "api_access_id": "id",
               "api_secure_key": "key"}),
])
def test_a_gateway_api_address_on_loopback_is_refused_and_nothing_is_saved(guard_on, make_operator, listener,
                                                                           gateway, values):
    owner = _owner(make_operator)
    before = shop_settings.get_gateway_settings(owner.operator.id)

    for url in (listener.url("/"), f"http://0x7f000001:{listener.port}/", "http://169.254.169.254/"):
        saved = refused(shop_settings.update_gateway_settings, owner.actor, gateway, {**values, "base_url": url})
        tested = refused(shop_settings.check_gateway_connection, owner.actor, gateway, {**values, "base_url": url})
        for error in (saved, tested):
            assert error.code == ErrorCode.invalid_input and error.field == "base_url"
            assert "public internet" in error.message

    assert shop_settings.get_gateway_settings(owner.operator.id) == before
    assert not listener.reached


def test_the_gateways_send_no_charge_to_an_internal_address(guard_on, listener):
    bambora_at_loopback = bambora.BamboraGateway(merchant_id="300200578", payments_passcode="secret",
                                                 base_url=listener.url(""), timeout_seconds=2)
    forte_at_loopback = forte.ForteGateway(organization_id="org_1", location_id="loc_1", api_access_id="id",
                                           api_secure_key="key", base_url=listener.url(""), timeout_seconds=2)
    for gateway in (bambora_at_loopback, forte_at_loopback):
        charge = gateway.charge("order-1", 1000, "token", currency="USD")
        assert charge.outcome == "unknown"
        assert gateway.check_credentials().outcome == "unreachable"
        assert not gateway.refund("trn-1", 100).ok
    assert not listener.reached


def test_a_clover_api_address_on_loopback_is_refused(guard_on, make_operator, listener):
    owner = _owner(make_operator)
    location = open_location(owner, "Bean There", mode="pos")

    error = refused(pos_partner_settings.configure_partner, owner.actor, location.id, "clover", {
        "merchant_id": "M1", "api_token": "token", "tender_label": "Gift card", "base_url": listener.url("")})

    assert error.code == ErrorCode.invalid_input and error.field == "base_url"
    assert error.message.startswith("The Clover API address must point to a server on the public internet:")
    assert pos_partner_settings.partner_settings(owner.operator.id, location.id)["clover"].configured is False
    assert not listener.reached


def test_a_stored_clover_api_address_on_loopback_is_not_called(clover_till, settings_env):  # noqa: F811
    settings_env(ALLOW_INTERNAL_URLS=None)
    fake = clover_till.clover
    body = clover_notification(fake.merchant_id, ("P:PAY1", "CREATE"))

    error = refused(clover_pos.receive_clover_webhook, clover_till.location.id, body, CLOVER_AUTH_CODE)

    assert error.code == ErrorCode.unavailable and "not a public internet address" in error.message
    assert fake.requests == []


def test_an_sftp_host_inside_the_network_is_refused_and_never_connected(guard_on, make_operator, listener):
    for host in ("127.0.0.1", "localhost", "10.1.2.3", "169.254.169.254"):
        with pytest.raises(GiftnetError) as refusal:
            delivery_settings.merge({}, {"sftp": {"host": host, "port": listener.port}})
        assert refusal.value.field == "payouts.delivery.sftp.host"
        assert "public internet" in refusal.value.message

    target = sftp.SftpTarget(host="127.0.0.1", port=listener.port, username="bank", host_key_sha256="SHA256:" + "A" * 43,
                             remote_dir=".", password="secret", private_key=None)
    with pytest.raises(sftp.SftpError) as down:
        sftp.check(target)
    assert down.value.message == (f"Cannot connect to the SFTP server at 127.0.0.1 port {listener.port}: "
                                  "no SSH server answered there, or it is not a public internet address.")
    assert not listener.reached


def test_stored_endpoint_rows_keep_their_url_for_the_operator_to_see(database, make_operator, settings_env, listener):
    """The guard never rewrites what is stored: the operator sees the URL that was refused."""
    owner, created = _deliveries_to_an_endpoint_saved_before(make_operator, settings_env, listener.url())
    webhooks.deliver_due()
    with read_session() as session:
        assert session.get(WebhookEndpoint, created.endpoint.id).url == listener.url()
    assert json.loads(webhooks.list_deliveries(owner.operator.id)[0].payload)["type"] == "redemption.completed"
