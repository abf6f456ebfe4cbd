"""From a POS push to the payment on every open counter screen: how long it takes.

    python bench/pos_latency.py [--screens 1,10,50] [--pushes 50]
                                [--redis] [--redis-url redis://127.0.0.1:6379] [--workers 3]

Starts the whole app itself (`reflex run --env prod --single-port` on a free port,
a temporary SQLite database and data folder, a private copy of `.web/`, as the e2e
fixture does), creates a network with one `pos` location, activates N counter
devices of it (through the device service; each browser context gets its device
secret in the HttpOnly device cookie, as activation leaves it) and opens `/redeem` in N
contexts of one headless Chromium. Then, for each push:

1. the POS pushes a payment: `POST /api/v1/pos/payments` with the location's POS key;
2. a MutationObserver injected into every screen records the moment the row
   `#pos-payment-<id>` appears (`performance.timeOrigin + performance.now()`);
3. one screen clicks Dismiss, and the observers record when the row is gone.

Browser clocks are compared with this process's clock once per screen before the
run (the median offset of a few round trips), so every figure is a difference of
times on one clock. Printed per N: the bare round trip of the POST (the reference:
what the POS waits anyway), the time until the payment is visible on the first and
on every screen, and until a dismissed payment is gone from every screen (p50 / p95
/ max over the pushes). A screen that never shows a payment counts as a miss.

Options:
- `--redis`: Reflex keeps its state in Redis (`REDIS_URL`, default
  redis://127.0.0.1:6379), as in the scale-out setup.
- `--oplock` (with `--redis`): Reflex's opportunistic Redis locks (the app's default with
  Redis, see rxconfig.py; without this flag the bench turns them off explicitly)
  (`REFLEX_OPLOCK_ENABLED=true`, held `REFLEX_OPLOCK_HOLD_TIME`, default here 200ms):
  a worker keeps a state's lock and its copy in memory while no other worker asks.
- `--workers K` (with `--redis`): K Granian workers (Reflex reads `GRANIAN_WORKERS`);
  a push handled by one worker reaches screens whose websockets live on the others
  through the app's Redis pub/sub announcement (app/state/live.py). Without `--redis` the app runs one worker (Reflex's
  disk state manager cannot be shared by processes).

Figures, not pass/fail; they move with the machine's load (Chromium renders every
screen on the same CPUs as the app). For hundreds of screens without a browser each,
bench/pos_screens.py holds them as websocket sessions of the app's own protocol beside
one Chromium screen.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 300  # the first build of a private .web takes a minute or two
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-renderer-backgrounding",
                 "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows"]
SEEN_TIMEOUT_S = 10.0

# Injected into every screen before its scripts run: the first time a POS payment row
# appears (or leaves), keyed by payment id, on the page's high-resolution clock.
OBSERVER = """
(() => {
  window.__posSeen = {}; window.__posGone = {};
  const stamp = () => performance.timeOrigin + performance.now();
  // added: the row is in the document now; removed: it is not any more (not a re-render)
  const scan = (nodes, into, added) => {
    const at = stamp();
    for (const node of nodes) {
      if (node.nodeType !== 1) continue;
      const rows = node.matches('[id^="pos-payment-"]') ? [node] : node.querySelectorAll('[id^="pos-payment-"]');
      for (const row of rows) {
        const id = row.id.slice('pos-payment-'.length);
        if (!/^[0-9]+$/.test(id) || id in into) continue;
        if ((document.getElementById(row.id) !== null) === added) into[id] = at;
      }
    }
  };
  const start = () => new MutationObserver((records) => {
    for (const record of records) {
      scan(record.addedNodes, window.__posSeen, true);
      scan(record.removedNodes, window.__posGone, false);
    }
  }).observe(document.documentElement, {childList: true, subtree: true});
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
})();
"""


# --------------------------------------------------------------------------- the app


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_web_dir(data_dir: Path) -> Path:
    """A private copy of `.web/` (node_modules hard-linked) so a `make run` or a test
    session in the same checkout cannot rebuild the frontend under the bench."""
    web, source = data_dir / "web", ROOT / ".web"
    if not (source / "node_modules").is_dir():
        return web  # Reflex builds it (a minute or two)
    skip = {"node_modules", "build", ".react-router"}
    try:
        shutil.copytree(source, web, symlinks=True,
                        ignore=lambda folder, names: [n for n in names if Path(folder) == source and n in skip])
    except shutil.Error:
        pass  # a file vanished under a concurrent rebuild: Reflex regenerates it

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source / "node_modules", web / "node_modules", symlinks=True, copy_function=link)
    return web


class App:
    """The whole app on a free port, in its own process group (stopped by its PID)."""

    def __init__(self, *, redis_url: str | None, workers: int, oplock_hold: str | None = None) -> None:
        self.port = free_port()
        self.base_url = f"http://localhost:{self.port}"
        self.data_dir = Path(tempfile.mkdtemp(prefix="giftnet-pos-bench-"))
        env = dict(os.environ)
        for name in ("DATABASE_URL", "REDIS_URL", "SMTP_URL", "GRANIAN_WORKERS"):
            env.pop(name, None)
        env.update(
            PATH=os.pathsep.join([str(ROOT / ".tools" / "node_modules" / ".bin"), str(BIN), env.get("PATH", "")]),
            REFLEX_USE_SYSTEM_BUN="1", REFLEX_TELEMETRY_ENABLED="false",
            REFLEX_STATES_WORKDIR=str(self.data_dir / "states"),
            REFLEX_WEB_WORKDIR=str(private_web_dir(self.data_dir)),
            GIFTNET_DATA_DIR=str(self.data_dir),
            DATABASE_URL=f"sqlite:///{self.data_dir / 'bench.db'}",
            SECRET_KEY="bench-" + uuid.uuid4().hex,
            PUBLIC_URL=self.base_url,
            PYTHONDONTWRITEBYTECODE="1",
            GRANIAN_WORKERS=str(workers),
        )
        if redis_url:
            env["REDIS_URL"] = redis_url
        # Explicit either way: rxconfig.py turns oplock on by default whenever REDIS_URL is set.
        if oplock_hold:
            env.update(REFLEX_OPLOCK_ENABLED="true", REFLEX_OPLOCK_HOLD_TIME=oplock_hold)
        else:
            env.update(REFLEX_OPLOCK_ENABLED="false")
        self.env = env
        self.log_path = self.data_dir / "reflex.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        subprocess.run([sys.executable, "-m", "app.cli", "migrate"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True)
        reflex = shutil.which("reflex", path=self.env["PATH"]) or str(BIN / "reflex")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [reflex, "run", "--env", "prod", "--single-port", "--frontend-port", str(self.port),
                 "--backend-port", str(self.port)],
                cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._healthy():
            if self.process.poll() is not None:
                raise SystemExit(f"reflex run exited with {self.process.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise SystemExit(f"the app did not answer in {STARTUP_SECONDS} s:\n{self.log_tail()}")
            time.sleep(0.5)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + "/api/v1/health", timeout=2) as response:
                return response.status == 200
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def python(self, code: str) -> dict:
        """Run Python against the app's database and secret; returns the JSON it printed last."""
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env, capture_output=True, text=True,
                                timeout=300)
        if result.returncode != 0:
            raise SystemExit(result.stderr)
        return json.loads(result.stdout.strip().splitlines()[-1])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=20)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def make_location_with_devices(app: App, screens: int) -> dict:
    """A network, one pos location, its POS key and `screens` activated devices (their secrets)."""
    return app.python(f"""
import json, uuid
from app.services.network import devices, locations, pos_keys
from app.services.access.accounts import sign_up
from app.services.core.actor import Actor
tag = uuid.uuid4().hex[:8]
operator, _ = sign_up(operator_name="Bench Network " + tag, email=f"bench-{{tag}}@example.com",
                      password="bench-password-long-enough", currency="CAD", timezone="America/Toronto")
actor = Actor(operator.id, channel="system")
location = locations.create_location(actor, {{"name": "Bench Bakery " + tag, "email": f"bakery-{{tag}}@example.com",
                                              "mode": "pos"}})
link = devices.create_activation_link(actor, location.id)
secrets = [devices.activate_device(link.token, f"Counter {{n + 1}}").secret for n in range({screens})]
key = pos_keys.create_pos_key(actor, location.id, "Bench till")
print(json.dumps({{"location_id": location.id, "pos_key": key.plaintext, "device_secrets": secrets}}))
""")


# --------------------------------------------------------------------------- measuring


def percentile(values: list[float], percent: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def clock_offset(page) -> float:  # noqa: ANN001
    """Browser clock minus this process's clock (ms), the median of a few round trips."""
    samples = []
    for _ in range(7):
        before = time.time() * 1000
        browser = page.evaluate("performance.timeOrigin + performance.now()")
        after = time.time() * 1000
        samples.append((after - before, browser - (before + after) / 2))
    samples.sort()
    return statistics.median(offset for _, offset in samples[:4])  # the tightest round trips


def wait_on_every_page(pages: list, expression: str, payment_id: int) -> list[float | None]:
    """The browser times recorded by `expression[payment_id]` on each page (None: not within the timeout)."""
    deadline = time.monotonic() + SEEN_TIMEOUT_S
    found: list[float | None] = [None] * len(pages)
    while time.monotonic() < deadline:
        for index, page in enumerate(pages):
            if found[index] is None:
                found[index] = page.evaluate(f"{expression}[{json.dumps(str(payment_id))}] ?? null")
        if all(value is not None for value in found):
            break
        time.sleep(0.01)
    return found


def counter_context(browser, app: App, secret: str):  # noqa: ANN001
    """A browser context of an activated counter device: its secret in the HttpOnly device
    cookie, as activation leaves it, and the row observer on every page."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, base_url=app.base_url)
    context.add_cookies([{"name": "giftnet_device", "value": secret, "url": app.base_url, "httpOnly": True,
                          "sameSite": "Lax"}])
    context.add_init_script(OBSERVER)
    return context


def run_screens(browser, app: App, screens: int, pushes: int) -> dict:  # noqa: ANN001
    setup = make_location_with_devices(app, screens)
    contexts, pages = [], []
    opened = time.perf_counter()
    for secret in setup["device_secrets"]:
        context = counter_context(browser, app, secret)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto("/redeem", wait_until="commit")  # all screens load in parallel; waited for below
        contexts.append(context)
        pages.append(page)
    for page in pages:
        page.locator("#pos-payments-empty").wait_for()
        page.locator("#page-ready").wait_for(state="attached")
    print(f"  {screens} screen(s) open on /redeem in {time.perf_counter() - opened:.1f} s", flush=True)
    offsets = [clock_offset(page) for page in pages]
    headers = {"Authorization": f"Bearer {setup['pos_key']}"}

    post_ms, first_ms, all_ms, gone_ms = [], [], [], []
    misses = 0
    with httpx.Client(base_url=app.base_url, timeout=10) as client:
        client.get("/api/v1/health")  # warm the connection
        for number in range(pushes + 2):  # the first two warm the path and are not counted
            started = time.time() * 1000
            response = client.post("/api/v1/pos/payments", headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                                   json={"amount_cents": 1000 + number, "reference": f"Bench {number}"})
            answered = time.time() * 1000
            if response.status_code != 201:
                raise SystemExit(f"push refused: {response.status_code} {response.text}")
            payment_id = response.json()["id"]
            seen = wait_on_every_page(pages, "window.__posSeen", payment_id)
            latencies = [at - offset - started for at, offset in zip(seen, offsets, strict=True) if at is not None]
            # The merchant dismisses it on one screen that shows it: it must leave every screen.
            showing = [page for page, at in zip(pages, seen, strict=True) if at is not None]
            if not showing:  # on no screen at all: counted below as misses, nothing to dismiss
                misses += len(pages) if number >= 2 else 0
                continue
            dismissed = time.time() * 1000
            showing[number % len(showing)].click(f"#pos-dismiss-{payment_id}")
            gone = wait_on_every_page(pages, "window.__posGone", payment_id)
            if number < 2:
                continue
            post_ms.append(answered - started)
            if len(latencies) < len(pages):
                misses += len(pages) - len(latencies)
            if latencies:
                first_ms.append(min(latencies))
                all_ms.append(max(latencies))
            vanished = [at - offset - dismissed for at, offset in zip(gone, offsets, strict=True) if at is not None]
            if len(vanished) == len(pages):
                gone_ms.append(max(vanished))
    for context in contexts:
        context.close()
    return {"screens": screens, "pushes": pushes, "post": post_ms, "first": first_ms, "all": all_ms,
            "gone": gone_ms, "misses": misses}


def report(result: dict) -> None:
    def line(label: str, values: list[float]) -> str:
        return (f"    {label:<38} p50 {percentile(values, 50):7.1f} ms   p95 {percentile(values, 95):7.1f} ms   "
                f"max {max(values, default=float('nan')):7.1f} ms")

    print(f"  {result['screens']} screen(s), {result['pushes']} pushes, missed: {result['misses']}")
    print(line("POST /pos/payments round trip", result["post"]))
    print(line("push -> visible on the first screen", result["first"]))
    print(line("push -> visible on every screen", result["all"]))
    print(line("dismiss click -> gone from every screen", result["gone"]), flush=True)


def run_all(app: App, counts: list[int], pushes: int, run_screens, report, results: list[dict]) -> None:  # noqa: ANN001
    """Start `app`, then for each count of screens run `run_screens(browser, app, screens, pushes)`
    with one Chromium, reporting and collecting each result (the caller stops the app)."""
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    app.start()
    print(f"  app up in {time.perf_counter() - started:.1f} s", flush=True)
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for screens in counts:
                result = run_screens(browser, app, screens, pushes)
                report(result)
                results.append(result)
        finally:
            browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screens", default="1,10", help="comma-separated screen counts (default 1,10)")
    parser.add_argument("--pushes", type=int, default=50, help="POS pushes measured per screen count (default 50)")
    parser.add_argument("--redis", action="store_true", help="Reflex state in Redis (REDIS_URL)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379")
    parser.add_argument("--workers", type=int, default=1, help="Granian workers (more than 1 needs --redis)")
    parser.add_argument("--oplock", nargs="?", const="200ms", default=None, metavar="HOLD",
                        help="Reflex's opportunistic Redis locks, held HOLD (default 200ms); needs --redis")
    parser.add_argument("--json", type=Path, help="also write p50/p95 per screen count to this JSON file")
    args = parser.parse_args()
    if args.workers > 1 and not args.redis:
        parser.error("--workers above 1 needs --redis (the disk state manager is per process)")
    if args.oplock and not args.redis:
        parser.error("--oplock needs --redis")
    counts = [int(part) for part in args.screens.split(",") if part.strip()]

    app = App(redis_url=args.redis_url if args.redis else None, workers=args.workers, oplock_hold=args.oplock)
    state = f"in Redis{f' (oplock {args.oplock})' if args.oplock else ''}" if args.redis else "on disk"
    print(f"giftnet POS latency bench: state {state}, {args.workers} worker(s), "
          f"{os.cpu_count()} CPU(s); starting the app on {app.base_url} ...", flush=True)
    results: list[dict] = []
    try:
        run_all(app, counts, args.pushes, run_screens, report, results)
    finally:
        app.stop()
        if args.json:
            args.json.write_text(json.dumps({
                "state": state, "workers": args.workers,
                "results": [{"screens": result["screens"], "pushes": result["pushes"], "misses": result["misses"],
                             **{f"{name}_{percent}_ms": round(percentile(result[name], percent), 1)
                                for name in ("post", "first", "all", "gone") for percent in (50, 95)}}
                            for result in results],
            }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
