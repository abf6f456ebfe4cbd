"""A real OpenSSH server for the SFTP delivery tests: Debian's `/usr/sbin/sshd` (package
openssh-server; `make test` installs it) on a free loopback port, with its own host key,
config, pid file and authorized keys in a temporary directory, and SFTP served by
`internal-sftp` without a chroot. It runs as the user running the tests (root here, so
`PermitRootLogin prohibit-password`: keys only, a password is always refused).

`SftpServer.stop()` ends the server by its pid (the tests' "bank is down"); `start()`
brings it back on the same port with the same keys.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.ports import free_port

SSHD = "/usr/sbin/sshd"
STARTUP_SECONDS = 10


def _keygen(path: Path, comment: str, key_type: str = "ed25519") -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", key_type, "-N", "", "-C", comment, "-f", str(path)], check=True,
                   capture_output=True, timeout=30)


def _fingerprint(public_key: Path) -> str:
    printed = subprocess.run(["ssh-keygen", "-lf", str(public_key)], check=True, capture_output=True, text=True,
                             timeout=30).stdout
    return printed.split()[1]  # "256 SHA256:... comment (ED25519)"


class SftpServer:
    """One sshd: `host`, `port`, `username`, `private_key` (the user's key, OpenSSH text),
    `host_key_sha256` (as `ssh-keygen -lf` prints it) and `inbox`, the remote directory
    (an absolute path on this machine, as the server sees it)."""

    def __init__(self, root: Path, host_key_types: tuple[str, ...] = ("ed25519",)) -> None:
        self.root = root
        self.host = "127.0.0.1"
        self.port = free_port()
        self.username = getpass.getuser()
        self.inbox = root / "inbox"
        self.inbox.mkdir()
        self.host_keys = {key_type: root / f"ssh_host_{key_type}_key" for key_type in host_key_types}
        for key_type, path in self.host_keys.items():
            _keygen(path, "giftnet-test-host", key_type)
        # The fingerprint of each host key, as `ssh-keygen -lf` prints it; the first is the one pinned by default.
        self.fingerprints = {key_type: _fingerprint(Path(f"{path}.pub")) for key_type, path in self.host_keys.items()}
        self.host_key_sha256 = self.fingerprints[host_key_types[0]]
        user_key = root / "user_key"
        _keygen(user_key, "giftnet-test-user")
        self.private_key = user_key.read_text()
        self.authorized_keys = root / "authorized_keys"
        shutil.copyfile(f"{user_key}.pub", self.authorized_keys)
        self.config = root / "sshd_config"
        self.config.write_text("\n".join([
            f"Port {self.port}",
            f"ListenAddress {self.host}",
            *(f"HostKey {path}" for path in self.host_keys.values()),
            f"PidFile {root / 'sshd.pid'}",
            f"AuthorizedKeysFile {self.authorized_keys}",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication yes",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "MaxAuthTries 6",
            f"AllowUsers {self.username}",
            "Subsystem sftp internal-sftp",
            "LogLevel VERBOSE",
            "",
        ]))
        self.log_path = root / "sshd.log"
        self.process: subprocess.Popen | None = None

    def target(self, **changes: object) -> dict:
        """The `payouts.delivery.sftp` settings that reach this server (with `changes`)."""
        return {"host": self.host, "port": self.port, "username": self.username, "private_key": self.private_key,
                "remote_dir": str(self.inbox), "host_key_sha256": self.host_key_sha256, **changes}

    def start(self) -> None:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
        with open(self.log_path, "a") as log_file:
            self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(self.config)], stdout=log_file,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd exited at start:\n{self.log_path.read_text()[-3000:]}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(64).startswith(b"SSH-2.0-"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sshd did not answer within {STARTUP_SECONDS} s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        """End the server (its listener and any session it forked: its process group), by pid."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def files(self) -> dict[str, bytes]:
        """What is in the remote directory now, by name (temporary files included)."""
        return {path.name: path.read_bytes() for path in sorted(self.inbox.iterdir())}


@pytest.fixture
def sftp_server(tmp_path_factory) -> Iterator[SftpServer]:
    """A running sshd for this test, stopped after it."""
    if not os.path.exists(SSHD) or shutil.which("ssh-keygen") is None:
        pytest.fail("OpenSSH is not installed: `make test` installs it (apt-get install openssh-server "
                    "openssh-client).")
    server = SftpServer(tmp_path_factory.mktemp("sftp"))
    server.start()
    yield server
    server.stop()
