"""/api/v1/settings: the operator's card limits, commission, bank file settings and languages.

Thin over app/services/settlement/payout_settings.py (the same rules as the dashboard's Settings
screen). PATCH is partial: fields not given stay as they are; `null` clears a bank
setting. Account numbers are never answered, only their last 4.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import ApiCaller, api_caller
from app.api.delivery_schemas import DELIVERY_SETTINGS_EXAMPLE, DeliverySettingsAnswer, DeliverySettingsChange
from app.api.errors import error_responses
from app.api.schemas import StrictRequest
from app.services.settlement import payout_settings

router = APIRouter(prefix="/settings", tags=["settings"])

NACHA_EXAMPLE = {
    "immediate_destination": "011000015",
    "immediate_origin": "1234567890",
    "destination_name": "FEDERAL RESERVE BANK",
    "origin_name": "DOWNTOWN GIFTS",
    "company_name": "DOWNTOWN GIFTS",
    "company_id": "1234567890",
    "odfi_routing": "011000015",
    "offset_routing_number": None,
    "offset_account_last4": None,
}
CPA005_EXAMPLE = {
    "originator_id": "ABCDEF1234",
    "data_centre": "00120",
    "originator_short_name": "DOWNTOWN GIFTS",
    "originator_long_name": "DOWNTOWN GIFTS NETWORK INC",
    "return_institution_number": "001",
    "return_transit_number": "00011",
    "return_account_last4": "4321",
    "province": "ON",
}
SCHEDULE_EXAMPLE = {"frequency": "weekly", "weekday": "fri", "day": None, "cutoff_time": "17:00",
                    "minimum_net_cents": 2500, "next_run_at": "2026-12-04T22:00:00+00:00"}
SETTINGS_EXAMPLE = {
    "currency": "USD",
    "commission_bps": 250,
    "card_min_cents": 500,
    "card_max_cents": 100000,
    "payouts": {"nacha": NACHA_EXAMPLE, "cpa005": CPA005_EXAMPLE, "schedule": SCHEDULE_EXAMPLE,
                "delivery": DELIVERY_SETTINGS_EXAMPLE},
    "languages": {"default": "fr", "offered": ["en", "fr"]},
}


class NachaSettingsAnswer(BaseModel):
    immediate_destination: str | None
    immediate_origin: str | None
    destination_name: str | None
    origin_name: str | None
    company_name: str | None
    company_id: str | None
    odfi_routing: str | None
    offset_routing_number: str | None
    offset_account_last4: str | None


class Cpa005SettingsAnswer(BaseModel):
    originator_id: str | None
    data_centre: str | None
    originator_short_name: str | None
    originator_long_name: str | None
    return_institution_number: str | None
    return_transit_number: str | None
    return_account_last4: str | None
    province: str | None = Field(default=None, description="Its bank holidays are skipped too (none: Canada's only).")


class PayoutScheduleAnswer(BaseModel):
    frequency: str = Field(description="off, daily, weekly, semimonthly (1st and 16th) or monthly.")
    weekday: str | None = Field(description="mon..sun (weekly).")
    day: int | None = Field(description="1-28 (monthly).")
    cutoff_time: str = Field(description="HH:MM in the network's time zone: a run pays what was redeemed until then.")
    minimum_net_cents: int = Field(description="A location owed less (net) waits for a later run.")
    next_run_at: str | None = Field(description="When the next run happens (ISO 8601 UTC); null when off.")


class PayoutSettingsAnswer(BaseModel):
    nacha: NachaSettingsAnswer
    cpa005: Cpa005SettingsAnswer
    schedule: PayoutScheduleAnswer
    delivery: DeliverySettingsAnswer = Field(description="How bank files reach the bank (secrets masked).")


class LanguagesAnswer(BaseModel):
    default: str = Field(description="`en` or `fr`: the language of the network's screens, emails and cards unless a "
                                     "person, device, shopper or card chose another. Always among `offered`.")
    offered: list[str] = Field(description="The languages people may choose from (`en`, `fr`), at least one.")


class LanguagesChange(StrictRequest):
    default: str | None = Field(default=None, description="`en` or `fr`; must be among the offered languages "
                                                          "(as changed by this request).")
    offered: list[str] | None = Field(default=None, description="One or more of `en`, `fr`.")


class SettingsAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SETTINGS_EXAMPLE]})

    currency: str
    commission_bps: int = Field(description="The operator's commission in basis points (250 = 2.5 %).")
    card_min_cents: int
    card_max_cents: int
    payouts: PayoutSettingsAnswer
    languages: LanguagesAnswer = Field(description="The network's default language and the languages it offers.")


class PayoutSettingsChange(StrictRequest):
    nacha: dict[str, Any] | None = Field(default=None, description="NACHA fields to change; `null` clears the section.")
    cpa005: dict[str, Any] | None = Field(default=None, description="CPA-005 fields to change; `null` clears the section.")
    schedule: dict[str, Any] | None = Field(
        default=None,
        description="Payout schedule fields to change: `frequency` (off / daily / weekly / semimonthly / monthly), "
                    "`weekday` (mon..sun, weekly), `day` (1-28, monthly), `cutoff_time` (HH:MM, the network's time "
                    "zone), `minimum_net_cents`; `null` turns it off.",
    )
    delivery: DeliverySettingsChange | None = Field(default=None, description="`download` or `sftp` and the SFTP "
                                                    "server's settings.")


class SettingsChange(StrictRequest):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"commission_bps": 300, "payouts": {"nacha": {"company_id": "1234567890"}}},
    ]})

    commission_bps: int | None = Field(default=None, description="0 to 10000 basis points.")
    card_min_cents: int | None = Field(default=None, description="1 to 100,000,000, at most `card_max_cents`.")
    card_max_cents: int | None = Field(default=None, description="1 to 100,000,000, at least `card_min_cents`.")
    payouts: PayoutSettingsChange | None = Field(default=None, description="Bank file settings to change.")
    languages: LanguagesChange | None = Field(default=None, description="The network's default language and/or the "
                                              "languages it offers; the default must be among the offered.")


def settings_answer(settings: payout_settings.OperatorSettings) -> SettingsAnswer:
    return SettingsAnswer.model_validate(settings.as_dict())


@router.get(
    "",
    operation_id="get_settings",
    response_model=SettingsAnswer,
    summary="Read the operator's settings",
    description="Card limits, commission, the NACHA / CPA-005 bank file settings (account numbers by their last 4) "
    "and the network's languages.",
    responses=error_responses(400),
)
def get_settings(caller: ApiCaller = Depends(api_caller)) -> SettingsAnswer:
    return settings_answer(payout_settings.get_settings(caller.operator_id))


@router.patch(
    "",
    operation_id="update_settings",
    response_model=SettingsAnswer,
    summary="Change the operator's settings",
    description="Partial: only the fields given change; within `payouts.nacha` / `payouts.cpa005`, `null` clears a "
    "field. Every field is checked; when one is refused nothing changes and `field` names it.",
    responses=error_responses(
        400,
        examples={400: [
            ("invalid_input", "commission_bps is a whole number of basis points from 0 to 10000 (250 = 2.5 %)."),
            ("invalid_input", "The card minimum must not be more than the card maximum."),
            ("invalid_input", "The NACHA ODFI routing number must be a 9-digit ABA routing number with a valid "
                              "check digit."),
            ("invalid_input", "Unknown field `payouts.nacha.bank`."),
            ("invalid_input", "The default language (fr) must be one of the offered languages (en)."),
        ]},
    ),
)
def update_settings(body: SettingsChange, caller: ApiCaller = Depends(api_caller)) -> SettingsAnswer:
    changes = body.model_dump(exclude_unset=True)
    if "payouts" in changes and changes["payouts"] is not None:
        changes["payouts"] = body.payouts.model_dump(exclude_unset=True) if body.payouts else None
    if "languages" in changes and changes["languages"] is not None:
        changes["languages"] = body.languages.model_dump(exclude_unset=True) if body.languages else None
    return settings_answer(payout_settings.update_settings(caller.actor, changes))
