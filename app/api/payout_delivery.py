"""/api/v1/settings/payouts/delivery/test: try the bank's SFTP server without uploading.

Thin over app/services/settlement/delivery_settings.py (the Settings screen's "Test
connection" calls the same service).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.api.auth import ApiCaller, api_caller
from app.api.delivery_schemas import ConnectionTestAnswer, ConnectionTestRequest
from app.api.errors import error_responses
from app.services.settlement import delivery_settings

router = APIRouter(prefix="/settings/payouts/delivery", tags=["settings"])


@router.post(
    "/test",
    operation_id="test_payout_delivery",
    response_model=ConnectionTestAnswer,
    summary="Test the SFTP delivery settings",
    description="Connects to the bank's SFTP server, checks its host key against the pinned fingerprint, logs in "
    "and lists the remote directory; nothing is uploaded. `sftp` (optional) is tried over the saved settings "
    "without saving it. A server that cannot be used answers 409 with its own message.",
    responses=error_responses(
        400, 409,
        examples={409: [
            ("conflict", "The server at sftp.bank.example port 22 refused the login of downtown-gifts with the "
                         "password (Authentication failed)."),
            ("conflict", "Cannot connect to the SFTP server at sftp.bank.example port 22: Connection refused."),
            ("conflict", "Complete the SFTP delivery settings first (Settings, Payouts); missing: host."),
        ]},
    ),
)
def test_payout_delivery(body: ConnectionTestRequest | None = None,
                         caller: ApiCaller = Depends(api_caller)) -> ConnectionTestAnswer:
    changes = body.sftp.model_dump(exclude_unset=True) if body and body.sftp else None
    delivery_settings.check_connection(caller.actor, changes)
    return ConnectionTestAnswer(ok=True)
