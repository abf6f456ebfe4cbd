"""The money path on PostgreSQL, per request: app CPU, database CPU, database round trips,
throughput beside the bare-SQL ceiling of the same statements, all in one run.

    python bench/money_path.py [--seconds 8] [--connections 16] [--workers 2] [--before REF]
                               [--peer URL --peer-key KEY] [--json out.json]

For the code of this checkout (and, with `--before REF`, of that git ref exported to a
temporary directory, on the same database, in the same run):

- throughput: `wrk` (Debian's package; a Lua script gives every request its own
  Idempotency-Key) against the real backend (`reflex run --env prod --backend-only`,
  GRANIAN_WORKERS=--workers, Redis when more than 1): `POST /api/v1/redemptions`
  (1 cent off one of 16 cards) and `POST /api/v1/cards`. Every answer that is not 201
  is an error (must be 0). Before it, each backend is warmed up with as many connections at
  once as wrk holds, so the run measures the steady state, not the pools filling;
- CPU per request: user + system time from /proc/<pid>/stat of the backend's processes
  (the app) and of the PostgreSQL backends serving the bench database (pg_stat_activity),
  between the start and the end of the wrk run, divided by the requests answered;
- round trips per request: the backend started a second time, talking to PostgreSQL
  through a counting proxy (this file's `RoundTripProxy`: every simple Query and every
  extended-protocol Sync the client sends is one round trip), 100 requests one after the
  other, counted after a warm-up;
- bare SQL: the statements one redemption (one card issue) of this checkout sends, straight
  through psycopg from as many processes as the backend has workers and as many
  connections as wrk holds: the ceiling of this database on this machine, now (measured
  right after this checkout's figure of the same operation, the backend idle). Its "app
  CPU" is the CPU of those client processes (psycopg's own work per request);
- double-spend probe: 20 concurrent redemptions of 1,000 cents each on a 3,000-cent card:
  exactly 3 pass, 17 are insufficient_funds.

`--peer URL` (with `--peer-key`): the same wrk run against another gift card platform's
redemption endpoint speaking this API (its own figures printed beside ours; its CPU is not
ours to read unless it runs on this machine, so only requests per second and errors).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import multiprocessing
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import api as api_bench  # noqa: E402
import httpx  # noqa: E402
import ledger as ledger_bench  # noqa: E402

from app.settings import PROJECT_ROOT  # noqa: E402

CARDS = 16
api_bench.STARTUP_SECONDS = 300  # two workers starting on a loaded 2-core machine
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ROUND_TRIP_REQUESTS = 100


# --------------------------------------------------------------------------- counting round trips


class RoundTripProxy:
    """A TCP proxy in front of PostgreSQL that counts what the client asks: each simple-protocol
    Query ('Q') and each extended-protocol Sync ('S') waits for the server's ReadyForQuery, so
    each is one round trip. The first message of a connection (the startup packet) has no type."""

    def __init__(self, upstream_port: int = 5432) -> None:
        self.upstream_port = upstream_port
        self.round_trips = 0
        self.by_type: dict[str, int] = {}
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()

    def start(self) -> RoundTripProxy:
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)
        return self

    def reset(self) -> None:
        self.round_trips = 0
        self.by_type = {}

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)

        async def pump_down() -> None:
            try:
                while data := await up_reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            finally:
                writer.close()

        down = asyncio.create_task(pump_down())
        try:
            length = struct.unpack("!I", await reader.readexactly(4))[0]
            up_writer.write(struct.pack("!I", length) + await reader.readexactly(length - 4))
            while True:
                kind = await reader.readexactly(1)
                size = await reader.readexactly(4)
                body = await reader.readexactly(struct.unpack("!I", size)[0] - 4)
                name = kind.decode()
                self.by_type[name] = self.by_type.get(name, 0) + 1
                if name in ("Q", "S"):
                    self.round_trips += 1
                up_writer.write(kind + size + body)
                await up_writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            up_writer.close()
            down.cancel()


# --------------------------------------------------------------------------- CPU from /proc


def cpu_ticks(pids: list[int]) -> dict[int, int]:
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            continue
    return ticks


def postgres_backends(admin_url: str, database: str) -> list[int]:
    import psycopg

    with psycopg.connect(admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                                  (database,)).fetchall()
    return [row[0] for row in rows]


@dataclass
class CpuWatch:
    """CPU ticks of the app's processes and of the database's backends between `start` and `stop`."""

    app_pids: list[int]
    admin_url: str
    database: str
    app_before: dict[int, int] = field(default_factory=dict)
    db_before: dict[int, int] = field(default_factory=dict)
    app_ms: float = 0.0
    db_ms: float = 0.0

    def start(self) -> None:
        self.app_before = cpu_ticks(self.app_pids)
        self.db_before = cpu_ticks(postgres_backends(self.admin_url, self.database))

    def stop(self) -> None:
        app_after = cpu_ticks(self.app_pids)
        db_after = cpu_ticks(postgres_backends(self.admin_url, self.database))
        self.app_ms = sum(ticks - self.app_before.get(pid, 0) for pid, ticks in app_after.items()) * 1000 / CLOCK_TICKS
        self.db_ms = sum(ticks - self.db_before.get(pid, 0) for pid, ticks in db_after.items()) * 1000 / CLOCK_TICKS


# --------------------------------------------------------------------------- wrk

LUA = """
local counter = 0
local next_thread = 0
local cards = {%(cards)s}
setup = function(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end
init = function(args)
  math.randomseed(os.time() + tid)
  prefix = "%(run)s-" .. tid .. "-" .. math.random(1000000000)
end
request = function()
  counter = counter + 1
  local body
  if "%(operation)s" == "redeem" then
    body = '{"location_id":%(location_id)d,"card_id":' .. cards[(counter %% #cards) + 1] .. ',"amount_cents":1}'
  else
    body = '{"amount_cents":2500,"send_email":false}'
  end
  return wrk.format("POST", "%(path)s", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer %(api_key)s", ["Idempotency-Key"] = prefix .. "-" .. counter}, body)
end
"""


@dataclass
class WrkRun:
    label: str
    operation: str
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    app_cpu_ms: float = float("nan")
    db_cpu_ms: float = float("nan")
    round_trips: float = float("nan")

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.app_cpu_ms + self.db_cpu_ms


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(label: str, url: str, operation: str, context: dict, connections: int, seconds: float,
            threads: int = 2) -> WrkRun:
    path = "/api/v1/redemptions" if operation == "redeem" else "/api/v1/cards"
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(LUA % {"cards": ",".join(map(str, context["card_ids"])), "run": uuid.uuid4().hex[:8],
                             "operation": operation, "location_id": context["location_id"], "path": path,
                             "api_key": context["api_key"]})
    try:
        out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "30s",
                              "--latency", "-s",
                              str(script), url], capture_output=True, text=True, check=True).stdout
    finally:
        script.unlink()
    total = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))
    took = re.search(r"requests in ([\d.]+)(ms|s|m)", out)
    elapsed = float(took.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[took.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # the --latency distribution's lines
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    return WrkRun(label, operation, total - (int(bad.group(1)) if bad else 0), elapsed, errors, p50, p99)


# --------------------------------------------------------------------------- the backend


class Backend(api_bench.Backend):
    """bench/api.py's backend, started from `root` (this checkout, or an exported git ref)."""

    def __init__(self, root: Path, database_url: str, workers: int, redis_url: str | None) -> None:
        super().__init__(database_url, workers, redis_url)
        self.root = root
        self.env["BACKGROUND_JOBS"] = "off"  # production mode: the jobs run in their own process

    def __enter__(self) -> Backend:
        saved, api_bench.PROJECT_ROOT = api_bench.PROJECT_ROOT, self.root
        try:
            return super().__enter__()
        finally:
            api_bench.PROJECT_ROOT = saved

    def operator(self) -> dict:
        created = subprocess.run(
            [sys.executable, "-m", "app.cli", "create-operator", "--name", "Bench shop", "--email",
             f"bench-{uuid.uuid4().hex[:8]}@example.com", "--password", "bench-password-1"],
            cwd=self.root, env=self.env, capture_output=True, text=True, check=True,
        )
        return json.loads(created.stdout)

    def pids(self) -> list[int]:
        return api_bench._process_group(self.process.pid)  # noqa: SLF001


def prepare(running: Backend) -> dict:
    operator = running.operator()
    headers = {"Authorization": f"Bearer {operator['api_key']}"}
    with httpx.Client(base_url=f"{running.url}/api/v1", headers=headers, timeout=60) as client:
        location = client.post("/locations", json={"name": "Bench Bakery", "email": "bakery@example.com"})
        location.raise_for_status()
        card_ids = []
        for _ in range(CARDS):
            card = client.post("/cards", json={"amount_cents": api_bench.REDEEM_CARD_CENTS, "send_email": False})
            card.raise_for_status()
            card_ids.append(card.json()["id"])
    return {"operator_id": operator["operator_id"], "api_key": operator["api_key"],
            "location_id": location.json()["id"], "card_ids": card_ids}


def warm_up(url: str, context: dict, connections: int = 1, rounds: int = 40) -> None:
    """`rounds` redemptions and card issues on each of `connections` connections at once: with
    as many at once as wrk holds, every worker has opened the database connections and threads
    the measured run will use (a PostgreSQL backend's first statements fill its catalog caches)."""
    headers = {"Authorization": f"Bearer {context['api_key']}"}

    def one_connection(first: int) -> None:
        with httpx.Client(base_url=f"{url}/api/v1", headers=headers, timeout=60) as client:
            for number in range(first, first + rounds):
                client.post("/redemptions", json={"location_id": context["location_id"],
                                                  "card_id": context["card_ids"][number % CARDS], "amount_cents": 1},
                            headers={"Idempotency-Key": uuid.uuid4().hex}).raise_for_status()
                client.post("/cards", json={"amount_cents": 2500, "send_email": False},
                            headers={"Idempotency-Key": uuid.uuid4().hex}).raise_for_status()

    with concurrent.futures.ThreadPoolExecutor(max_workers=connections) as pool:
        list(pool.map(one_connection, [index * rounds for index in range(connections)]))


def count_round_trips(root: Path, database_url: str, proxy: RoundTripProxy, context: dict) -> dict[str, float]:
    """Round trips per request, with the backend (1 worker) talking to PostgreSQL through `proxy`."""
    # In clear (no TLS negotiation), so that the proxy reads the messages.
    through = database_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}") + "?sslmode=disable&gssencmode=disable"
    found = {}
    with Backend(root, through, 1, None) as running:
        warm_up(running.url, context)
        headers = {"Authorization": f"Bearer {context['api_key']}"}
        with httpx.Client(base_url=f"{running.url}/api/v1", headers=headers, timeout=60) as client:
            for operation in ("redeem", "issue"):
                proxy.reset()
                began = time.perf_counter()
                for number in range(ROUND_TRIP_REQUESTS):
                    if operation == "redeem":
                        answer = client.post("/redemptions", json={
                            "location_id": context["location_id"], "card_id": context["card_ids"][number % CARDS],
                            "amount_cents": 1}, headers={"Idempotency-Key": uuid.uuid4().hex})
                    else:
                        answer = client.post("/cards", json={"amount_cents": 2500, "send_email": False},
                                             headers={"Idempotency-Key": uuid.uuid4().hex})
                    answer.raise_for_status()
                time.sleep(1.5)  # the access log's batched write, due within a second, is counted too
                took = time.perf_counter() - began
                trips, kinds = proxy.round_trips, dict(proxy.by_type)
                # What the backend sends with no request at all (its lifespan tasks), over as long: not the requests'.
                proxy.reset()
                time.sleep(took)
                found[f"{operation}_idle"] = proxy.round_trips / ROUND_TRIP_REQUESTS
                found[operation] = (trips - proxy.round_trips) / ROUND_TRIP_REQUESTS
                found[f"{operation}_by_type"] = {kind: count / ROUND_TRIP_REQUESTS for kind, count in sorted(kinds.items())}
    return found


# --------------------------------------------------------------------------- bare SQL


def _bare_client(url: str, context: dict, operation: str, card_id: int, seconds: float, start_at: float,
                 counts: list[int], errors: list[int]) -> None:
    import psycopg

    from app.services.access.api_keys import hash_key

    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    auth = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    key_hash = hash_key(context["api_key"])
    operator_id, location_id = context["operator_id"], context["location_id"]
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = start_at + seconds
    done = 0
    while time.time() < deadline:
        try:
            api_key_id = auth.execute("SELECT id, operator_id, prefix FROM api_key WHERE key_hash = %s AND "
                                      "revoked_at IS NULL", (key_hash,)).fetchone()[0]
            with connection.transaction():
                record_id = connection.execute(
                    "INSERT INTO idempotency_record (api_key_id, key, method, path, request_hash, state, created_at, "
                    "expires_at) VALUES (%s, %s, 'POST', %s, %s, 'in_flight', now(), now() + interval '1 day') "
                    "ON CONFLICT (api_key_id, key) DO NOTHING RETURNING id",
                    (api_key_id, uuid.uuid4().hex, "/api/v1/x", uuid.uuid4().hex * 2)).fetchone()[0]
                if operation == "redeem":
                    connection.execute("SELECT location.*, operator.* FROM location JOIN operator ON operator.id = "
                                       "location.operator_id WHERE location.id = %s AND location.operator_id = %s",
                                       (location_id, operator_id)).fetchone()
                    answer = connection.execute(
                        "WITH debited AS (UPDATE card SET balance_cents = balance_cents - 1, updated_at = now() "
                        "WHERE id = %s AND operator_id = %s AND status = 'active' AND balance_cents >= 1 "
                        "RETURNING balance_cents, last4), redeemed AS (INSERT INTO redemption (operator_id, card_id, "
                        "location_id, api_key_id, kind, amount_cents, balance_after_cents, status, created_at) "
                        "SELECT %s, %s, %s, %s, 'amount', 1, debited.balance_cents, 'completed', now() FROM debited "
                        "RETURNING id), entry AS (INSERT INTO ledger_entry (operator_id, card_id, kind, amount_cents, "
                        "balance_after_cents, idempotency_key, api_key_id, location_id, redemption_id, created_at) "
                        "SELECT %s, %s, 'redeem', -1, debited.balance_cents, %s, %s, %s, redeemed.id, now() "
                        "FROM debited, redeemed RETURNING id) SELECT debited.balance_cents, debited.last4, "
                        "redeemed.id, entry.id FROM debited, redeemed, entry",
                        (card_id, operator_id, operator_id, card_id, location_id, api_key_id, operator_id, card_id,
                         uuid.uuid4().hex, api_key_id, location_id)).fetchone()
                else:
                    connection.execute('SELECT * FROM "operator" WHERE id = %s', (operator_id,)).fetchone()
                    new_card = connection.execute(
                        "INSERT INTO card (operator_id, code_hash, code_encrypted, last4, link_token_hash, "
                        "link_token_encrypted, currency, status, balance_cents, initial_amount_cents, channel, "
                        "api_key_id, created_at, updated_at, language) VALUES (%s, %s, %s, 'ABCD', %s, %s, 'CAD', "
                        "'active', 2500, 2500, 'api', %s, now(), now(), 'en') RETURNING id",
                        (operator_id, uuid.uuid4().hex * 2, "x" * 120, uuid.uuid4().hex * 2, "y" * 120,
                         api_key_id)).fetchone()
                    connection.execute(
                        "INSERT INTO ledger_entry (operator_id, card_id, kind, amount_cents, balance_after_cents, "
                        "idempotency_key, api_key_id, created_at) VALUES (%s, %s, 'issue', 2500, 2500, %s, %s, now()) "
                        "RETURNING id", (operator_id, new_card[0], uuid.uuid4().hex, api_key_id)).fetchone()
                    answer = new_card
                connection.execute("UPDATE idempotency_record SET state = 'done', response_status = 201, "
                                   "response_body = %s WHERE id = %s", (json.dumps(list(answer)) * 8, record_id))
            done += 1
        except Exception:  # noqa: BLE001 - counted; the run goes on
            errors[0] += 1
    counts[0] += done
    connection.close()
    auth.close()


def _bare_process(url: str, context: dict, operation: str, card_ids: list[int], seconds: float,
                  start_at: float) -> tuple[int, int]:
    counts, errors = [0], [0]
    threads = [threading.Thread(target=_bare_client, args=(url, context, operation, card_id, seconds, start_at,
                                                           counts, errors)) for card_id in card_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts[0], errors[0]


def bare_sql(url: str, admin_url: str, database: str, context: dict, operation: str, workers: int,
             connections: int, seconds: float) -> WrkRun:
    """The same statements through psycopg: `workers` processes, `connections` connections in all."""
    card_ids = [context["card_ids"][index % CARDS] for index in range(connections)]
    shares = [card_ids[part::workers] for part in range(workers)]
    start_at = time.time() + 1.5
    mp = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=mp) as pool:
        futures = [pool.submit(_bare_process, url, context, operation, share, seconds, start_at) for share in shares]
        time.sleep(max(0.0, start_at - time.time()))
        # CPU read over the run's window, before its connections close: the clients' processes
        # (psycopg's own work, the reference for the app's) and the database's backends.
        watch = CpuWatch(list(pool._processes), admin_url, database)  # noqa: SLF001 - the pool's own pids
        watch.start()
        window = max(seconds - 0.5, 0.5)
        time.sleep(window)
        watch.stop()
        results = [future.result() for future in futures]
    done = sum(count for count, _ in results)
    run = WrkRun("bare SQL", operation, done, seconds, sum(error for _, error in results), float("nan"), float("nan"))
    in_window = max(done * window / seconds, 1)
    run.app_cpu_ms, run.db_cpu_ms = watch.app_ms / in_window, watch.db_ms / in_window
    return run


# --------------------------------------------------------------------------- the run


def before_database(admin_url: str, database: str, root: Path) -> str:
    """A second scratch database, migrated by the exported ref's own migrations."""
    import psycopg

    with psycopg.connect(admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{database}"
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], cwd=root, env={**os.environ, "DATABASE_URL": url},
                   check=True, capture_output=True)
    return url


def drop_database(admin_url: str, database: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def export_ref(ref: str) -> Path:
    """`git archive REF` in a temporary directory, beside this checkout's .venv and .tools."""
    target = Path(tempfile.mkdtemp(prefix="giftnet-before-"))
    archive = subprocess.run(["git", "archive", ref], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    for shared in (".venv", ".tools"):
        (target / shared).symlink_to((PROJECT_ROOT / shared).resolve())
    return target


def measure(label: str, root: Path, url: str, admin_url: str, database: str, workers: int, redis_url: str | None,
            connections: int, seconds: float, proxy: RoundTripProxy, bare: bool = False) -> tuple[list[WrkRun], dict]:
    """`label`'s figures; with `bare`, each operation's bare-SQL ceiling measured right after it
    (the backend idle meanwhile), so that the two share the machine's state of that minute."""
    print(f"  {label}: {workers} worker(s), wrk {connections} connections, {seconds:.0f} s per figure ...", flush=True)
    runs = []
    with Backend(root, url, workers, redis_url) as running:
        context = prepare(running)
        warm_up(running.url, context, connections)
        for operation in ("redeem", "issue"):
            watch = CpuWatch(running.pids(), admin_url, database)
            watch.start()
            run = run_wrk(label, running.url, operation, context, connections, seconds)
            watch.stop()
            run.app_cpu_ms = watch.app_ms / max(run.requests, 1)
            run.db_cpu_ms = watch.db_ms / max(run.requests, 1)
            runs.append(run)
            print(f"    {operation}: {run.per_second:.0f}/s, {run.errors} errors, app {run.app_cpu_ms:.2f} ms + "
                  f"db {run.db_cpu_ms:.2f} ms CPU per request", flush=True)
            if bare:
                ceiling = bare_sql(url, admin_url, database, context, operation, workers, connections, seconds)
                runs.append(ceiling)
                print(f"    {operation}, bare SQL: {ceiling.per_second:.0f}/s ({run.per_second / ceiling.per_second:.2f} "
                      f"of it through the API)", flush=True)
        probe = api_bench.double_spend_probe(label, running, context, 20)
    trips = count_round_trips(root, url, proxy, context)
    for run in runs:
        if run.label == label:  # not the bare-SQL ceilings measured beside it
            run.round_trips = trips[run.operation]
    return runs, {"probe": asdict(probe) | {"exact": probe.exact},
                  "idle_round_trips": {operation: trips[f"{operation}_idle"] for operation in ("redeem", "issue")},
                  "round_trips_by_type": {
        operation: trips[f"{operation}_by_type"] for operation in ("redeem", "issue")}, "context": context}


def print_report(runs: list[WrkRun], extras: dict) -> None:
    header = (f"{'code':<14} {'operation':<8} {'per s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'app CPU ms':>10} "
              f"{'db CPU ms':>9} {'CPU ms':>7} {'round trips':>11} {'/ bare SQL':>10}")
    print(header)
    print("-" * len(header))
    bare = {run.operation: run for run in runs if run.label == "bare SQL"}
    for run in runs:
        ratio = run.per_second / bare[run.operation].per_second if run.operation in bare and run.label != "bare SQL" \
            else float("nan")
        print(f"{run.label:<14} {run.operation:<8} {run.per_second:>7.0f} {run.p50_ms:>7.1f} {run.p99_ms:>7.1f} "
              f"{run.errors:>6} {run.app_cpu_ms:>10.2f} {run.db_cpu_ms:>9.2f} {run.cpu_ms:>7.2f} "
              f"{run.round_trips:>11.1f} {ratio:>10.2f}")
    for label, extra in extras.items():
        probe = extra.get("probe")
        if probe:
            print(f"\n{label}: double-spend probe {probe['spends']} x {probe['ask_cents']} cents on a "
                  f"{probe['card_cents']}-cent card: {probe['succeeded']} passed, {probe['refused']} "
                  f"insufficient_funds, {probe['other']} other, balance {probe['balance_after']}: "
                  f"{'exact' if probe['exact'] else 'WRONG'}")
        for operation, kinds in extra.get("round_trips_by_type", {}).items():
            idle = extra.get("idle_round_trips", {}).get(operation, 0.0)
            print(f"{label}: {operation} protocol messages per request {kinds} (with the idle backend's "
                  f"{idle:.2f} per request's time, taken off the round trips above)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (and bare-SQL connections)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--before", help="a git ref (e.g. main) measured the same way, in the same run")
    parser.add_argument("--peer", help="another platform's base URL, measured with the same wrk run")
    parser.add_argument("--peer-key", help="the API key for --peer")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or api_bench.DEFAULT_REDIS)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk (make bench installs it)")
    redis_url = args.redis_url if api_bench.redis_answers(args.redis_url) else None
    if args.workers > 1 and redis_url is None:
        raise SystemExit("more than one worker needs Redis (--redis-url)")
    pg = ledger_bench.postgres_bench_url()
    if pg is None:
        raise SystemExit("PostgreSQL does not answer at 127.0.0.1:5432")
    url, admin_url = pg
    database = url.rsplit("/", 1)[1]
    proxy = RoundTripProxy().start()
    runs: list[WrkRun] = []
    extras: dict = {}
    began = time.perf_counter()
    load_before = os.getloadavg()
    before_root = export_ref(args.before) if args.before else None
    try:
        ledger_bench.use_database(url)
        codes = [("this checkout", PROJECT_ROOT, url, database)]
        if before_root:
            codes.append((f"before ({args.before})", before_root,
                          before_database(admin_url, f"{database}_before", before_root), f"{database}_before"))
        context = None
        for label, root, code_url, code_database in codes:
            found, extra = measure(label, root, code_url, admin_url, code_database, args.workers, redis_url,
                                   args.connections, args.seconds, proxy, bare=context is None)
            runs += found
            extras[label] = extra
            context = context or extra["context"]
        if args.peer:
            if not args.peer_key:
                raise SystemExit("--peer needs --peer-key")
            peer_context = {**context, "api_key": args.peer_key}
            for operation in ("redeem", "issue"):
                runs.append(run_wrk(f"peer {args.peer}"[:14], args.peer.rstrip("/"), operation, peer_context,
                                    args.connections, args.seconds))
        from app.services.money import ledger

        mismatches = ledger.check_ledger()
        if mismatches:
            raise SystemExit(f"the ledger does not balance after the bench: {mismatches[:5]}")
    finally:
        ledger_bench.drop_postgres_bench(admin_url)
        drop_database(admin_url, f"{database}_before")
        if before_root:
            shutil.rmtree(before_root, ignore_errors=True)
    print()
    print_report(runs, extras)
    print(f"\nledger balanced; {time.perf_counter() - began:.0f} s in all; load average {load_before[0]:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after; {os.cpu_count()} CPUs")
    if args.json:
        args.json.write_text(json.dumps({
            "runs": [asdict(run) | {"per_second": round(run.per_second, 1)} for run in runs],
            "extras": {label: {key: value for key, value in extra.items() if key != "context"}
                       for label, extra in extras.items()},
        }, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
