"""The team: owners invite people by email with a role, the invited set a password
through the emailed link and are signed in, owners change roles and remove members
(whose sessions end at once), a network always keeps an owner, and staff are refused
by every owner-only service with a sentence naming the network."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.db import read_session, write_session
from app.models import AuditEvent, OutboxMessage, User, UserInvitation, UserSession
from app.models.base import utcnow
from app.services.access import accounts, api_keys, audit_trail, team
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.messaging import webhooks
from app.services.messaging.outbox import preview_message, read_email
from app.services.network import pos_keys
from app.services.settlement import bank_files, batches, payout_settings, statements
from app.services.shop import shop_settings
from tests.support.services import at_once
from tests.support.settlement import US_NACHA_SETTINGS, redeem_at, us_network

PASSWORD = "a long enough password"


def refused(call, *args, **kwargs) -> GiftnetError:
    with pytest.raises(GiftnetError) as caught:
        call(*args, **kwargs)
    return caught.value


def invitation_email(to_address: str) -> OutboxMessage:
    with read_session() as session:
        return session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == to_address, OutboxMessage.kind == team.EMAIL_KIND)
            .order_by(OutboxMessage.id.desc())
        ).first()


def join_token(to_address: str) -> str:
    """The token in the newest invitation email to `to_address`, as the invited person reads it."""
    url = re.search(r"https?://\S+/join/(\S+)", read_email(invitation_email(to_address)).text_body)
    return url.group(1)


def audit_actions(operator_id: int) -> list[str]:
    with read_session() as session:
        return list(session.exec(
            select(AuditEvent.action).where(AuditEvent.operator_id == operator_id).order_by(AuditEvent.id)
        ).all())


def join(owner, email: str, role: str = "staff", name: str = "Sam Staff") -> team.Joined:
    """Invite `email` as `role` and accept through the emailed link."""
    team.invite(owner.actor, email, role)
    return team.accept(join_token(email), name, PASSWORD)


def as_dashboard(joined: team.Joined) -> Actor:
    """The Actor a signed-in dashboard builds for this person."""
    return Actor(joined.operator_id, user_id=joined.user_id, role=joined.role)


def user(user_id: int) -> User:
    with read_session() as session:
        return session.get(User, user_id)


# --- inviting -------------------------------------------------------------------------------


def test_an_owner_invites_by_email_and_the_email_carries_a_72_hour_link(make_operator):
    owner = make_operator("Downtown Kingston")
    sent = team.invite(owner.actor, "  Sam@Example.COM ", "staff")

    invitation = sent.invitation
    assert (invitation.email, invitation.role, invitation.invited_by_user_id) == ("sam@example.com", "staff", owner.user.id)
    assert sent.url.endswith(f"/join/{sent.token}")
    assert sent.token not in invitation.token_hash  # only a keyed hash is kept
    lifetime = team._aware(invitation.expires_at) - team._aware(invitation.created_at)
    assert timedelta(hours=71, minutes=59) < lifetime <= timedelta(hours=72, seconds=1)

    email = read_email(invitation_email("sam@example.com"))
    assert "invited you to join Downtown Kingston" in email.text_body
    assert "as staff" in email.text_body
    assert sent.url in email.text_body and sent.url in email.html_body
    assert "3 days" in email.text_body
    assert audit_actions(owner.operator.id)[-1] == "team.invited"


def test_the_outbox_screen_hides_the_join_link(make_operator):
    """Staff can read the outbox; an owner invitation's link there would let them make themselves an owner."""
    owner = make_operator()
    sent = team.invite(owner.actor, "new-owner@example.com", "owner")
    preview = preview_message(owner.operator.id, invitation_email("new-owner@example.com").id)
    assert sent.token not in preview.text and sent.token not in preview.html
    assert "/join/" in preview.text


def test_a_bad_email_or_role_is_refused_and_nothing_is_sent(make_operator):
    owner = make_operator()
    bad_email = refused(team.invite, owner.actor, "not an email", "staff")
    assert (bad_email.code, bad_email.field) == (ErrorCode.invalid_email, "email")
    bad_role = refused(team.invite, owner.actor, "sam@example.com", "admin")
    assert (bad_role.code, bad_role.field, bad_role.message) == (
        ErrorCode.invalid_input, "role", "Choose a role: owner or staff.")
    with read_session() as session:
        assert session.exec(select(UserInvitation)).all() == []
        assert session.exec(select(OutboxMessage)).all() == []


def test_an_address_with_an_account_or_a_waiting_invitation_is_refused(make_operator):
    owner = make_operator("Downtown Kingston")
    other = make_operator("Uptown")

    mine = refused(team.invite, owner.actor, owner.email, "staff")
    assert (mine.code, mine.message) == (ErrorCode.email_taken, f"{owner.email} is already on your team.")
    theirs = refused(team.invite, owner.actor, other.email, "staff")
    assert theirs.code == ErrorCode.email_taken
    assert theirs.message == "An account with this email already exists; invite another address."

    team.invite(owner.actor, "sam@example.com", "staff")
    twice = refused(team.invite, owner.actor, "sam@example.com", "owner")
    assert twice.code == ErrorCode.conflict
    assert "sam@example.com already has an invitation waiting" in twice.message
    assert "resend it or revoke it instead" in twice.message


# --- joining --------------------------------------------------------------------------------


def test_accepting_creates_the_member_with_the_role_and_signs_them_in(make_operator):
    owner = make_operator("Downtown Kingston")
    sent = team.invite(owner.actor, "sam@example.com", "staff")

    check = team.check_invitation(join_token("sam@example.com"))
    assert (check.ok, check.email, check.role, check.operator_name) == (True, "sam@example.com", "staff", "Downtown Kingston")

    joined = team.accept(join_token("sam@example.com"), "  Sam Staff ", PASSWORD)
    who = accounts.resolve_session(joined.session_token)
    assert (who.email, who.name, who.role, who.operator_id) == ("sam@example.com", "Sam Staff", "staff", owner.operator.id)
    assert user(joined.user_id).last_login_at is not None
    with read_session() as session:
        assert session.get(UserInvitation, sent.invitation.id).accepted_at is not None
    assert accounts.resolve_session(accounts.log_in("sam@example.com", PASSWORD)).role == "staff"
    assert audit_actions(owner.operator.id)[-2:] == ["team.joined", "user.signed_in"]


def test_a_used_link_is_refused_with_a_clear_sentence(make_operator):
    owner = make_operator()
    team.invite(owner.actor, "sam@example.com", "staff")
    token = join_token("sam@example.com")
    team.accept(token, "Sam", PASSWORD)

    again = refused(team.accept, token, "Someone Else", "another long password")
    assert again.code == ErrorCode.invalid_input
    assert again.message == "This invitation has already been used. Sign in with the email and password you chose."
    assert team.check_invitation(token).reason == "used"


def test_an_expired_link_is_refused_and_a_resend_sends_a_working_one(make_operator):
    owner = make_operator("Downtown Kingston")
    sent = team.invite(owner.actor, "sam@example.com", "staff")
    old_token = sent.token
    with write_session() as session:
        session.execute(update(UserInvitation).where(UserInvitation.id == sent.invitation.id)
                        .values(expires_at=utcnow() - timedelta(minutes=1)))

    assert team.check_invitation(old_token).reason == "expired"
    expired = refused(team.accept, old_token, "Sam", PASSWORD)
    assert expired.message == "This invitation has expired. Ask an owner of Downtown Kingston to send a new one."

    listed = team.list_team(owner.actor).invitations
    assert [(item.email, item.expired) for item in listed] == [("sam@example.com", True)]

    resent = team.resend_invitation(owner.actor, sent.invitation.id)
    assert resent.token != old_token
    assert join_token("sam@example.com") == resent.token
    assert team.check_invitation(old_token).reason == "unknown"  # the earlier link stops working
    assert team.accept(resent.token, "Sam", PASSWORD).role == "staff"
    assert "team.invitation_resent" in audit_actions(owner.operator.id)


def test_inviting_again_after_expiry_replaces_the_expired_invitation(make_operator):
    owner = make_operator()
    first = team.invite(owner.actor, "sam@example.com", "staff")
    with write_session() as session:
        session.execute(update(UserInvitation).where(UserInvitation.id == first.invitation.id)
                        .values(expires_at=utcnow() - timedelta(minutes=1)))
    second = team.invite(owner.actor, "sam@example.com", "owner")
    assert [item.id for item in team.list_team(owner.actor).invitations] == [second.invitation.id]
    assert team.check_invitation(first.token).reason == "revoked"


def test_a_revoked_invitation_link_is_refused(make_operator):
    owner = make_operator()
    sent = team.invite(owner.actor, "sam@example.com", "staff")
    team.revoke_invitation(owner.actor, sent.invitation.id)

    gone = refused(team.accept, sent.token, "Sam", PASSWORD)
    assert gone.code == ErrorCode.invalid_input
    assert gone.message.startswith("This invitation was withdrawn")
    assert team.list_team(owner.actor).invitations == []
    assert refused(team.resend_invitation, owner.actor, sent.invitation.id).code == ErrorCode.conflict
    assert "team.invitation_revoked" in audit_actions(owner.operator.id)
    with read_session() as session:
        assert session.exec(select(User).where(User.email == "sam@example.com")).first() is None


def test_a_link_that_was_never_sent_or_a_short_password_or_no_name_is_refused(make_operator):
    owner = make_operator()
    team.invite(owner.actor, "sam@example.com", "staff")
    token = join_token("sam@example.com")

    assert refused(team.accept, "made-up-token", "Sam", PASSWORD).message.startswith("This invitation link is not valid")
    assert refused(team.accept, "x" * 500, "Sam", PASSWORD).code == ErrorCode.invalid_input
    assert refused(team.accept, token, "Sam", "short").code == ErrorCode.weak_password
    no_name = refused(team.accept, token, "   ", PASSWORD)
    assert (no_name.field, no_name.message) == ("name", "Your name is required.")
    assert team.check_invitation(token).ok  # nothing was used up by the refusals


# --- roles and removal ---------------------------------------------------------------------


def test_the_team_lists_members_with_role_and_last_sign_in_and_pending_invitations(make_operator):
    owner = make_operator()
    joined = join(owner, "sam@example.com")
    team.invite(owner.actor, "pat@example.com", "owner")

    listed = team.list_team(owner.actor)
    assert [(m.email, m.role, m.is_you) for m in listed.members] == [
        (owner.email, "owner", True), ("sam@example.com", "staff", False)]
    assert next(m for m in listed.members if m.user_id == joined.user_id).last_login_at is not None
    assert [(i.email, i.role, i.invited_by, i.expired) for i in listed.invitations] == [
        ("pat@example.com", "owner", owner.email, False)]
    assert listed.owner_count == 1


def test_an_owner_changes_a_role_which_counts_from_the_next_call(make_operator):
    owner = make_operator("Downtown Kingston")
    joined = join(owner, "sam@example.com", "owner")
    sam = as_dashboard(joined)  # a screen opened while Sam was an owner
    assert api_keys.create_api_key(owner.operator.id, "Shop", user_id=joined.user_id).plaintext.startswith("gk_")

    team.change_role(owner.actor, joined.user_id, "staff")
    assert user(joined.user_id).role == "staff"
    late = refused(api_keys.create_api_key, owner.operator.id, "Another", user_id=joined.user_id)
    assert late.code == ErrorCode.forbidden
    assert refused(team.list_team, sam).code == ErrorCode.forbidden  # the Actor still says owner; the database wins
    with read_session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "team.role_changed")).one()
    assert audit_trail.changes_of(event) == {"role": ["owner", "staff"]}


def test_the_last_owner_can_be_neither_demoted_nor_removed(make_operator):
    owner = make_operator("Downtown Kingston")
    join(owner, "sam@example.com")

    demoted = refused(team.change_role, owner.actor, owner.user.id, "staff")
    assert demoted.code == ErrorCode.conflict
    assert demoted.message == (f"{owner.email} is the last owner of Downtown Kingston: make someone else an owner "
                               "before you make them staff.")
    api_actor = Actor(owner.operator.id, api_key_id=None, channel="api")  # a key acts as an owner, without a user
    removed = refused(team.remove_member, api_actor, owner.user.id)
    assert removed.code == ErrorCode.conflict and "last owner" in removed.message
    assert user(owner.user.id).role == "owner"

    pat = join(owner, "pat@example.com", "owner", name="Pat")
    team.change_role(owner.actor, owner.user.id, "staff")  # with another owner it is allowed
    assert user(owner.user.id).role == "staff"
    assert user(pat.user_id).role == "owner"


def test_two_owners_demoting_each_other_at_once_leave_one_owner(make_operator):
    """Each checks "another owner remains" before writing; without the lock both would pass."""
    owner = make_operator()
    pat = join(owner, "pat@example.com", "owner", name="Pat")
    actors = [owner.actor, as_dashboard(pat)]
    targets = [pat.user_id, owner.user.id]
    for _round in range(3):
        outcomes = at_once(2, lambda index: team.change_role(actors[index], targets[index], "staff"))
        assert sum(not isinstance(outcome, GiftnetError) for outcome in outcomes) == 1
        refusal = next(outcome for outcome in outcomes if isinstance(outcome, GiftnetError))
        assert refusal.code in (ErrorCode.forbidden, ErrorCode.conflict)  # demoted first, or the last owner
        assert [m.role for m in team.list_team(Actor(owner.operator.id)).members].count("owner") == 1
        team.change_role(Actor(owner.operator.id), pat.user_id, "owner")  # both owners again for the next round
        team.change_role(Actor(owner.operator.id), owner.user.id, "owner")


def test_nobody_removes_themselves(make_operator):
    owner = make_operator()
    join(owner, "pat@example.com", "owner")
    own = refused(team.remove_member, owner.actor, owner.user.id)
    assert (own.code, own.message) == (ErrorCode.conflict, "You cannot remove yourself; ask another owner to do it.")


def test_removing_a_member_ends_their_sessions_at_once(make_operator):
    owner = make_operator()
    joined = join(owner, "sam@example.com")
    second_tab = accounts.log_in("sam@example.com", PASSWORD)
    assert accounts.resolve_session(joined.session_token) is not None

    team.remove_member(owner.actor, joined.user_id)

    assert accounts.resolve_session(joined.session_token) is None
    assert accounts.resolve_session(second_tab) is None
    with read_session() as session:
        open_sessions = session.exec(
            select(UserSession).where(UserSession.user_id == joined.user_id, UserSession.revoked_at.is_(None))
        ).all()
    assert open_sessions == []
    assert refused(accounts.log_in, "sam@example.com", PASSWORD).code == ErrorCode.invalid_credentials
    assert [m.email for m in team.list_team(owner.actor).members] == [owner.email]
    with read_session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "team.removed")).one()
    assert event.actor == owner.email and "2 open session(s) ended" in event.summary
    # Their name stays on what they did; inviting the address again reinstates them.
    rejoined = join(owner, "sam@example.com", "staff", name="Sam Again")
    assert rejoined.user_id == joined.user_id
    assert accounts.resolve_session(rejoined.session_token).name == "Sam Again"


# --- staff are refused by every owner-only service -----------------------------------------


@pytest.fixture
def staffed_network(make_operator):
    """A US network with a paid and a draft payout batch, an API key, a POS key, an invitation
    and a staff member, as a signed-in dashboard sees them."""
    network = us_network(make_operator, "Main Street Alliance")
    owner = network.owner
    redeem_at(owner, network.checking, 2500)
    paid = batches.create_payout(owner.actor, utcnow())
    batches.mark_paid(owner.actor, paid.batch.id)
    redeem_at(owner, network.savings, 1200)
    draft = batches.create_payout(owner.actor, utcnow())
    joined = join(owner, "sam@example.com")
    return {
        "owner": owner,
        "staff": as_dashboard(joined),
        "location_id": network.checking.id,
        "paid_batch": paid.batch.id,
        "draft_batch": draft.batch.id,
        "api_key_id": api_keys.create_api_key(owner.operator.id, "Shop").api_key.id,
        "pos_key_id": pos_keys.create_pos_key(owner.actor, network.checking.id, "Till").pos_key.id,
        "invitation_id": team.invite(owner.actor, "pat@example.com", "staff").invitation.id,
        "owner_user_id": owner.user.id,
    }


OWNER_ONLY = {
    "change the settings": lambda n, s: payout_settings.update_settings(s, {"payouts": {"nacha": US_NACHA_SETTINGS}}),
    "change the shop settings": lambda n, s: shop_settings.update_shop_settings(s, {"terms": "Mine now"}),
    "change the payment gateway": lambda n, s: shop_settings.update_gateway_settings(s, "sandbox", {}),
    "test the payment gateway": lambda n, s: shop_settings.check_gateway_connection(s, "sandbox", {}),
    "create API keys": lambda n, s: api_keys.create_api_key(s.operator_id, "Mine", user_id=s.user_id),
    "revoke API keys": lambda n, s: api_keys.revoke_api_key(s.operator_id, n["api_key_id"], user_id=s.user_id),
    "create POS keys": lambda n, s: pos_keys.create_pos_key(s, n["location_id"], "Mine"),
    "revoke POS keys": lambda n, s: pos_keys.revoke_pos_key(s, n["pos_key_id"]),
    "add webhook endpoints": lambda n, s: webhooks.create_endpoint(s, "https://example.com/hook"),
    "see webhook signing secrets": lambda n, s: webhooks.reveal_location_secret(s, n["location_id"]),
    "create payouts": lambda n, s: batches.create_payout(s, utcnow()),
    "download bank files": lambda n, s: bank_files.export_bank_file(s, n["draft_batch"], "nacha"),
    "mark payouts paid": lambda n, s: batches.mark_paid(s, n["draft_batch"]),
    "cancel payouts": lambda n, s: batches.cancel_payout(s, n["draft_batch"]),
    "send payout statements": lambda n, s: statements.email_statements(s, n["paid_batch"]),
    "send payout statements ": lambda n, s: statements.email_statement(s, n["paid_batch"], n["location_id"]),
    "invite people to the team": lambda n, s: team.invite(s, "friend@example.com", "owner"),
    "resend invitations": lambda n, s: team.resend_invitation(s, n["invitation_id"]),
    "revoke invitations": lambda n, s: team.revoke_invitation(s, n["invitation_id"]),
    "see the team": lambda n, s: team.list_team(s),
    "change roles": lambda n, s: team.change_role(s, s.user_id, "owner"),
    "remove team members": lambda n, s: team.remove_member(s, n["owner_user_id"]),
    "read the audit trail": lambda n, s: audit_trail.list_events(s),
}


@pytest.mark.parametrize("doing", list(OWNER_ONLY))
def test_staff_are_refused_by_every_owner_only_service(staffed_network, doing):
    before = snapshot(staffed_network["owner"].operator.id)
    error = refused(OWNER_ONLY[doing], staffed_network, staffed_network["staff"])
    assert error.code == ErrorCode.forbidden
    assert error.http_status == 403
    assert error.message == f"Only an owner can {doing.strip()}; ask an owner of Main Street Alliance."
    assert snapshot(staffed_network["owner"].operator.id) == before  # nothing written, not even an audit row


def snapshot(operator_id: int) -> dict:
    from app.models import ApiKey, BankFile, Operator, PayoutBatch, PosKey, WebhookEndpoint

    with read_session() as session:
        operator = session.get(Operator, operator_id)
        return {
            "settings": (operator.payout_settings, operator.shop_settings, operator.gateway_settings),
            "batches": sorted((b.id, b.status) for b in session.exec(select(PayoutBatch)).all()),
            "files": len(session.exec(select(BankFile)).all()),
            "keys": sorted((k.id, k.revoked_at is None) for k in session.exec(select(ApiKey)).all()),
            "pos_keys": sorted((k.id, k.revoked_at is None) for k in session.exec(select(PosKey)).all()),
            "endpoints": len(session.exec(select(WebhookEndpoint)).all()),
            "users": sorted((u.id, u.role) for u in session.exec(select(User)).all()),
            "invitations": sorted((i.id, i.token_hash, i.revoked_at is None)
                                  for i in session.exec(select(UserInvitation)).all()),
            "outbox": len(session.exec(select(OutboxMessage)).all()),
            "audit": len(session.exec(select(AuditEvent)).all()),
        }


def test_the_same_calls_work_for_an_owner(staffed_network):
    owner = staffed_network["owner"].actor
    assert api_keys.create_api_key(owner.operator_id, "Mine", user_id=owner.user_id).plaintext
    assert webhooks.reveal_location_secret(owner, staffed_network["location_id"]).startswith("whsec_")
    assert statements.email_statements(owner, staffed_network["paid_batch"]) == 1
    assert len(team.list_team(owner).members) == 2
    assert audit_trail.list_events(owner).events


def test_a_counter_device_never_acts_as_an_owner(staffed_network):
    device = Actor(staffed_network["owner"].operator.id, device_id=1, location_id=staffed_network["location_id"],
                   channel="device")
    assert refused(batches.create_payout, device, utcnow()).code == ErrorCode.forbidden


# --- tenancy --------------------------------------------------------------------------------


def test_another_networks_owner_sees_and_changes_nothing_of_this_team(make_operator):
    owner = make_operator("Downtown Kingston")
    stranger = make_operator("Uptown")
    joined = join(owner, "sam@example.com")
    waiting = team.invite(owner.actor, "pat@example.com", "staff")

    theirs = team.list_team(stranger.actor)
    assert [m.email for m in theirs.members] == [stranger.email]
    assert theirs.invitations == []
    for call, args in (
        (team.change_role, (joined.user_id, "owner")),
        (team.remove_member, (joined.user_id,)),
        (team.resend_invitation, (waiting.invitation.id,)),
        (team.revoke_invitation, (waiting.invitation.id,)),
    ):
        assert refused(call, stranger.actor, *args).code == ErrorCode.not_found
    assert user(joined.user_id).role == "staff"
    assert team.check_invitation(waiting.token).ok
    # The invited person joins the network that invited them, not the one whose owner acted last.
    assert team.accept(waiting.token, "Pat", PASSWORD).operator_id == owner.operator.id


# --- where a location is paid is an owner's decision --------------------------------------


def test_staff_run_locations_but_only_owners_set_where_and_how_much_they_are_paid(make_operator):
    from app.services.network import location_import, locations

    network = us_network(make_operator, "Payee Guard")
    owner, staff = network.owner, as_dashboard(join(network.owner, "sam@example.com"))
    bank = {"bank_country": "US", "routing_number": "011401533", "account_number": "99887766", "account_type": "checking"}
    location = network.checking

    renamed = locations.update_location(staff, location.id, {"name": "Books on Main St", "phone": "555-0100"})
    assert renamed.name == "Books on Main St"
    for change in (bank, {"commission_bps": 900}, {"bank_country": ""}):
        error = refused(locations.update_location, staff, location.id, change)
        assert error.code == ErrorCode.forbidden, change
        assert "Only an owner can set a location's bank details or commission" in error.message
    plain = locations.create_location(staff, {"name": "Kiosk", "email": "kiosk@example.com"})
    assert plain.bank_country is None
    assert refused(locations.create_location, staff, {"name": "Kiosk 2", "email": "k2@example.com", **bank}).code \
        == ErrorCode.forbidden
    with_bank = ("name,email,bank_country,routing_number,account_number,account_type\n"
                 "Cart,cart@example.com,US,011401533,11223344,checking\n").encode()
    refusal = location_import.import_locations(staff, with_bank)
    assert (refusal.ok, refusal.imported) == (False, False)
    assert [(row.row, error["column"]) for row in refusal.rows for error in row.errors] == [
        (2, "bank_country"), (2, "routing_number"), (2, "account_number"), (2, "account_type")]
    without = b"name,email,bank_country,routing_number,account_number,account_type\nCart,cart@example.com,,,,\n"
    assert location_import.import_locations(staff, without).imported
    with read_session() as session:
        unchanged = session.get(type(location), location.id)
    assert (unchanged.account_last4, unchanged.commission_bps) == (location.account_last4, location.commission_bps)
    assert locations.update_location(owner.actor, location.id, bank).account_last4 == "7766"

