"""The SFTP client against a real OpenSSH server (tests/support/sftp.py): the host key is
pinned, logins refused in the server's words, files placed whole and once."""

from __future__ import annotations

import hashlib

import pytest

from app.integrations import sftp
from tests.support.sftp import SftpServer

NACHA_LIKE = b"".join(f"6{n:093d}\n".encode() for n in range(40))


def _target(server: SftpServer, **changes) -> sftp.SftpTarget:
    return sftp.SftpTarget(**server.target(**changes))


def test_a_file_arrives_whole_under_its_name_and_is_read_back(sftp_server):
    uploaded = sftp.upload(_target(sftp_server), "downtown-payout-7-20261130180000.ach", NACHA_LIKE)

    assert sftp_server.files() == {"downtown-payout-7-20261130180000.ach": NACHA_LIKE}  # no .part left behind
    assert uploaded.remote_path == f"{sftp_server.inbox}/downtown-payout-7-20261130180000.ach"
    assert (uploaded.size, uploaded.sha256) == (len(NACHA_LIKE), hashlib.sha256(NACHA_LIKE).hexdigest())
    assert uploaded.already_there is False


def test_sending_the_same_file_again_leaves_one_copy(sftp_server):
    sftp.upload(_target(sftp_server), "batch-7.ach", NACHA_LIKE)

    again = sftp.upload(_target(sftp_server), "batch-7.ach", NACHA_LIKE)

    assert again.already_there is True
    assert sftp_server.files() == {"batch-7.ach": NACHA_LIKE}


def test_other_bytes_under_a_taken_name_are_refused_and_the_first_file_stays(sftp_server):
    sftp.upload(_target(sftp_server), "batch-7.ach", NACHA_LIKE)

    with pytest.raises(sftp.SftpError) as refused:
        sftp.upload(_target(sftp_server), "batch-7.ach", b"101 something else\n")

    assert "A different file named" in refused.value.message and not refused.value.retryable
    assert sftp_server.files() == {"batch-7.ach": NACHA_LIKE}


def test_a_server_with_another_host_key_gets_nothing(sftp_server):
    impostor = "SHA256:" + "A" * 43

    with pytest.raises(sftp.SftpError) as refused:
        sftp.upload(_target(sftp_server, host_key_sha256=impostor), "batch-7.ach", NACHA_LIKE)

    message = refused.value.message
    assert "is not the one pinned" in message and sftp_server.host_key_sha256 in message and impostor in message
    assert not refused.value.retryable
    assert sftp_server.files() == {}
    assert "Accepted publickey" not in sftp_server.log_path.read_text()  # refused before logging in


def test_any_of_the_servers_host_keys_may_be_pinned(tmp_path):
    server = SftpServer(tmp_path, host_key_types=("ed25519", "rsa"))
    server.start()
    try:
        # The client prefers Ed25519; the bank gave the RSA key's fingerprint.
        sftp.check(_target(server, host_key_sha256=server.fingerprints["rsa"]))
        with pytest.raises(sftp.SftpError) as refused:
            sftp.check(_target(server, host_key_sha256="SHA256:" + "B" * 43))
    finally:
        server.stop()
    assert server.fingerprints["ed25519"] in refused.value.message
    assert server.fingerprints["rsa"] in refused.value.message


def test_a_wrong_password_is_refused_in_the_servers_words(sftp_server):
    with pytest.raises(sftp.SftpError) as refused:
        sftp.check(_target(sftp_server, private_key=None, password="not-the-password"))

    assert refused.value.message == (f"The server at 127.0.0.1 port {sftp_server.port} refused the login of "
                                     f"{sftp_server.username} with the password (Authentication failed).")
    assert not refused.value.retryable  # trying again would only lock the account


def test_a_key_the_server_does_not_know_is_refused(sftp_server, tmp_path):
    other = SftpServer(tmp_path)  # its user key is not in sftp_server's authorized keys

    with pytest.raises(sftp.SftpError) as refused:
        sftp.check(_target(sftp_server, private_key=other.private_key))

    assert "refused the login" in refused.value.message and "the private key" in refused.value.message


def test_a_stopped_server_is_worth_trying_again(sftp_server):
    sftp_server.stop()

    with pytest.raises(sftp.SftpError) as down:
        sftp.upload(_target(sftp_server), "batch-7.ach", NACHA_LIKE)

    assert down.value.retryable
    assert down.value.message == f"Cannot connect to the SFTP server at 127.0.0.1 port {sftp_server.port}: " \
                                 "no SSH server answered there, or it is not a public internet address."


def test_check_lists_the_remote_directory_and_uploads_nothing(sftp_server):
    (sftp_server.inbox / "earlier.ach").write_bytes(b"101\n")

    sftp.check(_target(sftp_server))

    assert sftp_server.files() == {"earlier.ach": b"101\n"}
    with pytest.raises(sftp.SftpError) as missing:
        sftp.check(_target(sftp_server, remote_dir=f"{sftp_server.inbox}/nope"))
    assert missing.value.message.endswith(": No such file.") and not missing.value.retryable


def test_fingerprints_read_as_ssh_keygen_prints_them(sftp_server):
    line = f"256 {sftp_server.host_key_sha256} giftnet-test-host (ED25519)"

    assert sftp.parse_fingerprint(line) == sftp_server.host_key_sha256
    assert sftp.parse_fingerprint("MD5:12:34") is None


def test_private_keys_are_read_from_their_text(sftp_server, tmp_path):
    key = sftp.load_private_key(sftp_server.private_key)
    assert key.get_name() == "ssh-ed25519"
    assert sftp.public_key_line(sftp_server.private_key) == " ".join(
        (sftp_server.root / "authorized_keys").read_text().split()[:2])

    with pytest.raises(ValueError, match="could not be read"):
        sftp.load_private_key("-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----")
