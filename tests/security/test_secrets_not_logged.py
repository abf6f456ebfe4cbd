"""Secrets never reach a log: not the Python logs (every level of our loggers, the backend
process's output), not the API access log, not the audit trail.

The flows that carry them run for real: over HTTP against the running backend, and in
this process through the same FastAPI app and services with every `app.*` logger
captured at DEBUG. The secrets: a sign-in password and the session token it opens,
operator and POS API keys (live, wrong and revoked ones sent in headers), card codes
(issued, looked up, redeemed, typed wrong), a webhook endpoint's signing secret and a
location's, a bank account number, an activation link's token and the device secret it
gives.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.support.backend import Backend, wait_for

ACCOUNT_NUMBER = "918273645501"
PASSWORD = "correct horse battery"  # what Backend.new_operator signs up with


def _variants(secret: str) -> list[str]:
    """A secret and the forms it could be logged in (a card code without its dashes, lower case)."""
    bare = secret.replace("-", "")
    return sorted({secret, bare, secret.lower(), bare.lower()})


def _assert_absent(secrets: dict[str, str], text: str, where: str) -> None:
    for name, secret in secrets.items():
        for form in _variants(secret):
            assert form not in text, f"the {name} ({form[:6]}...) appears in {where}"


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("httpx", "httpcore")):
            return  # this test's own requests (their URLs carry what the test sends on purpose)
        self.lines.append(f"{record.name} {record.levelname} {record.getMessage()} {self.format(record) if record.exc_info else ''}")


@pytest.fixture
def python_logs() -> Iterator[_Collector]:
    """Every record of our loggers at DEBUG (and anyone's at INFO) while the test runs."""
    collector = _Collector()
    root, ours = logging.getLogger(), logging.getLogger("app")
    levels = (root.level, ours.level)
    root.setLevel(logging.INFO)
    ours.setLevel(logging.DEBUG)
    root.addHandler(collector)
    yield collector
    root.removeHandler(collector)
    root.setLevel(levels[0])
    ours.setLevel(levels[1])


def test_no_secret_in_logs_access_log_or_audit_trail(security_backend: Backend, on_security_db: Backend,
                                                      python_logs: _Collector, monkeypatch):

    from app.api import create_api
    from app.db import read_session
    from app.models import ApiRequestLog, AuditEvent
    from app.services.access import accounts, api_log
    from app.services.core.actor import Actor
    from app.services.messaging import webhooks
    from app.services.network import devices

    tag = uuid.uuid4().hex[:8]
    operator = security_backend.new_operator(f"Secretive Network {tag}", currency="USD")
    secrets: dict[str, str] = {"password": PASSWORD, "API key": operator.api_key}

    # --- over HTTP, against the running backend
    http = operator.http
    card = operator.issue(4_000, recipient_email=f"holder-{tag}@example.com")
    secrets["card code"] = card["code"]
    location = operator.add_location(f"Vault Books {tag}", bank_country="US", routing_number="011000015",
                                     account_number=ACCOUNT_NUMBER, account_type="checking")
    secrets["bank account number"] = ACCOUNT_NUMBER
    pos_location = operator.add_location(f"Vault Till {tag}", mode="pos")
    pos_key = http.post(f"/locations/{pos_location['id']}/pos-keys", json={"name": "Till"})
    assert pos_key.status_code == 201, pos_key.text
    secrets["POS key"] = pos_key.json()["key"]
    hook = http.post("/webhook-endpoints", json={"url": "http://127.0.0.1:9/hooks"})  # nobody listens: failures get logged
    assert hook.status_code == 201, hook.text
    secrets["webhook secret"] = hook.json()["secret"]
    assert http.post("/cards/lookup", json={"code": card["code"]}).status_code == 200
    wrong_code = "WXYZ-WXYZ-WXYZ-WXYZ"
    assert http.post("/cards/lookup", json={"code": wrong_code}).status_code == 404
    redeemed = http.post("/redemptions", json={"card_code": card["code"], "location_id": location["id"], "amount_cents": 500})
    assert redeemed.status_code == 201, redeemed.text
    pushed = httpx.post(f"{security_backend.url}/api/v1/pos/payments", json={"amount_cents": 300, "reference": "V-1"},
                        headers={"Authorization": f"Bearer {secrets['POS key']}"})
    assert pushed.status_code == 201, pushed.text
    wrong_key = "gk_" + uuid.uuid4().hex + uuid.uuid4().hex
    secrets["wrong API key"] = wrong_key
    assert httpx.get(f"{security_backend.url}/api/v1/cards", headers={"Authorization": f"Bearer {wrong_key}"}).status_code == 401
    # A card code and a key where they do not belong: in the path (the access log keeps paths).
    assert http.get(f"/cards/{card['code']}").status_code in (400, 404)
    assert http.get(f"/locations/{secrets['POS key']}").status_code in (400, 404)

    # --- in this process, with every app logger captured
    actor = Actor(operator.id)
    token = accounts.log_in(operator.email, PASSWORD, ip="192.0.2.10")
    secrets["session token"] = token
    try:
        accounts.log_in(operator.email, PASSWORD + " typo", ip="192.0.2.10")
    except accounts.GiftnetError:
        pass
    assert accounts.resolve_session(token) is not None
    accounts.log_out(token)
    link = devices.create_activation_link(actor, location["id"])
    secrets["activation token"] = link.token
    device = devices.activate_device(link.token, "Front counter")
    secrets["device secret"] = device.secret
    assert devices.resolve_device(device.secret) is not None
    devices.revoke_device(actor, device.device.id)
    assert devices.resolve_device(device.secret) is None
    secrets["location webhook secret"] = webhooks.reveal_location_secret(actor, location["id"])
    webhooks.deliver_due()  # the redemption's delivery fails against a closed port, and says so

    def logged_calls() -> int:
        with read_session() as session:
            return len(session.exec(select(ApiRequestLog.id).where(ApiRequestLog.operator_id == operator.id)).all())

    assert wait_for(lambda: logged_calls() >= 11), "the backend's access log did not record the calls"
    # In this process the access log rows are kept as they would be written (no writer thread here,
    # which would outlive the test's database).
    rows = []
    monkeypatch.setattr(api_log, "record_call", rows.append)
    with TestClient(create_api(), raise_server_exceptions=False) as client:
        bearer = {"Authorization": f"Bearer {operator.api_key}"}
        assert client.post("/api/v1/cards/lookup", json={"code": card["code"]}, headers=bearer).status_code == 200
        assert client.get("/api/v1/cards", headers={"Authorization": f"Bearer {wrong_key}"}).status_code == 401
        assert client.post("/api/v1/pos/payments", json={"amount_cents": 200, "reference": "V-2"},
                           headers={"Authorization": f"Bearer {secrets['POS key']}"}).status_code == 201
        client.post("/api/v1/cards", content=b'{"amount_cents": ', headers=bearer)  # a broken body
    assert len(rows) == 4 and rows[0].operator_id == operator.id, rows

    logging.getLogger("app.services.sweep_check").debug("capture check")
    captured = "\n".join(python_logs.lines)
    assert "capture check" in captured, "the capture of the app's loggers is not working"
    _assert_absent(secrets, captured, "the Python logs of this process")
    _assert_absent(secrets, security_backend.log_path.read_text(errors="replace"), "the backend process's output")

    with read_session() as session:
        calls = session.exec(select(ApiRequestLog).where(ApiRequestLog.operator_id == operator.id)).all()
        audit = session.exec(select(AuditEvent).where(AuditEvent.operator_id == operator.id)).all()
        anonymous = session.exec(select(ApiRequestLog).where(ApiRequestLog.operator_id.is_(None))).all()
    _assert_absent(secrets, "\n".join(repr(row.model_dump()) for row in [*calls, *anonymous]), "the API access log")
    _assert_absent(secrets, "\n".join(repr(row) for row in rows), "this process's access log rows")
    assert audit, "the flows left no audit trail to check"
    _assert_absent(secrets, "\n".join(repr(row.model_dump()) for row in audit), "the audit trail")
