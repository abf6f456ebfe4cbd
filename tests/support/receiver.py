"""A small HTTP receiver on a loopback port standing in for a location's own system (its
item webhook or its notification URL): it answers as scripted and checks Standard
Webhooks signatures."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import standardwebhooks

from tests.support.ports import free_port


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
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                request = Received(self.path, {key.lower(): value for key, value in self.headers.items()}, body)
                request.verified = receiver._verify(request)
                answer = receiver._answer_for(request)
                if answer.delay_seconds:
                    receiver._stopping.wait(answer.delay_seconds)
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

            def log_message(self, *args) -> None:
                pass

        return Handler

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def unused_loopback_url() -> str:
    """A URL on a loopback port nothing listens on: connections are refused."""
    return f"http://127.0.0.1:{free_port()}/hook"
