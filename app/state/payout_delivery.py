"""How the Settlements screen words a batch's delivery to the bank (the rules are
app/services/settlement/delivery.py)."""

from __future__ import annotations

from app.services.core.timefmt import format_local_time
from app.services.settlement.delivery import DeliveryView

DELIVERY_LABELS = {"none": "Not sent by SFTP", "pending": "Waiting to be sent", "delivered": "Delivered to the bank",
                   "failed": "Delivery failed"}


def delivery_cells(view: DeliveryView, timezone: str) -> dict[str, str]:
    """`delivery_status`, `delivery_label`, `delivery_text` (what happened, in a sentence) and
    `delivery_retry` ("yes" when "Retry delivery" applies) for the batch detail."""
    if view.status == "delivered":
        text = f"{view.remote_path}, {format_local_time(view.delivered_at, timezone)}"
    elif view.status == "failed":
        text = f"After {view.attempts} attempt{'s' if view.attempts != 1 else ''}: {view.last_error}"
    elif view.status == "pending" and view.last_error:
        text = (f"Attempt {view.attempts} failed: {view.last_error} Next attempt about "
                f"{format_local_time(view.next_attempt_at, timezone)}.")
    elif view.status == "pending":
        text = "In a few seconds."
    else:
        text = "Download the file and send it to your bank, or choose SFTP delivery in Settings."
    return {"delivery_status": view.status, "delivery_label": DELIVERY_LABELS.get(view.status, view.status),
            "delivery_text": text, "delivery_retry": "yes" if view.status in ("none", "failed") else ""}
