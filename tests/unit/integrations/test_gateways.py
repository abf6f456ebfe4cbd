"""The Bambora and Forte clients against faithful local fakes: approve, decline, a
timeout followed by a look-up by order number, refunds, and the exact requests."""

from __future__ import annotations

import base64

import pytest

from app.integrations import sandbox
from app.integrations.bambora import BamboraGateway
from app.integrations.forte import ForteGateway
from tests.fakes.bambora import APPROVED_CARD, DECLINED_CARD, FakeBambora
from tests.fakes.forte import FakeForte


def bambora_client(fake: FakeBambora, **kwargs) -> BamboraGateway:
    return BamboraGateway(merchant_id=fake.merchant_id, payments_passcode=fake.passcode,
                          reporting_passcode=fake.reporting_passcode, base_url=fake.base_url, **kwargs)


def forte_client(fake: FakeForte, **kwargs) -> ForteGateway:
    return ForteGateway(organization_id=fake.organization_id, location_id=fake.location_id,
                        api_access_id=fake.api_access_id, api_secure_key=fake.api_secure_key,
                        base_url=fake.base_url, **kwargs)


# --- Bambora -------------------------------------------------------------------------


def test_bambora_approves_the_test_card_with_the_documented_request(fake_bambora):
    token = fake_bambora.token_for(APPROVED_CARD)
    result = bambora_client(fake_bambora).charge("GN-1001-1", 1250, token, currency="CAD",
                                                  cardholder_name="Ada Shopper")

    assert result.outcome == "approved"
    assert result.reference and result.card_last4 == "1234" and result.authorization_code == "TEST"
    (request,) = fake_bambora.payment_requests()
    expected_auth = "Passcode " + base64.b64encode(f"{fake_bambora.merchant_id}:{fake_bambora.passcode}".encode()).decode()
    assert request.headers["authorization"] == expected_auth
    assert request.headers["content-type"] == "application/json"
    assert request.body == {
        "payment_method": "token",
        "order_number": "GN-1001-1",
        "amount": 12.5,
        "token": {"code": token, "name": "Ada Shopper", "complete": True},
    }


def test_bambora_decline_is_a_402_with_its_message(fake_bambora):
    result = bambora_client(fake_bambora).charge("GN-1002-1", 2500, fake_bambora.token_for(DECLINED_CARD), currency="CAD")
    assert result.outcome == "declined"
    assert result.message == "DECLINE"


def test_bambora_wrong_passcode_is_an_error_not_a_decline(fake_bambora):
    client = BamboraGateway(merchant_id=fake_bambora.merchant_id, payments_passcode="wrong",
                            base_url=fake_bambora.base_url)
    result = client.charge("GN-1003-1", 2500, fake_bambora.token_for(APPROVED_CARD), currency="CAD")
    assert result.outcome == "error"
    assert "Authentication" in result.message


def test_bambora_timeout_is_unknown_and_the_look_up_finds_the_charge(fake_bambora):
    fake_bambora.delay_seconds = 2.0
    hasty = bambora_client(fake_bambora, timeout_seconds=0.3)
    result = hasty.charge("GN-1004-1", 5000, fake_bambora.token_for(APPROVED_CARD), currency="CAD")
    assert result.outcome == "unknown"

    # The look-up runs later with the usual timeout (0.3 s can pass on a busy machine before any answer).
    found = bambora_client(fake_bambora).find_by_order_number("GN-1004-1")
    assert found is not None and found.outcome == "approved"
    assert found.reference == next(iter(fake_bambora.payments))
    search = [r for r in fake_bambora.requests if r.path == "/v1/reports"][-1]
    assert search.body["name"] == "Search"
    assert search.body["criteria"] == [{"field": 5, "operator": "%3D", "value": "GN-1004-1"}]
    expected_auth = "Passcode " + base64.b64encode(
        f"{fake_bambora.merchant_id}:{fake_bambora.reporting_passcode}".encode()).decode()
    assert search.headers["authorization"] == expected_auth


def test_bambora_look_up_of_an_order_number_it_never_saw_is_none(fake_bambora):
    assert bambora_client(fake_bambora).find_by_order_number("GN-never-1") is None


def test_bambora_server_error_is_unknown(fake_bambora):
    fake_bambora.fail_status = 503
    result = bambora_client(fake_bambora).charge("GN-1005-1", 5000, fake_bambora.token_for(APPROVED_CARD), currency="CAD")
    assert result.outcome == "unknown"


def test_bambora_refund_is_a_return_of_at_most_the_payment(fake_bambora):
    client = bambora_client(fake_bambora)
    charge = client.charge("GN-1006-1", 5000, fake_bambora.token_for(APPROVED_CARD), currency="CAD")

    refund = client.refund(charge.reference, 2000, order_number="GN-1006-1")
    assert refund.ok and refund.reference
    request = fake_bambora.requests[-1]
    assert request.path == f"/v1/payments/{charge.reference}/returns"
    assert request.body == {"amount": 20.0, "order_number": "GN-1006-1"}

    too_much = client.refund(charge.reference, 3001)
    assert not too_much.ok and "exceeds" in too_much.message


@pytest.mark.parametrize(("amount_cents", "dollars"), [(1999, 19.99), (1, 0.01), (100005, 1000.05), (2000, 20.0)])
def test_bambora_is_sent_the_amount_in_decimal_dollars(fake_bambora, amount_cents, dollars):
    client = bambora_client(fake_bambora)
    assert client.charge("GN-1007-1", amount_cents, fake_bambora.token_for(APPROVED_CARD), currency="USD").approved
    (request,) = fake_bambora.payment_requests()
    assert request.body["amount"] == dollars and isinstance(request.body["amount"], float)


def test_bambora_refuses_a_currency_it_cannot_charge_without_sending_anything(fake_bambora):
    result = bambora_client(fake_bambora).charge("GN-1008-1", 1000, fake_bambora.token_for(APPROVED_CARD),
                                                 currency="EUR")
    assert result.outcome == "error" and result.message == "Bambora cannot charge EUR; it charges CAD or USD."
    assert fake_bambora.requests == []


# --- Forte ---------------------------------------------------------------------------


def test_forte_approves_with_a01_and_the_documented_request(fake_forte):
    token = fake_forte.token_for("4111111111111111")
    result = forte_client(fake_forte).charge("GN-2001-1", 1000, token, currency="USD")

    assert result.outcome == "approved"
    assert result.reference.startswith("trn_") and result.card_last4 == "1111"
    (request,) = fake_forte.sale_requests()
    assert request.path == f"/organizations/{fake_forte.organization_id}/locations/{fake_forte.location_id}/transactions"
    basic = base64.b64encode(f"{fake_forte.api_access_id}:{fake_forte.api_secure_key}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {basic}"
    assert request.headers["x-forte-auth-organization-id"] == fake_forte.organization_id
    assert request.body == {
        "action": "sale",
        "authorization_amount": 10.0,
        "order_number": "GN-2001-1",
        "card": {"one_time_token": token},
    }


def test_forte_decline_is_a_u_code(fake_forte):
    result = forte_client(fake_forte).charge("GN-2002-1", 1000, fake_forte.token_for(DECLINED_CARD), currency="USD")
    assert result.outcome == "declined"
    assert result.message == "CREDIT CARD DECLINED"
    assert fake_forte.transactions[result.reference]["response"]["response_code"] == "U20"


def test_forte_timeout_is_unknown_and_the_filtered_search_finds_the_charge(fake_forte):
    fake_forte.delay_seconds = 2.0
    hasty = forte_client(fake_forte, timeout_seconds=0.3)
    assert hasty.charge("GN-2003-1", 1000, fake_forte.token_for("4111111111111111"), currency="USD").outcome == "unknown"

    # The search runs later with the usual timeout (0.3 s can pass on a busy machine before any answer).
    client = forte_client(fake_forte)
    found = client.find_by_order_number("GN-2003-1")
    assert found is not None and found.outcome == "approved" and found.reference.startswith("trn_")
    search = fake_forte.requests[-1]
    assert search.method == "GET" and "filter=order_number" in search.query
    assert client.find_by_order_number("GN-never-1") is None


def test_forte_refund_is_a_reverse_with_the_original_authorization(fake_forte):
    client = forte_client(fake_forte)
    charge = client.charge("GN-2004-1", 3000, fake_forte.token_for("4111111111111111"), currency="USD")

    refund = client.refund(charge.reference, 1000)
    assert refund.ok and refund.reference.startswith("trn_")
    reverse = fake_forte.requests[-1]
    assert reverse.body == {"action": "reverse", "original_transaction_id": charge.reference,
                            "authorization_code": "123456", "authorization_amount": 10.0}
    assert not client.refund(charge.reference, 2001).ok


@pytest.mark.parametrize(("amount_cents", "dollars"), [(1999, 19.99), (1, 0.01), (100005, 1000.05), (2000, 20.0)])
def test_forte_is_sent_the_authorization_amount_in_decimal_dollars(fake_forte, amount_cents, dollars):
    client = forte_client(fake_forte)
    assert client.charge("GN-2005-1", amount_cents, fake_forte.token_for("4111111111111111"), currency="USD").approved
    (request,) = fake_forte.sale_requests()
    assert request.body["authorization_amount"] == dollars and isinstance(request.body["authorization_amount"], float)


def test_forte_charges_us_dollars_only(fake_forte):
    result = forte_client(fake_forte).charge("GN-2006-1", 1000, fake_forte.token_for("4111111111111111"),
                                             currency="CAD")
    assert result.outcome == "error" and result.message == "Forte cannot charge CAD; it charges USD."
    assert fake_forte.requests == []


# --- sandbox -------------------------------------------------------------------------


def test_sandbox_tokens_carry_no_card_number_and_decide_the_outcome():
    approve, decline = sandbox.tokenize("4030 0000 1000 1234"), sandbox.tokenize("4003050500040005")
    assert approve == "sbx_1234_approve" and decline == "sbx_0005_decline"
    assert sandbox.tokenize("4111111111111111") is None
    gateway = sandbox.SandboxGateway()
    assert gateway.test_mode
    assert gateway.charge("SBX-1-1", 500, approve, currency="CAD").outcome == "approved"
    assert gateway.charge("SBX-2-1", 500, decline, currency="CAD").outcome == "declined"
    assert gateway.charge("SBX-3-1", 500, "4030000010001234", currency="CAD").outcome == "error"


def test_sandbox_lost_answer_is_found_by_order_number():
    gateway = sandbox.SandboxGateway()
    assert gateway.charge("SBX-4-1", 500, sandbox.tokenize("4000000000000119"), currency="CAD").outcome == "unknown"
    assert gateway.find_by_order_number("SBX-4-1").outcome == "approved"
