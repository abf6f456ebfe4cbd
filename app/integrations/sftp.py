"""Delivering a file to a bank's SFTP server (paramiko, over one SSH connection per call).

Rules this module keeps:
- the server's host key is pinned by its SHA-256 fingerprint, written as `ssh-keygen -lf`
  prints it (`SHA256:` and 43 base64 characters). The key is checked before we
  authenticate, so a server that is not the bank's never sees the password or a
  signature, and nothing is sent to it. A server has one key per type (Ed25519,
  ECDSA, RSA); when it first presents another type than the pinned one, the connection
  is made again without that type, so any of its fingerprints may be pinned;
- an upload goes to a temporary name (`.<name>.part`) in the remote directory, is read
  back (size and SHA-256 compared with what was sent) and only then renamed to its
  name, so the bank never picks up a partial or damaged file; the final file's size is
  checked once more after the rename;
- a file of the same name already there with the same bytes counts as delivered (a retry
  after an answer was lost must not send a second copy); with other bytes it is refused;
- every failure is an `SftpError` with a sentence for a person, the server's own words
  where it gave any, and `retryable` saying whether trying again later can help (a
  server that is down: yes; a refused password or a wrong host key: no).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
import posixpath
import re
import socket
import stat
from dataclasses import dataclass

import paramiko
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from app.integrations import outbound

CONNECT_TIMEOUT_SECONDS = 10.0
HANDSHAKE_TIMEOUT_SECONDS = 15.0
CHANNEL_TIMEOUT_SECONDS = 30.0
FINGERPRINT = re.compile(r"SHA256:([A-Za-z0-9+/]{43})=?")
# paramiko logs every failed handshake with its traceback; each failure is answered as an SftpError instead.
logging.getLogger("paramiko.transport").setLevel(logging.CRITICAL)
# Host key algorithms that present the same RSA key (signed with different hashes).
_RSA_ALGORITHMS = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")


class SftpError(Exception):
    """The server could not be used. `retryable`: whether trying again later can help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message[:900]
        self.retryable = retryable


@dataclass(frozen=True)
class SftpTarget:
    """Where and how to log in. `private_key` is the key's text (PEM or OpenSSH)."""

    host: str
    port: int
    username: str
    host_key_sha256: str
    remote_dir: str = "."
    password: str | None = None
    private_key: str | None = None

    @property
    def address(self) -> str:
        return f"{self.host} port {self.port}"


@dataclass(frozen=True)
class Uploaded:
    """A file in place on the server, with what was read back from it."""

    remote_path: str
    size: int
    sha256: str
    already_there: bool = False  # found with the same bytes from an earlier attempt


def fingerprint(key: paramiko.PKey) -> str:
    """`SHA256:...` of a public key, exactly as `ssh-keygen -lf` prints it."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def parse_fingerprint(text: str) -> str | None:
    """The `SHA256:...` fingerprint in `text` (alone, or a whole `ssh-keygen -lf` line), or None."""
    found = FINGERPRINT.search(text or "")
    return f"SHA256:{found.group(1)}" if found else None


def load_private_key(text: str) -> paramiko.PKey:
    """A private key from its PEM or OpenSSH text (Ed25519, ECDSA or RSA, without a passphrase).

    Raises ValueError with a sentence saying what is wrong with it."""
    data = (text or "").strip().encode() + b"\n"
    try:
        try:
            loaded = serialization.load_ssh_private_key(data, password=None)
        except ValueError:
            loaded = serialization.load_pem_private_key(data, password=None)
    except TypeError:  # cryptography: "Password was not given but private key is encrypted"
        raise ValueError("The private key is protected by a passphrase; give the key without one "
                         "(ssh-keygen -p -N '' -f <file>).") from None
    except (ValueError, UnsupportedAlgorithm):
        raise ValueError("The private key could not be read; paste the whole key, from its -----BEGIN line "
                         "to its -----END line (PEM or OpenSSH format).") from None
    if isinstance(loaded, ed25519.Ed25519PrivateKey):
        key_class = paramiko.Ed25519Key
    elif isinstance(loaded, ec.EllipticCurvePrivateKey):
        key_class = paramiko.ECDSAKey
    elif isinstance(loaded, rsa.RSAPrivateKey):
        key_class = paramiko.RSAKey
    else:
        raise ValueError("The private key must be an Ed25519, ECDSA or RSA key.")
    return key_class.from_private_key(io.StringIO(data.decode()))


def public_key_line(private_key: str) -> str:
    """The OpenSSH public key line of a private key (what the bank adds to its authorized keys)."""
    key = load_private_key(private_key)
    return f"{key.get_name()} {key.get_base64()}"


def _algorithms_of(key: paramiko.PKey) -> tuple[str, ...]:
    name = key.get_name()
    return _RSA_ALGORITHMS if name == "ssh-rsa" else (name,)


class _Session:
    """One authenticated SFTP session, closed with its transport."""

    def __init__(self, target: SftpTarget) -> None:
        self.target = target
        self.transport = self._verified_transport()
        try:
            self._authenticate()
            self.sftp = paramiko.SFTPClient.from_transport(self.transport)
            self.sftp.get_channel().settimeout(CHANNEL_TIMEOUT_SECONDS)
        except BaseException:
            self.transport.close()
            raise

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.transport.close()

    def _open_transport(self, disabled_keys: tuple[str, ...]) -> paramiko.Transport:
        target = self.target
        try:
            sock = outbound.open_socket(target.host, target.port, timeout=CONNECT_TIMEOUT_SECONDS)
        except (outbound.OutboundRefused, OSError):
            # One sentence whatever happened (a name not found, an internal address refused, a port
            # closed or silent): the answer must not tell the state of a port on another network.
            raise SftpError(f"Cannot connect to the SFTP server at {target.address}: no SSH server answered there, "
                            "or it is not a public internet address.", retryable=True) from None
        transport = paramiko.Transport(sock, disabled_algorithms={"keys": list(disabled_keys)})
        transport.banner_timeout = HANDSHAKE_TIMEOUT_SECONDS
        transport.handshake_timeout = HANDSHAKE_TIMEOUT_SECONDS
        transport.auth_timeout = HANDSHAKE_TIMEOUT_SECONDS
        try:
            transport.start_client(timeout=HANDSHAKE_TIMEOUT_SECONDS)
        except paramiko.IncompatiblePeer:  # e.g. no host key of a type not tried yet
            transport.close()
            raise
        except (paramiko.SSHException, OSError, EOFError) as error:
            transport.close()
            raise SftpError(f"The server at {target.address} did not complete the SSH handshake: "
                            f"{error or type(error).__name__}.", retryable=True) from None
        return transport

    def _verified_transport(self) -> paramiko.Transport:
        """A transport whose server presented the pinned host key, or SftpError (not retryable)."""
        pinned = parse_fingerprint(self.target.host_key_sha256)
        if pinned is None:
            raise SftpError("The server's host key fingerprint is not set (SHA256:..., as ssh-keygen -lf prints "
                            "it); nothing was sent.", retryable=False)
        disabled: tuple[str, ...] = ()
        presented: list[str] = []
        while True:
            try:
                transport = self._open_transport(disabled)
            except paramiko.IncompatiblePeer:  # the server has no host key of a type not tried yet
                break
            key = transport.get_remote_server_key()
            seen = fingerprint(key)
            if hmac.compare_digest(seen, pinned):
                return transport
            transport.close()
            presented.append(f"{key.get_name()} {seen}")
            disabled += _algorithms_of(key)
        raise SftpError(
            f"The server at {self.target.address} is not the one pinned: its host key "
            f"{' / '.join(presented) or '(none)'} does not match {pinned}. Nothing was sent. Check the fingerprint "
            "with your bank; if they changed their key, enter the new fingerprint in Settings.",
            retryable=False,
        )

    def _authenticate(self) -> None:
        target, transport = self.target, self.transport
        refusals = []
        if target.private_key:
            try:
                key = load_private_key(target.private_key)
            except ValueError as error:
                raise SftpError(str(error), retryable=False) from None
            try:
                transport.auth_publickey(target.username, key)
            except paramiko.AuthenticationException as error:
                refusals.append(f"the private key ({_server_words(error)})")
            except (paramiko.SSHException, OSError, EOFError) as error:
                raise _lost(target, error) from None
        if not transport.is_authenticated() and target.password:
            try:
                transport.auth_password(target.username, target.password)
            except paramiko.AuthenticationException as error:
                refusals.append(f"the password ({_server_words(error)})")
            except (paramiko.SSHException, OSError, EOFError) as error:
                raise _lost(target, error) from None
        if not transport.is_authenticated():
            tried = " and ".join(refusals) or "no password or private key (set one in Settings)"
            raise SftpError(f"The server at {target.address} refused the login of {target.username} with {tried}.",
                            retryable=False)


def _server_words(error: paramiko.AuthenticationException) -> str:
    """What the server said when it refused a login: its message, and what it would accept."""
    words = str(error).strip() or "Authentication failed."
    allowed = getattr(error, "allowed_types", None)
    if allowed:
        words += f" It accepts: {', '.join(allowed)}."
    return words.rstrip(".")


def _lost(target: SftpTarget, error: BaseException) -> SftpError:
    return SftpError(f"The connection to the SFTP server at {target.address} was lost: "
                     f"{error or type(error).__name__}.", retryable=True)


def _sftp_words(error: BaseException) -> str:
    """The server's SFTP status text ("No such file", "Permission denied") or the error's own."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _refused(target: SftpTarget, error: OSError, what: str) -> SftpError:
    """An SFTP request that failed: the server's refusal (fix the settings or the server), or a
    connection that timed out or broke on the way (try again later)."""
    if isinstance(error, (TimeoutError, ConnectionError)):
        return _lost(target, error)
    return SftpError(f"{what}: {_sftp_words(error)}.", retryable=False)


def _remote_dir(session: _Session) -> str:
    """The target's remote directory, refused unless it exists and is a directory."""
    target = session.target
    remote_dir = target.remote_dir or "."
    try:
        attributes = session.sftp.stat(remote_dir)
    except OSError as error:
        raise _refused(target, error, f"The remote directory {remote_dir} cannot be used on {target.address}") \
            from None
    if attributes.st_mode is not None and not stat.S_ISDIR(attributes.st_mode):
        raise SftpError(f"{remote_dir} on {target.address} is a file, not a directory.", retryable=False)
    return remote_dir


def check(target: SftpTarget) -> None:
    """Connect, verify the host key, log in and list the remote directory; upload nothing.

    Raises SftpError saying what failed."""
    try:
        with _Session(target) as session:
            remote_dir = _remote_dir(session)
            try:
                session.sftp.listdir(remote_dir)
            except OSError as error:
                raise _refused(target, error, f"The remote directory {remote_dir} on {target.address} cannot be "
                                              "listed") from None
    except (paramiko.SSHException, EOFError, socket.timeout) as error:
        raise _lost(target, error) from None


def _read_back(session: _Session, path: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with session.sftp.open(path, "rb") as remote:
        remote.prefetch()
        while chunk := remote.read(65536):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _same_file_there(session: _Session, path: str, size: int, sha256: str) -> bool:
    """Whether `path` already holds these bytes (True), is absent (False); other bytes are refused."""
    try:
        session.sftp.stat(path)
    except FileNotFoundError:
        return False
    there_size, there_sha256 = _read_back(session, path)
    if (there_size, there_sha256) == (size, sha256):
        return True
    raise SftpError(f"A different file named {path} is already on {session.target.address} ({there_size} bytes); "
                    "it was left as it is and nothing was sent.", retryable=False)


def upload(target: SftpTarget, filename: str, content: bytes) -> Uploaded:
    """Put `content` into the remote directory as `filename`: sent under a temporary name,
    read back and compared, then renamed. Returns the remote path with the size and
    SHA-256 read back. Raises SftpError (nothing is left under the final name then)."""
    if "/" in filename or filename.startswith("."):
        raise ValueError(f"Not a plain file name: {filename!r}")
    size, sha256 = len(content), hashlib.sha256(content).hexdigest()
    try:
        with _Session(target) as session:
            remote_dir = _remote_dir(session)
            final = posixpath.join(remote_dir, filename)
            if _same_file_there(session, final, size, sha256):
                return Uploaded(remote_path=final, size=size, sha256=sha256, already_there=True)
            temporary = posixpath.join(remote_dir, f".{filename}.part")
            try:
                _send_verified(session, temporary, content, size, sha256)
                _rename(session, temporary, final)
            except BaseException:
                _remove_quietly(session, temporary)
                raise
            try:
                placed = session.sftp.stat(final).st_size
            except OSError as error:
                raise _refused(target, error, f"{final} on {target.address} cannot be read after the rename") \
                    from None
            if placed != size:
                raise SftpError(f"{final} on {target.address} has {placed} bytes after the rename, not {size}.",
                                retryable=True)
            return Uploaded(remote_path=final, size=size, sha256=sha256)
    except (paramiko.SSHException, EOFError, socket.timeout) as error:
        raise _lost(target, error) from None


def _send_verified(session: _Session, path: str, content: bytes, size: int, sha256: str) -> None:
    target = session.target
    try:
        session.sftp.putfo(io.BytesIO(content), path, file_size=size, confirm=False)
    except OSError as error:
        raise _refused(target, error, f"Writing {path} on {target.address} was refused") from None
    try:
        there_size, there_sha256 = _read_back(session, path)
    except OSError as error:
        raise _refused(target, error, f"{path} on {target.address} cannot be read back to check it") from None
    if there_size != size or there_sha256 != sha256:
        raise SftpError(f"The copy on {target.address} differs from the file sent ({there_size} bytes, sha256 "
                        f"{there_sha256[:12]}…, sent {size} bytes, {sha256[:12]}…).", retryable=True)


def _rename(session: _Session, temporary: str, final: str) -> None:
    what = f"Renaming the uploaded file to {final} on {session.target.address} was refused"
    try:
        session.sftp.posix_rename(temporary, final)  # OpenSSH's extension: atomic
    except OSError as first:
        if "unsupported" not in _sftp_words(first).lower():
            raise _refused(session.target, first, what) from None
        try:  # a server without the extension: the plain rename (the final name is known to be free)
            session.sftp.rename(temporary, final)
        except OSError as error:
            raise _refused(session.target, error, what) from None


def _remove_quietly(session: _Session, path: str) -> None:
    try:
        session.sftp.remove(path)
    except (OSError, paramiko.SSHException, EOFError):  # gone already, or the connection is: nothing to tidy
        pass
