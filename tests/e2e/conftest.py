"""End-to-end fixtures: the whole app once per session, Chromium, and CLI factories.

- `app_server` (session): migrates a temporary SQLite database, starts
  `reflex run --env prod --single-port` on a free port with its own data dir,
  secret, Reflex state folder and private copy of `.web/` (so a `make run` in the
  same checkout cannot rebuild the frontend under it), waits for
  GET /api/v1/health, yields an `AppServer`, and stops the process group it
  started (by PID) at the end.
- `browser` (session): Chromium from the system (`/usr/bin/chromium`), never
  downloaded by Playwright.
- `new_context` (function): a factory of fresh browser contexts; each context is
  one device (own localStorage, own Reflex client token). Contexts are closed after
  the test; on failure a screenshot of every open page lands in test-results/.
- `make_operator` / `issue_card`: fixtures through `python -m app.cli` against the
  same database the app uses.
- `receiver` (function): a location's own webhook receiver on a loopback port;
  `smtp_inbox` (module): a local SMTP server the outbox sender delivers to.
- `sftp_server` (function, tests/support/sftp.py): Debian's sshd on a loopback port, the
  bank's SFTP server the app (same machine, same user) delivers bank files to.

Pages paint before their websocket connects. `open_page` / `wait_ready` (in
tests/support/browser.py) wait for the hidden `#page-ready` element (present once Reflex has
hydrated the page and run its on_load handlers) before a test clicks anything.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.fakes.bambora import FakeBambora
from tests.fakes.forte import FakeForte
from tests.support.browser import PASSWORD, TABLET_LANDSCAPE
from tests.support.ports import free_port
from tests.support.sftp import sftp_server  # noqa: F401  (a real OpenSSH server on loopback: the app reaches it)
from tests.support.smtp import Inbox, SmtpServer

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STARTUP_TIMEOUT_S = float(os.environ.get("E2E_STARTUP_TIMEOUT", "300"))  # the first build takes about a minute
UI_TIMEOUT_MS = 15_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items) -> None:
    """Everything under tests/e2e is an e2e test, even if a module forgets its mark."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# --------------------------------------------------------------------------- the app


@dataclass
class AppServer:
    base_url: str
    port: int
    env: dict[str, str]
    data_dir: Path
    log_path: Path
    process: subprocess.Popen | None = None
    _counter: list[int] = field(default_factory=lambda: [0])

    def url(self, path: str) -> str:
        return self.base_url + path

    def cli(self, *args: str) -> dict:
        """Run `python -m app.cli ...` against the app's database; returns its JSON output."""
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode != 0:
            raise AssertionError(f"app.cli {args[0]} failed ({result.returncode}): {result.stderr or result.stdout}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _web_workdir(data_dir: Path) -> Path:
    """A private copy of `.web/` for this session's app.

    Another `reflex run` from the same checkout (a developer's `make run`, a second test
    session) recompiles and rebuilds `.web/` in place, which pulls the frontend from
    under a running app. So the app under test compiles into its own folder:
    `node_modules` hard-linked from `.web/` (about a second), the small rest copied,
    `build/` left out (the prod build writes it again). Without a `.web/` yet, Reflex
    fills the folder itself (the first build then takes a minute or two).
    """
    web = data_dir / "web"
    source = ROOT / ".web"
    if not (source / "node_modules").is_dir():
        return web
    skip_top = {"node_modules", "build", ".react-router"}
    try:
        shutil.copytree(
            source,
            web,
            symlinks=True,
            ignore=lambda folder, names: [n for n in names if Path(folder) == source and n in skip_top],
        )
    except shutil.Error:
        pass  # a file vanished under a concurrent rebuild: Reflex regenerates what is missing
    shutil.copytree(source / "node_modules", web / "node_modules", symlinks=True, copy_function=_link_or_copy)
    return web


@dataclass
class GatewayStandIns:
    """The fake Bambora and Forte of the whole session: their HTTP APIs and their browser
    scripts (stand-in Custom Checkout and Forte.js), from an origin other than the app's.
    The app's script settings point at them, so they live as long as the app; a test
    `reset()`s what it changes."""

    bambora: FakeBambora
    forte: FakeForte


@pytest.fixture(scope="session")
def gateway_standins() -> Iterator[GatewayStandIns]:
    standins = GatewayStandIns(bambora=FakeBambora().start(), forte=FakeForte().start())
    yield standins
    standins.bambora.stop()
    standins.forte.stop()


def _server_env(port: int, data_dir: Path, standins: GatewayStandIns) -> dict[str, str]:
    env = dict(os.environ)
    # The root conftest may have pointed DATABASE_URL elsewhere; the app gets its own.
    for name in ("DATABASE_URL", "REDIS_URL", "SMTP_URL"):
        env.pop(name, None)
    env.update(
        PATH=os.pathsep.join([str(ROOT / ".tools" / "node_modules" / ".bin"), str(BIN), env.get("PATH", "")]),
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_TELEMETRY_ENABLED="false",
        # Reflex's disk state manager keeps per-tab state here: keep test tabs out of .states/.
        REFLEX_STATES_WORKDIR=str(data_dir / "states"),
        REFLEX_WEB_WORKDIR=str(_web_workdir(data_dir)),
        GIFTNET_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'giftnet-e2e.db'}",
        SECRET_KEY="e2e-secret-key-" + uuid.uuid4().hex,
        PUBLIC_URL=f"http://localhost:{port}",
        # As behind our reverse proxy: a test may pose as a client address of its own with
        # X-Forwarded-For (rate limits count per address; tests/e2e/test_security_pages.py).
        TRUSTED_PROXIES="127.0.0.1,::1",
        PYTHONDONTWRITEBYTECODE="1",
        # The gateways' browser scripts come from the stand-ins (another origin than the app's).
        BAMBORA_CHECKOUT_JS_URL=f"{standins.bambora.base_url}/customcheckout/1/customcheckout.js",
        FORTE_JS_URL_SANDBOX=f"{standins.forte.base_url}/api/js/v1",
        FORTE_JS_URL_LIVE=f"{standins.forte.base_url}/js/v1",
        # A gateway that answers late counts as a lost answer after 3 s, not 30.
        GATEWAY_TIMEOUT_SECONDS="3",
        # The webhook receivers and gateway stand-ins listen on 127.0.0.1 (docs/deployment.md).
        ALLOW_INTERNAL_URLS="1",
    )
    return env


def _health(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/api/v1/health", timeout=2) as response:
            return response.status == 200 and json.loads(response.read()).get("status") == "ok"
    except Exception:  # noqa: BLE001 - not up yet
        return False


def _stop(process: subprocess.Popen) -> None:
    """Stop the process group we started (its PID is the group id), politely first."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, gateway_standins: GatewayStandIns) -> Iterator[AppServer]:
    port = free_port()
    data_dir = tmp_path_factory.mktemp("giftnet-e2e")
    env = _server_env(port, data_dir, gateway_standins)
    server = AppServer(
        base_url=f"http://localhost:{port}", port=port, env=env, data_dir=data_dir, log_path=data_dir / "reflex.log"
    )
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    reflex = shutil.which("reflex", path=env["PATH"]) or str(BIN / "reflex")
    with server.log_path.open("wb") as log:
        server.process = subprocess.Popen(
            [reflex, "run", "--env", "prod", "--single-port", "--frontend-port", str(port), "--backend-port", str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped by PID below
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _health(server.base_url):
            if server.process.poll() is not None:
                raise RuntimeError(f"reflex run exited with {server.process.returncode}:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not answer /api/v1/health in {STARTUP_TIMEOUT_S:.0f} s:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        _stop(server.process)


@pytest.fixture(scope="session")
def base_url(app_server: AppServer) -> str:
    return app_server.base_url


# --------------------------------------------------------------------------- fixtures through the CLI


@dataclass
class Operator:
    operator_id: int
    name: str
    email: str
    password: str
    api_key: str


@pytest.fixture
def make_operator(app_server: AppServer):
    """make_operator(name=None) -> Operator, created with `app.cli create-operator`."""

    def create(name: str | None = None, password: str = PASSWORD, currency: str = "CAD") -> Operator:
        app_server._counter[0] += 1
        tag = uuid.uuid4().hex[:8]
        name = name or f"E2E Network {app_server._counter[0]} {tag}"
        email = f"owner-{tag}@example.com"
        out = app_server.cli(
            "create-operator", "--name", name, "--email", email, "--password", password, "--currency", currency
        )
        return Operator(operator_id=out["operator_id"], name=name, email=email, password=password, api_key=out["api_key"])

    return create


@pytest.fixture
def issue_card(app_server: AppServer):
    """issue_card(operator_id, amount_cents) -> {"card_id", "code", "last4", "balance_cents", ...}."""

    def issue(operator_id: int, amount_cents: int) -> dict:
        return app_server.cli("issue-card", "--operator-id", str(operator_id), "--amount-cents", str(amount_cents))

    return issue


# --------------------------------------------------------------------------- a location's receiver, an SMTP server


class WebhookReceiver:
    """The location's own webhook receiver on a loopback port: answers 500 until told otherwise."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict, bytes]] = []
        self.status = 500
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok" if receiver.status < 300 else b"down")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/giftnet"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    hook = WebhookReceiver()
    yield hook
    hook.close()


@pytest.fixture(scope="module")
def smtp_inbox():
    """A local SMTP server for one module's tests; `smtp_inbox.url` is the SMTP_URL that reaches it."""
    port = free_port()
    inbox = Inbox()
    with SmtpServer(port, inbox):
        inbox.url = f"smtp://127.0.0.1:{port}"
        yield inbox


@pytest.fixture
def other_origin(tmp_path):
    """A site of another origin than the app (127.0.0.1 vs the app's localhost), serving the
    files a test writes into its folder: (folder, origin). A page there embeds the widget."""
    folder = tmp_path / "other-site"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=5)


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("Chromium is missing: `make chromium` installs it from Debian's packages (never `playwright install`)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, app_server: AppServer, request):
    """new_context(viewport=TABLET_LANDSCAPE) -> a fresh BrowserContext: one more device."""
    contexts = []

    def create(viewport: dict | None = None, **kwargs):
        context = browser.new_context(viewport=viewport or TABLET_LANDSCAPE, base_url=app_server.base_url, **kwargs)
        context.set_default_timeout(UI_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield create
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for index, context in enumerate(contexts):
        if failed:
            out = ROOT / "test-results"
            out.mkdir(exist_ok=True)
            for number, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(out / f"{request.node.name}-{index}-{number}.png"), full_page=True)
                except Exception:  # noqa: BLE001 - best effort
                    pass
        context.close()


@pytest.fixture
def page(new_context):
    """One page in one fresh context, tablet landscape."""
    return new_context().new_page()
