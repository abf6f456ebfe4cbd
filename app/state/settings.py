"""The Settings screen: card limits, commission and the NACHA / CPA-005 bank file
settings, saved through app/services/settlement/payout_settings.py (the rules `PATCH /settings`
uses). A refused field's message is shown beside it; nothing is saved then."""

from __future__ import annotations

import reflex as rx

from app.services.access.accounts import SignedIn
from app.services.core.errors import GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import parse_amount
from app.services.reporting import daily_summary
from app.services.settlement import payout_settings, prenotes, readiness
from app.state import bank_wording
from app.state.session import SessionState, dashboard_action

# (form key, label, hint, max length or 0) per section; a key "nacha.x" is payouts.nacha.x in the service.
GENERAL_FIELDS = [
    ("commission_bps", N_("Commission (basis points)"), N_("250 = 2.5 %; a location's own rate wins"), 0),
    ("card_min", N_("Smallest card ($)"), "", 0),
    ("card_max", N_("Largest card ($)"), "", 0),
]


def _bank_fields(section: str, rules: dict) -> list[tuple[str, str, str, int]]:
    """A bank file section's inputs: each hint says the field's limits (the bank file's), and
    the input stops at its longest (digits may be typed with spaces or dashes: room for them)."""
    fields = []
    for name, rule in rules.items():
        hint = rule.limits[:1].upper() + rule.limits[1:] + ("; leave blank to keep it" if rule.secret else "") + "."
        room = rule.max_length if rule.kind in ("text", "id", "province") else rule.max_length + 4
        fields.append((f"{section}.{name}", rule.label[:1].upper() + rule.label[1:], hint, room))
    return fields


NACHA_FIELDS = _bank_fields("nacha", payout_settings.NACHA_RULES)
CPA005_FIELDS = _bank_fields("cpa005", payout_settings.CPA005_RULES)
# Each bank field's (label, hint) in French (the page shows them by the reader's language).
FRENCH_BANK_TEXT = {f"{section}.{name}": (bank_wording.label(rule, "fr"), bank_wording.hint(rule, "fr"))
                    for section, rules in (("nacha", payout_settings.NACHA_RULES), ("cpa005", payout_settings.CPA005_RULES))
                    for name, rule in rules.items()}
SECRET_KEYS = {f"{section}.{name}" for section, rules in (("nacha", payout_settings.NACHA_RULES),
                                                          ("cpa005", payout_settings.CPA005_RULES))
               for name, rule in rules.items() if rule.secret}


def field_dom_id(key: str) -> str:
    """`nacha.odfi_routing` -> `settings-nacha-odfi-routing`."""
    return "settings-" + key.replace(".", "-").replace("_", "-")


def _form_key(service_field: str | None) -> str:
    if not service_field:
        return ""
    key = service_field.removeprefix("payouts.")
    return {"card_min_cents": "card_min", "card_max_cents": "card_max"}.get(key, key)


def _dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class SettingsState(SessionState):
    values: dict[str, str] = {}
    placeholders: dict[str, str] = {}
    field_errors: dict[str, str] = {}
    settings_error: str = ""
    settings_saved: str = ""
    nacha_missing: str = ""
    cpa005_missing: str = ""
    # The bank file sections this network needs (readiness.settings_formats): a US-only
    # network is not offered CPA-005, a Canadian-only one not NACHA.
    show_nacha: bool = True
    show_cpa005: bool = True
    daily_summary: bool = False  # the owners' morning email of yesterday's figures
    daily_summary_note: str = ""  # beside the switch: what was saved, or why not
    daily_summary_refused: bool = False
    nacha_prenotes: bool = False  # zero-dollar prenotes for new US bank details (prenotes.py)
    nacha_prenotes_note: str = ""

    def _show(self, settings: payout_settings.OperatorSettings) -> None:
        values = {"commission_bps": str(settings.commission_bps), "card_min": _dollars(settings.card_min_cents),
                  "card_max": _dollars(settings.card_max_cents)}
        placeholders = {}
        for section, current in (("nacha", settings.nacha), ("cpa005", settings.cpa005)):
            rules = payout_settings.NACHA_RULES if section == "nacha" else payout_settings.CPA005_RULES
            for name, rule in rules.items():
                key = f"{section}.{name}"
                if rule.secret:
                    last4 = getattr(current, name.replace("_number", "_last4"))
                    values[key] = ""
                    placeholders[key] = f"•••• {last4}" if last4 else self._t("not set")
                else:
                    values[key] = getattr(current, name) or ""
        self.values, self.placeholders = values, placeholders
        self.nacha_missing = bank_wording.section_title(payout_settings.NACHA_RULES, settings.nacha_missing, self.lang)
        self.cpa005_missing = bank_wording.section_title(payout_settings.CPA005_RULES, settings.cpa005_missing, self.lang)

    def _clear_messages(self) -> None:
        self.field_errors, self.settings_error, self.settings_saved = {}, "", ""

    @rx.event
    @dashboard_action("settings_error", owner=True)
    def load(self, who: SignedIn):
        self._show(payout_settings.get_settings(who.operator_id))
        formats = readiness.settings_formats(who.operator_id)
        self.show_nacha, self.show_cpa005 = "nacha" in formats, "cpa005" in formats
        self.daily_summary = daily_summary.is_enabled(who.operator_id)
        self.daily_summary_note, self.daily_summary_refused = "", False
        self.nacha_prenotes, self.nacha_prenotes_note = prenotes.prenotes_enabled(who.operator_id), ""
        return None

    @rx.event
    @dashboard_action("nacha_prenotes_note", owner=True, clear=False)
    def set_nacha_prenotes(self, who: SignedIn, on: bool):
        """Saved at once, like the daily summary switch."""
        self.nacha_prenotes = prenotes.set_prenotes(self._actor(who), bool(on))
        self.nacha_prenotes_note = (self._t("On: new or changed US bank details get a prenote in the next batch; "
                                            "their first payment waits three banking days after it settles.")
                                    if self.nacha_prenotes else self._t("Off: US bank details are paid without a prenote."))
        return None

    @rx.event
    @dashboard_action("daily_summary_note", owner=True, clear=False)
    def set_daily_summary(self, who: SignedIn, on: bool):
        """Saved at once (no Save button): the switch shows what is stored; the form's messages stay."""
        try:
            self.daily_summary = daily_summary.set_enabled(self._actor(who), bool(on))
        except GiftnetError as error:
            self.daily_summary = daily_summary.is_enabled(who.operator_id)
            self.daily_summary_note, self.daily_summary_refused = error.localized_message(self.lang), True
            return None
        self.daily_summary_refused = False
        self.daily_summary_note = (self._t("On: the owners get yesterday's figures by email every morning.")
                                   if self.daily_summary else self._t("Off: no more summary emails."))
        return None

    @rx.event
    def set_value(self, key: str, value: str):
        self.values = {**self.values, key: value}
        if key in self.field_errors:
            self.field_errors = {k: v for k, v in self.field_errors.items() if k != key}

    def _changes(self) -> dict:
        errors, changes = {}, {}
        bps = (self.values.get("commission_bps") or "").strip()
        changes["commission_bps"] = int(bps) if (bps.isascii() and bps.isdigit()) else bps
        for key, field in (("card_min", "card_min_cents"), ("card_max", "card_max_cents")):
            try:
                changes[field] = parse_amount((self.values.get(key) or "").strip().lstrip("$"), field=field)
            except GiftnetError as error:
                errors[key] = error.localized_message(self.lang)
        payouts: dict[str, dict] = {"nacha": {}, "cpa005": {}}
        for key, value in self.values.items():
            if "." not in key:
                continue
            section, name = key.split(".", 1)
            if not (self.show_nacha if section == "nacha" else self.show_cpa005):
                continue  # a section the screen does not offer is left as it is
            if key in SECRET_KEYS and not value.strip():
                continue  # blank keeps the stored account number
            payouts[section][name] = value.strip() or None
        changes["payouts"] = payouts
        if errors:
            raise _FormErrors(errors)
        return changes

    @rx.event
    @dashboard_action("settings_error", owner=True)
    def save(self, who: SignedIn):
        try:
            settings = payout_settings.update_settings(self._actor(who), self._changes())
        except _FormErrors as problems:
            self.field_errors = problems.errors
            self.settings_error = self._t("Fix the fields marked below; nothing was saved.")
            return None
        except GiftnetError as error:
            key = _form_key(error.field)
            if key in self.values:  # said once, beside its field; the callout only says nothing was saved
                self.field_errors = {key: error.localized_message(self.lang)}
                self.settings_error = self._t("Fix the field marked below; nothing was saved.")
            else:
                self.settings_error = error.localized_message(self.lang) + " " + self._t("Nothing was saved.")
            return None
        self._show(settings)
        self.settings_saved = self._t("Settings saved.")
        return None


class _FormErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid form")
        self.errors = errors
