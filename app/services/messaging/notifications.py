"""What a location is told after a redemption, per its settings: an email listing the
redeemed items (or amount), and a signed webhook. Both are queued inside the
redemption's own transaction, so a redemption and its notifications exist together."""

from __future__ import annotations

import html

from sqlmodel import Session

from app.models import Location, Operator, Redemption, RedemptionLine
from app.services.core.codes import mask
from app.services.core.money import format_cents
from app.services.messaging import outbox, webhooks


def _lines_data(lines: list[RedemptionLine]) -> list[dict]:
    return [
        {"name": line.name, "sku": line.sku, "unit_price_cents": line.unit_price_cents,
         "quantity": line.quantity, "line_total_cents": line.line_total_cents}
        for line in lines
    ]


def _event_data(location: Location, redemption: Redemption, lines: list[RedemptionLine], *, last4: str,
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


def compose_items_email(operator_name: str, location: Location, redemption: Redemption,
                        lines: list[RedemptionLine], *, last4: str, device_code: str | None) -> tuple[str, str, str]:
    """(subject, text, html) of the "what was redeemed" email to the location."""
    total = format_cents(redemption.amount_cents)
    subject = f"Gift card redemption {total} at {location.name}"
    where = f"device {device_code}" if device_code else "the API"
    text_lines = [
        f"A {operator_name} gift card ({mask(last4)}) was redeemed at {location.name} from {where}.",
        f"Redemption #{redemption.id}, {redemption.created_at:%Y-%m-%d %H:%M} UTC.",
        "",
    ]
    if lines:
        text_lines += [f"{line.quantity} x {line.name}" + (f" ({line.sku})" if line.sku else "")
                       + f" @ {format_cents(line.unit_price_cents)} = {format_cents(line.line_total_cents)}"
                       for line in lines]
        text_lines.append("")
    text_lines += [f"Total redeemed: {total}", f"Card balance after: {format_cents(redemption.balance_after_cents)}"]
    rows = "".join(
        f"<tr><td>{line.quantity} × {html.escape(line.name)}"
        f"{' (' + html.escape(line.sku) + ')' if line.sku else ''}</td>"
        f"<td style='text-align:right'>{format_cents(line.line_total_cents)}</td></tr>"
        for line in lines
    )
    html_body = (
        "<div style='font-family:sans-serif;max-width:560px'>"
        f"<h2>Gift card redeemed at {html.escape(location.name)}</h2>"
        f"<p>A {html.escape(operator_name)} gift card ({html.escape(mask(last4))}) was redeemed from "
        f"{html.escape(where)}. Redemption #{redemption.id}.</p>"
        f"<table style='width:100%;border-collapse:collapse'>{rows}"
        f"<tr><td><strong>Total redeemed</strong></td><td style='text-align:right'><strong>{total}</strong></td></tr>"
        f"<tr><td>Card balance after</td><td style='text-align:right'>"
        f"{format_cents(redemption.balance_after_cents)}</td></tr></table></div>"
    )
    return subject, "\n".join(text_lines), html_body


def queue_redemption_notifications(session: Session, location: Location, redemption: Redemption,
                                   lines: list[RedemptionLine], *, last4: str, device_code: str | None) -> None:
    data = _event_data(location, redemption, lines, last4=last4, device_code=device_code)
    if location.notify_items_email:
        operator = session.get(Operator, location.operator_id)
        subject, text_body, html_body = compose_items_email(operator.name, location, redemption, lines,
                                                            last4=last4, device_code=device_code)
        outbox.queue_email(session, kind="redemption_items", to_address=location.email, subject=subject,
                           text_body=text_body, html_body=html_body, operator_id=location.operator_id)
    _queue_webhooks(session, location, "redemption.completed", data)


def queue_void_notifications(session: Session, location: Location, redemption: Redemption, *, last4: str) -> None:
    data = _event_data(location, redemption, [], last4=last4, device_code=None)
    _queue_webhooks(session, location, "redemption.voided", data)


def _queue_webhooks(session: Session, location: Location, event_type: str, data: dict) -> None:
    if location.notify_webhook_url:
        webhooks.queue_delivery(session, operator_id=location.operator_id, event_type=event_type, data=data,
                                url=location.notify_webhook_url, location_id=location.id)
    webhooks.queue_event_for_endpoints(session, location.operator_id, event_type, data)
