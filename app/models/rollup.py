"""Pre-aggregated ledger figures, folded from the append-only ledger off the write path.

`LedgerRollupState` holds, per operator, the last ledger id folded (the watermark) and
the time zone whose local days the rollup is bucketed by. `LedgerRollup` holds counts
and sums per local day, kind, channel, location and device for the ledger rows with
id <= the watermark; `CardActivity` the same rows per card (balance, value loaded,
last movement). A figure = the rollup for the folded part + a live aggregate over the
rows beyond the watermark, so it is always exact (app/services/reporting/rollups.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

NO_ID = 0  # location_id / device_id of a row without one (NULLs would defeat the unique bucket key)
# Each folded row is counted at four grains: per local day and per local month (day = the 1st),
# each with every dimension, and with location and device collapsed (NO_ID) for the figures
# that need only kind and channel: a year is then a dozen months and a few days, not 365 x 80 rows.
DAY, MONTH, DAY_TOTAL, MONTH_TOTAL = "day", "month", "day_sum", "month_sum"


class LedgerRollupState(SQLModel, table=True):
    __tablename__ = "ledger_rollup_state"
    __table_args__ = (
        ForeignKeyConstraint(["operator_id"], ["operator.id"], name="fk_ledger_rollup_state_operator"),
    )

    operator_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    timezone: str = Field(max_length=64)
    last_ledger_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    folded_at: datetime | None = None


class LedgerRollup(SQLModel, table=True):
    __tablename__ = "ledger_rollup"
    __table_args__ = (
        ForeignKeyConstraint(["operator_id"], ["operator.id"], name="fk_ledger_rollup_operator"),
        UniqueConstraint("operator_id", "grain", "day", "kind", "channel", "location_id", "device_id",
                         name="uq_ledger_rollup_bucket"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int
    grain: str = Field(max_length=16)  # DAY, MONTH, DAY_TOTAL or MONTH_TOTAL
    day: date  # the local day (a month: its 1st) in LedgerRollupState.timezone
    kind: str = Field(max_length=16)
    channel: str = Field(default="", max_length=16)  # issue: the card's; topup: shop/api/dashboard; else ""
    location_id: int = NO_ID
    device_id: int = NO_ID
    entries: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    amount_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class CardActivity(SQLModel, table=True):
    """One card's folded ledger rows: balance, value loaded (issue + top-up), last movement."""

    __tablename__ = "card_activity"
    __table_args__ = (
        ForeignKeyConstraint(["card_id"], ["card.id"], name="fk_card_activity_card"),
        ForeignKeyConstraint(["operator_id"], ["operator.id"], name="fk_card_activity_operator"),
        # Dormant cards: count, sum and pages in card order read this index alone.
        Index("ix_card_activity_operator_card", "operator_id", "card_id", "last_activity_at", "balance_cents"),
        # Breakage: value loaded on cards issued before a cutoff.
        Index("ix_card_activity_operator_issued", "operator_id", "card_created_at", "loaded_cents"),
    )

    card_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    operator_id: int
    card_created_at: datetime
    balance_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    loaded_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    last_activity_at: datetime
