"""What a location is told after a redemption, per its settings: an email listing the
redeemed items (or amount), and a signed webhook. Both are queued inside the
redemption's own transaction, so a redemption and its notifications exist together."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from sqlmodel import Session

from app.models import Location, Operator, Redemption, RedemptionLine
from app.services.core import i18n
from app.services.core.codes import mask
from app.services.messaging import outbox, webhooks

if TYPE_CHECKING:
    from app.services.counter.redemptions import RedeemingLocation

    # A redemption reads its location as one row (`RedeemingLocation`); a void loads the `Location`.
    NotifiedLocation = Location | RedeemingLocation


def _lines_data(lines: list[RedemptionLine]) -> list[dict]:
    return [
        {"name": line.name, "sku": line.sku, "unit_price_cents": line.unit_price_cents,
         "quantity": line.quantity, "line_total_cents": line.line_total_cents}
        for line in lines
    ]


def _event_data(location: NotifiedLocation, redemption: Redemption, lines: list[RedemptionLine], *, last4: str,
                device_code: str | None) -> dict:
    return {
        "redemption_id": redemption.id,
        "location_id": location.id,
        "location_name": location.name,
        "location_external_id": location.external_id,
        "device_code": device_code,
        "card_last4": last4,
        "kind": redemption.kind,
        "amount_cents": redemption.amount_cents,
        "balance_after_cents": redemption.balance_after_cents,
        "pos_payment_id": redemption.pos_payment_id,
        "status": redemption.status,
        "line_items": _lines_data(lines),
        "created_at": redemption.created_at.isoformat(),
    }


def compose_items_email(operator_name: str, location: NotifiedLocation, redemption: Redemption,
                        lines: list[RedemptionLine], *, last4: str, device_code: str | None,
                        lang: str | None = None) -> tuple[str, str, str]:
    """(subject, text, html) of the "what was redeemed" email to the location, in `lang` (the
    network's language)."""
    lang = i18n.normalize(lang)
    _ = i18n.translator(lang)

    def money(cents: int) -> str:
        return i18n.format_money(cents, None, lang)

    total = money(redemption.amount_cents)
    subject = _("Gift card redemption {total} at {location}", total=total, location=location.name)
    where = _("device {code}", code=device_code) if device_code else _("the API")
    text_lines = [
        _("A {network} gift card ({card}) was redeemed at {location} from {where}.", network=operator_name,
          card=mask(last4), location=location.name, where=where),
        _("Redemption #{number}, {moment} UTC.", number=redemption.id, moment=f"{redemption.created_at:%Y-%m-%d %H:%M}"),
        "",
    ]
    if lines:
        text_lines += [f"{line.quantity} x {line.name}" + (f" ({line.sku})" if line.sku else "")
                       + f" @ {money(line.unit_price_cents)} = {money(line.line_total_cents)}"
                       for line in lines]
        text_lines.append("")
    total_label, balance_label = _("Total redeemed"), _("Card balance after")
    balance = money(redemption.balance_after_cents)
    text_lines += [f"{total_label}: {total}", f"{balance_label}: {balance}"]
    rows = "".join(
        f"<tr><td>{line.quantity} × {html.escape(line.name)}"
        f"{' (' + html.escape(line.sku) + ')' if line.sku else ''}</td>"
        f"<td style='text-align:right'>{html.escape(money(line.line_total_cents))}</td></tr>"
        for line in lines
    )
    intro = _("A {network} gift card ({card}) was redeemed from {where}. Redemption #{number}.",
              network=operator_name, card=mask(last4), where=where, number=redemption.id)
    redeemed_at = _("Gift card redeemed at {location}", location=location.name)
    html_body = (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'></head><body>"
        "<div style='font-family:sans-serif;max-width:560px'>"
        f"<h2>{html.escape(redeemed_at)}</h2>"
        f"<p>{html.escape(intro)}</p>"
        f"<table style='width:100%;border-collapse:collapse'>{rows}"
        f"<tr><td><strong>{html.escape(total_label)}</strong></td><td style='text-align:right'><strong>{html.escape(total)}</strong></td></tr>"
        f"<tr><td>{html.escape(balance_label)}</td><td style='text-align:right'>{html.escape(balance)}</td></tr></table></div>"
        "</body></html>"
    )
    return subject, "\n".join(text_lines), html_body


def queue_redemption_notifications(session: Session, location: NotifiedLocation, redemption: Redemption,
                                   lines: list[RedemptionLine], *, last4: str, device_code: str | None) -> None:
    data = _event_data(location, redemption, lines, last4=last4, device_code=device_code)
    if location.notify_items_email:
        operator = session.get(Operator, location.operator_id)
        subject, text_body, html_body = compose_items_email(operator.name, location, redemption, lines,
                                                            last4=last4, device_code=device_code,
                                                            lang=operator.default_language)
        outbox.queue_email(session, kind="redemption_items", to_address=location.email, subject=subject,
                           text_body=text_body, html_body=html_body, operator_id=location.operator_id)
    _queue_webhooks(session, location, "redemption.completed", data)


def queue_void_notifications(session: Session, location: NotifiedLocation, redemption: Redemption, *, last4: str) -> None:
    data = _event_data(location, redemption, [], last4=last4, device_code=None)
    _queue_webhooks(session, location, "redemption.voided", data)


def _queue_webhooks(session: Session, location: NotifiedLocation, event_type: str, data: dict) -> None:
    if location.notify_webhook_url:
        webhooks.queue_delivery(session, operator_id=location.operator_id, event_type=event_type, data=data,
                                url=location.notify_webhook_url, location_id=location.id)
    webhooks.queue_event_for_endpoints(session, location.operator_id, event_type, data)
