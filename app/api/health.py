"""GET /api/v1/health: the app answers and its database does too."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from app.db import read_session

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and database check")
def health() -> dict:
    with read_session() as session:
        session.exec(text("SELECT 1"))
    return {"status": "ok"}
