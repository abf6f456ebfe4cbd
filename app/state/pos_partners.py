"""The POS partners' guides as screens show them: the public page /pos-partners (no login,
a placeholder for the location's id) and each location's setup guide (its own addresses)."""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

from app.services.core import i18n
from app.services.network import pos_guides
from app.settings import get_settings
from app.state.language import LanguageState

PLACEHOLDER_LOCATION = "<location id>"


@dataclass
class GuideStepView:
    number: int = 0
    text: str = ""
    copy: str = ""


@dataclass
class GuideView:
    key: str = ""
    name: str = ""
    summary: str = ""
    needs: list[str] = field(default_factory=list)
    steps: list[GuideStepView] = field(default_factory=list)


def guide_views(location_id: int | str, tender_name: str, lang: str | None = None) -> list[GuideView]:
    """Every partner's guide, its steps numbered, with the deployment's own address."""
    return [
        GuideView(key=guide.key, name=guide.name, summary=guide.summary, needs=list(guide.needs),
                  steps=[GuideStepView(number=number, text=step.text, copy=step.copy)
                         for number, step in enumerate(guide.steps, start=1)])
        for guide in pos_guides.partner_guides(get_settings().public_url, location_id, tender_name, lang)
    ]


class PosPartnersState(LanguageState):
    """/pos-partners: public, nothing of any operator on it."""

    guides: list[GuideView] = []

    @rx.event
    def load(self):
        self._show_in(self._browser_preference(), i18n.LANGUAGES)
        self._write_guides()

    def _write_guides(self) -> None:
        self.guides = guide_views(PLACEHOLDER_LOCATION, self._t("Gift card (your network's name)"), self.lang)

    def _keep_language(self, lang: str) -> None:
        """A visitor's choice, kept in this browser; the guides are written again in it."""
        self.browser_language = lang
        self._write_guides()

    @rx.event
    def choose_language(self, lang: str):
        """The picker, its own handler here (see `LanguageState._choose`)."""
        self._choose(lang)
