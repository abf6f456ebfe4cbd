"""Signing up, signing in and out, and the API keys an operator's shop uses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text, update
from sqlmodel import select

from app.db import read_session, write_engine, write_session
from app.models import ApiKey, LoginAttempt, User, UserSession
from app.models.base import utcnow
from app.services.access import accounts, api_keys
from app.services.core.errors import ErrorCode, GiftnetError
from app.settings import get_settings

PASSWORD = "correct horse battery"


def refused(call, *args, **kwargs) -> GiftnetError:
    with pytest.raises(GiftnetError) as caught:
        call(*args, **kwargs)
    return caught.value


def sign_up(**overrides):
    arguments = {
        "operator_name": "Downtown Kingston",
        "email": "owner@example.com",
        "password": PASSWORD,
        "currency": "CAD",
        "timezone": "America/Toronto",
    }
    return accounts.sign_up(**(arguments | overrides))


# --- Sign-up --------------------------------------------------------------------------


def test_signing_up_creates_the_network_and_its_owner(database):
    operator, user = sign_up(email="  Owner@Example.COM ", currency="usd", user_name=" Pat ")

    assert operator.name == "Downtown Kingston"
    assert operator.slug == "downtown-kingston"
    assert operator.currency == "USD"
    assert operator.timezone == "America/Toronto"
    assert user.email == "owner@example.com"
    assert user.name == "Pat"
    assert user.role == "owner"
    assert user.operator_id == operator.id
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash


def test_two_networks_with_the_same_name_get_different_addresses(database):
    first, _ = sign_up(email="a@example.com")
    second, _ = sign_up(email="b@example.com")
    assert (first.slug, second.slug) == ("downtown-kingston", "downtown-kingston-2")


REFUSED_SIGN_UPS = [
    ({"password": "too-short"}, ErrorCode.weak_password, "password"),
    ({"password": ""}, ErrorCode.weak_password, "password"),
    ({"email": "not-an-email"}, ErrorCode.invalid_email, "email"),
    ({"email": "owner@example"}, ErrorCode.invalid_email, "email"),
    ({"email": "two words@example.com"}, ErrorCode.invalid_email, "email"),
    ({"email": ""}, ErrorCode.invalid_email, "email"),
    ({"currency": "EUR"}, ErrorCode.invalid_currency, "currency"),
    ({"currency": ""}, ErrorCode.invalid_currency, "currency"),
    ({"timezone": "Mars/Olympus_Mons"}, ErrorCode.invalid_timezone, "timezone"),
    ({"timezone": ""}, ErrorCode.invalid_timezone, "timezone"),
    ({"operator_name": " "}, ErrorCode.invalid_input, "operator_name"),
]


def test_sign_up_refuses_what_it_cannot_use_and_says_which_field(sqlite_database):
    for overrides, code, field in REFUSED_SIGN_UPS:
        error = refused(sign_up, **overrides)
        assert (error.code, error.field) == (code, field), overrides
        assert error.message
    with read_session() as session:
        assert session.exec(select(User.id)).all() == []


def test_a_short_password_is_refused_with_the_minimum_length(sqlite_database):
    error = refused(sign_up, password="123456789")
    assert error.message == f"Use a password of at least {accounts.MIN_PASSWORD_LENGTH} characters."


def test_an_email_already_signed_up_is_refused_whatever_its_case(database):
    sign_up(email="owner@example.com")

    error = refused(sign_up, email="OWNER@example.com", operator_name="Another network")

    assert (error.code, error.field) == (ErrorCode.email_taken, "email")
    assert error.message == "An account with this email already exists."


# --- Sign-in and sessions -------------------------------------------------------------


def test_the_right_password_opens_a_session_that_knows_who_is_signed_in(database):
    operator, user = sign_up(user_name="Pat")

    token = accounts.log_in("  OWNER@example.com ", PASSWORD, ip="203.0.113.7")
    signed_in = accounts.resolve_session(token)

    assert signed_in == accounts.SignedIn(
        user_id=user.id,
        operator_id=operator.id,
        email="owner@example.com",
        name="Pat",
        role="owner",
        operator_name="Downtown Kingston",
        currency="CAD",
        timezone="America/Toronto",
    )
    with read_session() as session:
        assert session.get(User, user.id).last_login_at is not None
        [stored] = session.exec(select(UserSession)).all()
    # The browser keeps the token; the database keeps only its keyed hash.
    assert token not in stored.token_hash
    assert accounts.resolve_session(stored.token_hash) is None


def test_a_wrong_password_and_an_unknown_email_look_exactly_the_same(database):
    sign_up()

    wrong_password = refused(accounts.log_in, "owner@example.com", "not the password")
    unknown_email = refused(accounts.log_in, "nobody@example.com", PASSWORD)

    for error in (wrong_password, unknown_email):
        assert error.code == ErrorCode.invalid_credentials
        assert error.message == "Email or password is incorrect."
        assert error.field is None
    assert wrong_password.as_dict() == unknown_email.as_dict()


def test_after_too_many_failures_even_the_right_password_must_wait(database):
    sign_up()
    sign_up(email="colleague@example.com", operator_name="Another network")
    max_failures = get_settings().login_max_failures

    for _ in range(max_failures):
        assert refused(accounts.log_in, "owner@example.com", "guess").code == ErrorCode.invalid_credentials
    error = refused(accounts.log_in, "owner@example.com", PASSWORD)

    assert error.code == ErrorCode.rate_limited
    assert error.message == f"Too many attempts. Try again in {get_settings().login_window_minutes} minutes."
    assert error.retry_after_seconds == get_settings().login_window_minutes * 60
    # Only the guessed email waits; a colleague still signs in.
    assert accounts.resolve_session(accounts.log_in("colleague@example.com", PASSWORD)) is not None


def test_failures_older_than_the_window_no_longer_count(database):
    sign_up()
    for _ in range(get_settings().login_max_failures):
        refused(accounts.log_in, "owner@example.com", "guess")
    with write_session() as session:
        session.execute(
            update(LoginAttempt).values(
                created_at=utcnow() - timedelta(minutes=get_settings().login_window_minutes + 1)
            )
        )

    assert accounts.resolve_session(accounts.log_in("owner@example.com", PASSWORD)) is not None


def test_many_guesses_from_one_address_are_rate_limited_across_emails(database):
    sign_up()
    limit = get_settings().login_max_failures * 4
    for index in range(limit):
        refused(accounts.log_in, f"guess{index}@example.com", "guess", ip="198.51.100.9")

    assert refused(accounts.log_in, "owner@example.com", PASSWORD, ip="198.51.100.9").code == ErrorCode.rate_limited
    assert accounts.resolve_session(accounts.log_in("owner@example.com", PASSWORD, ip="198.51.100.10")) is not None


def test_logging_out_ends_the_session_at_once(database):
    sign_up()
    token = accounts.log_in("owner@example.com", PASSWORD)
    other_browser = accounts.log_in("owner@example.com", PASSWORD)

    accounts.log_out(token)
    accounts.log_out(token)  # a second click changes nothing
    accounts.log_out(None)

    assert accounts.resolve_session(token) is None
    assert accounts.resolve_session(other_browser) is not None


def test_an_expired_session_is_refused(database):
    sign_up()
    token = accounts.log_in("owner@example.com", PASSWORD)
    with write_session() as session:
        user_session = session.exec(select(UserSession)).one()
        user_session.expires_at = utcnow() - timedelta(seconds=1)
        session.add(user_session)

    assert accounts.resolve_session(token) is None


def test_a_session_lasts_the_configured_hours(database):
    sign_up()
    before = utcnow()
    accounts.log_in("owner@example.com", PASSWORD)
    with read_session() as session:
        user_session = session.exec(select(UserSession)).one()
    lifetime = user_session.expires_at - before
    assert timedelta(hours=get_settings().session_ttl_hours) <= lifetime < timedelta(
        hours=get_settings().session_ttl_hours, minutes=1
    )


def test_an_unknown_session_token_resolves_to_nobody(sqlite_database):
    for token in (None, "", "made-up-token"):
        assert accounts.resolve_session(token) is None


# --- API keys -------------------------------------------------------------------------


def test_a_new_api_key_resolves_to_its_operator(database):
    operator, user = sign_up()

    created = api_keys.create_api_key(operator.id, " Shop ", user_id=user.id)

    assert created.plaintext.startswith("gk_")
    assert len(created.plaintext) >= 40
    assert created.api_key.name == "Shop"
    assert created.api_key.prefix == created.plaintext[:11]
    resolved = api_keys.resolve_api_key(created.plaintext)
    assert (resolved.id, resolved.operator_id) == (created.api_key.id, operator.id)
    assert [key.id for key in api_keys.list_api_keys(operator.id)] == [created.api_key.id]


def test_an_api_key_is_stored_only_as_a_hash(database):
    operator, _ = sign_up()
    created = api_keys.create_api_key(operator.id, "Shop")

    with write_engine().connect() as connection:
        row = connection.execute(text("SELECT * FROM api_key WHERE id = :id"), {"id": created.api_key.id}).mappings().one()

    stored = " ".join(str(value) for value in row.values())
    secret_part = created.plaintext[len(created.api_key.prefix):]
    assert created.plaintext not in stored
    assert secret_part not in stored
    assert row["key_hash"] == api_keys.hash_key(created.plaintext)


def test_a_revoked_api_key_is_refused_from_its_next_use(database):
    operator, _ = sign_up()
    created = api_keys.create_api_key(operator.id, "Shop")
    kept = api_keys.create_api_key(operator.id, "Point of sale")

    revoked = api_keys.revoke_api_key(operator.id, created.api_key.id)
    api_keys.revoke_api_key(operator.id, created.api_key.id)  # revoking twice is harmless

    assert revoked.revoked_at is not None
    assert api_keys.resolve_api_key(created.plaintext) is None
    assert api_keys.resolve_api_key(kept.plaintext).id == kept.api_key.id


def test_an_unknown_api_key_resolves_to_nothing(sqlite_database):
    operator, _ = sign_up()
    api_keys.create_api_key(operator.id, "Shop")
    for presented in (None, "", "gk_not-a-real-key", "sk_live_123", "gk_" + "x" * 300):
        assert api_keys.resolve_api_key(presented) is None


def test_an_api_key_needs_a_name(sqlite_database):
    operator, _ = sign_up()
    error = refused(api_keys.create_api_key, operator.id, "  ")
    assert (error.code, error.field) == (ErrorCode.invalid_input, "name")
    with read_session() as session:
        assert session.exec(select(ApiKey.id)).all() == []
