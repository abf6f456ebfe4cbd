"""A new network's first steps, as the Activity screen lists them until every one is done.

Rules this module keeps (it only reads; each step is ticked from the network's real state,
by the rule the rest of the product already applies):
- **businesses**: at least one active location (added one by one or imported from a CSV);
- **devices**: every active location has at least one device that is activated and not
  revoked (a location whose counter was never opened cannot take a card);
- **shop**: the shop's settings were saved once (amounts, colours, terms reviewed) and its
  payment gateway is Bambora or Forte with every credential it needs (the sandbox charges
  no real card); a gateway at a test address says so in the step's words;
- **bank**: a bank file can be written for the network: `settlement.readiness.bank_file_readiness`
  finds nothing missing, with at least one business to pay;
- **first card**: the network holds at least one card, issued in the dashboard or the API,
  or sold in the shop.
- Owner-only steps (the shop and its gateway, the bank settings: screens staff cannot open)
  are left out of a staff member's list; staff see the steps they can do, and the checklist
  goes away for them once those are done.
- Every step names the screen where it is done (`link`); a step not done says what is still
  missing, a done step what was found.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from app.db import read_session
from app.models import Card, Device, Location
from app.services.core.actor import Actor
from app.services.core.i18n import N_
from app.services.core.operators import operator_or_404
from app.services.core.roles import is_owner
from app.services.settlement.readiness import bank_file_readiness
from app.services.shop.shop_settings import gateway_settings_of

GATEWAY_TITLES = {"bambora": "Bambora", "forte": "Forte"}
MAX_NAMED = 3  # locations named in a step's words; the count of the rest is given


@dataclass(frozen=True)
class Step:
    """One first step: its words, whether it is done, and the screen where it is done."""

    key: str  # businesses | devices | shop | bank | first_card
    title: str
    done: bool
    detail: str  # what was found (done) or what is still missing
    link: str  # the screen where it is done
    link_label: str
    owner_only: bool = False


@dataclass(frozen=True)
class FirstSteps:
    steps: tuple[Step, ...]

    @property
    def done_count(self) -> int:
        return sum(1 for step in self.steps if step.done)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def all_done(self) -> bool:
        return all(step.done for step in self.steps)


def _named(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMED])
    rest = len(names) - MAX_NAMED
    return shown + (f" and {rest} more" if rest > 0 else "")


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _businesses(locations: list[Location]) -> Step:
    if locations:
        detail = f"{_plural(len(locations), 'business', 'businesses')} in the network."
    else:
        detail = N_("No business yet: add them one by one, or import a CSV of all of them.")
    return Step("businesses", N_("Add your businesses (or import them)"), bool(locations), detail,
                "/locations" if locations else "/locations/new", N_("Locations") if locations else N_("Add a business"))


def _devices(session: Session, operator_id: int, locations: list[Location]) -> Step:
    with_device = set(session.exec(
        select(Device.location_id).where(Device.operator_id == operator_id, Device.revoked_at.is_(None)).distinct()
    ).all())
    without = [location for location in locations if location.id not in with_device]
    if not locations:
        return Step("devices", N_("Activate a device at each business"), False,
                    N_("Once a business is added, open its activation link on its counter's tablet or phone."),
                    "/locations", N_("Locations"))
    if not without:
        return Step("devices", N_("Activate a device at each business"), True,
                    f"Every business has an active device ({_plural(len(locations), 'business', 'businesses')}).",
                    "/locations", N_("Locations"))
    return Step("devices", N_("Activate a device at each business"), False,
                f"No active device yet at {_named([location.name for location in without])}: open the business and "
                "send its activation link to the counter.",
                f"/locations/{without[0].id}", f"Open {without[0].name}")


def _shop(session: Session, operator_id: int) -> Step:
    operator = operator_or_404(session, operator_id)
    gateway = gateway_settings_of(operator)
    settings_saved = (operator.shop_settings or "{}").strip() not in ("", "{}")
    real_gateway = gateway.gateway in GATEWAY_TITLES and not gateway.missing
    missing = []
    if not settings_saved:
        missing.append("review and save the shop's amounts and colours")
    if not real_gateway:
        missing.append("choose Bambora or Forte as the payment gateway (the sandbox charges no real card)")
    if missing:
        detail = "Still to do: " + "; ".join(missing) + "."
    else:
        mode = " (test mode: no real card is charged until its live address is set)" if gateway.test_mode else ""
        detail = f"The shop takes cards through {GATEWAY_TITLES[gateway.gateway]}{mode}."
    return Step("shop", N_("Set up the shop and its payment gateway"), not missing, detail, "/widget",
                N_("Shop and widget"), owner_only=True)


def _bank(operator_id: int, locations: list[Location]) -> Step:
    title = N_("Bank settings for payouts")
    readiness = bank_file_readiness(operator_id)
    if readiness.ready and locations:
        formats = " and ".join("NACHA" if name == "nacha" else "CPA-005" for name in readiness.formats)
        return Step("bank", title, True, f"The {formats} bank file can pay every business.", "/settlements",
                    N_("Settlements"), owner_only=True)
    if readiness.ready:
        return Step("bank", title, False, N_("The bank file settings are complete; add a business to pay."),
                    "/locations/new", N_("Add a business"), owner_only=True)
    first = readiness.items[0]
    more = len(readiness.items) - 1 + readiness.more_locations
    # A setting's problem names its format already ("The CPA-005 originator ID is missing"); a location's does not.
    said = first.problem.rstrip(".") if first.kind == "setting" else f"{first.subject}: {first.problem.rstrip('.')}"
    detail = said + (f" (and {more} more to fix)." if more else ".")
    where = "Settings" if first.fix_path == "/settings" else f"Edit {first.subject}"
    return Step("bank", title, False, detail, first.fix_path, where, owner_only=True)


def _first_card(session: Session, operator_id: int) -> Step:
    cards = session.exec(select(func.count(Card.id)).where(Card.operator_id == operator_id)).one()
    detail = (f"{_plural(cards, 'card', 'cards')} issued or sold." if cards
              else N_("Issue a card from the Cards screen, or sell one in the shop."))
    return Step("first_card", N_("Issue or sell the first card"), cards > 0, detail, "/cards", N_("Cards"))


def first_steps(actor: Actor) -> FirstSteps:
    """The first steps of the actor's network, each ticked from its real state; an owner
    sees all five, staff the three they can do (owner-only steps are left out)."""
    owner = is_owner(actor)
    with read_session() as session:
        locations = list(session.exec(
            select(Location).where(Location.operator_id == actor.operator_id, Location.active.is_(True))
            .order_by(Location.name, Location.id)).all())
        steps = [_businesses(locations), _devices(session, actor.operator_id, locations)]
        if owner:
            steps.append(_shop(session, actor.operator_id))
        first_card = _first_card(session, actor.operator_id)
    if owner:
        steps.append(_bank(actor.operator_id, locations))
    return FirstSteps(steps=(*steps, first_card))


__all__ = ["FirstSteps", "Step", "first_steps"]
