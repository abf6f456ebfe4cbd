"""Staff and the REST API, over real HTTP: the API is authenticated by owners' API keys only,
so a staff member's dashboard session (as a bearer token or as a cookie) cannot download a
bank file or read the payouts; the owner's key can."""

from __future__ import annotations

from app.services.access import team
from app.services.core.actor import Actor
from tests.support.backend import Backend

US_BANK = {"bank_country": "US", "routing_number": "011000015", "account_number": "123456789", "account_type": "checking"}
NACHA = {
    "immediate_destination": "011000015",
    "immediate_origin": "1234567890",
    "destination_name": "FED",
    "origin_name": "STAFF NETWORK",
    "company_name": "STAFF NETWORK",
    "company_id": "1234567890",
    "odfi_routing": "011000015",
}


def test_a_staff_session_cannot_download_a_bank_file_or_read_payouts(backend: Backend, on_backend_db: Backend):
    operator = backend.new_operator("Staff Network", currency="USD")
    location = operator.add_location("Alpha Books", **US_BANK)
    card = operator.issue(5_000)
    redeemed = operator.http.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"],
                                                        "amount_cents": 2_000})
    assert redeemed.status_code == 201, redeemed.text
    assert operator.http.patch("/settings", json={"payouts": {"nacha": NACHA}}).status_code == 200
    created = operator.http.post("/payouts", json={"through": "2999-12-31"})
    assert created.status_code == 201, created.text
    file_path = f"/payouts/{created.json()['id']}/file?format=nacha"

    sent = team.invite(Actor(operator.id, channel="api"), "staff-api@example.com", "staff")
    staff_session = team.accept(sent.token, "Sam Staff", "a long enough password").session_token

    for client in (backend.client(staff_session), backend.client(Cookie=f"giftnet_session={staff_session}")):
        for path in (file_path, "/payouts", "/settings"):
            answer = client.get(path)
            assert answer.status_code == 401, (path, answer.text)
            assert answer.json()["error"]["code"] == "unauthenticated"

    owner_download = operator.http.get(file_path)
    assert owner_download.status_code == 200, owner_download.text
    assert owner_download.text.startswith("101")  # a NACHA file header record
