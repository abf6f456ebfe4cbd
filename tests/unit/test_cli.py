"""`python -m app.cli`: what an administrator types on the server, run as they would run it."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import PROJECT_ROOT


class Cli:
    """Runs `python -m app.cli ...` against one SQLite file, with its own data dir and secret."""

    def __init__(self, directory: Path) -> None:
        self.database_file = directory / "giftnet.db"
        self.environment = os.environ | {
            "DATABASE_URL": f"sqlite:///{self.database_file}",
            "GIFTNET_DATA_DIR": str(directory / "data"),
            "SECRET_KEY": "cli-test-secret",
        }

    def __call__(self, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *arguments],
            cwd=PROJECT_ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def sql(self, statement: str, *parameters) -> list:
        with sqlite3.connect(self.database_file) as connection:
            return connection.execute(statement, parameters).fetchall()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> tuple[Path, str]:
    """One database migrated and seeded by the CLI itself (subprocesses are slow, so
    once per module); each test starts from a copy. Returns the file and seed-demo's output."""
    cli = Cli(tmp_path_factory.mktemp("cli-template"))
    migrated = cli("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "database migrated" in migrated.stdout
    seeded = cli("seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    return cli.database_file, seeded.stdout


@pytest.fixture
def cli(demo_template, tmp_path) -> Cli:
    cli = Cli(tmp_path)
    shutil.copy(demo_template[0], cli.database_file)
    return cli


def test_migrate_builds_the_schema_and_can_run_again(cli):
    tables = {name for (name,) in cli.sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"operator", "user", "api_key", "card", "ledger_entry", "alembic_version"} <= tables

    cards_before = cli.sql("SELECT id, balance_cents FROM card ORDER BY id")
    again = cli("migrate")
    assert again.returncode == 0, again.stderr
    assert cli.sql("SELECT id, balance_cents FROM card ORDER BY id") == cards_before


def test_create_operator_prints_the_new_login_and_a_usable_api_key(cli):
    result = cli("create-operator", "--name", "Downtown Kingston", "--email", "Owner@Example.com",
                 "--password", "correct horse battery", "--currency", "USD")

    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert isinstance(created["operator_id"], int)
    assert created["user_email"] == "owner@example.com"
    assert created["api_key"].startswith("gk_")
    assert cli.sql("SELECT name, currency FROM operator WHERE id = ?", created["operator_id"]) == [
        ("Downtown Kingston", "USD")
    ]
    assert cli.sql("SELECT count(*) FROM api_key WHERE key_hash = ?", created["api_key"]) == [(0,)]

    issued = cli("issue-card", "--operator-id", str(created["operator_id"]), "--amount-cents", "2500")
    assert issued.returncode == 0, issued.stderr
    card = json.loads(issued.stdout)
    assert card["balance_cents"] == 2500
    assert len(card["code"]) == 19 and card["code"][4::5] == "---"
    assert card["last4"] == card["code"][-4:]
    assert cli.sql("SELECT operator_id, currency FROM card WHERE id = ?", card["card_id"]) == [
        (created["operator_id"], "USD")
    ]


def test_create_operator_explains_a_refusal_and_exits_non_zero(cli):
    operators_before = cli.sql("SELECT count(*) FROM operator")
    result = cli("create-operator", "--name", "Downtown", "--email", "owner@example.com", "--password", "short")

    assert result.returncode == 2
    assert json.loads(result.stderr) == {
        "error": {"code": "weak_password", "message": "Use a password of at least 10 characters.", "field": "password"}
    }
    assert cli.sql("SELECT count(*) FROM operator") == operators_before


def test_seed_demo_loads_the_demo_network_once(demo_template, cli):
    _file, first_output = demo_template
    tables = ("operator", "user", "card", "ledger_entry")
    after_first = {table: cli.sql(f'SELECT count(*) FROM "{table}"') for table in tables}
    cards_after_first = cli.sql("SELECT id, balance_cents FROM card ORDER BY id")

    again = cli("seed-demo")

    assert "created" in first_output and "demo@giftnet.local" in first_output
    assert after_first["operator"] == [(1,)]
    assert after_first["card"][0][0] >= 1
    assert again.returncode == 0, again.stderr
    assert "already present" in again.stdout
    assert {table: cli.sql(f'SELECT count(*) FROM "{table}"') for table in tables} == after_first
    assert cli.sql("SELECT id, balance_cents FROM card ORDER BY id") == cards_after_first


def test_check_ledger_passes_on_a_healthy_database_and_names_a_tampered_card(cli):
    healthy = cli("check-ledger")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "ledger balanced" in healthy.stdout

    [(card_id, operator_id, balance_cents)] = cli.sql(
        "SELECT id, operator_id, balance_cents FROM card ORDER BY id LIMIT 1"
    )
    cli.sql("UPDATE card SET balance_cents = 99999 WHERE id = ?", card_id)
    tampered = cli("check-ledger")

    assert tampered.returncode == 1
    assert tampered.stdout.strip().splitlines() == [
        f"card {card_id} (operator {operator_id}): balance 99999 != ledger sum {balance_cents}",
        "rollups agree: the folded figures equal the ledger rows they cover",
    ]
