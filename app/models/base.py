"""Shared column helpers. Times are timezone-aware UTC (SQLModel stores them as UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.instrumentation import manager_of_class

Row = TypeVar("Row")
_IMMUTABLE = (type(None), bool, int, float, str, bytes, datetime, Enum, tuple, frozenset)


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
    constants, factories = _defaults(model)
    instance.__dict__.update(constants)
    instance.__dict__.update({name: factory() for name, factory in factories if name not in values}, **values)
    return instance


@cache
def _defaults(model: type) -> tuple[dict[str, Any], tuple[tuple[str, Any], ...]]:
    """The model's field defaults: the constant ones, and the (name, factory) of the others
    (what `FieldInfo.get_default` gives, without inspecting each factory's signature per row)."""
    constants, factories = {}, []
    for name, field in model.model_fields.items():
        if field.default_factory is None and isinstance(field.default, _IMMUTABLE):
            constants[name] = field.get_default()
        elif field.default_factory is None:  # a list or a dict: each row its own copy
            factories.append((name, field.get_default))
        elif field.default_factory_takes_validated_data:
            raise TypeError(f"{model.__name__}.{name}: new_row has no validated data for its default factory")
        else:
            factories.append((name, field.default_factory))
    return constants, tuple(factories)
