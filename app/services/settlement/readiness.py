"""Whether this network can write its bank files, asked before the first batch rather than
discovered at download time: what a NACHA or CPA-005 file still needs.

Rules this module keeps (it only reads; each rule lives where the file is written):
- the formats a network needs follow its locations' bank accounts: US accounts are paid by
  a NACHA file, Canadian ones by a CPA-005 file; a network with no bank details yet needs
  its currency's format (USD: NACHA, CAD: CPA-005);
- each originator setting a needed format still lacks (or cannot read) is one item, named by
  its label: `payout_settings.setting_problems`, the rule `nacha_originator` /
  `cpa005_originator` apply when the file is written;
- each active location a bank file cannot pay is one item, by name, with what is missing:
  `payables.bank_details_problem` (the rule a batch uses to leave it out), and a US account in
  a network whose currency is not USD (a NACHA file moves US dollars only);
- every item says where it is fixed: the Settings screen, or the location's edit screen;
- missing originator settings block a batch (`file_blocker`, `require_bank_file_settings`): the
  Settlements screen disables Create with that sentence and `create_payout(...,
  require_bank_file=True)` refuses with it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlmodel import select

from app.db import read_session
from app.models import Location, Operator
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.operators import operator_or_404
from app.services.settlement import payout_settings
from app.services.settlement.payables import bank_details_problem, by_location_name

FORMAT_TITLES = {"nacha": "NACHA", "cpa005": "CPA-005"}
FORMAT_OF_COUNTRY = {"US": "nacha", "CA": "cpa005"}
FORMAT_OF_CURRENCY = {"USD": "nacha", "CAD": "cpa005"}
MAX_LOCATION_ITEMS = 50  # a long list helps no one; the count of the rest is given


@dataclass(frozen=True)
class ReadinessItem:
    """One thing a bank file still needs, and where it is fixed."""

    kind: str  # setting | location
    subject: str  # "NACHA settings" or the location's name
    problem: str  # what is missing, in words
    fix_path: str  # the screen that fixes it: /settings or /locations/<id>/edit
    field: str | None = None  # a setting's field (payouts.nacha.company_id)
    location_id: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Readiness:
    formats: tuple[str, ...]  # the bank file formats this network's locations need (nacha, cpa005)
    items: list[ReadinessItem]  # settings first, then locations by name
    more_locations: int  # locations with a problem beyond the MAX_LOCATION_ITEMS shown

    @property
    def ready(self) -> bool:
        return not self.items

    def as_dict(self) -> dict:
        return {"ready": self.ready, "formats": list(self.formats), "items": [item.as_dict() for item in self.items],
                "more_locations": self.more_locations}


def _formats(operator: Operator, locations: list[Location]) -> tuple[str, ...]:
    needed = {FORMAT_OF_COUNTRY[location.bank_country] for location in locations
              if location.bank_country in FORMAT_OF_COUNTRY}
    if not needed and operator.currency in FORMAT_OF_CURRENCY:
        needed = {FORMAT_OF_CURRENCY[operator.currency]}
    return tuple(file_format for file_format in FORMAT_TITLES if file_format in needed)


def settings_formats(operator_id: int) -> tuple[str, ...]:
    """The bank file formats whose settings the Settings screen offers: the network currency's
    (USD: NACHA, CAD: CPA-005), each format a location's bank account needs (a US account:
    NACHA, a Canadian one: CPA-005), and any format already holding settings. A US-only
    network is not offered CPA-005, a Canadian-only one not NACHA; a mixed one both."""
    with read_session() as session:
        operator = operator_or_404(session, operator_id)
        countries = set(session.exec(select(Location.bank_country).where(
            Location.operator_id == operator_id, Location.bank_country.is_not(None)).distinct()).all())
    needed = {FORMAT_OF_COUNTRY[country] for country in countries if country in FORMAT_OF_COUNTRY}
    if operator.currency in FORMAT_OF_CURRENCY:
        needed.add(FORMAT_OF_CURRENCY[operator.currency])
    current = payout_settings.get_settings(operator_id)
    for file_format, section in (("nacha", current.nacha), ("cpa005", current.cpa005)):
        if any(value for value in asdict(section).values()):
            needed.add(file_format)
    return tuple(file_format for file_format in FORMAT_TITLES if file_format in needed)


def _location_problem(operator: Operator, location: Location) -> str | None:
    problem = bank_details_problem(location)
    if problem is None and location.bank_country == "US" and operator.currency != "USD":
        problem = (f"A US account is paid by a NACHA file, which moves US dollars; this network's currency is "
                   f"{operator.currency}")
    return problem


def bank_file_readiness(operator_id: int) -> Readiness:
    """What the operator's bank files still need: each originator setting missing for a
    format its locations need (by its label), each active location a bank file cannot pay
    (by name, with what is missing). `ready` when nothing is."""
    with read_session() as session:
        operator = operator_or_404(session, operator_id)
        locations = list(session.exec(
            select(Location).where(Location.operator_id == operator_id, Location.active.is_(True))).all())
        formats = _formats(operator, locations)
        items = [
            ReadinessItem(kind="setting", subject=f"{FORMAT_TITLES[file_format]} settings",
                          problem=problem.message, fix_path="/settings", field=problem.field)
            for file_format in formats
            for problem in payout_settings.setting_problems(operator, file_format)
        ]
        problems = {location.id: problem for location in locations
                    if (problem := _location_problem(operator, location))}
    names = {location.id: location.name for location in locations}
    ordered = by_location_name(problems, names)
    items += [
        ReadinessItem(kind="location", subject=names[location_id], problem=problems[location_id],
                      fix_path=f"/locations/{location_id}/edit", location_id=location_id)
        for location_id in ordered[:MAX_LOCATION_ITEMS]
    ]
    return Readiness(formats=formats, items=items, more_locations=max(0, len(ordered) - MAX_LOCATION_ITEMS))


def file_blocker(checklist: Readiness) -> str:
    """Why no bank file can be written yet, in one sentence ("" when one can): the originator
    settings a needed format still lacks. A location a file cannot pay does not block the file
    (a batch leaves it out and says so); missing settings do, so a batch would be stuck."""
    missing = [f"{item.subject}: {item.problem}" for item in checklist.items if item.kind == "setting"]
    if not missing:
        return ""
    return ("A batch needs its bank file settings first, and these are missing: " + "; ".join(missing)
            + ". Fill them in on the Settings screen.")


def require_bank_file_settings(operator_id: int) -> None:
    """Refuse (`conflict`, the sentence of `file_blocker`) while no bank file can be written."""
    reason = file_blocker(bank_file_readiness(operator_id))
    if reason:
        raise GiftnetError(ErrorCode.conflict, reason, field="payouts")


__all__ = ["Readiness", "ReadinessItem", "bank_file_readiness", "file_blocker", "require_bank_file_settings"]
