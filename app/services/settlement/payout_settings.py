"""The operator's settings: card limits, commission, and the bank file settings.

One set of rules for the API (`GET/PATCH /settings`) and the dashboard's Settings
screen. The bank file settings live in `Operator.payout_settings` as JSON:
`{"nacha": {...}, "cpa005": {...}, "delivery": {...}}` (how files reach the bank:
`delivery_settings.py`); account numbers inside are stored encrypted
(`*_account_number_encrypted`) with their last 4 beside them, and are never shown
again: answers carry `offset_account_last4` / `return_account_last4`.

A change is partial (PATCH): fields not given stay as they are; `null` clears one.
Each field is checked on its own; whether a section is complete enough to write a
bank file is one rule, `setting_problems`, applied when the file is written (`nacha_originator`,
`cpa005_originator`), with a message naming what is missing.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

from sqlmodel import Session

from app.db import read_session, write_session
from app.integrations import cpa005, nacha
from app.integrations.fixed_width import bank_ascii
from app.models import Operator
from app.models.base import utcnow
from app.services.core import audit, crypto, i18n
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.operators import operator_or_404
from app.services.core.roles import require_owner
from app.services.core.validation import aba_routing_is_valid
from app.services.settlement import business_days, delivery_settings, schedule_rules

TOP_LEVEL_FIELDS = ("commission_bps", "card_min_cents", "card_max_cents", "payouts", "languages")
MAX_CARD_CENTS = 100_000_000  # $1,000,000: far above any gift card, far below the columns' limits
CARD_LIMIT_LABELS = {"card_min_cents": "smallest card", "card_max_cents": "largest card"}


@dataclass(frozen=True)
class _Rule:
    label: str  # how messages name the field
    kind: str  # routing | digits | text | id | province
    min_length: int = 1
    max_length: int = 0
    secret: bool = False  # an account number: stored encrypted, shown by its last 4

    @property
    def limits(self) -> str:
        """What the bank file accepts, in words, for the screen's hint beside the input."""
        size = (f"exactly {self.min_length}" if self.min_length == self.max_length
                else f"up to {self.max_length}" if self.min_length <= 1 else f"{self.min_length} to {self.max_length}")
        return {
            "routing": f"{size} digits, an ABA routing number (its check digit is verified)",
            "digits": f"{size} digits",
            "text": f"{size} characters",
            "id": f"{size} letters or digits",
            "province": "two letters, e.g. ON or QC; empty: Canada's national bank holidays only",
        }[self.kind]


NACHA_RULES: dict[str, _Rule] = {
    "immediate_destination": _Rule(N_("immediate destination"), "routing", 9, 9),
    "immediate_origin": _Rule(N_("immediate origin"), "id", 9, 10),
    "destination_name": _Rule(N_("destination name"), "text", 1, 23),
    "origin_name": _Rule(N_("origin name"), "text", 1, 23),
    "company_name": _Rule(N_("company name"), "text", 1, 16),
    "company_id": _Rule(N_("company ID"), "id", 1, 10),
    "odfi_routing": _Rule(N_("ODFI routing number"), "routing", 9, 9),
    "offset_routing_number": _Rule(N_("offset routing number"), "routing", 9, 9),
    "offset_account_number": _Rule(N_("offset account number"), "digits", 4, 17, secret=True),
}
NACHA_REQUIRED = ("immediate_destination", "immediate_origin", "destination_name", "origin_name", "company_name",
                  "company_id", "odfi_routing")
CPA005_RULES: dict[str, _Rule] = {
    "originator_id": _Rule(N_("originator ID"), "id", 1, 10),
    "data_centre": _Rule(N_("data centre"), "digits", 5, 5),
    "originator_short_name": _Rule(N_("originator short name"), "text", 1, 15),
    "originator_long_name": _Rule(N_("originator long name"), "text", 1, 30),
    "return_institution_number": _Rule(N_("return institution number"), "digits", 3, 3),
    "return_transit_number": _Rule(N_("return transit number"), "digits", 5, 5),
    "return_account_number": _Rule(N_("return account number"), "digits", 7, 12, secret=True),
    # Optional: the province whose bank holidays due dates also skip (business_days); none: national only.
    "province": _Rule(N_("province"), "province", 2, 2),
}
CPA005_REQUIRED = tuple(name for name in CPA005_RULES if name != "province")
SECTIONS = {"nacha": (NACHA_RULES, NACHA_REQUIRED, "NACHA"), "cpa005": (CPA005_RULES, CPA005_REQUIRED, "CPA-005")}


@dataclass(frozen=True)
class NachaSettings:
    immediate_destination: str | None = None
    immediate_origin: str | None = None
    destination_name: str | None = None
    origin_name: str | None = None
    company_name: str | None = None
    company_id: str | None = None
    odfi_routing: str | None = None
    offset_routing_number: str | None = None
    offset_account_last4: str | None = None


@dataclass(frozen=True)
class Cpa005Settings:
    originator_id: str | None = None
    data_centre: str | None = None
    originator_short_name: str | None = None
    originator_long_name: str | None = None
    return_institution_number: str | None = None
    return_transit_number: str | None = None
    return_account_last4: str | None = None
    province: str | None = None


@dataclass(frozen=True)
class OperatorSettings:
    """What `GET /settings` answers and the Settings screen shows (no account number in full)."""

    currency: str
    commission_bps: int
    card_min_cents: int
    card_max_cents: int
    nacha: NachaSettings
    cpa005: Cpa005Settings
    nacha_missing: tuple[str, ...]  # fields still needed before a NACHA file can be written
    cpa005_missing: tuple[str, ...]
    schedule: dict = field(default_factory=dict)  # payouts.schedule with next_run_at (schedule_rules)
    delivery: dict = field(default_factory=dict)  # how files reach the bank (delivery_settings.public_view: secrets masked)
    # The network's languages: {"default": "en", "offered": ["en", "fr"]} (the default is among the offered).
    languages: dict = field(default_factory=lambda: {"default": i18n.DEFAULT_LANGUAGE, "offered": list(i18n.LANGUAGES)})

    def as_dict(self) -> dict:
        return {
            "currency": self.currency,
            "commission_bps": self.commission_bps,
            "card_min_cents": self.card_min_cents,
            "card_max_cents": self.card_max_cents,
            "payouts": {"nacha": asdict(self.nacha), "cpa005": asdict(self.cpa005), "schedule": self.schedule,
                        "delivery": self.delivery},
            "languages": self.languages,
        }


# --- reading ----------------------------------------------------------------------


def _stored(operator: Operator) -> dict:
    try:
        stored = json.loads(operator.payout_settings or "{}")
    except ValueError:
        stored = {}
    return stored if isinstance(stored, dict) else {}


def _public_section(stored: dict, rules: dict[str, _Rule]) -> dict:
    public = {}
    for name, rule in rules.items():
        if rule.secret:
            public[name.replace("_number", "_last4")] = stored.get(f"{name}_last4")
        else:
            public[name] = stored.get(name)
    return public


def _missing(stored: dict, section: str) -> tuple[str, ...]:
    rules, required, _title = SECTIONS[section]
    return tuple(name for name in required
                 if not stored.get(f"{name}_encrypted" if rules[name].secret else name))


def _view(operator: Operator, session: Session) -> OperatorSettings:
    stored = _stored(operator)
    nacha_stored, cpa_stored = stored.get("nacha") or {}, stored.get("cpa005") or {}
    return OperatorSettings(
        currency=operator.currency,
        commission_bps=operator.commission_bps,
        card_min_cents=operator.card_min_cents,
        card_max_cents=operator.card_max_cents,
        nacha=NachaSettings(**_public_section(nacha_stored, NACHA_RULES)),
        cpa005=Cpa005Settings(**_public_section(cpa_stored, CPA005_RULES)),
        nacha_missing=_missing(nacha_stored, "nacha"),
        cpa005_missing=_missing(cpa_stored, "cpa005"),
        schedule=schedule_rules.schedule_answer(stored.get("schedule"), operator.timezone, utcnow(),
                                                schedule_rules.last_run_on(session, operator.id)),
        delivery=delivery_settings.public_view(stored.get("delivery")),
        languages=languages_view(operator),
    )


def get_settings(operator_id: int) -> OperatorSettings:
    with read_session() as session:
        return _view(operator_or_404(session, operator_id), session)


# --- changing ---------------------------------------------------------------------


def _whole_number(raw: object, *, field: str, low: int, high: int, sentence: str) -> int:
    if isinstance(raw, str) and (raw.strip().isascii() and raw.strip().isdigit()):
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise GiftnetError(ErrorCode.invalid_input, sentence, field=field)
    return raw


def _clean_value(raw: object, rule: _Rule, field: str, title: str) -> str | None:
    """The stored form of one bank setting, or None to clear it."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, int) and not isinstance(raw, bool) and rule.kind != "text":
        raw = str(raw)
    if not isinstance(raw, str):
        raise GiftnetError(ErrorCode.invalid_input, N_("The {title} {label} must be text."), field=field, params={"title": title, "label": rule.label})
    value = raw.strip()
    if any(ord(char) < 32 or ord(char) == 127 for char in value):  # NUL, a line break: never in a bank file
        raise GiftnetError(ErrorCode.invalid_input, N_("The {title} {label} must be one line of text without "
                                                       "control characters."),
                           field=field, params={"title": title, "label": rule.label})
    if rule.kind == "province":
        if value.upper() not in business_days.CANADIAN_PROVINCES:
            raise GiftnetError(ErrorCode.invalid_input,
                               N_("The {title} {label} is one of {join} (or empty for Canada's national bank holidays only)."), field=field, params={"title": title, "label": rule.label, "join": ', '.join(business_days.CANADIAN_PROVINCES)})
        return value.upper()
    if rule.kind in ("routing", "digits"):
        value = re.sub(r"[\s-]", "", value)
        if not (value.isascii() and value.isdigit()):
            raise GiftnetError(ErrorCode.invalid_input, N_("The {title} {label} may contain digits only."),
                               field=field, params={"title": title, "label": rule.label})
    if rule.kind == "id":
        value = value.upper()
        if not value.isascii() or not value.isalnum():
            raise GiftnetError(ErrorCode.invalid_input, N_("The {title} {label} may contain letters and digits only."),
                               field=field, params={"title": title, "label": rule.label})
    size = (f"exactly {rule.min_length}" if rule.min_length == rule.max_length
            else f"{rule.min_length} to {rule.max_length}")
    unit = "characters" if rule.kind in ("text", "id") else "digits"
    if not rule.min_length <= len(value) <= rule.max_length:
        raise GiftnetError(ErrorCode.invalid_input, N_("The {title} {label} has {size} {unit}."), field=field, params={"title": title, "label": rule.label, "size": size, "unit": unit})
    if rule.kind == "routing" and not aba_routing_is_valid(value):
        raise GiftnetError(ErrorCode.invalid_input,
                           N_("The {title} {label} must be a 9-digit ABA routing number with a valid check digit."),
                           field=field, params={"title": title, "label": rule.label})
    if rule.kind == "text" and len(bank_ascii(value).strip()) == 0:
        raise GiftnetError(ErrorCode.invalid_input,
                           N_("The {title} {label} needs letters or digits a bank file can carry."), field=field, params={"title": title, "label": rule.label})
    return value


def _merge_section(stored: dict, changes: object, section: str) -> dict:
    rules, _required, title = SECTIONS[section]
    prefix = f"payouts.{section}"
    if changes is None:
        return {}
    if not isinstance(changes, dict):
        raise GiftnetError(ErrorCode.invalid_input, N_("{prefix} must be an object."), field=prefix, params={"prefix": prefix})
    unknown = sorted(set(changes) - set(rules))
    if unknown:
        raise GiftnetError(ErrorCode.invalid_input, N_("Unknown field: {prefix}.{value}."),
                           field=f"{prefix}.{unknown[0]}", params={"prefix": prefix, "value": unknown[0]})
    merged = dict(stored)
    for name, raw in changes.items():
        rule = rules[name]
        value = _clean_value(raw, rule, f"{prefix}.{name}", title)
        if rule.secret:
            merged.pop(f"{name}_encrypted", None)
            merged.pop(f"{name}_last4", None)
            if value is not None:
                merged[f"{name}_encrypted"] = crypto.encrypt(value)
                merged[f"{name}_last4"] = value[-4:]
        else:
            merged.pop(name, None)
            if value is not None:
                merged[name] = value
    if section == "nacha" and bool(merged.get("offset_routing_number")) != bool(
            merged.get("offset_account_number_encrypted")):
        missing = "offset_account_number" if merged.get("offset_routing_number") else "offset_routing_number"
        raise GiftnetError(
            ErrorCode.invalid_input,
            N_("An offset account needs both its routing number and its account number (or neither, for an "
            "unbalanced file)."),
            field=f"{prefix}.{missing}",
        )
    return merged


def update_settings(actor: Actor, changes: dict) -> OperatorSettings:
    """Change the fields given (PATCH): `commission_bps` (0..10000), `card_min_cents`,
    `card_max_cents` (1..100,000,000, min <= max), and `payouts.nacha` / `payouts.cpa005`
    (each field checked; `null` clears a field, `"nacha": null` clears the section), and
    `payouts.delivery` (`delivery_settings.merge`).

    Refuses an unknown or invalid field with `invalid_input` naming it; nothing is
    changed then. Owners only (`forbidden`).
    """
    require_owner(actor, "change the settings")
    if not isinstance(changes, dict):
        raise GiftnetError(ErrorCode.invalid_input, N_("Send the settings to change as an object."))
    unknown = sorted(set(changes) - set(TOP_LEVEL_FIELDS))
    if unknown:
        raise GiftnetError(ErrorCode.invalid_input, N_("Unknown field: {value}."), field=unknown[0], params={"value": unknown[0]})
    with write_session() as session:
        operator = operator_or_404(session, actor.operator_id)
        before = _audited(operator)
        if "commission_bps" in changes:
            operator.commission_bps = _whole_number(
                changes["commission_bps"], field="commission_bps", low=0, high=10_000,
                sentence="Commission is a whole number of basis points from 0 to 10000 (250 = 2.5 %).",
            )
        for field in ("card_min_cents", "card_max_cents"):
            if field in changes:
                setattr(operator, field, _whole_number(
                    changes[field], field=field, low=1, high=MAX_CARD_CENTS,
                    sentence=f"The {CARD_LIMIT_LABELS[field]} is a whole number of cents from 1 to {MAX_CARD_CENTS}.",
                ))
        if operator.card_min_cents > operator.card_max_cents:
            field = "card_min_cents" if "card_min_cents" in changes else "card_max_cents"
            raise GiftnetError(ErrorCode.invalid_input,
                               N_("The smallest card must not be more than the largest card."), field=field)
        if "languages" in changes:
            _change_languages(operator, changes["languages"])
        if "payouts" in changes:
            payouts = changes["payouts"]
            if not isinstance(payouts, dict):
                raise GiftnetError(ErrorCode.invalid_input, N_("payouts must be an object."), field="payouts")
            unknown = sorted(set(payouts) - {*SECTIONS, "schedule", "delivery"})
            if unknown:
                raise GiftnetError(ErrorCode.invalid_input, N_("Unknown field: payouts.{value}."),
                                   field=f"payouts.{unknown[0]}", params={"value": unknown[0]})
            stored = _stored(operator)
            for section in SECTIONS:
                if section in payouts:
                    stored[section] = _merge_section(stored.get(section) or {}, payouts[section], section)
            if "schedule" in payouts:
                stored["schedule"] = schedule_rules.merge_schedule(stored.get("schedule"), payouts["schedule"],
                                                                   utcnow())
            if "delivery" in payouts:  # how files reach the bank: its own rules (delivery_settings.py)
                stored["delivery"] = delivery_settings.merge(stored.get("delivery") or {}, payouts["delivery"])
            operator.payout_settings = json.dumps(stored, sort_keys=True)
        session.add(operator)
        session.flush()
        audit.record_settings_change(session, actor, "settings.changed", audit.diff_stored(before, _audited(operator)),
                                     summary="Settings changed")
        return _view(operator, session)


def _audited(operator: Operator) -> dict:
    """The settings this module changes, as stored (secrets as ciphertext and last 4, for audit.diff_stored)."""
    return {"commission_bps": operator.commission_bps, "card_min_cents": operator.card_min_cents,
            "card_max_cents": operator.card_max_cents, "payouts": _stored(operator),
            "default_language": operator.default_language, "offered_languages": operator.offered_languages}


# --- languages ----------------------------------------------------------------------


def languages_view(operator: Operator) -> dict:
    """The network's default language and those it offers, as `GET /settings` answers them."""
    offered = list(i18n.offered(operator.offered_languages))
    default = i18n.normalize(operator.default_language)
    return {"default": default if default in offered else offered[0], "offered": offered}


def _change_languages(operator: Operator, change: object) -> None:
    """`{"default": "fr", "offered": ["en", "fr"]}`, either part alone: the offered languages
    are among ours (at least one), and the default is one of them once both are applied."""
    if not isinstance(change, dict):
        raise GiftnetError(ErrorCode.invalid_input, N_("languages must be an object with `default` and `offered`."), field="languages")
    unknown = sorted(set(change) - {"default", "offered"})
    if unknown:
        raise GiftnetError(ErrorCode.invalid_input, N_("Unknown field: languages.{name}."), params={"name": unknown[0]},
                           field=f"languages.{unknown[0]}")
    current = languages_view(operator)
    offered = current["offered"]
    choices = ", ".join(i18n.LANGUAGES)
    if "offered" in change:
        raw = change["offered"]
        if (not isinstance(raw, list) or not raw
                or any(not isinstance(code, str) or code.strip().lower() not in i18n.LANGUAGES for code in raw)):
            raise GiftnetError(ErrorCode.invalid_input,
                               N_("languages.offered is a list of one or more of these languages: {choices}."),
                               params={"choices": choices}, field="languages.offered")
        chosen = {code.strip().lower() for code in raw}
        offered = [code for code in i18n.LANGUAGES if code in chosen]
    default = current["default"]
    if "default" in change:
        raw = change["default"]
        if not isinstance(raw, str) or raw.strip().lower() not in i18n.LANGUAGES:
            raise GiftnetError(ErrorCode.invalid_input, N_("languages.default is one of these languages: {choices}."),
                               params={"choices": choices}, field="languages.default")
        default = raw.strip().lower()
    if default not in offered:
        raise GiftnetError(ErrorCode.invalid_input,
                           N_("The default language ({default}) must be one of the offered languages ({offered})."),
                           params={"default": default, "offered": ", ".join(offered)}, field="languages.default")
    operator.offered_languages = ",".join(offered)
    operator.default_language = default


# --- for the bank file writers ------------------------------------------------------


@dataclass(frozen=True)
class SettingProblem:
    """One bank file setting that keeps a file from being written."""

    section: str  # nacha | cpa005
    name: str  # the field's name in its section, e.g. company_id
    label: str  # how messages name it, e.g. "company ID"
    missing: bool  # True: never entered; False: entered but unreadable (the secret key changed)

    @property
    def field(self) -> str:
        return f"payouts.{self.section}.{self.name}"

    @property
    def message(self) -> str:
        title = SECTIONS[self.section][2]
        if self.missing:
            return f"The {title} {self.label} is missing."
        return f"The {title} {self.label} cannot be read (the secret key changed); enter it again in Settings."


def _decrypted(stored: dict, section: str) -> tuple[dict, list[SettingProblem]]:
    rules, _required, _title = SECTIONS[section]
    problems = [SettingProblem(section, name, rules[name].label, missing=True) for name in _missing(stored, section)]
    values = {name: stored.get(name) for name, rule in rules.items() if not rule.secret}
    for name, rule in rules.items():
        if rule.secret:
            encrypted = stored.get(f"{name}_encrypted")
            plain = crypto.decrypt(encrypted) if encrypted else None
            if encrypted and plain is None:
                problems.append(SettingProblem(section, name, rule.label, missing=False))
            values[name] = plain
    return values, problems


def setting_problems(operator: Operator, section: str) -> list[SettingProblem]:
    """What keeps a `section` (nacha | cpa005) bank file from being written: each required
    setting not entered, each stored secret that cannot be read. Empty when complete.
    The one rule `nacha_originator` / `cpa005_originator` apply when a file is written,
    and the Settlements screen's readiness checklist shows before."""
    return _decrypted(_stored(operator).get(section) or {}, section)[1]


def _complete_section(operator: Operator, section: str) -> dict:
    """The section with its account number decrypted; refuses naming every missing field."""
    _rules, _required, title = SECTIONS[section]
    values, problems = _decrypted(_stored(operator).get(section) or {}, section)
    missing = [problem for problem in problems if problem.missing]
    if missing:
        labels = ", ".join(problem.label for problem in missing)
        raise GiftnetError(
            ErrorCode.conflict,
            N_("Complete the {title} settings first (Settings, Payouts); missing: {labels}."),
            field=missing[0].field, params={"title": title, "labels": labels},
        )
    if problems:
        raise GiftnetError(ErrorCode.conflict, problems[0].message, field=problems[0].field)
    return values


def cpa005_province(operator: Operator) -> str | None:
    """The province whose bank holidays Canadian due dates skip too (None: national ones only)."""
    return (_stored(operator).get("cpa005") or {}).get("province")


def nacha_originator(operator: Operator) -> nacha.Originator:
    values = _complete_section(operator, "nacha")
    return nacha.Originator(**values)


def cpa005_originator(operator: Operator) -> cpa005.Originator:
    values = _complete_section(operator, "cpa005")
    return cpa005.Originator(
        originator_id=values["originator_id"],
        data_centre=values["data_centre"],
        short_name=values["originator_short_name"],
        long_name=values["originator_long_name"],
        return_institution_number=values["return_institution_number"],
        return_transit_number=values["return_transit_number"],
        return_account_number=values["return_account_number"],
    )


__all__ = [
    "Cpa005Settings",
    "NachaSettings",
    "OperatorSettings",
    "SettingProblem",
    "cpa005_originator",
    "cpa005_province",
    "get_settings",
    "nacha_originator",
    "setting_problems",
    "update_settings",
]
