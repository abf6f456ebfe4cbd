"""Shared column helpers. Times are timezone-aware UTC (SQLModel stores them as UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.instrumentation import manager_of_class

Row = TypeVar("Row")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_row(model: type[Row], **values: Any) -> Row:
    """A new instance of the table model `model` holding `values` (its fields' defaults for the
    rest), built the way SQLAlchemy builds a row it loads: no validation and no attribute events,
    a few times cheaper than the constructor (about 20-30 microseconds instead of 75 for a card).
    For the money path's rows, whose values our own code has already checked; it behaves as a
    constructed instance (a session adds and inserts it, `model_dump` dumps it)."""
    manager = manager_of_class(model)
    if not manager.mapper.configured:  # what the constructor's first call does (its attributes' wiring)
        configure_mappers()
    instance = manager.new_instance()
    fields = {name: field.get_default(call_default_factory=True) for name, field in model.model_fields.items()}
    instance.__dict__.update(fields, **values)
    return instance
