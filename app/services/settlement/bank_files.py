"""A payout batch's bank files: NACHA (US accounts, US dollars) and CPA-005 (Canadian
accounts), written once per batch and format.

Rules this module keeps:
- a bank file is written once per batch and format and stored (name, bytes, sha256,
  creation time, file creation number): asking again returns the same bytes; the
  first file moves the batch to `exported`;
- CPA-005 file creation numbers come from one UPDATE of
  `operator.last_cpa005_file_number`, so they increase and never repeat; NACHA files
  are numbered per operator too (the number picks the file id modifier);
- a file pays only accounts that fit its format; the refusal names the locations that do not;
- a NACHA file also carries the batch's prenotes (`prenotes.py`), and a batch of prenotes
  only still has one;
- payees are named in the characters every bank accepts (`payee_name`).
- a new file is owed to the bank's SFTP server in its own transaction when the operator
  delivers that way (`delivery.queue_delivery`).
"""

from __future__ import annotations

import hashlib
import zoneinfo
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.db import write_session
from app.integrations import cpa005, nacha
from app.integrations.fixed_width import BankFileError, bank_ascii
from app.models import BankFile, Operator, PayoutBatch, PayoutLine, Prenote
from app.models.base import utcnow
from app.models.payout import PayoutStatus
from app.services.core import audit, crypto
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.operators import operator_or_404
from app.services.core.roles import require_owner
from app.services.settlement import delivery, payout_settings, prenotes
from app.services.settlement.batches import LIVE_STATUSES, batch_lines, batch_or_404, move_batch, refuse_move

BANK_FILE_FORMATS = ("nacha", "cpa005")
EXPORT_ATTEMPTS = 3


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:5])
    return shown + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def _refuse_unfit_accounts(file_format: str, operator: Operator, lines: list[tuple[PayoutLine, str]]) -> None:
    """NACHA pays US accounts in US dollars, CPA-005 Canadian accounts: say which locations do not fit."""
    without = [name for line, name in lines if not line.bank_country]
    if without:
        raise GiftnetError(
            ErrorCode.conflict,
            N_("No bank details in this batch for {names}, so no bank file can pay them; mark the batch paid once "
               "you have paid by hand."),
            field="format", params={"names": _names(without)},
        )
    country, title, other = ("US", "NACHA", "CPA-005") if file_format == "nacha" else ("CA", "CPA-005", "NACHA")
    foreign = [name for line, name in lines if line.bank_country != country]
    if foreign:
        where = "Canadian" if country == "US" else "US"
        raise GiftnetError(
            ErrorCode.conflict,
            f"A {title} file pays {'US' if country == 'US' else 'Canadian'} bank accounts only; {_names(foreign)} "
            f"{'has a' if len(foreign) == 1 else 'have'} {where} account{'' if len(foreign) == 1 else 's'}."
            + (f" Download a {other} file instead." if len(foreign) == len(lines) else ""),
            field="format",
        )
    if file_format == "nacha" and operator.currency != "USD":
        raise GiftnetError(
            ErrorCode.conflict,
            N_("A NACHA file moves US dollars; this network's currency is {currency}."), field="format", params={"currency": operator.currency},
        )


def payee_name(location_id: int, name: str) -> str:
    """The name a bank file carries for a location: its name in the characters every bank
    accepts (`fixed_width.bank_ascii`), or `LOCATION <id>` when none is left (a name of
    emoji only). Statements and screens keep the full name."""
    return bank_ascii(name) or f"LOCATION {location_id}"


def _account(line: PayoutLine | Prenote, name: str) -> str:
    account = crypto.decrypt(line.account_number_encrypted) if line.account_number_encrypted else None
    if account is None:
        raise GiftnetError(
            ErrorCode.conflict,
            N_("The account number of {name} in this batch cannot be read (the secret key changed); cancel the batch, enter the bank details again and create a new one."), params={"name": name},
        )
    return account


def _name_payments(session: Session, names: dict[int, str], column: str) -> None:
    """Keep on each line how its bank file named the payment: a return names it the same way."""
    session.execute(update(PayoutLine), [{"id": line_id, column: name} for line_id, name in names.items()])


def _nacha_content(session: Session, operator: Operator, batch: PayoutBatch,
                   lines: list[tuple[PayoutLine, str]], created_local: datetime) -> tuple[str, int, str]:
    originator = payout_settings.nacha_originator(operator)
    number = int(session.exec(
        select(func.coalesce(func.max(BankFile.file_creation_number), 0))
        .where(BankFile.operator_id == operator.id, BankFile.format == "nacha")
    ).one()) + 1
    credits = [
        nacha.Credit(routing_number=line.routing_number, account_number=_account(line, name),
                     account_type=line.account_type, amount_cents=line.net_cents,
                     receiver_name=payee_name(line.location_id, name), receiver_id=f"LOC{line.location_id}",
                     effective_date=batch.effective_date)
        for line, name in lines
    ] + [
        prenotes.prenote_credit(prenote, payee_name(prenote.location_id, name), _account(prenote, name))
        for prenote, name in prenotes.nacha_prenote_credits(session, batch)
    ]
    content, traces = nacha.write_nacha_with_traces(originator, credits, created_at=created_local,
                                                    file_id_modifier=nacha.file_id_modifier(number))
    # The lines' entries come first, then the prenotes' (which no return can name money for).
    _name_payments(session, {line.id: trace for (line, _name), trace in zip(lines, traces[:len(lines)], strict=True)},
                   "nacha_trace_number")
    return content, number, f"{operator.slug}-payout-{batch.id}-{created_local:%Y%m%d}-{number}.ach"


def _cpa005_content(session: Session, operator: Operator, batch: PayoutBatch,
                    lines: list[tuple[PayoutLine, str]], created_local: datetime) -> tuple[str, int, str]:
    originator = payout_settings.cpa005_originator(operator)
    references = {line.id: f"B{batch.id}L{line.location_id}" for line, _name in lines}
    credits = [
        cpa005.Credit(institution_number=line.institution_number, transit_number=line.transit_number,
                      account_number=_account(line, name), amount_cents=line.net_cents,
                      payee_name=payee_name(line.location_id, name),
                      cross_reference=references[line.id], due_date=batch.effective_date)
        for line, name in lines
    ]
    _name_payments(session, references, "cpa005_cross_reference")
    # The number is taken last, once everything else is known to be writable; the
    # UPDATE holds the operator's row until commit, so concurrent exports queue here.
    number = session.execute(
        update(Operator)
        .where(Operator.id == operator.id, Operator.last_cpa005_file_number < cpa005.MAX_FILE_CREATION_NUMBER)
        .values(last_cpa005_file_number=Operator.last_cpa005_file_number + 1)
        .returning(Operator.last_cpa005_file_number)
    ).scalar_one_or_none()
    if number is None:
        raise GiftnetError(ErrorCode.conflict,
                           N_("All 9999 CPA-005 file creation numbers are used; ask your bank how to continue."))
    content = cpa005.write_cpa005(originator, credits, file_creation_number=number,
                                  created_on=created_local.date(), currency=operator.currency)
    return content, number, f"{operator.slug}-payout-{batch.id}-{number:04d}.cpa"


def _export_once(actor: Actor, batch_id: int, file_format: str) -> BankFile:
    with write_session() as session:
        batch = batch_or_404(session, actor.operator_id, batch_id)
        status_before = batch.status
        if batch.status == PayoutStatus.cancelled:
            raise refuse_move(batch, PayoutStatus.exported)
        stored = session.exec(
            select(BankFile).where(BankFile.batch_id == batch.id, BankFile.operator_id == actor.operator_id,
                                   BankFile.format == file_format)
        ).first()
        if stored is not None:
            return stored
        if batch.status not in LIVE_STATUSES:
            raise refuse_move(batch, PayoutStatus.exported)
        operator = operator_or_404(session, actor.operator_id)
        lines = [(line, name) for line, name in batch_lines(session, batch) if line.net_cents > 0]
        carries_prenotes = file_format == "nacha" and bool(prenotes.nacha_prenote_credits(session, batch))
        if not lines and not carries_prenotes:
            raise GiftnetError(ErrorCode.conflict, N_("Nothing in this batch is paid by bank transfer (every net is "
                                                   "zero); mark it paid instead."))
        _refuse_unfit_accounts(file_format, operator, lines)
        created_at = utcnow().replace(second=0, microsecond=0)  # the files carry minutes; the record matches
        created_local = created_at.astimezone(zoneinfo.ZoneInfo(operator.timezone))
        writer = _nacha_content if file_format == "nacha" else _cpa005_content
        try:
            content, number, filename = writer(session, operator, batch, lines, created_local)
        except BankFileError as error:
            raise GiftnetError(ErrorCode.conflict, N_("The bank file cannot be written: {error}"), params={"error": error}) from None
        move_batch(session, actor, batch.id, PayoutStatus.exported, exported_at=batch.exported_at or created_at)
        bank_file = BankFile(
            operator_id=operator.id, batch_id=batch.id, format=file_format, filename=filename, content=content,
            sha256=hashlib.sha256(content.encode("ascii")).hexdigest(), file_creation_number=number,
            created_at=created_at,
        )
        session.add(bank_file)
        session.flush()
        delivery.queue_delivery(operator.id, batch.id, session=session)  # sent to the bank when it delivers by SFTP
        audit.record(session, actor, "payout.exported", target_type="payout", target_id=batch.id,
                     summary=f"Bank file {filename} ({'NACHA' if file_format == 'nacha' else 'CPA-005'}) written "
                             f"for payout batch #{batch.id}",
                     changes={"status": [status_before, PayoutStatus.exported], "file": [None, filename]})
        return bank_file


def export_bank_file(actor: Actor, batch_id: int, file_format: str) -> BankFile:
    """The batch's bank file (`nacha` or `cpa005`), written and stored on first request
    (the batch moves to `exported`), the same stored bytes ever after.

    Refuses `invalid_input` for an unknown format; `conflict` when the format does not
    fit the accounts (NACHA: US accounts and US dollars; CPA-005: Canadian accounts),
    when its settings are incomplete (the message names what is missing), for a
    cancelled batch, and for a paid batch that has no file of this format.
    """
    require_owner(actor, "download bank files")
    file_format = (file_format or "").strip().lower()
    if file_format not in BANK_FILE_FORMATS:
        raise GiftnetError(ErrorCode.invalid_input, N_("format is nacha or cpa005."), field="format")
    for _attempt in range(EXPORT_ATTEMPTS):
        try:
            return _export_once(actor, batch_id, file_format)
        except IntegrityError:
            # A concurrent export stored this batch's file, or took the same NACHA number,
            # first; its transaction won. Looking again returns its file or takes the next number.
            continue
    raise GiftnetError(ErrorCode.conflict, N_("The bank file is being written by another request; try again."))


def bank_file_bytes(bank_file: BankFile) -> bytes:
    """The file as the bank receives it (ASCII)."""
    return bank_file.content.encode("ascii")


__all__ = [
    "BANK_FILE_FORMATS",
    "bank_file_bytes",
    "export_bank_file",
    "payee_name",
]
