"""POST /api/v1/payouts/returns over real HTTP: a NACHA return file written by a
third-party ACH library is matched to the payout lines, GET /payouts/{id} shows them
returned, a file that does not fit is refused with the line and changes nothing."""

from __future__ import annotations

import httpx

from tests.support.backend import Backend, Operator
from tests.support.bank_returns import NachaReturn, nacha_return_file
from tests.support.bankfiles import parse_nacha

NACHA = {
    "immediate_destination": "011000015", "immediate_origin": "1234567890", "destination_name": "FED",
    "origin_name": "RETURNS NETWORK", "company_name": "RETURNS NETWORK", "company_id": "1234567890",
    "odfi_routing": "011000015",
}


def _paid_batch(operator: Operator) -> tuple[dict, dict, str]:
    location = operator.add_location("Alpha Books", commission_bps=250, bank_country="US", routing_number="011401533",
                                     account_number="123456789", account_type="checking")
    card = operator.issue(20_000)
    assert operator.http.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"],
                                                    "amount_cents": 10_000}).status_code == 201
    assert operator.http.patch("/settings", json={"payouts": {"nacha": NACHA}}).status_code == 200
    batch = operator.http.post("/payouts", json={"through": "2999-12-31"}).json()
    content = operator.http.get(f"/payouts/{batch['id']}/file", params={"format": "nacha"}).text
    assert operator.http.post(f"/payouts/{batch['id']}/mark-paid").status_code == 200
    return batch, location, content


def _upload(operator: Operator, content: bytes):
    return operator.http.post("/payouts/returns", files={"file": ("returns.ach", content, "text/plain")})


def test_a_return_file_marks_the_line_returned_and_owes_it_again(backend: Backend, rival: Operator):
    operator = backend.new_operator("Returns Network", currency="USD")
    batch, location, content = _paid_batch(operator)
    [entry] = parse_nacha(content).entries
    returns = nacha_return_file(content, [NachaReturn(entry, "R03")])

    # another operator's upload never touches these payments
    refused = _upload(rival, returns)
    assert refused.status_code == 400 and "no payout of this network" in refused.json()["error"]["message"]

    answer = _upload(operator, returns)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"format": "nacha", "unmatched": [], "matched": [{
        "payout_id": batch["id"], "location_id": location["id"], "net_cents": 9_750, "reason_code": "R03",
        "reason": "No account, or the account could not be found"}]}
    [line] = operator.http.get(f"/payouts/{batch['id']}").json()["lines"]
    assert (line["status"], line["return_reason_code"], line["return_reason"]) == (
        "returned", "R03", "No account, or the account could not be found")
    assert _upload(operator, returns).json() == answer.json()  # the same file again: the same answer, no change

    held = operator.http.post("/payouts", json={"through": "2999-12-31"})
    assert held.status_code == 409 and "R03" in held.json()["error"]["message"]
    fixed = operator.http.patch(f"/locations/{location['id']}", json={
        "bank_country": "US", "routing_number": "011401533", "account_number": "987654321",
        "account_type": "checking"})
    assert fixed.status_code == 200, fixed.text
    again = operator.http.post("/payouts", json={"through": "2999-12-31"})
    assert again.status_code == 201, again.text
    assert [(line["location_id"], line["carried_cents"], line["net_cents"], line["status"])
            for line in again.json()["lines"]] == [(location["id"], 9_750, 9_750, "paid")]


def test_an_unreadable_or_unmatched_file_is_refused_with_the_line(backend: Backend):
    operator = backend.new_operator("Refused Returns", currency="USD")
    batch, _location, content = _paid_batch(operator)
    [entry] = parse_nacha(content).entries

    unmatched = _upload(operator, nacha_return_file(content, [NachaReturn(entry, "R01", original_trace="011000019999999")]))
    assert unmatched.status_code == 400
    error = unmatched.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == "file"
    assert "Line 3: no payout of this network has the trace number 011000019999999" in error["message"]

    garbage = _upload(operator, b"1" * 94 + b"\n" + b"5" * 50 + b"\n")
    assert garbage.status_code == 400 and "Line 2: the record has 50 characters" in garbage.json()["error"]["message"]
    assert operator.http.get(f"/payouts/{batch['id']}").json()["lines"][0]["status"] == "paid"
    missing = operator.http.post("/payouts/returns")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "invalid_input"


def test_the_returns_upload_is_documented(backend: Backend):
    schema = httpx.get(f"{backend.url}/api/v1/openapi.json").json()
    upload = schema["paths"]["/api/v1/payouts/returns"]["post"]
    components = schema["components"]["schemas"]
    form = components[upload["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].split("/")[-1]]
    assert form["required"] == ["file"] and upload["summary"] and upload["security"] == [{"bearer": []}]
    answer = components[upload["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
    assert set(answer["properties"]) == {"format", "matched", "unmatched"} and answer["examples"]
    assert {"400", "401", "413", "500"} <= set(upload["responses"])
    assert upload["responses"]["400"]["content"]["application/json"]["examples"]
    line = components["PayoutLineAnswer"]["properties"]
    assert line["status"]["enum"] == ["paid", "returned"] and "return_reason" in line
