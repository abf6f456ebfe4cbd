"""A POS push on hundreds of counter screens: N websocket screens and one real Chromium.

    python bench/pos_screens.py [--screens 1,50,500] [--pushes 30] [--workers 3]
                                [--redis-url redis://127.0.0.1:6379] [--oplock] [--json FILE]

Starts the whole app as bench/pos_latency.py does (`reflex run --env prod --single-port`
on a free port, a temporary SQLite database, K Granian workers, Reflex's state in
Redis), creates one `pos` location with N + 1 activated counter devices, then:

1. opens `/redeem` in one headless Chromium page with the first device's secret in its
   HttpOnly device cookie (as activation leaves it) and records every websocket frame
   the page sends: the socket.io CONNECT that carries the hydrate event and the events
   after it (the page's on_load ...);
2. opens N more screens as plain websocket sessions of the same protocol
   (engine.io 4 / socket.io over a websocket, `wsproto`, one asyncio loop in one
   thread): each opens its websocket with its own device's cookie and sends the page's
   own frames with its own client token, answers the server's pings, and reads
   every state update, as the browser's socket does. The kernel spreads the
   connections over the workers, so a push handled by one worker reaches screens on
   the others through the app's Redis announcement;
3. for each push: `POST /api/v1/pos/payments` with the location's POS key; each
   websocket screen stamps the moment a state update lists the payment among
   `PosInbox.payments`; the Chromium screen stamps the moment the row
   `#pos-payment-<id>` is in its document (a MutationObserver, its clock compared with
   this process's); then Dismiss is clicked on the Chromium screen and every screen
   stamps the moment the payment has left its list.

Printed per N: the POST's round trip (the reference: what the POS waits anyway),
push -> visible on every websocket screen, on the Chromium screen, from the POST's answer
to visible on every screen (the fan-out's own share: the event is published before the
answer), and dismiss click -> gone everywhere, each as p50 / p95 / max over the pushes, and the missed count (a screen
that did not show a payment within 10 s). Also the bench client's own CPU time per push
(from /proc, all its threads) and the app's (the process group of `reflex run`).

Figures, not pass/fail: the machine is shared and the client runs on the same CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import httpx  # noqa: E402
import pos_latency  # noqa: E402
from pos_latency import App, clock_offset, make_location_with_devices, percentile  # noqa: E402
from wsproto import ConnectionType, WSConnection  # noqa: E402
from wsproto.events import (  # noqa: E402
    AcceptConnection,
    CloseConnection,
    Message,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

SEEN_TIMEOUT_S = pos_latency.SEEN_TIMEOUT_S
OPEN_AT_ONCE = 16  # websocket screens loading at the same time (as a room of counters switched on)
INBOX_MARK = "pos_inbox"  # in the state name of PosInbox, whose updates carry the payments
PAYMENTS_FIELD = "payments_rx_state_"


# --------------------------------------------------------------------------- a screen over a websocket


class Screen:
    """One counter screen: a websocket session of the app's own protocol."""

    def __init__(self, url: str, frames: list[str], seen: dict, gone: dict, index: int, cookie: str) -> None:
        self.url, self.frames, self.index, self.cookie = url, frames, index, cookie
        self.seen, self.gone = seen, gone  # payment id -> {screen index: ms}
        self.shown: set[int] = set()
        self.ready = asyncio.Event()
        self.updates = asyncio.Event()
        self.closed = False
        self._writer: asyncio.StreamWriter | None = None
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._inbox_state = ""

    async def open(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        self._writer = writer
        target = parts.path + ("?" + parts.query if parts.query else "")
        from reflex_base import constants

        writer.write(self._ws.send(Request(host=parts.netloc, target=target,
                                           subprotocols=[constants.Reflex.VERSION],
                                           extra_headers=[(b"cookie", self.cookie.encode())])))
        self._reader_task = asyncio.get_running_loop().create_task(self._read(reader))
        connect, events = self.frames[0], self.frames[1:]
        await self._wait_for(lambda: self._opened, "the engine.io OPEN")
        self.send(connect)
        await self._wait_for(lambda: self._connected, "the socket.io CONNECT answer")
        for frame in events:  # the page's events, each once the previous one was answered
            self.updates.clear()
            self.send(frame)
            try:
                await asyncio.wait_for(self.updates.wait(), 10)
            except TimeoutError:
                pass
        await asyncio.wait_for(self.ready.wait(), 30)

    _opened = False
    _connected = False

    async def _wait_for(self, condition, what: str) -> None:  # noqa: ANN001
        deadline = time.monotonic() + 30
        while not condition():
            if self.closed or time.monotonic() > deadline:
                raise RuntimeError(f"screen {self.index}: no {what}")
            await asyncio.sleep(0.005)

    def send(self, text: str) -> None:
        if self._writer is not None and not self.closed:
            self._writer.write(self._ws.send(Message(data=text)))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        buffer: list[str] = []
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                self._ws.receive_data(data)
                for event in self._ws.events():
                    if isinstance(event, AcceptConnection):
                        continue
                    if isinstance(event, RejectConnection):
                        raise RuntimeError(f"screen {self.index}: websocket refused")
                    if isinstance(event, Ping):
                        self._writer.write(self._ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        self.closed = True
                        return
                    elif isinstance(event, TextMessage):
                        buffer.append(event.data)
                        if event.message_finished:
                            self._packet("".join(buffer), time.time() * 1000)
                            buffer.clear()
        finally:
            self.closed = True

    def _packet(self, text: str, at: float) -> None:
        kind = text[:1]
        if kind == "0":  # engine.io OPEN
            self._opened = True
        elif kind == "2":  # engine.io PING: answer PONG, as the browser does
            self.send("3")
        elif text.startswith("40"):
            self._connected = True
        elif text.startswith("42"):
            self.updates.set()
            if INBOX_MARK in text:
                self._inbox(text, at)

    def _inbox(self, text: str, at: float) -> None:
        body = json.loads(text[text.index("["):])
        if len(body) < 2 or not isinstance(body[1], dict):
            return
        for state, values in (body[1].get("delta") or {}).items():
            if INBOX_MARK not in state or PAYMENTS_FIELD not in values:
                continue
            shown = {row["id"] for row in values[PAYMENTS_FIELD]}
            for payment_id in shown - self.shown:
                self.seen.setdefault(payment_id, {}).setdefault(self.index, at)
            for payment_id in self.shown - shown:
                self.gone.setdefault(payment_id, {}).setdefault(self.index, at)
            self.shown = shown
            self.ready.set()

    async def close(self) -> None:
        if self._writer is not None and not self.closed:
            try:
                self._writer.write(self._ws.send(CloseConnection(code=1000)))
            except Exception:  # noqa: BLE001 - closing anyway
                pass
        if self._writer is not None:
            self._writer.close()
        self.closed = True


class Screens:
    """N websocket screens on one asyncio loop in a thread of their own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.screens: list[Screen] = []
        self.seen: dict[int, dict[int, float]] = {}
        self.gone: dict[int, dict[int, float]] = {}

    def run(self, coroutine, timeout: float = 900):  # noqa: ANN001
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def open(self, url: str, frames: list[str], chromium_token: str, chromium_secret: str,
             secrets: list[str]) -> None:
        async def open_all() -> None:
            gate = asyncio.Semaphore(OPEN_AT_ONCE)

            async def one(index: int, secret: str) -> None:
                token = str(uuid.uuid4())
                mine = [frame.replace(chromium_token, token).replace(chromium_secret, secret) for frame in frames]
                screen = Screen(url.replace(chromium_token, token), mine, self.seen, self.gone, index,
                                f"giftnet_device={secret}")
                self.screens.append(screen)
                async with gate:
                    await screen.open()

            await asyncio.gather(*(one(index, secret) for index, secret in enumerate(secrets)))

        self.run(open_all())

    def stamps(self, table: dict, payment_id: int) -> dict[int, float]:
        return dict(table.get(payment_id, {}))

    def close(self) -> None:
        async def close_all() -> None:
            await asyncio.gather(*(screen.close() for screen in self.screens), return_exceptions=True)

        try:
            self.run(close_all(), timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)


# --------------------------------------------------------------------------- CPU from /proc


def cpu_ms_of_group(pgid: int) -> float:
    """User + system CPU of every process in a process group (ms), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: the process group
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total * 1000 / tick


def cpu_ms_of_self() -> float:
    usage = os.times()
    return (usage.user + usage.system) * 1000


# --------------------------------------------------------------------------- the run


def chromium_screen(browser, app: App, secret: str):  # noqa: ANN001
    """The real screen; returns its page, its websocket URL and the frames it sent."""
    context = pos_latency.counter_context(browser, app, secret)
    page = context.new_page()
    page.set_default_timeout(60_000)
    sockets: list = []
    frames: dict[int, list[str]] = {}

    def record(socket) -> None:  # noqa: ANN001
        sockets.append(socket)
        frames.setdefault(id(socket), [])
        socket.on("framesent", lambda payload: frames[id(socket)].append(payload)
                  if isinstance(payload, str) else None)

    page.on("websocket", record)
    page.goto("/redeem")
    page.locator("#pos-payments-empty").wait_for()
    page.locator("#page-ready").wait_for(state="attached")
    page.wait_for_timeout(1500)  # the page's last events after ready (keys, focus)
    socket = next(socket for socket in sockets if "/_event" in socket.url)
    sent = [frame for frame in frames[id(socket)] if frame.startswith(("40", "42"))]
    if not sent or not sent[0].startswith("40"):
        raise SystemExit(f"the Chromium screen sent no socket.io CONNECT: {frames[id(socket)][:3]}")
    return context, page, socket.url, sent


def run_screens(browser, app: App, screens: int, pushes: int) -> dict:  # noqa: ANN001
    setup = make_location_with_devices(app, screens + 1)
    secrets = setup["device_secrets"]
    opened = time.perf_counter()
    context, page, url, frames = chromium_screen(browser, app, secrets[0])
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["token"][0]
    client = Screens()
    try:
        client.open(url, frames, token, secrets[0], secrets[1:])
        print(f"  1 Chromium + {screens} websocket screen(s) open on /redeem in "
              f"{time.perf_counter() - opened:.1f} s ({len(frames)} frame(s) per page load)", flush=True)
        offset = clock_offset(page)
        headers = {"Authorization": f"Bearer {setup['pos_key']}"}
        post_ms, ws_ms, chromium_ms, gone_ms, chromium_gone_ms, after_ms = [], [], [], [], [], []
        misses = chromium_misses = 0
        cpu_client = cpu_app = 0.0
        with httpx.Client(base_url=app.base_url, timeout=10) as http:
            http.get("/api/v1/health")
            for number in range(pushes + 2):  # the first two warm the path and are not counted
                counted = number >= 2
                client_before, app_before = cpu_ms_of_self(), cpu_ms_of_group(app.process.pid)
                started = time.time() * 1000
                response = http.post("/api/v1/pos/payments",
                                     headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                                     json={"amount_cents": 1000 + number, "reference": f"Bench {number}"})
                answered = time.time() * 1000
                if response.status_code != 201:
                    raise SystemExit(f"push refused: {response.status_code} {response.text}")
                payment_id = response.json()["id"]
                seen = wait_for(client, client.seen, payment_id, screens)
                chromium_seen = wait_in_page(page, "window.__posSeen", payment_id)
                if chromium_seen is None:
                    raise SystemExit(f"the Chromium screen never showed payment {payment_id}")
                page.click(f"#pos-dismiss-{payment_id}")  # Dismiss asks first; the distant button confirms
                confirm = page.locator("#pos-dismiss-confirm")
                confirm.click(trial=True)  # visible, stable (its dialog's opening animation done), enabled
                dismissed = time.time() * 1000
                confirm.click()
                gone = wait_for(client, client.gone, payment_id, screens)
                chromium_gone = wait_in_page(page, "window.__posGone", payment_id)
                if counted:
                    cpu_client += cpu_ms_of_self() - client_before
                    cpu_app += cpu_ms_of_group(app.process.pid) - app_before
                    post_ms.append(answered - started)
                    misses += screens - len(seen)
                    if seen:
                        ws_ms.append(max(seen.values()) - started)
                        after_ms.append(max(max(seen.values()), chromium_seen - offset) - answered)
                    chromium_ms.append(chromium_seen - offset - started)
                    if len(gone) == screens and chromium_gone is not None:
                        gone_ms.append(max(max(gone.values()), chromium_gone - offset) - dismissed)
                    if chromium_gone is not None:
                        chromium_gone_ms.append(chromium_gone - offset - dismissed)
                    else:
                        chromium_misses += 1
    finally:
        client.close()
        context.close()
    return {"screens": screens, "pushes": pushes, "post": post_ms, "ws": ws_ms, "chromium": chromium_ms,
            "after": after_ms,
            "gone": gone_ms, "chromium_gone": chromium_gone_ms, "misses": misses,
            "chromium_misses": chromium_misses, "cpu_client_ms": cpu_client / max(pushes, 1),
            "cpu_app_ms": cpu_app / max(pushes, 1)}


def wait_for(client: Screens, table: dict, payment_id: int, screens: int) -> dict[int, float]:
    deadline = time.monotonic() + SEEN_TIMEOUT_S
    while time.monotonic() < deadline:
        stamps = client.stamps(table, payment_id)
        if len(stamps) >= screens:
            return stamps
        time.sleep(0.005)
    return client.stamps(table, payment_id)


def wait_in_page(page, expression: str, payment_id: int) -> float | None:  # noqa: ANN001
    deadline = time.monotonic() + SEEN_TIMEOUT_S
    while time.monotonic() < deadline:
        found = page.evaluate(f"{expression}[{json.dumps(str(payment_id))}] ?? null")
        if found is not None:
            return found
        time.sleep(0.005)
    return None


def report(result: dict) -> None:
    def line(label: str, values: list[float]) -> str:
        return (f"    {label:<44} p50 {percentile(values, 50):7.1f} ms   p95 {percentile(values, 95):7.1f} ms   "
                f"max {max(values, default=float('nan')):7.1f} ms")

    print(f"  {result['screens']} websocket screen(s) + 1 Chromium, {result['pushes']} pushes, "
          f"missed: {result['misses']} (websocket) + {result['chromium_misses']} (Chromium)")
    print(line("POST /pos/payments round trip (reference)", result["post"]))
    print(line("push -> visible on every websocket screen", result["ws"]))
    print(line("push -> visible on the Chromium screen", result["chromium"]))
    print(line("POST answered -> visible on every screen", result["after"]))
    print(line("dismiss click -> gone from every screen", result["gone"]))
    print(f"    CPU per push: app {result['cpu_app_ms']:.1f} ms (all workers), "
          f"bench client {result['cpu_client_ms']:.1f} ms (websocket screens + Playwright driver)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screens", default="1,50,500", help="websocket screen counts (default 1,50,500)")
    parser.add_argument("--pushes", type=int, default=30, help="POS pushes measured per screen count (default 30)")
    parser.add_argument("--workers", type=int, default=3, help="Granian workers (default 3)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379")
    parser.add_argument("--oplock", nargs="?", const="200ms", default=None, metavar="HOLD",
                        help="Reflex's opportunistic Redis locks, held HOLD (the app's default with Redis)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    counts = [int(part) for part in args.screens.split(",") if part.strip()]

    app = App(redis_url=args.redis_url, workers=args.workers, oplock_hold=args.oplock)
    state = f"in Redis{f' (oplock {args.oplock})' if args.oplock else ''}"
    print(f"giftnet POS screens bench: state {state}, {args.workers} worker(s), {os.cpu_count()} CPU(s), "
          f"load {os.getloadavg()[0]:.2f}; starting the app on {app.base_url} ...", flush=True)
    results: list[dict] = []
    try:
        pos_latency.run_all(app, counts, args.pushes, run_screens, report, results)
    finally:
        app.stop()
        if args.json:
            args.json.write_text(json.dumps({
                "state": state, "workers": args.workers, "load_after": os.getloadavg()[0],
                "results": [{"screens": result["screens"], "pushes": result["pushes"], "misses": result["misses"],
                             "chromium_misses": result["chromium_misses"],
                             "cpu_app_ms": round(result["cpu_app_ms"], 1),
                             "cpu_client_ms": round(result["cpu_client_ms"], 1),
                             **{f"{name}_{percent}_ms": round(percentile(result[name], percent), 1)
                                for name in ("post", "ws", "chromium", "after", "gone") for percent in (50, 95)},
                             **{f"{name}_max_ms": round(max(result[name], default=float("nan")), 1)
                                for name in ("post", "ws", "chromium", "gone")}}
                            for result in results],
            }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
