"""What the fault tests share: a private PostgreSQL cluster that a test may stop and
start, the invariants money must keep whatever failed, and a way to run services in a
separate process that the test kills.

The private cluster lives in a temporary directory on a free port. initdb refuses to
run as root, so when the tests run as root the cluster's processes run as the
`postgres` system user (its own files are handed to that user).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, text
from sqlmodel import select

from app import cli
from app.db import read_session
from app.models import Card, LedgerEntry, PayoutBatch, PayoutLine, Redemption
from app.services.money import ledger
from app.settings import PROJECT_ROOT
from tests.support.ports import free_port

WORKER = PROJECT_ROOT / "tests" / "faults" / "fault_worker.py"  # a script: run in a process the test kills


# --- a PostgreSQL of our own ------------------------------------------------------


def postgres_binaries() -> Path | None:
    """The newest installed server's bin directory (initdb, pg_ctl), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """A throwaway cluster: `start`, `stop` (immediately, like a crash), `url(database)`."""

    def __init__(self) -> None:
        binaries = postgres_binaries()
        if binaries is None:
            raise RuntimeError("No PostgreSQL server binaries under /usr/lib/postgresql")
        self.bin = binaries
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="giftnet-fault-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        # initdb refuses root: run the cluster as the postgres system user then.
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            account = pwd.getpwnam(self.user)
            os.chown(self.root, account.pw_uid, account.pw_gid)

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin / args[0]), *args[1:]], user=self.user, capture_output=True, text=True,
                              timeout=timeout, check=True, cwd=self.root)

    def init(self) -> PrivatePostgres:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        return self

    def start(self) -> None:
        # fsync off: a test's machine never crashes under it. synchronous_commit stays on: a
        # stop "immediate" must not lose a commit the app was told had happened.
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` drops every connection at once, as a crash would (recovery runs at the next start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return subprocess.run([str(self.bin / "pg_ctl"), "-D", str(self.data), "status"], user=self.user,
                              capture_output=True, cwd=self.root).returncode == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def destroy(self) -> None:
        if self.data.exists() and self.running():
            with contextlib.suppress(subprocess.SubprocessError):
                self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


# --- services of this test process against another database ------------------------




# --- what must hold whatever failed -------------------------------------------------


def assert_money_is_consistent(operator_id: int) -> None:
    """The ledger's promises after any fault: every card's balance is the sum of its
    rows; every redemption has exactly its one `redeem` row (and every `redeem` row its
    redemption); every batch that exists is whole: its lines, its totals and the
    redemptions it claimed agree."""
    assert ledger.check_ledger(operator_id) == []
    assert cli.main(["check-ledger"]) == 0  # what `python -m app.cli check-ledger` answers
    with read_session() as session:
        sums = dict(session.exec(
            select(LedgerEntry.card_id, func.sum(LedgerEntry.amount_cents))
            .where(LedgerEntry.operator_id == operator_id).group_by(LedgerEntry.card_id)).all())
        for card in session.exec(select(Card).where(Card.operator_id == operator_id)).all():
            assert card.balance_cents == sums.get(card.id, 0), f"card {card.id}"
            assert card.balance_cents >= 0

        redemptions = {r.id: r for r in session.exec(select(Redemption).where(Redemption.operator_id == operator_id))}
        redeem_rows = session.exec(select(LedgerEntry).where(LedgerEntry.operator_id == operator_id,
                                                             LedgerEntry.kind == "redeem")).all()
        rows_by_redemption: dict[int, list[LedgerEntry]] = {}
        for row in redeem_rows:
            assert row.redemption_id in redemptions, f"ledger row {row.id} has no redemption"
            rows_by_redemption.setdefault(row.redemption_id, []).append(row)
        for redemption in redemptions.values():
            rows = rows_by_redemption.get(redemption.id, [])
            assert len(rows) == 1, f"redemption {redemption.id} has {len(rows)} redeem rows"
            assert rows[0].amount_cents == -redemption.amount_cents and rows[0].card_id == redemption.card_id

        for batch in session.exec(select(PayoutBatch).where(PayoutBatch.operator_id == operator_id)).all():
            lines = session.exec(select(PayoutLine).where(PayoutLine.batch_id == batch.id)).all()
            claimed = [r for r in redemptions.values() if r.payout_batch_id == batch.id]
            if batch.status == "cancelled":
                assert claimed == [], f"cancelled batch {batch.id} still holds redemptions"
                continue
            assert lines, f"batch {batch.id} exists without its lines"
            assert batch.total_gross_cents == sum(line.gross_cents for line in lines) == sum(
                r.amount_cents for r in claimed)
            assert batch.redemption_count == sum(line.redemption_count for line in lines) == len(claimed)
            per_location: dict[int, tuple[int, int]] = {}
            for r in claimed:
                count, gross = per_location.get(r.location_id, (0, 0))
                per_location[r.location_id] = (count + 1, gross + r.amount_cents)
            assert {line.location_id: (line.redemption_count, line.gross_cents) for line in lines} == per_location


# --- services in a process of their own, killed by the test ------------------------


class Worker:
    """`python fault_worker.py <job>` on `database_url`: says `ready` once its imports are
    done and it is connected, then works; `kill_after(seconds)` / `kill_when(...)` send
    SIGKILL (no cleanup of any kind)."""

    def __init__(self, database_url: str, job: str, plan: dict, workdir: Path) -> None:
        plan_file = workdir / f"plan-{time.monotonic_ns()}.json"
        plan_file.write_text(json.dumps(plan))
        env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(PROJECT_ROOT), "PYTHONUNBUFFERED": "1"}
        env.pop("SMTP_URL", None)
        self.process = subprocess.Popen([sys.executable, str(WORKER), job, str(plan_file)], cwd=PROJECT_ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line.strip() == "ready":
                return
            if not line and self.process.poll() is not None:
                raise AssertionError(f"worker exited before it was ready: {self.process.stderr.read()[-3000:]}")
        raise AssertionError("worker never said ready")

    def kill_after(self, seconds: float) -> bool:
        """SIGKILL after `seconds`; False when the worker had already finished by then."""
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
            return True
        return False

    def kill_when(self, reached, extra_seconds: float = 0.0, timeout: float = 120) -> bool:
        """SIGKILL once `reached()` holds (polled), `extra_seconds` later; False when the
        worker finished first."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            if reached():
                return self.kill_after(extra_seconds)
            time.sleep(0.005)
        return self.kill_after(0) if self.process.poll() is None else False

    def finish(self, timeout: float = 300) -> str:
        out, err = self.process.communicate(timeout=timeout)
        assert self.process.returncode == 0, err[-3000:]
        return out
