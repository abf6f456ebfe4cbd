"""Operators and the people who sign in to them.

Sign-up creates an operator and its owner. Sign-in answers a wrong password and an
unknown email with the same sentence, after the same amount of work, and is
rate-limited per email and per client address.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.models import LoginAttempt, Operator, User, UserSession
from app.models.base import utcnow
from app.services.core import audit, crypto, i18n
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import CURRENCIES
from app.services.core.operators import operator_or_404
from app.services.core.roles import REMOVED, require_owner
from app.services.core.timezones import check_timezone
from app.services.core.validation import normalize_email
from app.settings import get_settings

SESSION_HASH = "user-session"
MIN_PASSWORD_LENGTH = 10
WRONG_CREDENTIALS = "Email or password is incorrect."

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both refusals cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class SignedIn:
    """What a screen needs to know about the person using it."""

    user_id: int
    operator_id: int
    email: str
    name: str
    role: str
    operator_name: str
    currency: str
    timezone: str
    language: str = "en"  # the dashboard's language for this person: their own, else the network's default
    offered_languages: tuple[str, ...] = ("en", "fr")


def hash_new_password(password: str) -> str:
    """The argon2 hash of a new password; refuses one shorter than MIN_PASSWORD_LENGTH."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise GiftnetError(
            ErrorCode.weak_password, N_("Use a password of at least {min_password_length} characters."), field="password", params={"min_password_length": MIN_PASSWORD_LENGTH}
        )
    return _hasher.hash(password)


def open_session(session: Session, user: User) -> str:
    """Sign `user` in, inside the caller's transaction: returns the session token the browser keeps."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UserSession(
            token_hash=crypto.keyed_hash(SESSION_HASH, token),
            user_id=user.id,
            operator_id=user.operator_id,
            created_at=now,
            expires_at=now + timedelta(hours=get_settings().session_ttl_hours),
        )
    )
    user.last_login_at = now
    session.add(user)
    return token


def _slug_for(session: Session, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "network"
    slug, suffix = base, 2
    while session.exec(select(Operator.id).where(Operator.slug == slug)).first() is not None:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def sign_up(
    *,
    operator_name: str,
    email: str,
    password: str,
    currency: str = "CAD",
    timezone: str = "America/Toronto",
    user_name: str = "",
) -> tuple[Operator, User]:
    """Create an operator and its owner. Refuses a taken email, a short password, an unknown currency or zone."""
    operator_name = (operator_name or "").strip()
    if not 2 <= len(operator_name) <= 120:
        raise GiftnetError(ErrorCode.invalid_input, N_("Give your network a name (2 to 120 characters)."), field="operator_name")
    email = normalize_email(email)
    password_hash = hash_new_password(password)
    currency = (currency or "").strip().upper()
    if currency not in CURRENCIES:
        raise GiftnetError(ErrorCode.invalid_currency, N_("The currency must be CAD or USD."), field="currency")
    timezone = check_timezone(timezone)
    with write_session() as session:
        if session.exec(select(User.id).where(User.email == email)).first() is not None:
            raise GiftnetError(ErrorCode.email_taken, N_("An account with this email already exists."), field="email")
        operator = Operator(name=operator_name, slug=_slug_for(session, operator_name), currency=currency, timezone=timezone)
        session.add(operator)
        session.flush()
        user = User(operator_id=operator.id, email=email, name=(user_name or "").strip(), password_hash=password_hash)
        session.add(user)
        session.flush()
    return operator, user


def _recent_failures(session: Session, column, value: str, since) -> int:  # noqa: ANN001
    return session.exec(
        select(func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= since
        )
    ).one()


def log_in(email: str, password: str, *, ip: str = "") -> str:
    """Check the credentials and open a session; returns the session token the browser keeps.

    After too many failures for this email (or from this address) in the window,
    refuses with `rate_limited` before looking at the password.
    """
    settings = get_settings()
    email = (email or "").strip().lower()[:254]
    ip = (ip or "")[:64]
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    with read_session() as session:
        by_email = _recent_failures(session, LoginAttempt.email, email, since)
        by_ip = _recent_failures(session, LoginAttempt.ip, ip, since) if ip else 0
        user = session.exec(select(User).where(User.email == email)).first()
    if by_email >= settings.login_max_failures or by_ip >= settings.login_max_failures * 4:
        raise GiftnetError(
            ErrorCode.rate_limited,
            N_("Too many attempts. Try again in {login_window_minutes} minutes."),
            retry_after_seconds=settings.login_window_minutes * 60, params={"login_window_minutes": settings.login_window_minutes},
        )
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
        accepted = user is not None
    except (VerificationError, InvalidHashError):
        accepted = False
    with write_session() as session:
        session.add(LoginAttempt(email=email, ip=ip, succeeded=accepted))
        if accepted:
            token = open_session(session, session.get(User, user.id))
            audit.record(session, Actor(user.operator_id, user_id=user.id), "user.signed_in",
                         target_type="user", target_id=user.id, summary=f"{user.email} signed in", ip=ip)
        elif user is not None:
            # A wrong password for a known person is worth an owner's eye; unknown emails are not theirs.
            audit.record(session, Actor(user.operator_id, user_id=user.id), "user.sign_in_failed",
                         target_type="user", target_id=user.id, summary="Wrong password", ip=ip)
    if not accepted:
        raise GiftnetError(ErrorCode.invalid_credentials, WRONG_CREDENTIALS)
    return token


def resolve_session(token: str | None) -> SignedIn | None:
    """The person behind a session token, or None when it is unknown, expired or logged out."""
    if not token:
        return None
    with read_session() as session:
        row = session.exec(
            select(UserSession, User, Operator)
            .join(User, User.id == UserSession.user_id)
            .join(Operator, Operator.id == UserSession.operator_id)
            .where(
                UserSession.token_hash == crypto.keyed_hash(SESSION_HASH, token),
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > utcnow(),
                User.role != REMOVED,  # removing a member revokes their sessions too; this holds if a row slips by
            )
        ).first()
    if row is None:
        return None
    _user_session, user, operator = row
    return SignedIn(
        user_id=user.id,
        operator_id=operator.id,
        email=user.email,
        name=user.name,
        role=user.role,
        operator_name=operator.name,
        currency=operator.currency,
        timezone=operator.timezone,
        language=i18n.normalize(user.language or operator.default_language),
        offered_languages=i18n.offered(operator.offered_languages),
    )


def operator_timezone(operator_id: int) -> str:
    """The zone the operator's screens and receipts show times in ("UTC" for an unknown operator)."""
    with read_session() as session:
        operator = session.get(Operator, operator_id)
        return operator.timezone if operator else "UTC"


def operator_currency(operator_id: int) -> str:
    """The currency the operator's cards hold, for amounts on its screens ("" for an unknown operator)."""
    with read_session() as session:
        operator = session.get(Operator, operator_id)
        return operator.currency if operator else ""


def change_timezone(actor: Actor, timezone: str) -> str:
    """Set the network's time zone (its days, reports, payout cut-offs and receipts follow it
    from the next read); refuses a zone this machine does not know (`invalid_timezone`).
    Owners only (`forbidden`). Returns the zone now set."""
    require_owner(actor, "change the network's time zone")
    zone = check_timezone(timezone)
    with write_session() as session:
        operator = operator_or_404(session, actor.operator_id)
        before = operator.timezone
        operator.timezone = zone
        session.add(operator)
        session.flush()
        audit.record_settings_change(session, actor, "settings.changed",
                                     audit.diff({"timezone": before}, {"timezone": zone}),
                                     summary="Network settings changed")
    return zone


def set_language(actor: Actor, language: str) -> str:
    """The signed-in person's own dashboard language (`en` / `fr`, among those the network
    offers); returns it. Anyone may choose their own."""
    with write_session() as session:
        user = session.get(User, actor.user_id)
        operator = operator_or_404(session, actor.operator_id)
        if user is None or user.operator_id != actor.operator_id:
            raise GiftnetError(ErrorCode.not_found, i18n.N_("That person was not found."))
        choice = (language or "").strip().lower()
        if choice not in i18n.offered(operator.offered_languages):
            raise GiftnetError(ErrorCode.invalid_input, i18n.N_("Choose a language this network offers."), field="language")
        user.language = choice
        session.add(user)
    return choice


def log_out(token: str | None, *, ip: str = "") -> None:
    """End the session at once: the token is refused from the next request on."""
    if not token:
        return
    with write_session() as session:
        user_session = session.exec(
            select(UserSession).where(UserSession.token_hash == crypto.keyed_hash(SESSION_HASH, token))
        ).first()
        if user_session and user_session.revoked_at is None:
            user_session.revoked_at = utcnow()
            session.add(user_session)
            audit.record(session, Actor(user_session.operator_id, user_id=user_session.user_id), "user.signed_out",
                         target_type="user", target_id=user_session.user_id, summary="Signed out", ip=ip)
