"""/api/v1/reports: figures for a period, from the ledger (app/services/reporting/reports.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from app.api.auth import ApiCaller, api_caller
from app.api.errors import error_responses
from app.api.schemas import SummaryAnswer, summary_answer
from app.services.reporting import reports

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get(
    "/summary",
    response_model=SummaryAnswer,
    response_model_by_alias=True,
    summary="Sold, topped up, redeemed and outstanding liability for a period",
    description="The period is [`from`, `to`). A date alone is midnight in the operator's time zone and a `to` "
    "date includes that whole day; a time without offset is UTC. Defaults: the start of this month, and now. "
    "`opening_liability_cents + sold_cents + topped_up_cents - redeemed_cents + other_cents` equals "
    "`outstanding_liability_cents`.",
    responses=error_responses(400, examples={400: [("invalid_input", "`to` must come after `from`.")]}),
)
def summary(
    caller: ApiCaller = Depends(api_caller),
    period_from: str | None = Query(default=None, alias="from", max_length=40, examples=["2026-11-01"]),
    period_to: str | None = Query(default=None, alias="to", max_length=40, examples=["2026-11-30"]),
) -> SummaryAnswer:
    return summary_answer(reports.summary(caller.operator_id, period_from, period_to))
