"""How a location's POS partner secrets are named on screen without being shown: "stored,
ends in 3f9a", so an owner can tell which key is on file (and whether it is the one the
partner shows) while the secret itself never leaves the server.

Owners only (the people who paste the secrets); another operator's location is not found.
A secret shorter than `MIN_LENGTH_FOR_ENDING` gets no ending: four of its few characters
would give too much of it away.
"""

from __future__ import annotations

from sqlmodel import select

from app.db import read_session
from app.models import Location, PosPartnerAccount
from app.models.pos_partner import PosPartner
from app.services.core import crypto
from app.services.core.actor import Actor
from app.services.core.i18n import N_
from app.services.core.roles import require_owner
from app.services.core.rows import owned_row

ENDING_LENGTH = 4
MIN_LENGTH_FOR_ENDING = 12


def secret_ending(encrypted: str | None) -> str:
    """The last characters of an encrypted secret ("" when there is none, it cannot be read
    with this deployment's key, or it is too short to name any of it)."""
    plaintext = crypto.decrypt(encrypted) if encrypted else None
    if not plaintext or len(plaintext) < MIN_LENGTH_FOR_ENDING:
        return ""
    return plaintext[-ENDING_LENGTH:]


def secret_endings(actor: Actor, location_id: int) -> dict[str, dict[str, str]]:
    """{partner: {secret field: its ending}} for the secrets on file of the location's partners
    (the fields as `configure_partner` names them: square `signature_key`, clover `api_token`
    and `auth_code`, shopify `webhook_secret`); a secret not on file has no entry."""
    require_owner(actor, "see a location's POS secrets")
    with read_session() as session:
        location = owned_row(session, Location, location_id, actor.operator_id, missing=N_("No such location."))
        accounts = {account.partner: account for account in session.exec(
            select(PosPartnerAccount).where(PosPartnerAccount.location_id == location_id)).all()}
    on_file = {
        PosPartner.square.value: {"signature_key": location.square_signature_key_encrypted},
        PosPartner.clover.value: {"api_token": getattr(accounts.get(PosPartner.clover), "secret_encrypted", None),
                                  "auth_code": getattr(accounts.get(PosPartner.clover), "auth_code_encrypted", None)},
        PosPartner.shopify.value: {
            "webhook_secret": getattr(accounts.get(PosPartner.shopify), "secret_encrypted", None)},
    }
    return {partner: {name: secret_ending(encrypted) for name, encrypted in secrets.items() if encrypted}
            for partner, secrets in on_file.items()}
