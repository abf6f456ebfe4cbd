"""Calling services the way the tests check them: a refusal caught as the error it raised,
calls released together from many threads, and the ledger rows of a card."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from app.db import read_session
from app.models import LedgerEntry
from app.services.core.errors import GiftnetError


def refused(call, *args, **kwargs) -> GiftnetError:
    with pytest.raises(GiftnetError) as caught:
        call(*args, **kwargs)
    return caught.value


def ledger_rows(card_id: int) -> list[LedgerEntry]:
    with read_session() as session:
        return list(session.exec(select(LedgerEntry).where(LedgerEntry.card_id == card_id).order_by(LedgerEntry.id)))


def at_once(count: int, call):
    """Run `call(index)` in `count` threads released together; returns each result or GiftnetError."""
    start = threading.Barrier(count)

    def run(index: int):
        start.wait()
        try:
            return call(index)
        except GiftnetError as error:
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))
