"""How a batch's bank file reaches the bank: downloaded by hand (`download`, the default) or
uploaded to the bank's SFTP server (`sftp`). Part of `PATCH /settings` (`payouts.delivery`)
and the Settings screen; `payout_settings.update_settings` calls `merge` and `public_view`.

Stored in `Operator.payout_settings` as `{"delivery": {"method", "sftp": {...}}}`. The
password and private key are encrypted (`password_encrypted`, `private_key_encrypted`) and
never answered: answers show `********` where one is set, and the private key's public
half (`public_key`, what the bank adds to its authorized keys). No character of a secret
is kept in clear (their `_last4` is empty, so the audit trail shows only that one changed).

Rules this module keeps:
- `sftp` needs a host, a username, a password or a private key and the server's host key
  fingerprint (`SHA256:...` as `ssh-keygen -lf` prints it; the whole line may be pasted);
  choosing it without them is refused, naming what is missing;
- a PATCH is partial: fields not given stay, `null` clears one, `"sftp": null` clears the
  section; a secret sent back as `********` (the mask a GET answered) keeps the stored one;
- switching back to `download` keeps the SFTP settings for later.
"""

from __future__ import annotations

import json
import re

from app.db import read_session
from app.integrations import outbound, sftp
from app.models import Operator
from app.services.core import crypto
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.operators import operator_or_404
from app.services.core.roles import require_owner

METHODS = ("download", "sftp")
SFTP_FIELDS = ("host", "port", "username", "password", "private_key", "remote_dir", "host_key_sha256")
SECRETS = ("password", "private_key")
MASK = "********"
DEFAULT_PORT = 22
HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
IPV6 = re.compile(r"^[0-9A-Fa-f:.]{2,45}$")
LABELS = {"host": "host", "port": "port", "username": "username", "password": "password",
          "private_key": "private key", "remote_dir": "remote directory", "host_key_sha256": "host key fingerprint"}


def _stored_delivery(operator: Operator) -> dict:
    try:
        stored = json.loads(operator.payout_settings or "{}")
    except ValueError:
        return {}
    delivery = stored.get("delivery") if isinstance(stored, dict) else None
    return delivery if isinstance(delivery, dict) else {}


def method_of(operator: Operator) -> str:
    """`download` or `sftp`."""
    method = _stored_delivery(operator).get("method")
    return method if method in METHODS else "download"


def missing(stored_sftp: dict) -> tuple[str, ...]:
    """The SFTP fields still needed before a file can be sent (a password or a private key counts once)."""
    needed = [name for name in ("host", "username", "host_key_sha256") if not stored_sftp.get(name)]
    if not (stored_sftp.get("password_encrypted") or stored_sftp.get("private_key_encrypted")):
        needed.append("password")
    return tuple(needed)


def public_view(stored_delivery: dict | None) -> dict:
    """`payouts.delivery` as answers show it: the secrets masked, the key's public half."""
    stored_delivery = stored_delivery or {}
    method = stored_delivery.get("method") if stored_delivery.get("method") in METHODS else "download"
    stored_sftp = stored_delivery.get("sftp") or {}
    if not stored_sftp:
        return {"method": method, "sftp": None}
    return {"method": method, "sftp": {
        "host": stored_sftp.get("host"),
        "port": stored_sftp.get("port") or DEFAULT_PORT,
        "username": stored_sftp.get("username"),
        "password": MASK if stored_sftp.get("password_encrypted") else None,
        "private_key": MASK if stored_sftp.get("private_key_encrypted") else None,
        "public_key": stored_sftp.get("public_key"),
        "remote_dir": stored_sftp.get("remote_dir") or ".",
        "host_key_sha256": stored_sftp.get("host_key_sha256"),
        "missing": list(missing(stored_sftp)),
    }}


# --- changing ---------------------------------------------------------------------


def _refuse(sentence: str, name: str) -> GiftnetError:
    return GiftnetError(ErrorCode.invalid_input, sentence, field=f"payouts.delivery.sftp.{name}")


def _text(raw: object, name: str, max_length: int) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise _refuse(f"The SFTP {LABELS[name]} must be text.", name)
    value = raw.strip()
    if len(value) > max_length:
        raise _refuse(f"The SFTP {LABELS[name]} has more than {max_length} characters.", name)
    if any(ord(char) < 32 for char in value) and name != "private_key":
        raise _refuse(f"The SFTP {LABELS[name]} must be one line.", name)
    return value or None


def _clean(name: str, raw: object) -> object:
    """The stored form of one SFTP field (None clears it); refuses with a sentence naming it."""
    if name == "port":
        if raw is None or raw == "":
            return None
        if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
            raw = int(raw.strip())
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 65535:
            raise _refuse("The SFTP port is a whole number from 1 to 65535 (22 when not set).", name)
        return raw
    if name == "private_key":
        value = _text(raw, name, 16_000)
        if value is not None:
            try:
                sftp.load_private_key(value)
            except ValueError as error:
                raise _refuse(str(error), name) from None
        return value
    value = _text(raw, name, {"password": 200, "remote_dir": 500}.get(name, 255))
    if value is None:
        return None
    if name == "host" and not (HOSTNAME.match(value) or (":" in value and IPV6.match(value))):
        raise _refuse("The SFTP host is a server name like sftp.bank.example or an IP address, without "
                      "sftp:// or a port.", name)
    if name == "username" and any(char.isspace() for char in value):
        raise _refuse("The SFTP username cannot contain spaces.", name)
    if name == "host_key_sha256":
        pinned = sftp.parse_fingerprint(value)
        if pinned is None:
            raise _refuse("The host key fingerprint is SHA256: followed by 43 characters, as `ssh-keygen -lf` "
                          "prints it (ask your bank, or run ssh-keyscan HOST | ssh-keygen -lf -).", name)
        return pinned
    return value


def _merge_sftp(stored: dict, changes: object) -> dict:
    if changes is None:
        return {}
    if not isinstance(changes, dict):
        raise GiftnetError(ErrorCode.invalid_input, N_("payouts.delivery.sftp must be an object."),
                           field="payouts.delivery.sftp")
    unknown = sorted(set(changes) - set(SFTP_FIELDS))
    if unknown:
        raise GiftnetError(ErrorCode.invalid_input, N_("Unknown field: payouts.delivery.sftp.{value}."),
                           field=f"payouts.delivery.sftp.{unknown[0]}", params={"value": unknown[0]})
    merged = dict(stored)
    for name, raw in changes.items():
        if name in SECRETS and raw == MASK:
            continue  # the mask an answer showed, sent back: keep the stored secret
        value = _clean(name, raw)
        if name in SECRETS:
            for key in (f"{name}_encrypted", f"{name}_last4", *(("public_key",) if name == "private_key" else ())):
                merged.pop(key, None)
            if value is not None:
                merged[f"{name}_encrypted"] = crypto.encrypt(value)
                merged[f"{name}_last4"] = ""  # nothing of a password or key is kept in clear
                if name == "private_key":
                    merged["public_key"] = sftp.public_key_line(value)
        else:
            merged.pop(name, None)
            if value is not None:
                merged[name] = value
    if merged.get("host") and {"host", "port"} & set(changes):
        try:
            outbound.check_host(merged["host"], int(merged.get("port") or DEFAULT_PORT))
        except outbound.OutboundRefused as refused:
            raise GiftnetError(ErrorCode.invalid_input, N_("The SFTP host must be a server on the public internet: "
                                                           "{reason}."),
                               field="payouts.delivery.sftp.host", params={"reason": refused.reason}) from None
    return merged


def merge(stored_delivery: dict, changes: object) -> dict:
    """`payouts.delivery` after a PATCH of `changes` (`{"method", "sftp": {...}}`), checked.

    Refuses `invalid_input` naming the field: an unknown field or method, a bad value,
    and `sftp` chosen while a field it needs is missing."""
    if changes is None:
        return {}
    if not isinstance(changes, dict):
        raise GiftnetError(ErrorCode.invalid_input, N_("payouts.delivery must be an object."), field="payouts.delivery")
    unknown = sorted(set(changes) - {"method", "sftp"})
    if unknown:
        raise GiftnetError(ErrorCode.invalid_input, N_("Unknown field: payouts.delivery.{value}."),
                           field=f"payouts.delivery.{unknown[0]}", params={"value": unknown[0]})
    merged = dict(stored_delivery or {})
    if "method" in changes:
        method = changes["method"] if changes["method"] is not None else "download"
        if method not in METHODS:
            raise GiftnetError(ErrorCode.invalid_input, N_("payouts.delivery.method is download or sftp."),
                               field="payouts.delivery.method")
        merged["method"] = method
    if "sftp" in changes:
        merged["sftp"] = _merge_sftp(merged.get("sftp") or {}, changes["sftp"])
    if merged.get("method") == "sftp":
        needed = missing(merged.get("sftp") or {})
        if needed:
            labels = ", ".join("password or private key" if name == "password" else LABELS[name] for name in needed)
            raise GiftnetError(ErrorCode.invalid_input,
                               N_("SFTP delivery needs the server's {labels} first."),
                               field=f"payouts.delivery.sftp.{needed[0]}", params={"labels": labels})
    return merged


# --- using them -------------------------------------------------------------------------


def target_from(stored_sftp: dict) -> sftp.SftpTarget:
    """The SFTP target of stored settings, secrets decrypted; refuses `conflict` naming what is missing."""
    needed = missing(stored_sftp)
    if needed:
        labels = ", ".join("password or private key" if name == "password" else LABELS[name] for name in needed)
        raise GiftnetError(ErrorCode.conflict, N_("Complete the SFTP delivery settings first (Settings, Payouts); missing: {labels}."), field=f"payouts.delivery.sftp.{needed[0]}", params={"labels": labels})
    secrets = {}
    for name in SECRETS:
        encrypted = stored_sftp.get(f"{name}_encrypted")
        plain = crypto.decrypt(encrypted) if encrypted else None
        if encrypted and plain is None:
            raise GiftnetError(ErrorCode.conflict, N_("The SFTP {value} cannot be read (the secret key changed); enter it again in Settings."),
                               field=f"payouts.delivery.sftp.{name}", params={"value": LABELS[name]})
        secrets[name] = plain
    return sftp.SftpTarget(host=stored_sftp["host"], port=int(stored_sftp.get("port") or DEFAULT_PORT),
                           username=stored_sftp["username"], host_key_sha256=stored_sftp["host_key_sha256"],
                           remote_dir=stored_sftp.get("remote_dir") or ".", **secrets)


def sftp_target(operator: Operator) -> sftp.SftpTarget:
    """The operator's stored SFTP target (whatever the method); `conflict` when incomplete."""
    return target_from(_stored_delivery(operator).get("sftp") or {})


def check_connection(actor: Actor, sftp_changes: dict | None = None) -> None:
    """Connect to the bank's server, check its host key, log in and list the remote directory,
    uploading nothing. `sftp_changes` (the form's values, not saved) are tried over the
    stored settings. Owners only.

    Refuses `invalid_input` for a bad field, `conflict` with the server's own words when the
    server cannot be used (down, another host key, login refused, no such directory)."""
    require_owner(actor, "test the SFTP delivery settings")
    with read_session() as session:
        stored = _stored_delivery(operator_or_404(session, actor.operator_id)).get("sftp") or {}
    if sftp_changes:
        stored = _merge_sftp(stored, sftp_changes)
    target = target_from(stored)
    try:
        sftp.check(target)
    except sftp.SftpError as error:
        raise GiftnetError(ErrorCode.conflict, error.message) from None


__all__ = [
    "METHODS",
    "merge",
    "method_of",
    "public_view",
    "sftp_target",
    "check_connection",
]
