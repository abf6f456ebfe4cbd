"""An attacker guessing card codes and passwords: guesses are counted before they are judged, so a
burst of simultaneous guesses gets exactly the allowance and no more (in memory, in Redis, and on
SQLite and PostgreSQL for sign-in); every way a code is typed shares one count per address; and
strangers' failures, however many addresses they come from, do not lock an honest shopper out."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
import redis
from sqlmodel import select

from app.db import read_session, write_session
from app.models import Card, LedgerEntry, LoginAttempt, Operator, User
from app.services.access import accounts, team
from app.services.core import card_guessing, link_guard, rate_limit
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.money import ledger
from app.services.money.card_lookup import lookup_card_by_code
from app.services.shop import orders
from app.services.shop.orders import CartInvalid, CartLine

WRONG = "ZZZZ-ZZZZ-ZZZZ-ZZZZ"


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def address() -> str:
    number = uuid.uuid4().int
    return f"198.18.{number % 250}.{(number >> 8) % 250 + 1}"


def at_once(count: int, attempt: Callable[[int], str]) -> Counter:
    """Run `count` attempts together (released by one barrier); count what each answered."""
    barrier = threading.Barrier(count)
    answers: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        barrier.wait()
        outcome = attempt(index)
        with lock:
            answers.append(outcome)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(answers)


def outcome_of(call: Callable[[], object]) -> str:
    try:
        call()
    except GiftnetError as error:
        return str(error.code)
    return "ok"


@pytest.fixture
def fresh_limiter(settings_env):
    """This test's own settings, read again, and a limiter of its own (in memory unless REDIS_URL is set)."""

    def configure(**values: str | None):
        settings = settings_env(**values)
        rate_limit._limiter_for.cache_clear()
        return settings

    yield configure
    rate_limit._limiter_for.cache_clear()


@pytest.mark.parametrize("store", ["memory", pytest.param("redis", marks=pytest.mark.skipif(
    not redis_answers(), reason="no Redis at 127.0.0.1:6379"))])
def test_eighty_simultaneous_takes_get_exactly_the_limit(store):
    limiter = (rate_limit.MemoryRateLimiter() if store == "memory" else
               rate_limit.RedisRateLimiter("redis://127.0.0.1:6379/0", f"giftnet-test-{uuid.uuid4().hex[:8]}:"))
    bucket = f"burst-{uuid.uuid4().hex}"

    answers = at_once(80, lambda _i: "taken" if limiter.take(bucket, 30, 600).wait is None else "refused")

    assert answers == Counter(taken=30, refused=50)
    # A refused take is not kept: the bucket holds the 30, and releasing one frees one place.
    refused = limiter.take(bucket, 30, 600)
    assert refused.token is None and refused.count == 30 and 1 <= refused.wait <= 600
    held = limiter.take(bucket, None, 600)  # a count only
    assert held.count == 31
    limiter.release(bucket, held.token)
    assert limiter.take(bucket, 31, 600).wait is None


def test_eighty_simultaneous_wrong_codes_from_one_address_get_exactly_its_allowance(make_operator, fresh_limiter):
    fresh_limiter(LOOKUP_FAILURES_PER_IP="30", LOOKUP_FAILURES_PER_CALLER="1000")
    owner = make_operator("Guarded")
    card = ledger.issue_card(owner.actor, 5_000)
    ip = address()

    answers = at_once(80, lambda i: outcome_of(
        lambda: lookup_card_by_code(owner.operator.id, WRONG, caller=f"device-{i}", ip=ip)))

    assert answers == Counter({ErrorCode.card_not_found: 30, ErrorCode.rate_limited: 50})
    # Even the right code now waits from that address; nothing about the card changed.
    assert outcome_of(lambda: lookup_card_by_code(owner.operator.id, card.code, caller="device-1", ip=ip)) == \
        ErrorCode.rate_limited
    assert lookup_card_by_code(owner.operator.id, card.code, caller="device-1", ip=address()).balance_cents == 5_000


def test_right_codes_are_taken_back_and_do_not_use_the_allowance(make_operator, fresh_limiter):
    fresh_limiter(LOOKUP_FAILURES_PER_IP="3")
    owner = make_operator("Busy Counter")
    card = ledger.issue_card(owner.actor, 5_000)
    ip = address()
    for _ in range(20):
        assert lookup_card_by_code(owner.operator.id, card.code, caller="device-1", ip=ip).id == card.card.id
    for _ in range(3):
        assert outcome_of(lambda: lookup_card_by_code(owner.operator.id, WRONG, caller="device-1", ip=ip)) == \
            ErrorCode.card_not_found
    assert outcome_of(lambda: lookup_card_by_code(owner.operator.id, card.code, caller="device-1", ip=ip)) == \
        ErrorCode.rate_limited


def test_codes_typed_anywhere_and_card_links_share_one_count_per_address(make_operator, fresh_limiter):
    fresh_limiter(LOOKUP_FAILURES_PER_IP="4", LINK_FAILURES_PER_IP="4", LOOKUP_FAILURES_PER_CALLER="1000")
    owner = make_operator("One Count")
    card = ledger.issue_card(owner.actor, 5_000)
    ip = address()
    # One wrong code through the look-up, one through the shop's top-up check, two unknown card links.
    assert outcome_of(lambda: lookup_card_by_code(owner.operator.id, WRONG, caller="api-key-1", ip=ip)) == \
        ErrorCode.card_not_found
    with pytest.raises(CartInvalid) as cart:
        orders.create_order(owner.operator.id, buyer_name="Eve", buyer_email="eve@example.com",
                            lines=[CartLine(kind="topup", amount_cents=1_000, card_code=WRONG)], client_ip=ip)
    assert cart.value.field_errors["lines.0.card_code"] == "No card matches this code."
    for _ in range(2):
        link_guard.begin("card", ip).settle(unknown=True)

    # The allowance is spent for codes and links alike.
    with pytest.raises(GiftnetError) as typed:
        lookup_card_by_code(owner.operator.id, card.code, caller="device-9", ip=ip)
    assert typed.value.code == ErrorCode.rate_limited and typed.value.retry_after_seconds >= 1
    with pytest.raises(GiftnetError) as opened:
        link_guard.begin("card", ip)
    assert opened.value.code == ErrorCode.rate_limited
    with pytest.raises(CartInvalid) as shop:
        orders.create_order(owner.operator.id, buyer_name="Eve", buyer_email="eve@example.com",
                            lines=[CartLine(kind="topup", amount_cents=1_000, card_code=card.code)], client_ip=ip)
    assert shop.value.field_errors["lines.0.card_code"].startswith("Too many card codes were wrong.")
    with read_session() as session:  # nothing was topped up
        assert len(session.exec(select(LedgerEntry).where(LedgerEntry.card_id == card.card.id)).all()) == 1


def test_many_addresses_cannot_lock_a_fresh_shopper_out_of_top_ups(make_operator, fresh_limiter):
    """The old shared "shop" allowance: 31 wrong codes from 31 addresses locked every shopper out."""
    settings = fresh_limiter(LOOKUP_FAILURES_PER_NETWORK="10", LOOKUP_FREE_FAILURES_PER_IP="2")
    owner = make_operator("Popular Shop")
    card = ledger.issue_card(owner.actor, 5_000)
    with write_session() as session:  # bought in this (sandbox) shop: a test card, which its test mode may top up
        session.get(Card, card.card.id).is_test = True
    attackers = [address() for _ in range(40)]
    for ip in attackers:  # each address's free tries: answered, but counted for the network
        for _ in range(settings.lookup_free_failures_per_ip):
            assert outcome_of(lambda ip=ip: lookup_card_by_code(owner.operator.id, WRONG, caller=None, ip=ip)) == \
                ErrorCode.card_not_found
    # Past its free tries, every attacker address now meets the network's ceiling.
    for ip in attackers[:5]:
        assert outcome_of(lambda ip=ip: lookup_card_by_code(owner.operator.id, WRONG, caller=None, ip=ip)) == \
            ErrorCode.rate_limited
    # An honest shopper from a fresh address mistypes once, then tops up with the right code.
    shopper = address()
    assert outcome_of(lambda: lookup_card_by_code(owner.operator.id, WRONG, caller=None, ip=shopper)) == \
        ErrorCode.card_not_found
    order = orders.create_order(owner.operator.id, buyer_name="Honest", buyer_email="honest@example.com",
                                lines=[CartLine(kind="topup", amount_cents=1_000, card_code=card.code)],
                                client_ip=shopper)
    assert order.total_cents == 1_000
    # Another network's shoppers are not touched by this network's ceiling.
    other = make_operator("Quiet Shop")
    other_card = ledger.issue_card(other.actor, 2_000)
    assert lookup_card_by_code(other.operator.id, other_card.code, caller=None, ip=address()).id == other_card.card.id
    with read_session() as session:
        assert session.get(Card, card.card.id).balance_cents == 5_000


def test_a_refused_guess_is_not_kept_so_the_window_frees_up(fresh_limiter):
    fresh_limiter(LOOKUP_FAILURES_PER_IP="2")
    limiter = rate_limit.get_rate_limiter()
    ip = address()
    for _ in range(2):
        card_guessing.begin(ip=ip).wrong()
    for _ in range(10):
        with pytest.raises(GiftnetError):
            card_guessing.begin(ip=ip)
    assert limiter.take(card_guessing.address_bucket(ip), None, 600).count == 3  # the 2 failures and this count


def test_twelve_simultaneous_sign_ins_get_at_most_the_allowance(database, settings_env):
    settings = settings_env(LOGIN_MAX_FAILURES="5")
    accounts.sign_up(operator_name="Target", email="target@example.com", password="a long enough password 7",
                     currency="CAD", timezone="America/Toronto")

    answers = at_once(12, lambda _i: outcome_of(
        lambda: accounts.log_in("target@example.com", "wrong guess", ip="198.51.100.77")))

    assert answers[ErrorCode.invalid_credentials] <= settings.login_max_failures
    assert answers[ErrorCode.invalid_credentials] + answers[ErrorCode.rate_limited] == 12
    # Guessing on one at a time, the whole attack gets exactly the allowance of judged passwords.
    for _ in range(10):
        answers[outcome_of(lambda: accounts.log_in("target@example.com", "wrong guess", ip="198.51.100.77"))] += 1
    assert answers[ErrorCode.invalid_credentials] == settings.login_max_failures
    # The email now waits, right password or not; refused attempts left no row behind.
    assert outcome_of(lambda: accounts.log_in("target@example.com", "a long enough password 7")) == \
        ErrorCode.rate_limited
    with read_session() as session:
        rows = session.exec(select(LoginAttempt).where(LoginAttempt.email == "target@example.com")).all()
    assert len(rows) == answers[ErrorCode.invalid_credentials]
    assert not any(row.succeeded for row in rows)


@pytest.mark.parametrize("password", ["password12", "1234567890", "qwertyuiop", "  Password12 ", "iloveyou12"])
def test_common_passwords_are_refused_at_sign_up(database, password):
    with pytest.raises(GiftnetError) as refused:
        accounts.sign_up(operator_name="Weak Shop", email="weak@example.com", password=password,
                         currency="CAD", timezone="America/Toronto")
    assert refused.value.code == ErrorCode.weak_password and refused.value.field == "password"
    assert "most used passwords" in refused.value.message
    with read_session() as session:  # nothing was created
        assert session.exec(select(User)).first() is None and session.exec(select(Operator)).first() is None


def test_a_common_password_is_refused_when_joining_by_invitation(make_operator):
    owner = make_operator("Hiring")
    sent = team.invite(owner.actor, "newhire@example.com", "staff")
    for password in ("qwertyuiop", "PASSWORD12", "1234567890"):
        with pytest.raises(GiftnetError) as refused:
            team.accept(sent.token, "New Hire", password)
        assert refused.value.code == ErrorCode.weak_password and refused.value.field == "password"
    with read_session() as session:  # nobody joined; the link still works for a good password
        assert session.exec(select(User).where(User.email == "newhire@example.com")).first() is None
    assert team.accept(sent.token, "New Hire", "a quiet river at dawn").user_id
