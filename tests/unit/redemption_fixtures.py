"""What the redemption tests share: a network's location with its counter devices and
cards, the ledger tests' helpers for refusals, races and events, and a small HTTP
receiver on a loopback port standing in for a location's own system (its item webhook
or its notification URL)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import standardwebhooks
from sqlmodel import select

from app.db import read_session
from app.models import Card, Device, Location
from app.services.money import ledger
from app.services.network import devices, locations
from app.services.core.actor import Actor
from test_ledger import at_once, ledger_rows, published, refused  # noqa: F401 - re-exported: one copy of each
from test_outbox_smtp import free_port


def open_location(owner, name: str = "Main Street Books", **fields) -> Location:  # noqa: ANN001
    """A location of `owner`'s network (mode `amount` unless told otherwise)."""
    slug = name.lower().replace(" ", "-")
    return locations.create_location(owner.actor, {"name": name, "email": f"{slug}@example.com", **fields})


def activate_counter(owner, location: Location, name: str = "Front counter") -> Actor:  # noqa: ANN001
    """A device activated through the location's link, acting as the redemption screen does."""
    secret = devices.activate_device(devices.create_activation_link(owner.actor, location.id).token, name).secret
    device = devices.resolve_device(secret)
    return Actor(device.operator_id, location_id=device.location_id, device_id=device.device_id, channel="device")


def device_code(actor: Actor) -> str:
    with read_session() as session:
        return session.get(Device, actor.device_id).code


def issue(owner, amount_cents: int) -> ledger.IssuedCard:  # noqa: ANN001
    return ledger.issue_card(owner.actor, amount_cents)


def balance(card_id: int) -> int:
    with read_session() as session:
        return session.get(Card, card_id).balance_cents


def rows_of(model) -> list:  # noqa: ANN001
    with read_session() as session:
        return list(session.exec(select(model).order_by(model.id)).all())


# --- a location's own system, on a loopback port ---------------------------------


@dataclass
class Received:
    """One request as the receiver saw it, and whether its Standard Webhooks signature held."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool | None = None  # None when the receiver had no secret to check with

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: object = field(default_factory=dict)  # sent as JSON, or as is when bytes
    delay_seconds: float = 0.0


class Receiver:
    """A tiny HTTP server in a thread. Answers from `answers` in turn (the last one
    repeats); with a `secret`, verifies each request with the `standardwebhooks`
    package first and answers 401 to a bad signature."""

    def __init__(self, *answers: Answer, secret: str | None = None) -> None:
        self.answers = list(answers) or [Answer()]
        self.secret = secret
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def _answer_for(self, request: Received) -> Answer:
        with self._lock:
            index = len(self.received)
            self.received.append(request)
        return self.answers[min(index, len(self.answers) - 1)]

    def _verify(self, request: Received) -> bool | None:
        if not self.secret:
            return None
        try:
            standardwebhooks.Webhook(self.secret).verify(request.body, request.headers)
        except standardwebhooks.WebhookVerificationError:
            return False
        return True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                request = Received(self.path, {key.lower(): value for key, value in self.headers.items()}, body)
                request.verified = receiver._verify(request)  # noqa: SLF001
                answer = receiver._answer_for(request)  # noqa: SLF001
                if answer.delay_seconds:
                    receiver._stopping.wait(answer.delay_seconds)  # noqa: SLF001
                status = 401 if request.verified is False else answer.status
                payload = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the caller gave up waiting (a timeout under test)
                    pass

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        return Handler

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:  # noqa: ANN002
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def unused_loopback_url() -> str:
    """A URL on a loopback port nothing listens on: connections are refused."""
    return f"http://127.0.0.1:{free_port()}/hook"
