"""What API tests use to run the real backend and talk to it over real HTTP.

`Backend.start` migrates a fresh SQLite database in a temporary data dir and starts
`reflex run --env prod --backend-only` on a free port in its own process group;
`Backend.stop` ends that group by its id. Operators and keys are made with the CLI
against the same database, exactly as an operator would.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from app.db import dispose_engines
from app.settings import PROJECT_ROOT, get_settings
from tests.support.ports import free_port

STARTUP_SECONDS = 90


@contextlib.contextmanager
def services_on(database_url: str) -> Iterator[None]:
    """This test process's services on a running backend's database, then back to the one before."""
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = database_url
    get_settings.cache_clear()
    dispose_engines()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
        get_settings.cache_clear()
        dispose_engines()


class Backend:
    """One running backend: its URL, its database and a way to run the CLI against it."""

    def __init__(self, name: str, extra_env: dict[str, str] | None = None) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"giftnet-api-{name}-"))
        self.database_url = f"sqlite:///{self.data_dir / 'giftnet.db'}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        tools = [str(PROJECT_ROOT / ".tools" / "node_modules" / ".bin"), str(Path(sys.executable).parent)]
        self.env = {
            **{key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "SMTP_URL")},
            "PATH": os.pathsep.join([*tools, os.environ.get("PATH", "")]),
            "REFLEX_USE_SYSTEM_BUN": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "DATABASE_URL": self.database_url,
            "GIFTNET_DATA_DIR": str(self.data_dir),
            "SECRET_KEY": os.environ["SECRET_KEY"],  # the test process computes the same hashes
            "PUBLIC_URL": "https://gifts.example.test",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen | None = None
        self.log_path = self.data_dir / "backend.log"

    def cli(self, *args: str) -> dict:
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise AssertionError(f"app.cli {args[0]} failed: {result.stderr}")
        return json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}

    def start(self) -> None:
        subprocess.run([sys.executable, "-m", "app.cli", "migrate"], cwd=PROJECT_ROOT, env=self.env, check=True,
                       capture_output=True, timeout=120)
        log_file = open(self.log_path, "w")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            ["reflex", "run", "--env", "prod", "--backend-only", "--backend-port", str(self.port)],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one, by id
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"backend exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"backend did not answer within {STARTUP_SECONDS} s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        pgid = self.process.pid  # the session leader's id is its group's id
        try:
            os.killpg(pgid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def new_operator(self, name: str = "Network", currency: str = "CAD") -> Operator:
        email = f"owner-{uuid.uuid4().hex[:10]}@example.com"
        created = self.cli("create-operator", "--name", name, "--email", email, "--password",
                           "correct horse battery", "--currency", currency)
        return Operator(self, created["operator_id"], created["api_key"], email)

    def client(self, api_key: str | None = None, **headers: str) -> httpx.Client:
        auth = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        return httpx.Client(base_url=f"{self.url}/api/v1", headers={**auth, **headers}, timeout=30)


class Operator:
    def __init__(self, backend: Backend, operator_id: int, api_key: str, email: str) -> None:
        self.backend = backend
        self.id = operator_id
        self.api_key = api_key
        self.email = email
        self.http = backend.client(api_key)

    def issue(self, amount_cents: int = 5000, **fields) -> dict:
        answer = self.http.post("/cards", json={"amount_cents": amount_cents, **fields})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def add_location(self, name: str = "Main Street Books", mode: str = "amount", **fields) -> dict:
        email = fields.pop("email", f"shop-{uuid.uuid4().hex[:8]}@example.com")
        answer = self.http.post("/locations", json={"name": name, "email": email, "mode": mode, **fields})
        assert answer.status_code == 201, answer.text
        return answer.json()


def wait_for(predicate, timeout: float = 5.0, interval: float = 0.1):
    """Poll until `predicate()` is truthy (the access log is written in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
