"""Scale-out in Chromium: a POS push received by one app process reaches a counter screen
whose websocket lives on another, and SELECT on that screen applies it.

Two app processes share one PostgreSQL database (a scratch one, dropped at the end)
and one Redis, as several workers behind a proxy do:

- A: the whole app (`reflex run --env prod --single-port`), serving the page and the
  screen's websocket;
- B: the backend alone (`reflex run --env prod --backend-only`) on another port, where
  the POS sends its push.

Each runs one Granian worker, so which process holds what is certain (with one process
of several workers, the kernel picks the worker per connection). B records the payment
and announces "location changed" on Redis pub/sub (B has no screen of its own to
refresh); A, subscribed, refreshes its screen of the location. Skipped, saying why, when PostgreSQL or Redis does not answer.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.browser import TABLET_LANDSCAPE, open_page, wait_ready

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
STARTUP_TIMEOUT_S = float(os.environ.get("E2E_STARTUP_TIMEOUT", "300"))
SEEN_WITHIN_MS = 5000


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_or_skip() -> str:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3, autocommit=True) as connection:
            connection.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        pytest.skip(f"PostgreSQL does not answer at {PG_ADMIN_URL}: {error}")
    return PG_ADMIN_URL


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {error}")


def _web_workdir(data_dir: Path) -> Path:
    """A private copy of `.web/` (node_modules hard-linked), as tests/e2e/conftest.py makes."""
    web, source = data_dir / "web", ROOT / ".web"
    if not (source / "node_modules").is_dir():
        return web
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


class Process:
    """One app process in its own process group, stopped by its PID."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int, log_path: Path) -> None:
        self.name, self.command, self.env, self.port, self.log_path = name, command, env, port, log_path
        self.base_url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
        try:
            return httpx.get(self.base_url + "/api/v1/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    admin_url = _postgres_or_skip()
    _redis_or_skip()
    import psycopg

    database = f"giftnet_e2e_workers_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    database_url = f"postgresql+psycopg://{admin_url.split('://', 1)[1].rsplit('/', 1)[0]}/{database}"
    data_dir = tmp_path_factory.mktemp("giftnet-two-workers")
    port_a, port_b = _free_port(), _free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("SMTP_URL", "GRANIAN_WORKERS")}
    env.update(
        PATH=os.pathsep.join([str(ROOT / ".tools" / "node_modules" / ".bin"), str(BIN), env.get("PATH", "")]),
        REFLEX_USE_SYSTEM_BUN="1", REFLEX_TELEMETRY_ENABLED="false", PYTHONDONTWRITEBYTECODE="1",
        GIFTNET_DATA_DIR=str(data_dir), DATABASE_URL=database_url, REDIS_URL=REDIS_URL,
        # This run's own keys in a Redis other runs may share (rate limits, the event relay).
        REDIS_PREFIX=f"giftnet-e2e-{uuid.uuid4().hex[:8]}:",
        SECRET_KEY="e2e-two-workers-" + uuid.uuid4().hex, PUBLIC_URL=f"http://localhost:{port_a}",
        GRANIAN_WORKERS="1",
    )
    processes: list[Process] = []
    try:
        subprocess.run([sys.executable, "-m", "app.cli", "migrate"], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=180)
        # Shared states are keyed by location and operator id in a Redis other runs may share:
        # ids far from 1 keep this run's screens apart from theirs.
        with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as connection:
            for table in ("operator", "location"):
                connection.execute(f"ALTER SEQUENCE {table}_id_seq RESTART WITH {random.randint(10**6, 10**9)}")
        reflex = shutil.which("reflex", path=env["PATH"]) or str(BIN / "reflex")
        env_a = {**env, "REFLEX_WEB_WORKDIR": str(_web_workdir(data_dir))}
        processes.append(Process("A (page and websocket)", [
            reflex, "run", "--env", "prod", "--single-port", "--frontend-port", str(port_a),
            "--backend-port", str(port_a)], env_a, port_a, data_dir / "a.log"))
        processes.append(Process("B (API)", [reflex, "run", "--env", "prod", "--backend-only", "--backend-port",
                                             str(port_b)], env, port_b, data_dir / "b.log"))
        for process in processes:
            process.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        waiting = list(processes)
        while waiting:
            waiting = [process for process in waiting if not process.healthy()]
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"{waiting[0].name} did not answer in {STARTUP_TIMEOUT_S:.0f} s:\n"
                                   f"{waiting[0].log_tail()}")
            time.sleep(0.5)
        yield {"a": processes[0], "b": processes[1], "env": env}
    finally:
        for process in processes:
            process.stop()
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _python(env: dict[str, str], code: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_push_to_process_b_appears_on_a_screen_served_by_process_a_and_select_applies_it(
        two_processes, browser):
    a, b, env = two_processes["a"], two_processes["b"], two_processes["env"]
    tag = uuid.uuid4().hex[:6]
    setup = _python(env, f"""
import json
from app.services.network import devices, locations, pos_keys
from app.services.access.accounts import sign_up
from app.services.core.actor import Actor
operator, _ = sign_up(operator_name="Two Workers {tag}", email="owner-{tag}@example.com",
                      password="e2e-password-long-enough", currency="CAD", timezone="America/Toronto")
actor = Actor(operator.id, channel="system")
location = locations.create_location(actor, {{"name": "Harbour Bakery {tag}", "email": "bakery-{tag}@example.com",
                                              "mode": "pos"}})
link = devices.create_activation_link(actor, location.id)
key = pos_keys.create_pos_key(actor, location.id, "Till 1")
print(json.dumps({{"operator_id": operator.id, "location_id": location.id, "activation_url": link.url,
                  "pos_key": key.plaintext}}))
""")
    card = subprocess.run([sys.executable, "-m", "app.cli", "issue-card", "--operator-id", str(setup["operator_id"]),
                           "--amount-cents", "5000"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert card.returncode == 0, card.stderr
    card = json.loads(card.stdout.strip().splitlines()[-1])

    context = browser.new_context(viewport=TABLET_LANDSCAPE, base_url=f"http://localhost:{a.port}")
    context.set_default_timeout(15_000)
    try:
        screen = context.new_page()
        # The page, its websocket and the device's activation: all on process A.
        sockets: list[str] = []
        screen.on("websocket", lambda socket_: sockets.append(socket_.url))
        screen.goto(setup["activation_url"])
        wait_ready(screen)
        screen.fill("#activate-device-name", "Front counter")
        screen.click("#activate-submit")
        expect(screen.locator("#device-code")).to_have_text(re.compile(r"^DV-[A-Z2-9]{4}-[A-Z2-9]{2}$"))
        open_page(screen, "/redeem")
        expect(screen.locator("#pos-payments-empty")).to_be_visible()
        assert sockets and all(f":{a.port}/" in url for url in sockets), sockets
        screen.fill("#redeem-code-input", card["code"])
        screen.click("#redeem-code-submit")
        expect(screen.locator("#redeem-card-balance")).to_have_text("$50.00")

        # The POS pushes to process B, which holds no websocket at all.
        pushed = httpx.post(b.base_url + "/api/v1/pos/payments",
                            json={"amount_cents": 1875, "reference": f"Order {tag}", "terminal_id": "till-1"},
                            headers={"Authorization": f"Bearer {setup['pos_key']}", "Idempotency-Key": uuid.uuid4().hex},
                            timeout=10)
        assert pushed.status_code == 201, pushed.text
        payment = pushed.json()
        row = screen.locator(f"#pos-payment-{payment['id']}")
        expect(row).to_be_visible(timeout=SEEN_WITHIN_MS)
        expect(row.locator(".pos-payment-amount")).to_have_text("$18.75")
        expect(row.locator(".pos-payment-reference")).to_have_text(f"Order {tag}")

        # SELECT on the screen (process A) applies it; the POS reads the outcome from process B.
        screen.click(f"#pos-select-{payment['id']}")
        expect(screen.locator("#receipt-amount")).to_have_text("$18.75")
        expect(screen.locator("#receipt-balance")).to_have_text("$31.25")
        expect(row).to_have_count(0)
        answer = httpx.get(f"{b.base_url}/api/v1/pos/payments/{payment['id']}",
                           headers={"Authorization": f"Bearer {setup['pos_key']}"}, timeout=10)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "applied"
        assert answer.json()["applied_amount_cents"] == 1875
        assert all(f":{a.port}/" in url for url in sockets), sockets  # never reconnected elsewhere
    finally:
        context.close()
