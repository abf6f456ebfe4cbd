"""Redemptions and card issues per second through the REST API, beside the bare-SQL
ceiling of the same database measured in the same run.

    python bench/api.py [--seconds 8] [--clients 16] [--workers 1,2] [--backends sqlite,postgres]
                        [--quick] [--json results.json]

For each backend (a temporary SQLite file; PostgreSQL at 127.0.0.1:5432 when it
answers, in a scratch database `giftnet_bench_<pid>`, dropped at the end) and each
worker count (more than 1 needs Redis: REDIS_URL or redis://127.0.0.1:6379, as the
scale-out setup runs it):

- HTTP: the real backend (`reflex run --env prod --backend-only`, GRANIAN_WORKERS=K,
  started and stopped here) answering `--clients` concurrent httpx clients on kept-alive
  connections: `POST /api/v1/redemptions` (1 cent off the client's own card, at one
  location) and `POST /api/v1/cards`, each with a fresh `Idempotency-Key`, as a careful
  shop sends them. Every answer that is not 201 is an error (must be 0).
- bare SQL: the statements those calls send (key look-up, idempotency record claimed and
  answered in their own transactions, the money transaction: location, card,
  conditional UPDATE ... RETURNING, redemption and ledger rows, webhook endpoints),
  sent straight through the driver (sqlite3 / psycopg) from as many processes as the
  backend has workers, with the same number of concurrent clients (threads), the
  same pragmas, BEGIN IMMEDIATE and PostgreSQL commit settings as the app. This is the
  ceiling the API could reach on this machine at this moment: the ratio API / bare
  SQL is the figure that holds on a loaded machine.
- double-spend probe (once per backend): N concurrent redemptions of one card through
  HTTP, each asking for more than a share of its balance: exactly the available cents
  are spent, the rest are refused `insufficient_funds`, nothing else happens.
- peak memory: the largest VmHWM (peak RSS) of the backend's processes after the run.

The ledger must balance at the end of each backend. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import hashlib
import hmac
import json
import multiprocessing
import os
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

# Shares bench/ledger.py's scratch directory, secret and PostgreSQL helpers.
import httpx  # noqa: E402
import ledger as ledger_bench  # noqa: E402

from app.db import dispose_engines  # noqa: E402
from app.services.money import ledger  # noqa: E402
from app.settings import PROJECT_ROOT  # noqa: E402

CARD_CENTS = 2500
REDEEM_CARD_CENTS = 100_000  # the default card maximum: 100,000 one-cent redemptions per client
STARTUP_SECONDS = 120
DEFAULT_REDIS = "redis://127.0.0.1:6379"


# --------------------------------------------------------------------------- results


@dataclass
class Run:
    backend: str
    workers: int
    operation: str  # redeem | issue
    path: str  # HTTP | bare SQL
    clients: int
    done: int
    seconds: float
    errors: int
    latencies: list[float] = field(default_factory=list, repr=False)

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def percentile_ms(self, percent: int) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[percent - 1] * 1000

    def summary(self) -> dict:
        data = {key: value for key, value in asdict(self).items() if key != "latencies"}
        return {**data, "per_second": round(self.per_second, 1), "p50_ms": round(self.percentile_ms(50), 1),
                "p95_ms": round(self.percentile_ms(95), 1)}


@dataclass
class Probe:
    backend: str
    card_cents: int
    ask_cents: int
    spends: int
    succeeded: int
    refused: int
    other: int
    spent_cents: int
    balance_after: int

    @property
    def exact(self) -> bool:
        expected = self.card_cents // self.ask_cents
        return (self.succeeded == expected and self.spent_cents == expected * self.ask_cents
                and self.balance_after == self.card_cents - self.spent_cents and self.other == 0)


# --------------------------------------------------------------------------- the backend


def redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


class Backend:
    """`reflex run --env prod --backend-only` on a free port, in its own process group."""

    def __init__(self, database_url: str, workers: int = 1, redis_url: str | None = None) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        tools = [str(PROJECT_ROOT / ".tools" / "node_modules" / ".bin"), str(Path(sys.executable).parent)]
        self.env = {
            **{key: value for key, value in os.environ.items()
               if key not in ("REDIS_URL", "SMTP_URL", "GRANIAN_WORKERS")},
            "PATH": os.pathsep.join([*tools, os.environ.get("PATH", "")]),
            "REFLEX_USE_SYSTEM_BUN": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "DATABASE_URL": database_url,
            "GRANIAN_WORKERS": str(workers),
            # Card look-ups and the bench's own calls must not meet the look-up limits.
            "LOOKUP_FAILURES_PER_CALLER": "1000000",
            "LOOKUP_FAILURES_PER_IP": "1000000",
        }
        if redis_url:
            self.env["REDIS_URL"] = redis_url
            self.env["REDIS_PREFIX"] = f"giftnet-bench-{os.getpid()}-{self.port}:"
        self.log_path = Path(os.environ["GIFTNET_DATA_DIR"]) / f"backend-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Backend:
        log_file = open(self.log_path, "w")  # closed with the process
        self.process = subprocess.Popen(
            ["reflex", "run", "--env", "prod", "--backend-only", "--backend-port", str(self.port)],
            cwd=PROJECT_ROOT, env=self.env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the backend exited:\n{self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise SystemExit(f"the backend did not answer within {STARTUP_SECONDS} s")

    def __exit__(self, *_exc) -> None:  # noqa: ANN002
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # the group it leads: reflex and its workers
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def peak_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) among the backend's processes: a worker's peak."""
        peak = 0
        for pid in _process_group(self.process.pid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
            except OSError:
                continue
        return peak / 1024

    def operator(self) -> dict:
        created = subprocess.run(
            [sys.executable, "-m", "app.cli", "create-operator", "--name", "Bench shop", "--email",
             f"bench-{uuid.uuid4().hex[:8]}@example.com", "--password", "bench-password-1"],
            cwd=PROJECT_ROOT, env=self.env, capture_output=True, text=True, check=True,
        )
        return json.loads(created.stdout)


def _process_group(leader: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == leader:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


# --------------------------------------------------------------------------- HTTP


async def _drive(url: str, api_key: str, clients: int, seconds: float, request) -> tuple[list[float], int, float, dict]:  # noqa: ANN001
    """`clients` concurrent loops calling `request(client, index, n)` for `seconds`."""
    latencies: list[float] = []
    errors = 0
    statuses: dict[int, str] = {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=f"{url}/api/v1", headers=headers, limits=limits, timeout=60) as client:
        for index in range(clients):  # open the connections and warm every worker up (not counted)
            await request(client, index, -1)
        deadline = time.perf_counter() + seconds

        async def loop(index: int) -> None:
            nonlocal errors
            number = 0
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                answer = await request(client, index, number)
                number += 1
                if answer.status_code == 201:
                    latencies.append(time.perf_counter() - began)
                else:
                    errors += 1
                    statuses.setdefault(answer.status_code, answer.text[:200])

        began = time.perf_counter()
        await asyncio.gather(*(loop(index) for index in range(clients)))
        return latencies, errors, time.perf_counter() - began, statuses


def http_runs(backend_name: str, running: Backend, clients: int, seconds: float) -> tuple[list[Run], dict]:
    operator = running.operator()
    api_key = operator["api_key"]
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=f"{running.url}/api/v1", headers=headers, timeout=60) as client:
        location = client.post("/locations", json={"name": "Bench Bakery", "email": "bakery@example.com"})
        location.raise_for_status()
        location_id = location.json()["id"]
        card_ids = []
        for _ in range(clients):
            card = client.post("/cards", json={"amount_cents": REDEEM_CARD_CENTS, "send_email": False})
            card.raise_for_status()
            card_ids.append(card.json()["id"])

    async def redeem(client: httpx.AsyncClient, index: int, _number: int) -> httpx.Response:
        return await client.post("/redemptions", json={"location_id": location_id, "card_id": card_ids[index],
                                                       "amount_cents": 1},
                                 headers={"Idempotency-Key": uuid.uuid4().hex})

    async def issue(client: httpx.AsyncClient, _index: int, _number: int) -> httpx.Response:
        return await client.post("/cards", json={"amount_cents": CARD_CENTS, "send_email": False},
                                 headers={"Idempotency-Key": uuid.uuid4().hex})

    runs = []
    for operation, request in (("redeem", redeem), ("issue", issue)):
        latencies, errors, elapsed, statuses = asyncio.run(_drive(running.url, api_key, clients, seconds, request))
        if statuses:
            print(f"  {backend_name} {operation}: refused answers {statuses}", flush=True)
        runs.append(Run(backend_name, running.workers, operation, "HTTP", clients, len(latencies), elapsed, errors,
                        latencies))
    context = {"operator_id": operator["operator_id"], "location_id": location_id, "api_key": api_key}
    return runs, context


async def _double_spend(url: str, api_key: str, card_id: int, location_id: int, spends: int, ask: int):
    limits = httpx.Limits(max_connections=spends, max_keepalive_connections=spends)
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=f"{url}/api/v1", headers=headers, limits=limits, timeout=60) as client:
        answers = await asyncio.gather(*(
            client.post("/redemptions", json={"location_id": location_id, "card_id": card_id, "amount_cents": ask},
                        headers={"Idempotency-Key": uuid.uuid4().hex})
            for _ in range(spends)
        ))
        balance = (await client.get(f"/cards/{card_id}")).json()["balance_cents"]
    return answers, balance


def double_spend_probe(backend_name: str, running: Backend, context: dict, spends: int) -> Probe:
    """`spends` concurrent redemptions of 1/3 of one card's value each (more than it holds):
    exactly 3 must pass, every other one is insufficient_funds."""
    card_cents, ask = 3000, 1000
    with httpx.Client(base_url=f"{running.url}/api/v1", headers={"Authorization": f"Bearer {context['api_key']}"},
                      timeout=60) as client:
        card = client.post("/cards", json={"amount_cents": card_cents, "send_email": False})
        card.raise_for_status()
    answers, balance = asyncio.run(_double_spend(running.url, context["api_key"], card.json()["id"],
                                                 context["location_id"], spends, ask))
    succeeded = sum(answer.status_code == 201 for answer in answers)
    refused = sum(answer.status_code == 409 and answer.json()["error"]["code"] == "insufficient_funds"
                  for answer in answers)
    return Probe(backend_name, card_cents, ask, spends, succeeded, refused, spends - succeeded - refused,
                 succeeded * ask, balance)


# --------------------------------------------------------------------------- bare SQL

SQLITE_STAMP = "%Y-%m-%d %H:%M:%S.%f"


class BareSql:
    """The statements of one API call, straight through the driver (one connection per thread)."""

    def __init__(self, url: str, secret_key: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.key_subkey = hmac.new(secret_key.encode(), b"giftnet:api-key", hashlib.sha256).digest()

    def connect(self):
        if self.is_sqlite:
            connection = sqlite3.connect(self.url.split("///", 1)[1], timeout=30, isolation_level=None,
                                         check_same_thread=False)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
                connection.execute(f"PRAGMA {pragma}")
            return connection
        import psycopg

        return psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"))

    def now(self) -> object:
        moment = datetime.now(UTC).replace(tzinfo=None)
        return moment.strftime(SQLITE_STAMP) if self.is_sqlite else moment

    def q(self, sql: str) -> str:
        """`?` placeholders in, the driver's out."""
        return sql if self.is_sqlite else sql.replace("?", "%s")

    def begin(self, connection, *, bookkeeping: bool = False) -> object:  # noqa: ANN001
        cursor = connection.cursor()
        if self.is_sqlite:
            cursor.execute("BEGIN IMMEDIATE")
            return cursor
        if bookkeeping:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return cursor

    def call(self, connection, ctx: dict, money) -> None:  # noqa: ANN001
        """Key look-up, idempotency claim, `money(cursor, now)`, idempotency answer."""
        q, now = self.q, self.now()
        key_hash = hmac.new(self.key_subkey, ctx["api_key"].encode(), hashlib.sha256).hexdigest()
        cursor = connection.cursor()
        cursor.execute(q("SELECT id, operator_id, prefix FROM api_key WHERE key_hash = ? AND revoked_at IS NULL"),
                       (key_hash,))
        api_key_id = cursor.fetchone()[0]
        if not self.is_sqlite:
            connection.commit()
        cursor = self.begin(connection, bookkeeping=True)
        expires = (datetime.now(UTC) + timedelta(hours=24)).replace(tzinfo=None)
        record_id = cursor.execute(
            q("INSERT INTO idempotency_record (api_key_id, key, method, path, request_hash, state, created_at, "
              "expires_at) VALUES (?, ?, 'POST', ?, ?, 'in_flight', ?, ?) RETURNING id"),
            (api_key_id, uuid.uuid4().hex, ctx["path"], secrets.token_hex(32), now,
             expires.strftime(SQLITE_STAMP) if self.is_sqlite else expires),
        ).fetchone()[0]
        connection.commit() if not self.is_sqlite else connection.execute("COMMIT")
        cursor = self.begin(connection)
        answer = money(cursor, now, api_key_id)
        connection.commit() if not self.is_sqlite else connection.execute("COMMIT")
        cursor = self.begin(connection, bookkeeping=True)
        cursor.execute(q("UPDATE idempotency_record SET state = 'done', response_status = 201, response_body = ? "
                         "WHERE id = ? AND state = 'in_flight'"), (answer, record_id))
        connection.commit() if not self.is_sqlite else connection.execute("COMMIT")

    def redeem_money(self, ctx: dict, card_id: int):
        q = self.q

        def money(cursor, now, api_key_id) -> str:  # noqa: ANN001
            operator_id, location_id = ctx["operator_id"], ctx["location_id"]
            cursor.execute(q("SELECT * FROM location WHERE id = ? AND operator_id = ?"), (location_id, operator_id))
            cursor.fetchone()
            cursor.execute(q("SELECT * FROM card WHERE id = ? AND operator_id = ?"), (card_id, operator_id))
            cursor.fetchone()
            balance = cursor.execute(
                q("UPDATE card SET balance_cents = balance_cents - ?, updated_at = ? WHERE id = ? AND operator_id = ? "
                  "AND status = 'active' AND balance_cents >= ? RETURNING balance_cents"),
                (1, now, card_id, operator_id, 1),
            ).fetchone()[0]
            redemption_id = cursor.execute(
                q("INSERT INTO redemption (operator_id, card_id, location_id, api_key_id, kind, amount_cents, "
                  "balance_after_cents, status, created_at) VALUES (?, ?, ?, ?, 'amount', 1, ?, 'completed', ?) "
                  "RETURNING id"),
                (operator_id, card_id, location_id, api_key_id, balance, now),
            ).fetchone()[0]
            cursor.execute(
                q("INSERT INTO ledger_entry (operator_id, card_id, kind, amount_cents, balance_after_cents, "
                  "idempotency_key, api_key_id, location_id, redemption_id, created_at) "
                  "VALUES (?, ?, 'redeem', -1, ?, ?, ?, ?, ?, ?)"),
                (operator_id, card_id, balance, uuid.uuid4().hex, api_key_id, location_id, redemption_id, now),
            )
            cursor.execute(q("SELECT * FROM webhook_endpoint WHERE operator_id = ? AND active"), (operator_id,))
            cursor.fetchall()
            return json.dumps({"id": redemption_id, "balance_after_cents": balance})

        return money

    def issue_money(self, ctx: dict):
        q = self.q

        def money(cursor, now, api_key_id) -> str:  # noqa: ANN001
            operator_id = ctx["operator_id"]
            cursor.execute(q('SELECT * FROM "operator" WHERE id = ?'), (operator_id,))
            cursor.fetchone()
            code = secrets.token_hex(8).upper()
            card_id = cursor.execute(
                q("INSERT INTO card (operator_id, code_hash, code_encrypted, last4, link_token_hash, "
                  "link_token_encrypted, currency, status, balance_cents, initial_amount_cents, channel, api_key_id, "
                  "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'CAD', 'active', ?, ?, 'api', ?, ?, ?) "
                  "RETURNING id"),
                (operator_id, secrets.token_hex(32), secrets.token_urlsafe(90), code[-4:], secrets.token_hex(32),
                 secrets.token_urlsafe(90), CARD_CENTS, CARD_CENTS, api_key_id, now, now),
            ).fetchone()[0]
            cursor.execute(
                q("INSERT INTO ledger_entry (operator_id, card_id, kind, amount_cents, balance_after_cents, "
                  "idempotency_key, api_key_id, created_at) VALUES (?, ?, 'issue', ?, ?, ?, ?, ?)"),
                (operator_id, card_id, CARD_CENTS, CARD_CENTS, uuid.uuid4().hex, api_key_id, now),
            )
            cursor.execute(q("SELECT * FROM webhook_endpoint WHERE operator_id = ? AND active"), (operator_id,))
            cursor.fetchall()
            return json.dumps({"id": card_id, "code": code})

        return money


def _bare_process(url: str, secret_key: str, ctx: dict, operation: str, card_ids: list[int], seconds: float,
                  start_at: float) -> tuple[list[float], int]:
    """One process of the bare-SQL run: a thread per client, each with its own connection."""
    bare = BareSql(url, secret_key)
    latencies: list[list[float]] = [[] for _ in card_ids]
    errors = [0]

    def client(index: int) -> None:
        connection = bare.connect()
        money = bare.redeem_money(ctx, card_ids[index]) if operation == "redeem" else bare.issue_money(ctx)
        own = latencies[index]
        while time.time() < start_at:
            time.sleep(0.001)
        deadline = start_at + seconds
        while time.time() < deadline:
            began = time.perf_counter()
            try:
                bare.call(connection, ctx, money)
            except Exception:  # noqa: BLE001 - counted; the run goes on
                errors[0] += 1
                connection.rollback()
                continue
            own.append(time.perf_counter() - began)
        connection.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(len(card_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [latency for own in latencies for latency in own], errors[0]


def bare_runs(backend_name: str, url: str, context: dict, workers: int, clients: int, seconds: float) -> list[Run]:
    """The same calls' statements through the driver, from `workers` processes and `clients` threads in all."""
    from app.settings import get_settings

    ctx = {"operator_id": context["operator_id"], "location_id": context["location_id"],
           "api_key": context["api_key"], "path": "/api/v1/redemptions"}
    from app.services.core.actor import Actor

    actor = Actor(context["operator_id"], channel="api")
    card_ids = [ledger.issue_card(actor, REDEEM_CARD_CENTS).card.id for _ in range(clients)]
    shares = [card_ids[part::workers] for part in range(workers)]
    runs = []
    mp = multiprocessing.get_context("fork")
    for operation in ("redeem", "issue"):
        ctx["path"] = "/api/v1/redemptions" if operation == "redeem" else "/api/v1/cards"
        dispose_engines()  # no pooled connection crosses the fork
        start_at = time.time() + 1.0
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=mp) as pool:
            futures = [pool.submit(_bare_process, url, get_settings().secret_key, ctx, operation, share, seconds,
                                   start_at) for share in shares if share]
            results = [future.result() for future in futures]
        latencies = [latency for own, _ in results for latency in own]
        errors = sum(count for _, count in results)
        runs.append(Run(backend_name, workers, operation, "bare SQL", clients, len(latencies), seconds, errors,
                        latencies))
    return runs


# --------------------------------------------------------------------------- the run


def bench_backend(backend: str, url: str, workers_list: list[int], clients: int, seconds: float,
                  redis_url: str | None, spends: int) -> tuple[list[Run], list[Probe], dict]:
    ledger_bench.use_database(url)
    runs: list[Run] = []
    probes: list[Probe] = []
    memory: dict = {}
    for workers in workers_list:
        if workers > 1 and not redis_url:
            print(f"  {backend}: {workers} workers need Redis; skipped", flush=True)
            continue
        print(f"  {backend}: {workers} worker(s), {clients} clients, {seconds:.0f} s per figure ...", flush=True)
        with Backend(url, workers, redis_url if workers > 1 else None) as running:
            http, context = http_runs(backend, running, clients, seconds)
            runs += http
            if not probes:
                probes.append(double_spend_probe(backend, running, context, spends))
            memory[f"{backend}, {workers} worker(s)"] = round(running.peak_rss_mb(), 1)
        runs += bare_runs(backend, url, context, workers, clients, seconds)
        mismatches = ledger.check_ledger()
        if mismatches:
            raise SystemExit(f"{backend}: the ledger does not balance after the bench: {mismatches[:5]}")
    dispose_engines()
    return runs, probes, memory


def ratio_rows(runs: list[Run]) -> list[dict]:
    by_key = {(run.backend, run.workers, run.operation, run.path): run for run in runs}
    rows = []
    for (backend, workers, operation, path), run in by_key.items():
        if path != "HTTP":
            continue
        bare = by_key.get((backend, workers, operation, "bare SQL"))
        rows.append({
            "backend": backend, "workers": workers, "operation": operation, "http_per_second": round(run.per_second, 1),
            "bare_per_second": round(bare.per_second, 1) if bare else None,
            "ratio": round(run.per_second / bare.per_second, 2) if bare and bare.per_second else None,
            "errors": run.errors, "p95_ms": round(run.percentile_ms(95), 1),
        })
    return rows


def print_report(runs: list[Run], probes: list[Probe], memory: dict) -> None:
    header = (f"{'backend':<9} {'workers':>7} {'operation':<9} {'path':<9} {'clients':>7} {'done':>7} {'per s':>7} "
              f"{'p50 ms':>8} {'p95 ms':>8} {'errors':>6}")
    print(header)
    print("-" * len(header))
    for run in runs:
        print(f"{run.backend:<9} {run.workers:>7} {run.operation:<9} {run.path:<9} {run.clients:>7} {run.done:>7} "
              f"{run.per_second:>7.0f} {run.percentile_ms(50):>8.1f} {run.percentile_ms(95):>8.1f} {run.errors:>6}")
    print("\nthrough the API / bare-SQL ceiling of the same database, same run (1.00 = the API costs nothing):")
    for row in ratio_rows(runs):
        print(f"  {row['backend']:<9} {row['workers']} worker(s) {row['operation']:<7} {row['http_per_second']:>6.0f}/s "
              f"vs {row['bare_per_second'] or float('nan'):>6.0f}/s  ratio {row['ratio'] if row['ratio'] is not None else 'n/a'}"
              f"  errors {row['errors']}")
    print("\ndouble-spend probe (concurrent redemptions of one card, through HTTP):")
    for probe in probes:
        print(f"  {probe.backend:<9} {probe.spends} x {probe.ask_cents} cents on a {probe.card_cents}-cent card: "
              f"{probe.succeeded} passed, {probe.refused} insufficient_funds, {probe.other} other; spent "
              f"{probe.spent_cents}, balance {probe.balance_after}: {'exact' if probe.exact else 'WRONG'}")
    print("\npeak RSS of a backend process (VmHWM):")
    for name, megabytes in memory.items():
        print(f"  {name}: {megabytes:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each figure (default 8)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--workers", default="1,2", help="comma-separated backend worker counts (default 1,2)")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite, postgres or both (default)")
    parser.add_argument("--spends", type=int, default=20, help="concurrent spends in the double-spend probe")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or DEFAULT_REDIS)
    parser.add_argument("--quick", action="store_true", help="2 s per figure, 8 clients: a quick look")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.clients = 2.0, 8
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    workers_list = [int(count) for count in args.workers.split(",") if count.strip()]
    redis_url = args.redis_url if redis_answers(args.redis_url) else None

    runs: list[Run] = []
    probes: list[Probe] = []
    memory: dict = {}
    began = time.perf_counter()
    load_before = os.getloadavg()
    if "sqlite" in backends:
        found = bench_backend("sqlite", f"sqlite:///{ledger_bench.scratch_dir.name}/bench-api.db", workers_list,
                              args.clients, args.seconds, redis_url, args.spends)
        runs, probes, memory = runs + found[0], probes + found[1], {**memory, **found[2]}
    if "postgres" in backends:
        pg = ledger_bench.postgres_bench_url()
        if pg is None:
            print("PostgreSQL does not answer at 127.0.0.1:5432: skipped\n")
        else:
            url, admin_url = pg
            try:
                found = bench_backend("postgres", url, workers_list, args.clients, args.seconds, redis_url, args.spends)
                runs, probes, memory = runs + found[0], probes + found[1], {**memory, **found[2]}
            finally:
                ledger_bench.drop_postgres_bench(admin_url)
    print()
    print_report(runs, probes, memory)
    load_after = os.getloadavg()
    print(f"\nledger balanced after every backend; {time.perf_counter() - began:.0f} s in all; "
          f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; {os.cpu_count()} CPUs")
    if args.json:
        args.json.write_text(json.dumps({
            "runs": [run.summary() for run in runs], "ratios": ratio_rows(runs),
            "probes": [{**asdict(probe), "exact": probe.exact} for probe in probes], "peak_rss_mb": memory,
            "seconds": args.seconds, "clients": args.clients, "load_before": load_before, "load_after": load_after,
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
