"""Bank files at rest: a stored file (`bank_file.content`) carries every payee's full
account number, so it is kept encrypted with SECRET_KEY like the outbox's bodies.

Only this module seals and opens it; nothing reads `BankFile.content` directly
(`bank_files.StoredBankFile` is the opened file that downloads, SFTP delivery and tests use).
"""

from __future__ import annotations

from app.services.core import crypto
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_

UNREADABLE = N_("This bank file was stored with another SECRET_KEY and cannot be read; restore that key "
                "(or cancel the batch and pay it again with a new file).")


def seal(text: str) -> str:
    """The file's text as stored (encrypted)."""
    return crypto.encrypt(text)


def opened(stored: str) -> str:
    """The file's text; refuses `conflict` when it cannot be decrypted with this SECRET_KEY."""
    text = crypto.decrypt(stored)
    if text is None:
        raise GiftnetError(ErrorCode.conflict, UNREADABLE)
    return text


__all__ = ["UNREADABLE", "opened", "seal"]
