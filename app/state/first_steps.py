"""The Activity screen's first steps: the checklist of a new network, read again from the
services each time the screen opens (app/services/onboarding/first_steps.py decides)."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.services.onboarding import first_steps
from app.state.session import SessionState


@dataclass
class StepRow:
    key: str = ""
    title: str = ""
    done: bool = False
    detail: str = ""
    link: str = ""
    link_label: str = ""


class FirstStepsState(SessionState):
    steps: list[StepRow] = []
    done_count: int = 0
    total: int = 0

    @rx.var
    def visible(self) -> bool:
        """Shown while a step the person can do is left; gone for good once all are done."""
        return self.total > 0 and self.done_count < self.total

    @rx.event
    def load(self):
        who = self._signed_in()
        if who is None:
            self.steps, self.done_count, self.total = [], 0, 0
            return
        checklist = first_steps.first_steps(self._actor(who))
        # The service's fixed sentences are catalog entries (N_); those naming a business stay as written.
        self.steps = [StepRow(key=step.key, title=self._t(step.title), done=step.done, detail=self._t(step.detail),
                              link=step.link, link_label=self._t(step.link_label)) for step in checklist.steps]
        self.done_count, self.total = checklist.done_count, checklist.total
