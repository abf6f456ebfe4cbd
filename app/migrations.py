"""Run Alembic from our code: `python -m app.cli migrate`, the app at start, the tests."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from app.settings import PROJECT_ROOT


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["configure_logging"] = False
    return config


def migrate() -> None:
    """Bring the database of DATABASE_URL to the newest schema."""
    command.upgrade(alembic_config(), "head")
