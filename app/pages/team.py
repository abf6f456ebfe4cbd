"""Team (owners only): members with their role and last sign-in, invitations waiting
(resend, revoke), the invite form, role changes and removal with confirmation. And the
join screen an invitation's link opens (name and password, or why the link is refused)."""

from __future__ import annotations

import reflex as rx

from app.components.account import account_card, account_field, account_form, account_title, other_way_in
from app.components.dialogs import confirm_dialog
from app.components.i18n import t
from app.components.layout import (
    dashboard_shell,
    error_callout,
    owners_only,
    page_title,
    screen_section,
    success_callout,
)
from app.components.tables import data_table, table_row
from app.state.language import N_
from app.state.team import OWNER, OWNER_ROLE_TEXT, STAFF, STAFF_ROLE_TEXT, JoinState, TeamState


def _invite_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(t("Invite someone"), size="4"),
                rx.flex(
                    rx.vstack(
                        rx.text(t("Email"), as_="label", custom_attrs={"htmlFor": "team-invite-email"}, size="3", weight="medium"),
                        rx.input(name="email", id="team-invite-email", type="email", required=True, size="3",
                                 placeholder="name@example.com", width="100%", max_length=254),
                        spacing="1",
                        flex="2 1 260px",
                    ),
                    rx.vstack(
                        rx.text(t("Role"), size="3", weight="medium"),
                        rx.select.root(
                            rx.select.trigger(id="team-invite-role", width="100%", aria_label=t("Role")),
                            rx.select.content(
                                rx.select.item(t("Staff"), value=STAFF, id="team-invite-role-staff"),
                                rx.select.item(t("Owner"), value=OWNER, id="team-invite-role-owner"),
                            ),
                            value=TeamState.invite_role,
                            on_change=TeamState.set_invite_role,
                            size="3",
                        ),
                        spacing="1",
                        flex="1 1 160px",
                    ),
                    rx.button(rx.icon("send"), t("Send invitation"), id="team-invite-submit", type="submit", size="3",
                              align_self="end"),
                    gap="12px",
                    wrap="wrap",
                    width="100%",
                ),
                rx.text(
                    rx.cond(TeamState.invite_role == OWNER, t(OWNER_ROLE_TEXT), t(STAFF_ROLE_TEXT)),
                    t(" The emailed link works for 3 days, once."),
                    size="2",
                    color=rx.color("gray", 11),
                    id="team-invite-role-help",
                ),
                error_callout(TeamState.invite_error, "team-invite-error"),
                spacing="3",
                width="100%",
            ),
            on_submit=TeamState.invite,
            reset_on_submit=False,
            width="100%",
        ),
        width="100%",
    )


def _member_row(member: rx.Var) -> rx.Component:
    member_id = member.user_id.to_string()
    return table_row(
        "team-member", member.user_id,
        rx.table.cell(
            rx.vstack(
                rx.hstack(
                    rx.text(rx.cond(member.name != "", member.name, member.email), weight="medium", word_break="break-all"),
                    rx.cond(member.is_you, rx.badge(t("You"), color_scheme="blue", size="1")),
                    align="center",
                ),
                rx.text(member.email, size="2", color=rx.color("gray", 11), id="team-member-email-" + member_id,
                        display=rx.cond(member.name != "", "block", "none")),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.badge(member.role_label, color_scheme=rx.cond(member.role == OWNER, "amber", "gray"), size="2",
                     id="team-member-role-" + member_id)
        ),
        rx.table.cell(member.last_sign_in, id="team-member-last-sign-in-" + member_id),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    rx.cond(member.role == OWNER, t("Make staff"), t("Make owner")),
                    id="team-role-" + member_id,
                    size="3",
                    variant="soft",
                    on_click=TeamState.change_role(member.user_id, rx.cond(member.role == OWNER, STAFF, OWNER)),
                ),
                rx.cond(
                    member.is_you,
                    rx.fragment(),
                    rx.button(rx.icon("user-minus"), t("Remove"), id="team-remove-" + member_id, size="3",
                              color_scheme="red", variant="soft", on_click=TeamState.ask_remove(member.user_id)),
                ),
                spacing="2",
                wrap="wrap",
            )
        ),
        class_name="team-member-row",
    )


def _members() -> rx.Component:
    return screen_section(t("Members"), data_table([t("Person"), t("Role"), t("Last sign-in"), ""], TeamState.members, _member_row,
                                                table_id="team-members", size="3", scroll=True))


def _invitation_row(invitation: rx.Var) -> rx.Component:
    invitation_id = invitation.id.to_string()
    return table_row(
        "team-invitation", invitation.id,
        rx.table.cell(
            rx.vstack(
                rx.text(invitation.email, weight="medium", id="team-invitation-email-" + invitation_id,
                        word_break="break-all"),
                rx.text(invitation.role_label, t(" · invited by "), invitation.invited_by, size="2",
                        color=rx.color("gray", 11)),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.cond(
                invitation.expired,
                rx.badge(t("Expired {when}", when=invitation.expires), color_scheme="red", size="2", id="team-invitation-status-" + invitation_id),
                rx.badge(t("Until {when}", when=invitation.expires), color_scheme="green", size="2", id="team-invitation-status-" + invitation_id),
            )
        ),
        rx.table.cell(
            rx.hstack(
                rx.button(rx.icon("send"), t("Resend"), id="team-resend-" + invitation_id, size="3", variant="soft",
                          on_click=TeamState.resend(invitation.id)),
                rx.button(rx.icon("ban"), t("Revoke"), id="team-revoke-" + invitation_id, size="3", color_scheme="red",
                          variant="soft", on_click=TeamState.revoke(invitation.id)),
                spacing="2",
                wrap="wrap",
            )
        ),
        class_name="team-invitation-row",
    )


def _invitations() -> rx.Component:
    return screen_section(t("Invitations waiting"), data_table(
        [t("Invited"), t("Link"), ""], TeamState.invitations, _invitation_row, table_id="team-invitations", size="3",
        scroll=True,
        empty=rx.text(t("No invitations waiting. Invite someone above."), id="team-invitations-empty",
                      color=rx.color("gray", 11)),
    ))


def _remove_dialog() -> rx.Component:
    return confirm_dialog(
        title=t("Remove this member?"),
        description=t("{email} can no longer sign in, and every dashboard they have open is signed "
                      "out at once. What they did stays in the history under their name. You can invite them again "
                      "later.", email=TeamState.remove_email),
        confirm_label=t("Remove from the team"),
        confirm_id="team-remove-confirm",
        on_confirm=TeamState.confirm_remove,
        cancel_label=t("Keep them"),
        cancel_id="team-remove-cancel",
        on_cancel=TeamState.cancel_remove,
        dialog_id="team-remove-dialog",
        open_=TeamState.remove_id != 0,
        wrap=True,
    )


def team_page() -> rx.Component:
    content = rx.vstack(
        page_title(t("Team"), t("Who signs in to your network, and what each of them may do.")),
        error_callout(TeamState.team_error, "team-error"),
        success_callout(TeamState.team_message, "team-message"),
        rx.cond(
            TeamState.loaded,
            rx.vstack(_invite_form(), _members(), _invitations(), spacing="6", width="100%"),
            rx.hstack(rx.spinner(size="3"), rx.text(t("Loading the team…")), id="team-loading", align="center", spacing="3"),
        ),
        _remove_dialog(),
        spacing="4",
        width="100%",
    )
    return dashboard_shell(owners_only(content, N_("The Team screen")), active="team")


# --------------------------------------------------------------------------- /join/<token>


def _join_form() -> rx.Component:
    return rx.vstack(
        rx.text(
            t("You were invited as"), " ", rx.text.strong(JoinState.invited_role, id="join-role"), " (",
            JoinState.invited_role_text, "). ", t("You will sign in with"), " ",
            rx.text.strong(JoinState.invited_email, id="join-email"), ".",
            size="3",
        ),
        error_callout(JoinState.join_error, "join-error"),
        account_form(
            account_field(t("Your name"), "name", "join-name", required=True, max_length=120, auto_complete="name"),
            account_field(t("Password (10 characters or more)"), "password", "join-password", type="password",
                          required=True, auto_complete="new-password"),
            account_field(t("The same password again"), "password_again", "join-password-again", type="password",
                          required=True, auto_complete="new-password"),
            submit=t("Join and sign in"), submit_id="join-submit", on_submit=JoinState.submit,
        ),
        rx.text(t("This link works once, until {until}.", until=JoinState.expires), size="2", color=rx.color("gray", 11)),
        spacing="4",
        width="100%",
    )


def _join_refused() -> rx.Component:
    return rx.vstack(
        rx.callout(JoinState.refusal, icon="triangle-alert", color_scheme="red", role="alert", size="3",
                   id="join-refused", width="100%"),
        other_way_in(t("Already have an account? "), t("Sign in"), "/login", "join-login-link"),
        spacing="4",
        width="100%",
    )


def join_page() -> rx.Component:
    return account_card(
        account_title(rx.cond(JoinState.network_name != "", t("Join {network}", network=JoinState.network_name),
                              t("Join a Giftnet team")),
                      id="join-title"),
        rx.cond(
            JoinState.checked,
            rx.cond(JoinState.link_ok, _join_form(), _join_refused()),
            rx.hstack(rx.spinner(size="3"), rx.text(t("Checking your invitation…")), id="join-loading", align="center"),
        ),
    )
