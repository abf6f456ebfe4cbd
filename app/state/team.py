"""The Team screen (owners: members, invitations, roles) and the join screen an
invitation's link opens. Every rule lives in app/services/access/team.py; these states format
its answers and keep the screen's choices."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.services.access import accounts, team
from app.services.access.accounts import SignedIn
from app.services.core import i18n, link_guard
from app.services.core.errors import GiftnetError
from app.services.core.i18n import N_
from app.services.core.roles import OWNER, ROLE_DESCRIPTIONS, ROLES, STAFF, role_label
from app.services.core.timefmt import format_local_time
from app.state import wording
from app.state.client import client_ip
from app.state.session import SessionState, dashboard_action

HOME_ROUTE = "/dashboard"
# The roles and their words as the team page shows them (the page imports the state, never
# the services): OWNER and STAFF come through here too.
# (English catalog sentences, shown through t(): the same words as ROLE_DESCRIPTIONS.)
OWNER_ROLE_TEXT = N_("Owners: everything, including settings, API keys, payouts, the team and the audit trail.")
STAFF_ROLE_TEXT = N_("Staff: cards, locations, devices, redemptions, orders and reports; no settings, keys or payouts.")
assert OWNER_ROLE_TEXT == "Owners: " + ROLE_DESCRIPTIONS[OWNER] + "."
assert STAFF_ROLE_TEXT == "Staff: " + ROLE_DESCRIPTIONS[STAFF] + "."


@dataclass
class MemberRow:
    user_id: int = 0
    email: str = ""
    name: str = ""
    role: str = ""
    role_label: str = ""
    joined: str = ""
    last_sign_in: str = ""
    is_you: bool = False


@dataclass
class InvitationRow:
    id: int = 0
    email: str = ""
    role_label: str = ""
    invited_by: str = ""
    sent: str = ""
    expires: str = ""
    expired: bool = False


class TeamState(SessionState):
    loaded: bool = False
    members: list[MemberRow] = []
    invitations: list[InvitationRow] = []
    team_error: str = ""
    team_message: str = ""
    invite_error: str = ""
    invite_role: str = STAFF
    remove_id: int = 0
    remove_email: str = ""

    def _reload(self, who) -> None:  # noqa: ANN001
        listed = team.list_team(self._actor(who))
        self.members = [
            MemberRow(
                user_id=member.user_id,
                email=member.email,
                name=member.name,
                role=member.role,
                role_label=self._t(role_label(member.role)),
                joined=format_local_time(member.joined_at, who.timezone),
                last_sign_in=format_local_time(member.last_login_at, who.timezone) or self._t("Never"),
                is_you=member.is_you,
            )
            for member in listed.members
        ]
        self.invitations = [
            InvitationRow(
                id=invitation.id,
                email=invitation.email,
                role_label=self._t(role_label(invitation.role)),
                invited_by=invitation.invited_by or self._t("an API key"),
                sent=format_local_time(invitation.created_at, who.timezone),
                expires=format_local_time(invitation.expires_at, who.timezone),
                expired=invitation.expired,
            )
            for invitation in listed.invitations
        ]
        self.loaded = True

    def _clear_messages(self) -> None:
        self.team_error = self.team_message = self.invite_error = ""

    def _not_an_owner(self):
        """Someone who is not an owner (any more) sees no member list, not even one loaded before."""
        self.loaded, self.members, self.invitations = False, [], []
        return super()._not_an_owner()

    @rx.event
    def load(self):
        self._clear_messages()
        self.remove_id, self.remove_email = 0, ""
        return self._show_team()

    @dashboard_action("team_error", owner=True)
    def _show_team(self, who: SignedIn) -> None:
        self._reload(who)

    @rx.event
    def set_invite_role(self, role: str):
        self.invite_role = role if role in ROLES else STAFF

    @rx.event
    @dashboard_action("invite_error", owner=True)
    def invite(self, who: SignedIn, form: dict):
        sent = team.invite(self._actor(who), str(form.get("email", "")), self.invite_role)
        self.team_message = self._t("Invitation sent to {email} as {role}. The link works for {duration}.",
                                    email=sent.invitation.email, role=self._t(role_label(sent.invitation.role)).lower(),
                                    duration=wording.duration(team.INVITATION_TTL, self.lang))
        self.invite_role = STAFF
        self._reload(who)
        return rx.set_value("team-invite-email", "")

    @dashboard_action("team_error", owner=True)
    def _act(self, who: SignedIn, work, success: str) -> None:  # noqa: ANN001
        """Run one team action for the signed-in owner and show its outcome; the lists are
        read again either way (a refused action may still find them changed)."""
        try:
            outcome = work(self._actor(who))
        finally:
            self._reload(who)
        self.team_message = self._t(success, email=outcome.email)

    @rx.event
    def resend(self, invitation_id: int):
        return self._act(lambda actor: team.resend_invitation(actor, int(invitation_id)).invitation,
                         N_("A new link was sent to {email}; the earlier one no longer works."))

    @rx.event
    def revoke(self, invitation_id: int):
        return self._act(lambda actor: team.revoke_invitation(actor, int(invitation_id)),
                         N_("The invitation to {email} was revoked: its link no longer works."))

    @rx.event
    def change_role(self, user_id: int, role: str):
        return self._act(lambda actor: team.change_role(actor, int(user_id), role),
                         N_("{email} is now owner.") if role == OWNER else N_("{email} is now staff."))

    @rx.event
    def ask_remove(self, user_id: int):
        row = next((member for member in self.members if member.user_id == user_id), None)
        if row is not None:
            self.remove_id, self.remove_email = row.user_id, row.email

    @rx.event
    def cancel_remove(self):
        self.remove_id, self.remove_email = 0, ""

    @rx.event
    def confirm_remove(self):
        user_id = self.remove_id
        self.remove_id, self.remove_email = 0, ""
        return self._act(lambda actor: team.remove_member(actor, user_id),
                         N_("{email} was removed from the team and signed out everywhere."))


class JoinState(SessionState):
    checked: bool = False
    link_ok: bool = False
    refusal: str = ""
    invited_email: str = ""
    invited_role: str = ""
    invited_role_text: str = ""
    network_name: str = ""
    expires: str = ""
    join_error: str = ""
    join_error_field: str = ""

    def _token(self) -> str:
        return str(self.router.page.params.get("join_token", ""))

    def _keep_language(self, lang: str) -> None:
        """Before joining, the choice is this browser's; the new member keeps it once in."""
        self.browser_language = lang

    @rx.event
    def choose_language(self, lang: str):
        """The picker, its own handler here (see `LanguageState._choose`)."""
        self._choose(lang)

    @rx.event
    def load(self):
        self.join_error, self.join_error_field = "", ""
        self._show_in(self._browser_preference(), i18n.LANGUAGES)
        attempt = self._begin_attempt()
        if attempt is not None:
            self._check(attempt)

    def _begin_attempt(self) -> link_guard.LinkAttempt | None:
        """This opening of the link, counted; None (and the page says so) when this address
        opened too many unknown invitation links."""
        try:
            return link_guard.begin("invitation", client_ip(self))
        except GiftnetError as error:
            self.checked, self.link_ok, self.refusal = True, False, error.localized_message(self.lang)
            self.invited_email = self.network_name = self.invited_role = self.invited_role_text = self.expires = ""
            return None

    def _check(self, attempt: link_guard.LinkAttempt) -> None:
        check = team.check_invitation(self._token())
        attempt.settle(unknown=check.reason == "unknown")
        self.checked, self.link_ok, self.refusal = True, check.ok, self._t(check.refusal) if check.refusal else ""
        self.invited_email, self.network_name = check.email, check.operator_name
        self.invited_role = role_label(check.role) if check.role else ""
        self.invited_role_text = ROLE_DESCRIPTIONS.get(check.role, "")
        self.expires = f"{format_local_time(check.expires_at, check.timezone)} ({check.timezone})" if check.expires_at else ""

    @rx.event
    def submit(self, form: dict):
        self.join_error, self.join_error_field = "", ""
        password = str(form.get("password", ""))
        if password != str(form.get("password_again", "")):
            self.join_error = self._t("The two passwords are not the same.")
            self.join_error_field = "password_again"
            return None
        attempt = self._begin_attempt()
        if attempt is None:
            return None
        try:
            joined = team.accept(self._token(), str(form.get("name", "")), password)
        except GiftnetError as error:
            self.join_error, self.join_error_field = error.localized_message(self.lang), error.field or ""
            if error.field == "token":  # the link went stale while the form was open
                self._check(attempt)
            else:
                attempt.settle(unknown=False)
            return None
        attempt.settle(unknown=False)
        opened = self._open_session(joined.session_token, HOME_ROUTE)
        who = self._signed_in()
        if who is not None and self.browser_language in who.offered_languages:
            try:  # the language they read the invitation in becomes theirs
                accounts.set_language(self._actor(who), self.browser_language)
            except GiftnetError:
                pass
        return opened

