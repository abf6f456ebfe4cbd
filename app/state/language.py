"""The language a browser's screens are shown in: the root of every screen's state.

`LanguageState.lang` (`en` / `fr`) is read by every translated text on the page
(`app/components/i18n.py`'s `t()`), and by the handlers, which write their messages
with `self._t(...)` (marked for the catalogs like `_()`). Who sets it:

- the dashboard (`SessionState`): the signed-in person's own language, else the network's
  default; the account menu's picker keeps a new choice on the person;
- a counter device (`DeviceState`): the device's own, chosen on the device;
- the shop and widget (`ShopState`): `?lang=` (the embed snippet's `lang` attribute), else
  this browser's earlier choice, else the browser's `Accept-Language`, among the languages
  the network offers;
- screens before sign-in: this browser's choice, else its `Accept-Language`.

Each root keeps a choice its own way by overriding `_keep_language`.
"""

from __future__ import annotations

import reflex as rx

from app.services.core import i18n
from app.services.core.i18n import N_  # noqa: F401 - pages and components mark their English constants with it

LANGUAGE_NAMES = i18n.LANGUAGE_NAMES


def in_each_language(message: str, /, **params: object) -> dict[str, str]:
    """`message` written in every language, its `{placeholders}` filled: {"en": ..., "fr": ...}
    (the pages' `t()` compiles these into the page)."""
    return {lang: i18n.translate(message, lang, **params) for lang in i18n.LANGUAGES}


class LanguageState(rx.State):
    """The language of this browser's screens, and the languages it may pick from."""

    lang: str = i18n.DEFAULT_LANGUAGE
    offered_languages: list[str] = list(i18n.LANGUAGES)
    # A choice made before anyone signed in (sign-in, sign-up, landing): kept in this browser.
    browser_language: str = rx.LocalStorage("", name="giftnet_language", sync=True)

    @rx.var
    def language_choices(self) -> list[list[str]]:
        """[code, name] of each language offered, for a picker: `[["en", "English"], ["fr", "Français"]]`."""
        return [[code, i18n.LANGUAGE_NAMES[code]] for code in self.offered_languages if code in i18n.LANGUAGE_NAMES]

    def _t(self, message: str, /, **params: object) -> str:
        """`message` (an English catalog sentence, extracted like `_()`) in this screen's language."""
        return i18n.translate(message, self.lang, **params)

    def _money(self, amount_cents: int, currency: str | None = None) -> str:
        return i18n.format_money(amount_cents, currency, self.lang)

    def _browser_preference(self, default: str = i18n.DEFAULT_LANGUAGE) -> str:
        """This browser's own choice if it made one, else what its `Accept-Language` asks for."""
        if self.browser_language in i18n.LANGUAGES:
            return self.browser_language
        return i18n.negotiate(self.router.headers.accept_language, default)

    def _show_in(self, lang: str, offered: tuple[str, ...] | list[str] | None = None) -> None:
        """Show the screens in `lang` (kept within `offered`, whose first is the fallback)."""
        if offered is not None:
            self.offered_languages = list(offered) or [i18n.DEFAULT_LANGUAGE]
        lang = i18n.normalize(lang)
        self.lang = lang if lang in self.offered_languages else self.offered_languages[0]

    def _keep_language(self, lang: str) -> None:
        """Remember a choice made on this screen (the roots override: person, device, shopper)."""
        self.browser_language = lang

    @rx.event
    def use_browser_language(self):
        """on_load of the screens before sign-in: this browser's choice or its `Accept-Language`."""
        self._show_in(self._browser_preference(), i18n.LANGUAGES)

    def _choose(self, lang: str) -> bool:
        """Show the screens in `lang` from now on and keep the choice the root's way; False when
        `lang` is not offered. Each root's `choose_language` event calls it: Reflex runs an
        inherited event handler on the class that defines it, so an event defined only here would
        never reach a root's own `_keep_language`."""
        lang = (lang or "").strip().lower()
        if lang not in self.offered_languages:
            return False
        self.lang = lang
        self._keep_language(lang)
        return True

    @rx.event
    def choose_language(self, lang: str):
        """The picker where no root defines its own: this browser keeps the choice."""
        self._choose(lang)
