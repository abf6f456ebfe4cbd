"""/api/v1/api-logs: the operator's own API access log, newest first."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query

from app.api.auth import ApiCaller, api_caller
from app.api.errors import error_responses
from app.api.params import page_cursor, page_size
from app.api.schemas import MAX_ID, ApiLogList, cursor_text, log_answer, parse_cursor
from app.services.access import api_log

router = APIRouter(prefix="/api-logs", tags=["api logs"])


@router.get(
    "",
    response_model=ApiLogList,
    summary="The API access log",
    description="Every call made with this operator's keys: time, method, path (no query string, never a card "
    "code or key), status, duration, client address and key. Newest first. A call shows up within a second.",
    responses=error_responses(400),
)
def list_api_logs(
    caller: ApiCaller = Depends(api_caller),
    status_class: Literal["2xx", "3xx", "4xx", "5xx"] | None = Query(default=None, description="Only this class of status."),
    status: int | None = Query(default=None, ge=100, le=599, description="Only this exact status."),
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] | None = Query(default=None),
    path_contains: str | None = Query(default=None, max_length=255, description="Only paths containing this text."),
    api_key_id: int | None = Query(default=None, ge=1, le=MAX_ID, description="Only calls made with this key."),
    limit: int = page_size(50),
    cursor: str | None = page_cursor(),
) -> ApiLogList:
    page = api_log.list_api_logs(
        caller.operator_id,
        status_class=status_class,
        status=status,
        method=method,
        path_contains=path_contains,
        api_key_id=api_key_id,
        limit=limit,
        cursor=parse_cursor(cursor),
    )
    return ApiLogList(data=[log_answer(row) for row in page.rows], next_cursor=cursor_text(page.next_cursor))
