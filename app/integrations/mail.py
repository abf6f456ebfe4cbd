"""Email delivery: the `Mailer` interface and its SMTP implementation.

Services never send mail directly: they write an `OutboxMessage` (see
`app.services.messaging.outbox`). In the embedded default nothing else happens and the
dashboard's Outbox screen shows the messages; with `SMTP_URL` set, the outbox
sender hands each queued message to the `Mailer` configured here.

`SMTP_URL` forms:
    smtp://host:25                  plain SMTP (a local relay)
    smtp+starttls://user:pass@host:587   upgrades the connection with STARTTLS
    smtps://user:pass@host:465      TLS from the first byte
User and password are percent-decoded, so `p%40ss` means `p@ss`.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import formatdate, parseaddr
from typing import Protocol
from urllib.parse import unquote, urlsplit

from app.settings import get_settings

SMTP_TIMEOUT_SECONDS = 20
_SECURITY_BY_SCHEME = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "ssl"}
_DEFAULT_PORTS = {"plain": 25, "starttls": 587, "ssl": 465}


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML part shows through `<img src="cid:{cid}">`."""

    cid: str
    content_type: str  # image/png
    data: bytes


@dataclass(frozen=True)
class Attachment:
    """A file sent with the message (the printable card's PDF), offered for download."""

    filename: str
    content_type: str  # application/pdf
    data: bytes


@dataclass(frozen=True)
class OutgoingEmail:
    to_address: str
    subject: str
    text_body: str
    html_body: str
    inline_images: tuple[InlineImage, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    # Stable across retries (the outbox row's identity), so a receiving server
    # that saw one delivery can recognise a repeat as the same message.
    message_key: str | None = None


class MailDeliveryError(Exception):
    """The message did not go out. `permanent` when retrying cannot help (recipient refused)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason[:900]
        self.permanent = permanent


class Mailer(Protocol):
    def send(self, email: OutgoingEmail) -> None:
        """Deliver one message, or raise `MailDeliveryError` saying why not."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # plain | starttls | ssl
    username: str | None = None
    password: str | None = None

    @property
    def display(self) -> str:
        """Where mail goes, for screens and logs: never the password."""
        return f"{self.host}:{self.port} ({self.security})"


def parse_smtp_url(url: str) -> SmtpConfig:
    """Read an `SMTP_URL`; refuses anything but the three documented schemes."""
    parts = urlsplit(url.strip())
    security = _SECURITY_BY_SCHEME.get(parts.scheme.lower())
    if security is None or not parts.hostname:
        raise ValueError(
            "SMTP_URL must look like smtp://host:25, smtp+starttls://user:pass@host:587 or smtps://user:pass@host:465"
        )
    return SmtpConfig(
        host=parts.hostname,
        port=parts.port or _DEFAULT_PORTS[security],
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _sender_domain(mail_from: str) -> str:
    address = parseaddr(mail_from)[1]
    return address.rpartition("@")[2] or "giftnet.local"


def _one_line(text: str) -> str:
    """Header values are one line: a newline in a name must not become a new header."""
    return " ".join(text.split())


def build_mime(email: OutgoingEmail, mail_from: str) -> EmailMessage:
    """The message as sent: multipart/related holding multipart/alternative (plain text,
    then HTML) and the inline images the HTML references by Content-ID; with attachments,
    that body and the files inside multipart/mixed."""
    message = _headers(email, mail_from)
    if not email.attachments:
        _body_into(message, email)
        return message
    body = MIMEPart()
    _body_into(body, email)
    message["Content-Type"] = "multipart/mixed"
    message.set_payload([body])
    for attachment in email.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        part = MIMEPart()
        part.set_content(attachment.data, maintype=maintype, subtype=subtype, disposition="attachment",
                         filename=_one_line(attachment.filename))
        message.attach(part)
    return message


def _headers(email: OutgoingEmail, mail_from: str) -> EmailMessage:
    message = EmailMessage()
    name, address = parseaddr(mail_from)
    message["From"] = Address(display_name=_one_line(name), addr_spec=address) if name else address
    message["To"] = _one_line(email.to_address)
    message["Subject"] = _one_line(email.subject)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["MIME-Version"] = "1.0"
    if email.message_key:
        message["Message-ID"] = f"<{email.message_key}@{_sender_domain(mail_from)}>"
    return message


def _body_into(message: MIMEPart, email: OutgoingEmail) -> None:
    """Text, HTML and inline images into `message` (the whole email, or its first part)."""
    alternative = MIMEPart()
    alternative.set_content(email.text_body, subtype="plain", charset="utf-8")
    alternative.add_alternative(email.html_body, subtype="html", charset="utf-8")
    if not email.inline_images:
        for header, value in alternative.items():
            message[header] = value
        message.set_payload(alternative.get_payload())
        return
    # EmailMessage.make_related() refuses to wrap an alternative, so the tree is built by hand.
    message["Content-Type"] = 'multipart/related; type="multipart/alternative"'
    message.set_payload([alternative])
    for image in email.inline_images:
        maintype, _, subtype = image.content_type.partition("/")
        part = MIMEPart()
        part.set_content(
            image.data, maintype=maintype, subtype=subtype, cid=f"<{image.cid}>", disposition="inline",
            filename=f"{image.cid}.{subtype}",
        )
        message.attach(part)


class SmtpMailer:
    """Delivers through one SMTP server, one connection per message."""

    def __init__(self, config: SmtpConfig, mail_from: str, *, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
        self.config = config
        self.mail_from = mail_from
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        if config.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=self.timeout)
            if config.security == "starttls":
                client.starttls(context=ssl.create_default_context())
        if config.username:
            client.login(config.username, config.password or "")
        return client

    def send(self, email: OutgoingEmail) -> None:
        message = build_mime(email, self.mail_from)
        envelope_from = parseaddr(self.mail_from)[1]
        try:
            client = self._connect()
        except smtplib.SMTPResponseException as error:
            raise MailDeliveryError(f"The mail server {self.config.display} refused us: {_response(error)}") from error
        except (OSError, smtplib.SMTPException) as error:
            raise MailDeliveryError(f"Cannot reach the mail server {self.config.display}: {error}") from error
        try:
            client.send_message(message, from_addr=envelope_from, to_addrs=[email.to_address])
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            raise MailDeliveryError(
                f"The recipient was refused: {code} {_decode(text)}", permanent=code >= 500
            ) from error
        except smtplib.SMTPResponseException as error:
            raise MailDeliveryError(
                f"The mail server refused the message: {_response(error)}", permanent=error.smtp_code >= 500
            ) from error
        except (OSError, smtplib.SMTPException) as error:
            raise MailDeliveryError(f"The connection to {self.config.display} broke: {error}") from error
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()


def _decode(text: bytes | str) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)


def _response(error: smtplib.SMTPResponseException) -> str:
    return f"{error.smtp_code} {_decode(error.smtp_error)}"


def configured_mailer() -> Mailer | None:
    """The SMTP mailer when `SMTP_URL` is set; None in the embedded default, where
    messages stay in the outbox for the dashboard to show."""
    settings = get_settings()
    if not settings.smtp_url:
        return None
    return SmtpMailer(parse_smtp_url(settings.smtp_url), settings.mail_from)


__all__ = [
    "Attachment",
    "InlineImage",
    "MailDeliveryError",
    "Mailer",
    "OutgoingEmail",
    "SmtpConfig",
    "SmtpMailer",
    "build_mime",
    "configured_mailer",
    "parse_smtp_url",
]
