"""The device activation email a location receives: a time-limited link that every
counter device of the location opens once.

Rules this module keeps:
- the link and the email carrying it are written in one transaction: there is never
  a link nobody was told about, nor an email with a link that does not exist;
- a new link replaces the location's older ones (they stop working at once), and the
  email carrying it says so from its subject on ("New activation link ...: the earlier
  one no longer works"), so the location and the Outbox tell it from the first email;
- every name a person typed (operator, location) is HTML-escaped in the HTML part;
- an inactive location gets no link: it could not be used.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.db import write_session
from app.models import Location, Operator
from app.services.core import events, i18n
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.rows import owned_row
from app.services.core.timefmt import describe_duration, format_local_time
from app.services.messaging import outbox
from app.services.messaging.email_html import ACCENT, ComposedEmail, email_page
from app.services.network.devices import SentLink, activation_ttl, issue_activation_link

KIND = "device_activation"
BATCH_SIZE = 50  # a short write transaction each: redemptions must not wait behind an import


def compose_activation_email(
    *, operator_name: str, location_name: str, url: str, valid_for: timedelta, expires_at: datetime, timezone: str,
    replaces_sent_at: datetime | None = None, lang: str | None = None,
) -> ComposedEmail:
    """Plain text and HTML saying the same, in `lang` (the network's language): what the link
    is for, how long it works, and what the device code it gives each device means. With
    `replaces_sent_at` (the location had a link before), the subject and the first lines say
    this is a new link and the earlier one no longer works."""
    lang = i18n.normalize(lang)
    _ = i18n.translator(lang)
    valid_text = describe_duration(valid_for, lang)
    until = f"{format_local_time(expires_at, timezone)} ({timezone})"
    if replaces_sent_at is None:
        subject = _("Activate your devices for {location} ({network} gift cards)", location=location_name,
                    network=operator_name)
        replaced_text = ""
    else:
        subject = _("New activation link for {location}: the earlier one no longer works ({network} gift cards)",
                    location=location_name, network=operator_name)
        replaced_text = _("This is a new activation link. The one sent on {sent} no longer works; devices already "
                          "activated keep working.", sent=format_local_time(replaces_sent_at, timezone))
    device_code_text = _(
        "Each device that opens the link gets its own device code, like DV-7KQ2-M9. It stays at the top "
        "of the redemption screen; your network uses it to tell your devices apart, and can switch off a lost "
        "or replaced device without touching the others."
    )
    accepts = _("{location} accepts {network} gift cards.", location=location_name, network=operator_name)
    open_link = _("Open this link on every tablet, phone or computer you will use at the counter to redeem gift cards:")
    works_for = _("The link works for {duration}, until {until}.", duration=valid_text, until=until)
    asks_name = _("Each device asks for a name (like “Front counter”) and is then ready to redeem.")
    expired = _("If the link has expired, ask {network} for a new one.", network=operator_name)
    keep_inside = _("Keep this email inside your business: anyone who has the link can activate a device until it expires.")
    text_body = "\n".join(
        [
            operator_name,
            "",
            *([replaced_text, ""] if replaced_text else []),
            accepts,
            "",
            open_link,
            url,
            "",
            f"{works_for} {asks_name}",
            "",
            device_code_text,
            "",
            f"{expired} {keep_inside}",
        ]
    ) + "\n"

    esc = html.escape
    heading = esc(_("New activation link for {location}", location=location_name) if replaced_text
                  else _("Activate your devices for {location}", location=location_name))
    replaced_html = (f'<p style="margin:0 0 16px;font-size:17px;line-height:1.5;background:#fffbeb;border-left:4px solid '
                     f'#d97706;padding:12px 16px;border-radius:6px;"><strong>{esc(replaced_text)}</strong></p>\n'
                     if replaced_text else "")
    works_for_html = esc(_("The link works for {duration}, until {until}.", duration="\0", until=until)).replace(
        "\0", f"<strong>{esc(valid_text)}</strong>")
    activate, what_code, button_fallback = _("Activate this device"), _("What is a device code?"), _(
        "If the button does not work, open")
    html_body = email_page(subject, operator_name, f"""<h1 style="margin:8px 0 16px;font-size:26px;line-height:1.3;">{heading}</h1>
{replaced_html}<p style="margin:0 0 8px;font-size:17px;line-height:1.5;">{esc(accepts)}
{esc(open_link.rstrip(":").rstrip()) + "."}</p>
<p style="margin:28px 0;"><a href="{esc(url)}" style="display:inline-block;background:{ACCENT};color:#ffffff;padding:18px 36px;border-radius:10px;font-size:20px;font-weight:bold;text-decoration:none;">{esc(activate)}</a></p>
<p style="margin:0 0 16px;font-size:16px;line-height:1.5;">{works_for_html}
{esc(asks_name)}</p>
<p style="margin:0 0 16px;font-size:16px;line-height:1.5;background:#f0fdfa;border-left:4px solid {ACCENT};padding:12px 16px;border-radius:6px;"><strong>{esc(what_code)}</strong>
{esc(device_code_text)}</p>
<p style="margin:16px 0 0;font-size:13px;color:#555;">{esc(expired)}
{esc(keep_inside)}
{esc(button_fallback)} <a href="{esc(url)}" style="color:{ACCENT};">{esc(url)}</a></p>""", lang)
    return ComposedEmail(subject=subject, text_body=text_body, html_body=html_body)


def _queue_activation_email(session: Session, actor: Actor, operator: Operator, location: Location) -> SentLink:
    sent = issue_activation_link(session, actor, location.id)
    email = compose_activation_email(
        operator_name=operator.name,
        location_name=location.name,
        url=sent.url,
        valid_for=activation_ttl(),
        expires_at=sent.link.expires_at,
        timezone=operator.timezone,
        replaces_sent_at=sent.replaced.created_at if sent.replaced is not None else None,
        lang=operator.default_language,
    )
    outbox.queue_composed(session, email, kind=KIND, operator_id=actor.operator_id, to_address=location.email)
    return sent


def send_activation_email(actor: Actor, location_id: int) -> SentLink:
    """Create a fresh activation link for the location and queue the email carrying it
    to the location's address, in one transaction. Older links stop working.

    Refuses another operator's location (`not_found`) and an inactive one (`invalid_input`).
    """
    with write_session() as session:
        location = owned_row(session, Location, location_id, actor.operator_id, missing=N_("No such location."))
        if not location.active:
            raise GiftnetError(
                ErrorCode.invalid_input,
                N_("This location is inactive: make it active before sending an activation link."),
                field="active",
            )
        sent = _queue_activation_email(session, actor, session.get(Operator, actor.operator_id), location)
        to_address = location.email
    events.publish(
        events.Event(actor.operator_id, "location.activation_link_sent", {"location_id": location_id, "to": to_address})
    )
    return sent


def send_activation_emails(
    actor: Actor, location_ids: list[int], *, progress: Callable[[int, int], None] | None = None
) -> int:
    """`send_activation_email` for many locations (the new ones of a CSV import), one
    transaction per batch. Inactive locations and other operators' ids are skipped.
    Returns how many emails were queued; `progress(done, total)` follows the batches."""
    total, queued = len(location_ids), 0
    for start in range(0, total, BATCH_SIZE):
        batch = location_ids[start:start + BATCH_SIZE]
        with write_session() as session:
            operator = session.get(Operator, actor.operator_id)
            for location in session.exec(
                select(Location).where(
                    Location.operator_id == actor.operator_id, Location.id.in_(batch), Location.active.is_(True)
                )
            ).all():
                _queue_activation_email(session, actor, operator, location)
                queued += 1
        if progress:
            progress(min(start + BATCH_SIZE, total), total)
    return queued


__all__ = [
    "KIND",
    "compose_activation_email",
    "send_activation_email",
    "send_activation_emails",
]
