"""How the Settlements screen words a batch's delivery to the bank (the rules are
app/services/settlement/delivery.py)."""

from __future__ import annotations

from app.services.core import i18n
from app.services.core.i18n import N_
from app.services.core.timefmt import format_local_time
from app.services.settlement.delivery import DeliveryView

DELIVERY_LABELS = {"none": N_("Not sent by SFTP"), "pending": N_("Waiting to be sent"),
                   "delivered": N_("Delivered to the bank"), "failed": N_("Delivery failed")}


def delivery_cells(view: DeliveryView, timezone: str, lang: str = i18n.DEFAULT_LANGUAGE) -> dict[str, str]:
    """`delivery_status`, `delivery_label`, `delivery_text` (what happened, in a sentence, in `lang`) and
    `delivery_retry` ("yes" when "Retry delivery" applies) for the batch detail."""
    _ = i18n.translator(lang)
    if view.status == "delivered":
        text = f"{view.remote_path}, {format_local_time(view.delivered_at, timezone)}"
    elif view.status == "failed":
        if view.attempts == 1:
            text = _(N_("After 1 attempt: {error}"), error=view.last_error)
        else:
            text = _(N_("After {count} attempts: {error}"), count=view.attempts, error=view.last_error)
    elif view.status == "pending" and view.last_error:
        text = _(N_("Attempt {count} failed: {error} Next attempt about {when}."), count=view.attempts,
                 error=view.last_error, when=format_local_time(view.next_attempt_at, timezone))
    elif view.status == "pending":
        text = _(N_("In a few seconds."))
    else:
        text = _(N_("Download the file and send it to your bank, or choose SFTP delivery in Settings."))
    label = _(DELIVERY_LABELS[view.status]) if view.status in DELIVERY_LABELS else view.status
    return {"delivery_status": view.status, "delivery_label": label,
            "delivery_text": text, "delivery_retry": "yes" if view.status in ("none", "failed") else ""}
