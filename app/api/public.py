"""Public routes outside the operator API: no API key, the card link token is the credential.

GET /c/{link_token}/qr.png   the QR code of a card's link (the same image as in its email)
GET /c/{link_token}/card.pdf the printable card (its code masked: the card page never shows it)

Unknown tokens count against the address's allowance (app/services/core/link_guard.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.api.edge import client_ip
from app.services.core import link_guard
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.money.card_page import card_qr_png
from app.services.printing.printable_cards import public_card_pdf

router = APIRouter(tags=["card page"], include_in_schema=False)


@router.get("/c/{link_token}/qr.png")
def card_qr(request: Request, link_token: str) -> Response:
    ip = client_ip(request)
    link_guard.refuse_if_guessing("card", ip)  # 429 with Retry-After after too many unknown links
    png = card_qr_png(link_token)
    if png is None:
        link_guard.record_unknown("card", ip)
        error = GiftnetError(ErrorCode.card_not_found, N_("This card link is not valid anymore."))
        return JSONResponse(error.as_dict(), status_code=404, headers={"Cache-Control": "no-store"})
    return Response(
        png,
        media_type="image/png",
        # Private: the image encodes a credential. Short: a rotated link must not live on in caches.
        headers={"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"},
    )


@router.get("/c/{link_token}/card.pdf")
def card_pdf(request: Request, link_token: str) -> Response:
    ip = client_ip(request)
    link_guard.refuse_if_guessing("card", ip)
    printed = public_card_pdf(link_token)
    if printed is None:
        link_guard.record_unknown("card", ip)
        error = GiftnetError(ErrorCode.card_not_found, N_("This card link is not valid anymore."))
        return JSONResponse(error.as_dict(), status_code=404, headers={"Cache-Control": "no-store"})
    return Response(
        printed.data,
        media_type=printed.content_type,
        headers={"Content-Disposition": f'attachment; filename="{printed.filename}"',
                 "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"},
    )
