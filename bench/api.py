"""How many cards per second the REST API issues, beside what the service layer does alone.

    python bench/api.py [--seconds 10] [--concurrency 16] [--backends sqlite,postgres]

For each backend (a temporary SQLite file; PostgreSQL at 127.0.0.1:5432 when it
answers, in a scratch database `giftnet_bench_<pid>`, dropped at the end):

- service: `ledger.issue_card(...)` called from `--concurrency` threads in this
  process, with a fresh idempotency key per card (what the API passes down);
- HTTP: the real backend (`reflex run --env prod --backend-only` on a free port,
  started and stopped here) answering `POST /api/v1/cards` to `--concurrency`
  concurrent clients, without and with an `Idempotency-Key` header (the second is
  what a careful shop sends: it adds the stored-answer bookkeeping).

Each line prints cards issued, cards per second, and p50/p95 latency per card.
Every HTTP answer must be 201; the ledger must balance at the end. Figures, not
pass/fail; they move with the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

# Shares bench/ledger.py's scratch directory, secret and PostgreSQL helpers.
import ledger as ledger_bench  # noqa: E402

import httpx  # noqa: E402

from app.db import dispose_engines  # noqa: E402
from app.services import ledger  # noqa: E402
from app.settings import PROJECT_ROOT  # noqa: E402

CARD_CENTS = 2500
STARTUP_SECONDS = 90


@dataclass
class Run:
    backend: str
    path: str
    concurrency: int
    cards: int
    seconds: float
    latencies: list[float]
    failures: int = 0

    @property
    def per_second(self) -> float:
        return self.cards / self.seconds if self.seconds else 0.0

    def percentile_ms(self, percent: int) -> float:
        if len(self.latencies) < 2:
            return (self.latencies or [0.0])[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[percent - 1] * 1000


def measure_service(actor, backend: str, concurrency: int, seconds: float) -> Run:  # noqa: ANN001
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    start = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def work(index: int) -> None:
        own = latencies[index]
        start.wait()
        while time.perf_counter() < deadline[0]:
            began = time.perf_counter()
            ledger.issue_card(actor, CARD_CENTS, idempotency_key=f"bench-{index}-{uuid.uuid4().hex}")
            own.append(time.perf_counter() - began)

    workers = [threading.Thread(target=work, args=(index,)) for index in range(concurrency)]
    for worker in workers:
        worker.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for worker in workers:
        worker.join()
    every = [latency for own in latencies for latency in own]
    return Run(backend, "service", concurrency, len(every), time.perf_counter() - began, every)


class Backend:
    """`reflex run --env prod --backend-only` on a free port, in its own process group."""

    def __init__(self, database_url: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        tools = [str(PROJECT_ROOT / ".tools" / "node_modules" / ".bin"), str(Path(sys.executable).parent)]
        self.env = {
            **{key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "SMTP_URL")},
            "PATH": os.pathsep.join([*tools, os.environ.get("PATH", "")]),
            "REFLEX_USE_SYSTEM_BUN": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "DATABASE_URL": database_url,
        }
        self.log_path = Path(os.environ["GIFTNET_DATA_DIR"]) / f"backend-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Backend:
        log_file = open(self.log_path, "w")  # noqa: SIM115 - closed with the process
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

    def api_key(self) -> str:
        created = subprocess.run(
            [sys.executable, "-m", "app.cli", "create-operator", "--name", "Bench shop", "--email",
             f"bench-{uuid.uuid4().hex[:8]}@example.com", "--password", "bench-password-1"],
            cwd=PROJECT_ROOT, env=self.env, capture_output=True, text=True, check=True,
        )
        return json.loads(created.stdout)["api_key"]


async def _issue_over_http(url: str, api_key: str, concurrency: int, seconds: float, with_key: bool):
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=f"{url}/api/v1", headers=headers, limits=limits, timeout=60) as client:
        for _ in range(concurrency):  # warm the connections and the worker up
            await client.post("/cards", json={"amount_cents": CARD_CENTS, "send_email": False})
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal failures
            while time.perf_counter() < deadline:
                extra = {"Idempotency-Key": uuid.uuid4().hex} if with_key else {}
                began = time.perf_counter()
                answer = await client.post("/cards", json={"amount_cents": CARD_CENTS, "send_email": False}, headers=extra)
                if answer.status_code == 201:
                    latencies.append(time.perf_counter() - began)
                else:
                    failures += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, failures, time.perf_counter() - began


def measure_http(backend_name: str, running: Backend, api_key: str, concurrency: int, seconds: float, with_key: bool) -> Run:
    latencies, failures, elapsed = asyncio.run(_issue_over_http(running.url, api_key, concurrency, seconds, with_key))
    path = "HTTP + Idempotency-Key" if with_key else "HTTP"
    return Run(backend_name, path, concurrency, len(latencies), elapsed, latencies, failures)


def bench_backend(backend: str, url: str, concurrency: int, seconds: float) -> list[Run]:
    ledger_bench.use_database(url)
    runs = [measure_service(ledger_bench.bench_operator(), backend, concurrency, seconds)]
    with Backend(url) as running:
        api_key = running.api_key()
        runs.append(measure_http(backend, running, api_key, concurrency, seconds, with_key=False))
        runs.append(measure_http(backend, running, api_key, concurrency, seconds, with_key=True))
    mismatches = ledger.check_ledger()
    if mismatches:
        raise SystemExit(f"{backend}: the ledger does not balance after the bench: {mismatches}")
    dispose_engines()
    return runs


def print_table(runs: list[Run]) -> None:
    header = f"{'backend':<9} {'path':<23} {'conc.':>5} {'cards':>7} {'cards/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'failed':>6}"
    print(header)
    print("-" * len(header))
    for run in runs:
        print(
            f"{run.backend:<9} {run.path:<23} {run.concurrency:>5} {run.cards:>7} {run.per_second:>8.0f} "
            f"{run.percentile_ms(50):>8.1f} {run.percentile_ms(95):>8.1f} {run.failures:>6}"
        )
    print()
    print("HTTP / service throughput (what the API, auth, access log and JSON cost):")
    by_key = {(run.backend, run.path): run for run in runs}
    for (backend, path), run in by_key.items():
        if path == "service":
            continue
        service = by_key[(backend, "service")]
        print(f"  {backend:<9} {path:<23} {run.per_second / service.per_second if service.per_second else float('nan'):.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each measurement (default 10)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients / threads (default 16)")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite, postgres or both (default)")
    args = parser.parse_args(argv)
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]

    runs: list[Run] = []
    began = time.perf_counter()
    if "sqlite" in backends:
        runs += bench_backend("sqlite", f"sqlite:///{ledger_bench._scratch_dir.name}/bench-api.db", args.concurrency, args.seconds)
    if "postgres" in backends:
        found = ledger_bench.postgres_bench_url()
        if found is None:
            print("PostgreSQL does not answer at 127.0.0.1:5432: skipped\n")
        else:
            url, admin_url = found
            try:
                runs += bench_backend("postgres", url, args.concurrency, args.seconds)
            finally:
                ledger_bench.drop_postgres_bench(admin_url)
    print_table(runs)
    print(f"\nledger balanced after every run; {time.perf_counter() - began:.1f} s in all; "
          f"each card {CARD_CENTS} cents, no email; machine load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
