"""SFTP delivery of bank files over real HTTP: `payouts.delivery` in /settings (secrets
write-only), "Test connection", and a batch's `delivery` sent by the backend's own
background job to a real OpenSSH server (tests/support/sftp.py)."""

from __future__ import annotations

import uuid

from tests.support.backend import Backend, Operator, wait_for

US_BANK = {"bank_country": "US", "routing_number": "011000015", "account_number": "123456789", "account_type": "checking"}
NACHA = {
    "immediate_destination": "011000015",
    "immediate_origin": "1234567890",
    "destination_name": "FED",
    "origin_name": "DELIVERY NETWORK",
    "company_name": "DELIVERY NET",
    "company_id": "1234567890",
    "odfi_routing": "011000015",
}


def _error(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["message"], error
    return error


def _exported_batch(operator: Operator) -> tuple[int, bytes]:
    location = operator.add_location("Alpha Books", **US_BANK)
    card = operator.issue(20_000)
    redeemed = operator.http.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"],
                                                        "amount_cents": 4_200})
    assert redeemed.status_code == 201, redeemed.text
    created = operator.http.post("/payouts", json={"through": "2999-12-31"},
                                 headers={"Idempotency-Key": str(uuid.uuid4())})
    assert created.status_code == 201, created.text
    batch_id = created.json()["id"]
    assert created.json()["delivery"]["status"] == "none"
    downloaded = operator.http.get(f"/payouts/{batch_id}/file", params={"format": "nacha"})
    assert downloaded.status_code == 200, downloaded.text
    return batch_id, downloaded.content


def test_secrets_are_write_only_and_the_connection_test_answers_200_or_409(backend: Backend, sftp_server):
    operator = backend.new_operator("Delivery Settings", currency="USD")
    target = sftp_server.target(password="bank-password-1")

    changed = operator.http.patch("/settings", json={"payouts": {"delivery": {"method": "sftp", "sftp": target}}})

    assert changed.status_code == 200, changed.text
    shown = operator.http.get("/settings")
    assert shown.json()["payouts"]["delivery"] == changed.json()["payouts"]["delivery"]
    sftp = shown.json()["payouts"]["delivery"]["sftp"]
    assert (sftp["password"], sftp["private_key"], sftp["host_key_sha256"]) == (
        "********", "********", sftp_server.host_key_sha256)
    assert "bank-password-1" not in shown.text and "PRIVATE KEY" not in shown.text
    assert sftp["public_key"].startswith("ssh-ed25519 ")

    assert operator.http.post("/settings/payouts/delivery/test").json() == {"ok": True}
    assert sftp_server.files() == {}
    refused = _error(operator.http.post("/settings/payouts/delivery/test",
                                        json={"sftp": {"private_key": None, "password": "wrong"}}), 409, "conflict")
    assert refused["message"] == (f"The server at 127.0.0.1 port {sftp_server.port} refused the login of "
                                  f"{sftp_server.username} with the password (Authentication failed).")
    wrong_key = _error(operator.http.post("/settings/payouts/delivery/test",
                                          json={"sftp": {"host_key_sha256": "SHA256:" + "A" * 43}}), 409, "conflict")
    assert "is not the one pinned" in wrong_key["message"]
    bad = _error(operator.http.patch("/settings", json={"payouts": {"delivery": {"sftp": {"port": 0}}}}),
                 400, "invalid_input")
    assert bad["field"] == "payouts.delivery.sftp.port"
    _error(operator.http.patch("/settings", json={"payouts": {"delivery": {"method": "ftp"}}}), 400, "invalid_input")


def test_a_downloaded_batch_is_delivered_by_the_background_job(backend: Backend, rival: Operator, sftp_server):
    operator = backend.new_operator("Delivery Network", currency="USD")
    assert operator.http.patch("/settings", json={"payouts": {"nacha": NACHA, "delivery": {
        "method": "sftp", "sftp": sftp_server.target()}}}).status_code == 200

    batch_id, file_bytes = _exported_batch(operator)

    def delivered():
        answer = operator.http.get(f"/payouts/{batch_id}").json()["delivery"]
        return answer if answer["status"] == "delivered" else None

    answer = wait_for(delivered, timeout=30, interval=0.5)
    assert answer is not None, operator.http.get(f"/payouts/{batch_id}").json()["delivery"]
    assert answer["attempts"] == 1 and answer["last_error"] is None and answer["delivered_at"]
    assert answer["remote_path"].startswith(f"{sftp_server.inbox}/") and answer["remote_path"].endswith(".ach")
    assert list(sftp_server.files().values()) == [file_bytes]

    # Another operator sees neither the batch nor its delivery, and has no server to test.
    _error(rival.http.get(f"/payouts/{batch_id}"), 404, "not_found")
    missing = _error(rival.http.post("/settings/payouts/delivery/test"), 409, "conflict")
    assert missing["message"].startswith("Complete the SFTP delivery settings first")
