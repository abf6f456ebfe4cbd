"""A TCP listener standing in for an internal service an attacker wants the app to reach
(an admin port, a metadata service): it records every connection it accepts, even one that
never sends a byte, and answers each HTTP request as scripted (a JSON body, a redirect, or
silence until the caller gives up).

Bound to 127.0.0.1 by default; `host="127.0.0.2"` gives a second loopback address, which a
test can count as public through `outbound.test_network` (a shop's server, say)."""

from __future__ import annotations

import json
import re
import socket
import ssl
import threading
from dataclasses import dataclass, field


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=lambda: {"items": [{"name": "Internal secret", "price_cents": 4200}]})
    location: str | None = None  # a redirect's target
    silent: bool = False  # accept, read, never answer


class Listener:
    def __init__(self, reply: Reply | None = None, *, host: str = "127.0.0.1",
                 tls: ssl.SSLContext | None = None) -> None:
        self.reply = reply or Reply()
        self.tls = tls  # a server context: answer over TLS
        self.host = host
        self.connections = 0
        self.requests: list[bytes] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def url(self, path: str = "/hook", host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    @property
    def reached(self) -> bool:
        """Whether anything connected at all."""
        return self.connections > 0

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        if self.tls is not None:
            try:
                connection.settimeout(5)
                connection = self.tls.wrap_socket(connection, server_side=True)
            except (OSError, ssl.SSLError):
                connection.close()
                return
        with connection:
            connection.settimeout(5)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                # Read the body too: closing with unread bytes would reset the connection under the answer.
                head, _, body = data.partition(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                while length and len(body) < int(length.group(1)):
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                data = head + b"\r\n\r\n" + body
            except OSError:
                pass
            with self._lock:
                self.requests.append(data)
            if self.reply.silent:
                self._stopping.wait(10)
                return
            payload = json.dumps(self.reply.body).encode()
            head = [f"HTTP/1.1 {self.reply.status} Answer", "content-type: application/json",
                    f"content-length: {len(payload)}", "connection: close"]
            if self.reply.location:
                head.append(f"location: {self.reply.location}")
            try:
                connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
            except OSError:
                pass

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._sock.close()
