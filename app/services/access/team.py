"""The team: the people who sign in to an operator's dashboard, and their roles.

Rules this module keeps:
- only owners manage the team (`roles.require_owner`, checked inside the transaction);
- an invitation is a link emailed to one address, with the role it grants. Its token
  is kept only as a keyed hash; it works for `INVITATION_TTL` and once. Resending
  issues a new link (the old one stops working at once); revoking ends it;
- an invitation and the email carrying it are written in one transaction;
- an address that already has an account, or a live invitation to this network, is
  refused with a sentence saying which;
- a network always keeps an owner: the last owner can be neither demoted nor removed.
  Team changes lock the operator row first, so two owners demoting each other at the
  same moment cannot both succeed (SQLite serialises writers anyway);
- nobody removes themselves (another owner does), so a network is never locked out by
  a slip of the mouse;
- removing a member revokes their sessions in the same transaction: their open
  dashboard is refused from its next click. Their row stays (with an unusable password
  and the role `removed`), so the history they wrote keeps their name; inviting the
  same address again reinstates it;
- every change leaves an audit row in its own transaction (`audit.record`).
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.models import Operator, User, UserInvitation, UserSession
from app.models.base import utcnow
from app.services.access import accounts
from app.services.core import audit, crypto, i18n
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.roles import OWNER, REMOVED, ROLE_DESCRIPTIONS, ROLES, require_owner, role_label
from app.services.core.rows import owned_row
from app.services.core.timefmt import describe_duration, format_local_time
from app.services.core.validation import normalize_email, required_text
from app.services.messaging import outbox
from app.services.messaging.email_html import ACCENT, ComposedEmail, email_page
from app.settings import get_settings

INVITATION_HASH = "team-invitation"
INVITATION_TTL = timedelta(hours=72)
EMAIL_KIND = "team_invitation"
# An unusable password hash: argon2 refuses to verify it, so a removed member cannot sign in.
REMOVED_PASSWORD_HASH = "!removed"
MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class SentInvitation:
    invitation: UserInvitation
    token: str
    url: str


@dataclass(frozen=True)
class Member:
    user_id: int
    email: str
    name: str
    role: str
    joined_at: datetime
    last_login_at: datetime | None
    is_you: bool


@dataclass(frozen=True)
class PendingInvitation:
    id: int
    email: str
    role: str
    invited_by: str
    created_at: datetime
    expires_at: datetime
    expired: bool


@dataclass(frozen=True)
class Team:
    members: list[Member]
    invitations: list[PendingInvitation]

    @property
    def owner_count(self) -> int:
        return sum(1 for member in self.members if member.role == OWNER)


@dataclass(frozen=True)
class InvitationCheck:
    """What opening a join link finds: the invitation, or why it cannot be used."""

    ok: bool
    reason: str  # ok | unknown | expired | revoked | used
    email: str = ""
    role: str = ""
    operator_name: str = ""
    expires_at: datetime | None = None
    timezone: str = "UTC"  # the network's, to show when the link stops working

    @property
    def refusal(self) -> str:
        """The sentence the join screen shows when `ok` is False."""
        who = f"an owner of {self.operator_name}" if self.operator_name else "the person who invited you"
        return {
            "unknown": "This invitation link is not valid. Check that the whole link was copied, "
                       f"or ask {who} to send it again.",
            "expired": f"This invitation has expired. Ask {who} to send a new one.",
            "revoked": f"This invitation was withdrawn, or a newer one was sent. Use the newest email, or ask {who}.",
            "used": "This invitation has already been used. Sign in with the email and password you chose.",
        }.get(self.reason, "")


@dataclass(frozen=True)
class Joined:
    """A person who accepted an invitation, signed in."""

    session_token: str
    user_id: int
    operator_id: int
    email: str
    role: str


# ---------------------------------------------------------------- helpers


def join_url(token: str) -> str:
    return f"{get_settings().public_url}/join/{token}"


def _token_hash(token: str) -> str:
    return crypto.keyed_hash(INVITATION_HASH, token)


def _clean_role(role: object) -> str:
    cleaned = str(role or "").strip().lower()
    if cleaned not in ROLES:
        raise GiftnetError(ErrorCode.invalid_input, N_("Choose a role: owner or staff."), field="role")
    return cleaned


def _lock_team(session: Session, actor: Actor, doing: str) -> Operator:
    """Lock the operator row (team changes of one network run one at a time), then check
    that the actor is still an owner: a demotion that committed a moment ago counts."""
    operator = session.exec(select(Operator).where(Operator.id == actor.operator_id).with_for_update()).first()
    if operator is None:
        raise GiftnetError(ErrorCode.not_found, N_("No such network."))
    require_owner(actor, doing, session=session)
    return operator


def _member(session: Session, operator_id: int, user_id: int) -> User:
    user = session.exec(
        select(User).where(User.id == user_id, User.operator_id == operator_id, User.role != REMOVED)
    ).first()
    if user is None:
        raise GiftnetError(ErrorCode.not_found, N_("No such team member."))
    return user


def _invitation(session: Session, operator_id: int, invitation_id: int) -> UserInvitation:
    return owned_row(session, UserInvitation, invitation_id, operator_id, missing=N_("No such invitation."))


def _owner_count(session: Session, operator_id: int) -> int:
    return session.exec(
        select(func.count(User.id)).where(User.operator_id == operator_id, User.role == OWNER)
    ).one()


def _refuse_last_owner(session: Session, operator: Operator, user: User, doing: str) -> None:
    if user.role == OWNER and _owner_count(session, operator.id) <= 1:
        raise GiftnetError(
            ErrorCode.conflict,
            N_("{email} is the last owner of {name}: make someone else an owner before you {doing}."),
            field="role", params={"email": user.email, "name": operator.name, "doing": doing},
        )


def _live(invitation: UserInvitation, now: datetime) -> bool:
    return invitation.accepted_at is None and invitation.revoked_at is None and _aware(invitation.expires_at) > now


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _inviter_label(session: Session, actor: Actor) -> str:
    if actor.user_id is not None:
        user = session.get(User, actor.user_id)
        if user is not None:
            return f"{user.name} ({user.email})" if user.name else user.email
    return audit.actor_label(session, actor)


# ---------------------------------------------------------------- the email


def compose_invitation_email(
    *, operator_name: str, inviter: str, role: str, url: str, expires_at: datetime, timezone: str,
    lang: str | None = None,
) -> ComposedEmail:
    """Plain text and HTML saying the same, in `lang` (the network's language): who invites
    you, to what role, the link and how long it works."""
    lang = i18n.normalize(lang)
    _ = i18n.translator(lang)
    valid_text = describe_duration(INVITATION_TTL, lang)
    until = f"{format_local_time(expires_at, timezone)} ({timezone})"
    label = _(role_label(role)).lower()
    subject = _("{inviter} invited you to {network} on Giftnet", inviter=inviter, network=operator_name)
    can_do = _(ROLE_DESCRIPTIONS[role]) if role in ROLE_DESCRIPTIONS else ""
    invited = (_("{inviter} invited you to join {network}'s gift card dashboard as {role} ({can_do}).",
                 inviter=inviter, network=operator_name, role=label, can_do=can_do) if can_do
               else _("{inviter} invited you to join {network}'s gift card dashboard as {role}.",
                      inviter=inviter, network=operator_name, role=label))
    works = _("The link works once, for {duration}, until {until}.", duration=valid_text, until=until)
    expired = _("If it has expired, ask {inviter} for a new one.", inviter=inviter)
    ignore = _("If you did not expect this email, ignore it: nothing happens until the link is opened.")
    text_body = "\n".join(
        [
            operator_name,
            "",
            invited,
            "",
            _("Open this link to choose your name and password:"),
            url,
            "",
            f"{works} {expired}",
            ignore,
        ]
    ) + "\n"
    esc = html.escape
    works_html = esc(_("The link works once, for {duration}, until {until}.", duration="\0", until=until)).replace(
        "\0", f"<strong>{esc(valid_text)}</strong>")
    join, accept = _("Join {network} on Giftnet", network=operator_name), _("Accept the invitation")
    button_fallback = _("If the button does not work, open")
    html_body = email_page(subject, operator_name, f"""<h1 style="margin:8px 0 16px;font-size:26px;line-height:1.3;">{esc(join)}</h1>
<p style="margin:0 0 8px;font-size:17px;line-height:1.5;">{esc(invited)}</p>
<p style="margin:28px 0;"><a href="{esc(url)}" style="display:inline-block;background:{ACCENT};color:#ffffff;padding:18px 36px;border-radius:10px;font-size:20px;font-weight:bold;text-decoration:none;">{esc(accept)}</a></p>
<p style="margin:0 0 16px;font-size:16px;line-height:1.5;">{works_html}
{esc(expired)}</p>
<p style="margin:16px 0 0;font-size:13px;color:#555;">{esc(ignore)}
{esc(button_fallback)} <a href="{esc(url)}" style="color:{ACCENT};">{esc(url)}</a></p>""", lang)
    return ComposedEmail(subject=subject, text_body=text_body, html_body=html_body)


def _issue_link(session: Session, actor: Actor, operator: Operator, invitation: UserInvitation) -> SentInvitation:
    """A fresh token for the invitation (any older link stops working) and the email carrying it."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.expires_at = utcnow() + INVITATION_TTL
    session.add(invitation)
    session.flush()
    url = join_url(token)
    email = compose_invitation_email(
        operator_name=operator.name,
        inviter=_inviter_label(session, actor),
        role=invitation.role,
        url=url,
        expires_at=invitation.expires_at,
        timezone=operator.timezone,
        lang=operator.default_language,
    )
    outbox.queue_composed(session, email, kind=EMAIL_KIND, operator_id=operator.id, to_address=invitation.email)
    return SentInvitation(invitation=invitation, token=token, url=url)


# ---------------------------------------------------------------- inviting


def invite(actor: Actor, email: str, role: str) -> SentInvitation:
    """Invite `email` to the actor's network with `role` (owner | staff): an invitation
    valid for 72 hours and its email, in one transaction.

    Owners only. Refuses an invalid email (`invalid_email`), an unknown role
    (`invalid_input`), an address that already has an account (`email_taken`) and one
    with a live invitation to this network (`conflict`: resend or revoke it instead).
    Older expired invitations of the address are withdrawn, so the list shows one.
    """
    email = normalize_email(email)
    role = _clean_role(role)
    now = utcnow()
    with write_session() as session:
        operator = _lock_team(session, actor, "invite people to the team")
        existing = session.exec(select(User).where(User.email == email)).first()
        if existing is not None and not (existing.operator_id == operator.id and existing.role == REMOVED):
            if existing.operator_id == operator.id:
                message = f"{email} is already on your team."
            else:
                message = "An account with this email already exists; invite another address."
            raise GiftnetError(ErrorCode.email_taken, message, field="email")
        earlier = session.exec(
            select(UserInvitation).where(
                UserInvitation.operator_id == operator.id,
                UserInvitation.email == email,
                UserInvitation.accepted_at.is_(None),
                UserInvitation.revoked_at.is_(None),
            )
        ).all()
        for invitation in earlier:
            if _live(invitation, now):
                raise GiftnetError(
                    ErrorCode.conflict,
                    N_("{email} already has an invitation waiting (until {format_local_time}): resend it or revoke it instead."),
                    field="email", params={"email": email, "format_local_time": format_local_time(invitation.expires_at, operator.timezone)},
                )
            invitation.revoked_at = now  # expired: the new one replaces it
            session.add(invitation)
        invitation = UserInvitation(
            operator_id=operator.id,
            email=email,
            role=role,
            token_hash=_token_hash(secrets.token_urlsafe(32)),  # replaced by _issue_link
            invited_by_user_id=actor.user_id,
            created_at=now,
            expires_at=now + INVITATION_TTL,
        )
        session.add(invitation)
        session.flush()
        sent = _issue_link(session, actor, operator, invitation)
        audit.record(
            session, actor, "team.invited", target_type="invitation", target_id=invitation.id,
            summary=f"Invited {email} as {role_label(role).lower()}",
            changes={"email": [None, email], "role": [None, role]},
        )
    return sent


def resend_invitation(actor: Actor, invitation_id: int) -> SentInvitation:
    """Email a new link for a pending invitation (72 hours from now); the previous link
    stops working. Owners only; refuses an accepted or revoked invitation (`conflict`)."""
    with write_session() as session:
        operator = _lock_team(session, actor, "resend invitations")
        invitation = _invitation(session, operator.id, invitation_id)
        if invitation.accepted_at is not None:
            raise GiftnetError(ErrorCode.conflict, N_("{email} has already joined the team."), params={"email": invitation.email})
        if invitation.revoked_at is not None:
            raise GiftnetError(ErrorCode.conflict, N_("This invitation was revoked: invite {email} again."), params={"email": invitation.email})
        sent = _issue_link(session, actor, operator, invitation)
        audit.record(
            session, actor, "team.invitation_resent", target_type="invitation", target_id=invitation.id,
            summary=f"Invitation to {invitation.email} sent again",
        )
    return sent


def revoke_invitation(actor: Actor, invitation_id: int) -> UserInvitation:
    """Withdraw a pending invitation: its link stops working at once. Owners only;
    refuses an accepted one (`conflict`: remove the member instead); a revoked one stays so."""
    with write_session() as session:
        operator = _lock_team(session, actor, "revoke invitations")
        invitation = _invitation(session, operator.id, invitation_id)
        if invitation.accepted_at is not None:
            raise GiftnetError(
                ErrorCode.conflict, N_("{email} has already joined: remove them from the team instead."), params={"email": invitation.email}
            )
        if invitation.revoked_at is None:
            invitation.revoked_at = utcnow()
            session.add(invitation)
            audit.record(
                session, actor, "team.invitation_revoked", target_type="invitation", target_id=invitation.id,
                summary=f"Invitation to {invitation.email} revoked", changes={"revoked": [False, True]},
            )
    return invitation


# ---------------------------------------------------------------- joining


def _reason(invitation: UserInvitation | None, now: datetime) -> str:
    if invitation is None:
        return "unknown"
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    if _aware(invitation.expires_at) <= now:
        return "expired"
    return "ok"


def _find(session: Session, token: str | None) -> tuple[UserInvitation, Operator] | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = session.exec(
        select(UserInvitation, Operator)
        .join(Operator, Operator.id == UserInvitation.operator_id)
        .where(UserInvitation.token_hash == _token_hash(token))
    ).first()
    return (row[0], row[1]) if row is not None else None


def check_invitation(token: str | None) -> InvitationCheck:
    """What the join screen shows for a link: whom it invites, to which network and role, or why it cannot be used."""
    with read_session() as session:
        found = _find(session, token)
    if found is None:
        return InvitationCheck(ok=False, reason="unknown")
    invitation, operator = found
    reason = _reason(invitation, utcnow())
    return InvitationCheck(
        ok=reason == "ok", reason=reason, email=invitation.email, role=invitation.role,
        operator_name=operator.name, expires_at=invitation.expires_at, timezone=operator.timezone,
    )


def accept(token: str | None, name: str, password: str) -> Joined:
    """Accept an invitation: creates the person's account with the invited email and role
    (or reinstates a removed member of this network) and signs them in, in one transaction.

    Refuses a link that is unknown, expired, revoked or already used (`invalid_input`,
    with the sentence the join screen shows), a missing name (`invalid_input`), a short
    password (`weak_password`) and an email that meanwhile got an account (`email_taken`).
    Two tabs accepting the same link at once: one wins, the other is told it was used.
    """
    name = required_text(name, field="name", max_length=120, label="Your name")
    password_hash = accounts.hash_new_password(password)  # slow on purpose: outside the transaction
    now = utcnow()
    with write_session() as session:
        found = _find(session, token)
        invitation, operator = found if found is not None else (None, None)
        reason = _reason(invitation, now)
        if reason != "ok":
            check = InvitationCheck(ok=False, reason=reason, operator_name=operator.name if operator else "")
            raise GiftnetError(ErrorCode.invalid_input, check.refusal, field="token")
        claimed = session.execute(
            update(UserInvitation)
            .where(
                UserInvitation.id == invitation.id,
                UserInvitation.accepted_at.is_(None),
                UserInvitation.revoked_at.is_(None),
                UserInvitation.expires_at > now,
            )
            .values(accepted_at=now)
        ).rowcount
        if claimed != 1:
            check = InvitationCheck(ok=False, reason="used", operator_name=operator.name)
            raise GiftnetError(ErrorCode.invalid_input, check.refusal, field="token")
        user = session.exec(select(User).where(User.email == invitation.email)).first()
        if user is not None and not (user.operator_id == operator.id and user.role == REMOVED):
            raise GiftnetError(
                ErrorCode.email_taken,
                N_("An account with {email} already exists: sign in with it instead."),
                field="email", params={"email": invitation.email},
            )
        reinstated = user is not None
        if user is None:
            user = User(operator_id=operator.id, email=invitation.email, name=name, password_hash=password_hash,
                        role=invitation.role, created_at=now)
        else:
            user.name, user.password_hash, user.role = name, password_hash, invitation.role
        session.add(user)
        session.flush()
        session_token = accounts.open_session(session, user)
        audit.record(
            session, Actor(operator.id, user_id=user.id, role=user.role), "team.joined", target_type="user",
            target_id=user.id,
            summary=f"{user.email} joined as {role_label(user.role).lower()}" + (" (reinstated)" if reinstated else ""),
            changes={"role": [None, user.role]},
        )
        joined = Joined(session_token=session_token, user_id=user.id, operator_id=operator.id, email=user.email,
                        role=user.role)
    return joined


# ---------------------------------------------------------------- the members


def list_team(actor: Actor) -> Team:
    """The network's members (owners first, then by email) and its invitations still
    waiting (expired ones flagged, so they can be resent). Owners only."""
    now = utcnow()
    with read_session() as session:
        require_owner(actor, "see the team", session=session)
        users = session.exec(
            select(User).where(User.operator_id == actor.operator_id, User.role != REMOVED)
        ).all()
        pending = session.exec(
            select(UserInvitation, User.email)
            .join(User, User.id == UserInvitation.invited_by_user_id, isouter=True)
            .where(
                UserInvitation.operator_id == actor.operator_id,
                UserInvitation.accepted_at.is_(None),
                UserInvitation.revoked_at.is_(None),
            )
            .order_by(UserInvitation.id.desc())
        ).all()
    members = sorted(
        (Member(user_id=user.id, email=user.email, name=user.name, role=user.role, joined_at=user.created_at,
                last_login_at=user.last_login_at, is_you=user.id == actor.user_id) for user in users),
        key=lambda member: (member.role != OWNER, member.email),
    )
    invitations = [
        PendingInvitation(id=invitation.id, email=invitation.email, role=invitation.role,
                          invited_by=inviter_email or "", created_at=invitation.created_at,
                          expires_at=invitation.expires_at, expired=_aware(invitation.expires_at) <= now)
        for invitation, inviter_email in pending
    ]
    return Team(members=members, invitations=invitations)


def change_role(actor: Actor, user_id: int, role: str) -> User:
    """Make a member an owner or staff. Owners only; refuses to demote the last owner
    (`conflict`). The new role counts from the member's next click."""
    role = _clean_role(role)
    with write_session() as session:
        operator = _lock_team(session, actor, "change roles")
        user = _member(session, operator.id, user_id)
        if user.role == role:
            return user
        if role != OWNER:
            _refuse_last_owner(session, operator, user, "make them staff")
        before = user.role
        user.role = role
        session.add(user)
        audit.record(
            session, actor, "team.role_changed", target_type="user", target_id=user.id,
            summary=f"{user.email}: {role_label(before).lower()} → {role_label(role).lower()}",
            changes={"role": [before, role]},
        )
    return user


def remove_member(actor: Actor, user_id: int) -> User:
    """Take a member off the team: they can no longer sign in, and every session they
    have open is revoked in the same transaction. Owners only; refuses removing yourself
    and the last owner (`conflict`)."""
    with write_session() as session:
        operator = _lock_team(session, actor, "remove team members")
        user = _member(session, operator.id, user_id)
        if actor.user_id == user.id:
            raise GiftnetError(ErrorCode.conflict, N_("You cannot remove yourself; ask another owner to do it."))
        _refuse_last_owner(session, operator, user, "remove them")
        before = user.role
        now = utcnow()
        user.role, user.password_hash = REMOVED, REMOVED_PASSWORD_HASH
        session.add(user)
        revoked = session.execute(
            update(UserSession)
            .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        audit.record(
            session, actor, "team.removed", target_type="user", target_id=user.id,
            summary=f"{user.email} removed from the team ({revoked} open session(s) ended)",
            changes={"role": [before, REMOVED]},
        )
    return user


__all__ = [
    "EMAIL_KIND",
    "INVITATION_TTL",
    "InvitationCheck",
    "Joined",
    "Member",
    "PendingInvitation",
    "SentInvitation",
    "Team",
    "accept",
    "change_role",
    "check_invitation",
    "compose_invitation_email",
    "invite",
    "join_url",
    "list_team",
    "remove_member",
    "resend_invitation",
    "revoke_invitation",
]
