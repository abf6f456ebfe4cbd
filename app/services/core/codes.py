"""Card codes and card links: a code is 16 characters from an alphabet a person cannot
misread; a link token is a random URL-safe string. Both are stored only as keyed hashes
(to find the card) and encrypted (to show or send again).

No 0/O, 1/I/L (and no U, to keep accidental words out). Printed in groups of four,
accepted in any case, with or without dashes or spaces.
"""

from __future__ import annotations

import re
import secrets

from app.services.core import crypto
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
_SEPARATORS = re.compile(r"[\s\-_.]")
CODE_HASH = "card-code"  # the purposes of the keyed hashes: a code and a link never share one
LINK_HASH = "card-link"
LINK_TOKEN_BYTES = 24


def generate_code() -> str:
    """A new random code, normalized (no dashes). 30^16 ~ 2^78 possibilities."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """Upper-case and strip separators; refuse anything that cannot be a card code."""
    if not isinstance(raw, str):
        raise GiftnetError(ErrorCode.invalid_card_code, N_("Enter the 16-character card code."), field="code")
    code = _SEPARATORS.sub("", raw).upper()
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        raise GiftnetError(
            ErrorCode.invalid_card_code,
            N_("That is not a card code: it has 16 letters and digits, like ABCD-EFGH-JKMN-PQRS."),
            field="code",
        )
    return code


def format_code(code: str) -> str:
    """ABCDEFGHJKMNPQRS -> ABCD-EFGH-JKMN-PQRS."""
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))


def last4(code: str) -> str:
    return code[-4:]


def mask(last_four: str) -> str:
    """How screens and logs show a card: never more than its last four."""
    return f"•••• {last_four}"


def normalize_fragment(raw: str) -> str | None:
    """The last-4 part of a search ('7kq2', '•••• 7KQ2'), or None when it cannot be one."""
    fragment = _SEPARATORS.sub("", raw.replace("•", "")).upper()
    if 1 <= len(fragment) <= CODE_LENGTH and all(char in ALPHABET for char in fragment) and len(fragment) >= 4:
        return fragment
    return None


def hash_code(normalized_code: str) -> str:
    """What a card stores to be found by its (normalized) code."""
    return crypto.keyed_hash(CODE_HASH, normalized_code)


def new_link_token() -> str:
    """A new card link token (the credential of the recipient's card page)."""
    return secrets.token_urlsafe(LINK_TOKEN_BYTES)


def hash_link_token(token: str) -> str:
    """What a card stores to be found by its link token."""
    return crypto.keyed_hash(LINK_HASH, token)
