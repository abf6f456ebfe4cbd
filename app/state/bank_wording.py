"""The bank file settings' words in the reader's language: each field's label and the hint of
its limits (app/services/settlement/payout_settings.py's rules say them in English), and the
readiness checklist's sentence for a setting still missing. English stays the service's own."""

from __future__ import annotations

from app.services.core import i18n
from app.services.core.i18n import N_
from app.services.settlement import payout_settings

_KIND_HINTS = {
    "routing": N_("{size} digits, an ABA routing number (its check digit is verified)"),
    "digits": N_("{size} digits"),
    "text": N_("{size} characters"),
    "id": N_("{size} letters or digits"),
    "province": N_("two letters, e.g. ON or QC; empty: Canada's national bank holidays only"),
}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def label(rule, lang: str) -> str:  # noqa: ANN001 - a payout_settings rule
    """`Originator ID` / `Identifiant de l’émetteur`."""
    return _capital(i18n.translate(rule.label, lang))


def hint(rule, lang: str) -> str:  # noqa: ANN001
    """`Exactly 9 digits, an ABA routing number (…).` in `lang` (the secret ones: `; leave blank to keep it`)."""
    if lang == i18n.DEFAULT_LANGUAGE:
        return _capital(rule.limits) + ("; leave blank to keep it" if rule.secret else "") + "."
    if rule.min_length == rule.max_length:
        size = i18n.translate(N_("exactly {count}"), lang, count=rule.min_length)
    elif rule.min_length <= 1:
        size = i18n.translate(N_("up to {count}"), lang, count=rule.max_length)
    else:
        size = i18n.translate(N_("{low} to {high}"), lang, low=rule.min_length, high=rule.max_length)
    text = i18n.translate(_KIND_HINTS[rule.kind], lang, size=size)
    if rule.secret:
        text += i18n.translate(N_("; leave blank to keep it"), lang)
    return _capital(text) + "."


def setting_problem(field: str, english: str, lang: str) -> str:
    """A readiness item of a bank file setting (`payouts.cpa005.originator_id`) in `lang`."""
    if lang == i18n.DEFAULT_LANGUAGE:
        return english
    parts = field.split(".")
    if len(parts) != 3 or parts[1] not in payout_settings.SECTIONS:
        return i18n.translate(english, lang)
    rules, _required, title = payout_settings.SECTIONS[parts[1]]
    rule = rules.get(parts[2])
    if rule is None:
        return english
    missing = payout_settings.SettingProblem(parts[1], parts[2], rule.label, missing=True)
    name = i18n.translate(rule.label, lang)
    if english == missing.message:
        return i18n.translate(N_("The {title} {label} is missing."), lang, title=title, label=name)
    return i18n.translate(N_("The {title} {label} cannot be read (the secret key changed); enter it again in Settings."),
                          lang, title=title, label=name)


def section_title(rules: dict, names: tuple[str, ...] | list[str], lang: str) -> str:
    """The labels of `names` joined, in `lang` (what a bank file still needs)."""
    return ", ".join(i18n.translate(rules[name].label, lang) for name in names)


_SUMMARY_WORDS_FR = ((" checking ", " chèques "), (" savings ", " épargne "), ("(routing ", "(acheminement "))


def summary(text: str, lang: str) -> str:
    """`locations.bank_summary` ("CA checking •••• 4567 (institution 001, transit 00011)") in `lang`."""
    if lang != "fr":
        return text
    if text == "No bank details":
        return i18n.translate(N_("No bank details"), lang)
    for english, french in _SUMMARY_WORDS_FR:
        text = text.replace(english, french)
    return text
