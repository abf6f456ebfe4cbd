"""Every table, imported here so that `SQLModel.metadata` (and Alembic) sees them all."""

from app.models.api_key import ApiKey
from app.models.card import Card, LedgerEntry
from app.models.operator import LoginAttempt, Operator, User, UserSession

__all__ = ["ApiKey", "Card", "LedgerEntry", "LoginAttempt", "Operator", "User", "UserSession"]
