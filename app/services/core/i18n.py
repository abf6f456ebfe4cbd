"""English and Canadian French: which language a reader gets, the gettext catalogs, and
amounts and dates written the way each language writes them (Babel).

- `negotiate(accept_language)` picks `en` or `fr` from an HTTP `Accept-Language` header
  (q-values honoured, `fr-CA` / `fr-FR` / `fr` all French, anything else English);
- sentences are marked for extraction with `_()` (translate now) or `N_()` (mark only:
  translated later, like a `GiftnetError`'s message at answer time); `make i18n`
  extracts them into `app/locale/messages.pot` and updates `fr/LC_MESSAGES/messages.po`;
- the catalogs are read from the compiled `app/locale/<lang>/LC_MESSAGES/messages.mo`
  (built by `make deps`); a sentence without a translation stays in English;
- sentences with values are templates with named placeholders (`{low}`), so a
  translator can move them: `translate(template, lang, low=...)`.

Imports nothing of the app but `core.money` (English amounts stay `format_cents`'s).
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import dates as babel_dates
from babel import numbers as babel_numbers

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
# The Babel locale each language is written in: French is Canada's.
LOCALES = {"en": "en_CA", "fr": "fr_CA"}
LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
DOMAIN = "messages"


def normalize(lang: str | None) -> str:
    """`fr`, `fr-CA`, `FR_ca` -> `fr`; anything unknown or empty -> the default (`en`)."""
    base = (lang or "").strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def offered(stored: str | None) -> tuple[str, ...]:
    """A network's offered languages as stored (`"en,fr"`), in our order; never empty."""
    chosen = {normalize(part) for part in (stored or "").split(",") if part.strip()}
    return tuple(lang for lang in LANGUAGES if lang in chosen) or (DEFAULT_LANGUAGE,)


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The language an `Accept-Language` header asks for among ours, by its q-values.

    `fr-CA,fr;q=0.9,en;q=0.8` -> `fr`; `en-US,fr;q=0.5` -> `en`; `de` / `*` / none -> `default`.
    Equal q-values keep the header's order."""
    default = default if default in LANGUAGES else DEFAULT_LANGUAGE
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        pieces = [piece.strip() for piece in part.split(";")]
        tag = pieces[0].lower()
        if not tag:
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _sep, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        base = tag.replace("_", "-").split("-")[0]
        if base in LANGUAGES:
            choices.append((-quality, position, base))
        elif tag == "*":
            choices.append((-quality, position, default))
    if not choices:
        return default
    return min(choices)[2]


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    try:
        return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang])
    except OSError:  # not compiled yet (`make deps` compiles it): compiled here from the .po
        return _from_po(lang)


def _from_po(lang: str) -> gettext.NullTranslations:
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    source = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not source.exists():
        return gettext.NullTranslations()
    with source.open("rb") as handle:
        catalog = read_po(handle)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def reload_catalogs() -> None:
    """Forget the loaded catalogs (after `make i18n` compiled new ones in a running process)."""
    _catalog.cache_clear()


def N_(message: str) -> str:  # noqa: N802 (the gettext convention's name, which extraction looks for)
    """Mark a sentence for extraction without translating it now (translated where it is shown)."""
    return message


def translate(message: str, lang: str | None = None, /, **params: object) -> str:
    """`message` in `lang` (English when it has no translation), its `{placeholders}` filled
    from `params` (amounts as `Money` are written the language's way)."""
    lang = normalize(lang)
    text = _catalog(lang).gettext(message) if message else message
    if params:
        values = {name: (value.text(lang) if isinstance(value, Money | Term) else value) for name, value in params.items()}
        text = text.format_map(_Params(values))
    return text


def translator(lang: str | None) -> Callable[..., str]:
    """A `_` bound to one language: `_ = translator("fr"); _("Your card code")`."""
    lang = normalize(lang)

    def _(message: str, /, **params: object) -> str:
        return translate(message, lang, **params)

    return _


class _Params(dict):
    """Leaves an unknown `{name}` as it is rather than failing (a translator's typo)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_money(amount_cents: int, currency: str | None = None, lang: str | None = None) -> str:
    """Cents as the language writes them: English as `format_cents` always has (`$1,234.56`,
    `$1,234.56 CAD` with a currency); French the fr-CA way (`1 234,56 $`, `1 234,56 $ US`),
    with the no-break spaces Babel writes."""
    lang = normalize(lang)
    if lang == "en":
        from app.services.core.money import format_cents

        return format_cents(amount_cents, currency)
    value = Decimal(int(amount_cents)) / 100
    return babel_numbers.format_currency(value, (currency or "CAD").upper(), locale=LOCALES[lang])


def format_number(value: int | float | Decimal, lang: str | None = None) -> str:
    return babel_numbers.format_decimal(value, locale=LOCALES[normalize(lang)])


def format_date(day: date | datetime, lang: str | None = None, form: str = "long") -> str:
    """`March 5, 2026` / `5 mars 2026` (form `long`); `medium` and `short` as Babel writes them."""
    if isinstance(day, datetime):
        day = day.date()
    return babel_dates.format_date(day, format=form, locale=LOCALES[normalize(lang)])


@dataclass(frozen=True)
class Money:
    """An amount inside a translated template: written in the reader's language."""

    cents: int
    currency: str | None = None

    def text(self, lang: str | None = None) -> str:
        return format_money(self.cents, self.currency, lang)

    def __str__(self) -> str:
        return self.text(DEFAULT_LANGUAGE)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


@dataclass(frozen=True)
class Term:
    """A catalog word inside a translated template (`card links`): translated with it."""

    message: str

    def text(self, lang: str | None = None) -> str:
        return translate(self.message, lang)

    def __str__(self) -> str:
        return self.message


def localized(message: str, params: Mapping[str, object] | None, lang: str | None) -> str:
    """A template and its values in `lang` (used by `GiftnetError.localized_message`)."""
    return translate(message, lang, **dict(params or {}))


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "Money",
    "Term",
    "N_",
    "format_date",
    "format_money",
    "format_number",
    "localized",
    "negotiate",
    "normalize",
    "reload_catalogs",
    "translate",
    "translator",
]
