"""How bank files reach the bank (`payouts.delivery`): the SFTP server's settings, secrets
encrypted and never shown again, the host key pinned, and "Test connection" against a
real OpenSSH server."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace

import pytest
from sqlmodel import select

from app.db import read_session
from app.models import AuditEvent, Operator
from app.services.core import crypto
from app.services.core.errors import ErrorCode
from app.services.settlement import delivery_settings, payout_settings
from tests.support.services import refused


@pytest.fixture
def owner(make_operator):
    return make_operator("Downtown Association", currency="USD")


def change_delivery(owner, delivery: dict) -> dict:
    return payout_settings.update_settings(owner.actor, {"payouts": {"delivery": delivery}}).as_dict()[
        "payouts"]["delivery"]


def stored_sftp(operator_id: int) -> dict:
    with read_session() as session:
        return json.loads(session.get(Operator, operator_id).payout_settings)["delivery"]["sftp"]


def test_a_new_network_downloads_its_files(owner):
    assert payout_settings.get_settings(owner.operator.id).as_dict()["payouts"]["delivery"] == {
        "method": "download", "sftp": None}


def test_the_password_and_key_are_stored_encrypted_and_never_shown_again(owner, sftp_server):
    shown = change_delivery(owner, {"method": "sftp", "sftp": sftp_server.target(password="hunter2-bank")})

    public_key = " ".join(sftp_server.authorized_keys.read_text().split()[:2])
    assert shown == {"method": "sftp", "sftp": {
        "host": "127.0.0.1", "port": sftp_server.port, "username": sftp_server.username, "password": "********",
        "private_key": "********", "public_key": public_key, "remote_dir": str(sftp_server.inbox),
        "host_key_sha256": sftp_server.host_key_sha256, "missing": []}}
    assert payout_settings.get_settings(owner.operator.id).as_dict()["payouts"]["delivery"] == shown
    stored = stored_sftp(owner.operator.id)
    assert crypto.decrypt(stored["password_encrypted"]) == "hunter2-bank"
    assert crypto.decrypt(stored["private_key_encrypted"]) == sftp_server.private_key.strip()
    raw = json.dumps(stored)
    assert "hunter2" not in raw and "PRIVATE KEY" not in raw
    with read_session() as session:
        audited = session.exec(select(AuditEvent.changes).where(AuditEvent.action == "settings.changed")).all()
    assert audited and "hunter2" not in "".join(audited) and "PRIVATE KEY" not in "".join(audited)


def test_a_secret_sent_back_masked_keeps_the_stored_one_and_null_clears_it(owner, sftp_server):
    change_delivery(owner, {"method": "sftp", "sftp": sftp_server.target(password="hunter2-bank")})

    shown = change_delivery(owner, {"sftp": {"password": "********", "private_key": "********", "port": 2222}})

    assert shown["sftp"]["port"] == 2222 and shown["sftp"]["password"] == "********"
    assert crypto.decrypt(stored_sftp(owner.operator.id)["password_encrypted"]) == "hunter2-bank"
    cleared = change_delivery(owner, {"sftp": {"password": None}})
    assert cleared["sftp"]["password"] is None and cleared["sftp"]["private_key"] == "********"


def test_sftp_cannot_be_chosen_without_what_it_needs(owner, sftp_server):
    error = refused(change_delivery, owner, {"method": "sftp", "sftp": {"host": "sftp.bank.example"}})
    assert (error.code, error.field) == (ErrorCode.invalid_input, "payouts.delivery.sftp.username")
    assert error.message == ("SFTP delivery needs the server's username, host key fingerprint, password or "
                             "private key first.")

    change_delivery(owner, {"method": "sftp", "sftp": sftp_server.target()})
    error = refused(change_delivery, owner, {"sftp": {"private_key": None}})
    assert error.field == "payouts.delivery.sftp.password"
    assert change_delivery(owner, {"method": "download"})["sftp"]["host"] == "127.0.0.1"  # kept for later


@pytest.mark.parametrize(("field", "value", "message"), [
    ("host", "sftp://bank.example:22", "The SFTP host is a server name like sftp.bank.example or an IP address, "
                                       "without sftp:// or a port."),
    ("port", 70000, "The SFTP port is a whole number from 1 to 65535 (22 when not set)."),
    ("username", "two words", "The SFTP username cannot contain spaces."),
    ("host_key_sha256", "MD5:12:ab", "The host key fingerprint is SHA256: followed by 43 characters, as "
                                     "`ssh-keygen -lf` prints it (ask your bank, or run ssh-keyscan HOST | "
                                     "ssh-keygen -lf -)."),
    ("private_key", "ssh-ed25519 AAAAC3Nza...", "The private key could not be read; paste the whole key, from its "
                                               "-----BEGIN line to its -----END line (PEM or OpenSSH format)."),
    ("colour", "blue", "Unknown field: payouts.delivery.sftp.colour."),
])
def test_each_wrong_field_is_named_and_nothing_changes(owner, field, value, message):
    error = refused(change_delivery, owner, {"method": "download", "sftp": {"host": "sftp.bank.example",
                                                                            field: value}})

    assert (error.code, error.field, error.message) == (ErrorCode.invalid_input, f"payouts.delivery.sftp.{field}",
                                                        message)
    assert payout_settings.get_settings(owner.operator.id).delivery == {"method": "download", "sftp": None}


def test_a_whole_ssh_keygen_line_pins_its_fingerprint(owner, sftp_server):
    line = f"256 {sftp_server.host_key_sha256} root@bank (ED25519)"

    shown = change_delivery(owner, {"sftp": sftp_server.target(host_key_sha256=line)})

    assert shown["sftp"]["host_key_sha256"] == sftp_server.host_key_sha256


def test_a_key_protected_by_a_passphrase_is_refused(owner, tmp_path):
    path = tmp_path / "protected"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f", str(path)], check=True)

    error = refused(change_delivery, owner, {"sftp": {"private_key": path.read_text()}})

    assert error.message.startswith("The private key is protected by a passphrase")


def test_an_unknown_method_is_refused(owner):
    error = refused(change_delivery, owner, {"method": "ftp"})

    assert (error.field, error.message) == ("payouts.delivery.method", "payouts.delivery.method is download or sftp.")


def test_test_connection_logs_in_and_lists_the_directory_without_uploading(owner, sftp_server):
    change_delivery(owner, {"method": "sftp", "sftp": sftp_server.target()})

    delivery_settings.check_connection(owner.actor)

    assert sftp_server.files() == {}


def test_test_connection_answers_the_servers_refusal(owner, sftp_server):
    change_delivery(owner, {"sftp": sftp_server.target(private_key=None, password="wrong password")})

    error = refused(delivery_settings.check_connection, owner.actor)
    assert error.code == ErrorCode.conflict
    assert error.message == (f"The server at 127.0.0.1 port {sftp_server.port} refused the login of "
                             f"{sftp_server.username} with the password (Authentication failed).")

    # The form's values are tried before they are saved.
    delivery_settings.check_connection(owner.actor, {"password": None, "private_key": sftp_server.private_key})
    assert stored_sftp(owner.operator.id).get("private_key_encrypted") is None

    sftp_server.stop()
    error = refused(delivery_settings.check_connection, owner.actor, {"private_key": sftp_server.private_key})
    assert error.message == f"Cannot connect to the SFTP server at 127.0.0.1 port {sftp_server.port}: " \
                            "no SSH server answered there, or it is not a public internet address."


def test_test_connection_without_settings_says_what_is_missing(owner):
    error = refused(delivery_settings.check_connection, owner.actor)

    assert error.code == ErrorCode.conflict
    assert error.message == ("Complete the SFTP delivery settings first (Settings, Payouts); missing: host, "
                             "username, host key fingerprint, password or private key.")


def test_only_owners_see_to_the_delivery(owner):
    staff = replace(owner.actor, role="staff")

    assert refused(delivery_settings.check_connection, staff).code == ErrorCode.forbidden
    assert refused(payout_settings.update_settings, staff, {"payouts": {"delivery": {"method": "download"}}}).code \
        == ErrorCode.forbidden
