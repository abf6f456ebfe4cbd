"""The POS partners' guides as screens show them: the public page /pos-partners (no login,
a placeholder for the location's id) and each location's setup guide (its own addresses)."""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

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


def guide_views(location_id: int | str, tender_name: str) -> list[GuideView]:
    """Every partner's guide, its steps numbered, with the deployment's own address."""
    return [
        GuideView(key=guide.key, name=guide.name, summary=guide.summary, needs=list(guide.needs),
                  steps=[GuideStepView(number=number, text=step.text, copy=step.copy)
                         for number, step in enumerate(guide.steps, start=1)])
        for guide in pos_guides.partner_guides(get_settings().public_url, location_id, tender_name)
    ]


class PosPartnersState(LanguageState):
    """/pos-partners: public, nothing of any operator on it."""

    guides: list[GuideView] = []

    @rx.event
    def load(self):
        self.guides = guide_views(PLACEHOLDER_LOCATION, "Gift card (your network's name)")
