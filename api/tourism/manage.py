"""Tourism routes for a spot's manager (``/staff/tourism/spots/{code}``; the spot's code is the
scope): its advisories, its limits and crowd ladder, its fair-use rules. Parse → one domain call
(``domain.tourism.manage``) → render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._idempotency import idempotent
from api._kit import body, documented, respond
from api._labels import LabelText
from api.appointments.routes import gate_of
from domain.shared import clock
from domain.tourism import crowd, manage, service
from domain.tourism.models import Advisory

SPOT = "/staff/tourism/spots/<code:str>"
PUBLISHERS = (
    "Staff with the `spot_manager` role for the spot's code, or the tourism bureau's `case_officer` "
    "scoped to it."
)
MANAGER = "Staff with the `spot_manager` role for the spot's code."
DENIED = "`spot_not_found`, `staff_role_required`, `staff_scope_required`"


class Trilingual(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zh_Hans: str = Field(min_length=1, description="Required.")
    zh_Hant: str = Field("", description="Empty: shown in simplified Chinese.")
    en: str = Field("", description="Empty: shown in simplified Chinese.")


class TitleIn(Trilingual):
    zh_Hans: str = Field(min_length=1, max_length=manage.TITLE_LENGTH, description="Required.")
    zh_Hant: str = Field("", max_length=manage.TITLE_LENGTH)
    en: str = Field("", max_length=manage.TITLE_LENGTH)


class TextIn(Trilingual):
    zh_Hans: str = Field(min_length=1, max_length=manage.TEXT_LENGTH, description="Required.")
    zh_Hant: str = Field("", max_length=manage.TEXT_LENGTH)
    en: str = Field("", max_length=manage.TEXT_LENGTH)


class AdvisoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: TitleIn
    text: TextIn
    first_day: dt.date = Field(description="China date: shown from this day.")
    last_day: dt.date = Field(description="China date: shown until the end of this day (not past).")

    def draft(self) -> manage.AdvisoryDraft:
        return manage.AdvisoryDraft(dict(self.title), dict(self.text), self.first_day, self.last_day)


class TrilingualOut(BaseModel):
    zh_Hans: str
    zh_Hant: str
    en: str


class ManagedAdvisoryOut(BaseModel):
    id: int
    title: TrilingualOut
    text: TrilingualOut
    first_day: dt.date
    last_day: dt.date
    state: str = Field(description="shown (today), scheduled, expired or withdrawn.")
    withdrawn_at: dt.datetime | None

    @classmethod
    def of(cls, advisory: Advisory, today: dt.date) -> ManagedAdvisoryOut:
        return cls(
            id=advisory.id,
            title=TrilingualOut(
                zh_Hans=advisory.title_zh_hans, zh_Hant=advisory.title_zh_hant, en=advisory.title_en
            ),
            text=TrilingualOut(
                zh_Hans=advisory.text_zh_hans, zh_Hant=advisory.text_zh_hant, en=advisory.text_en
            ),
            first_day=advisory.first_day,
            last_day=advisory.last_day,
            state=manage.advisory_state(advisory, today),
            withdrawn_at=advisory.withdrawn_at,
        )


class AdvisoriesOut(BaseModel):
    advisories: list[ManagedAdvisoryOut] = Field(description="The newest first, withdrawn and expired too.")


class LadderStepOut(BaseModel):
    percent: int = Field(description="From this share of the day sold or of the limit inside.")
    level: str
    level_label: LabelText


class SettingsOut(BaseModel):
    spot: str
    spot_name: str
    daily_max: int
    instant_max: int
    policy_percent: int
    walk_in_percent: int
    day_capacity: int = Field(description="What a day sells: daily maximum × policy.")
    walk_in: int = Field(description="Of the day's capacity, kept for the window.")
    instant_limit: int = Field(description="Inside at once at most: instantaneous maximum × policy.")
    crowd_ladder: list[LadderStepOut] = Field(description="The spot's ladder (the default if it set none).")
    rules: dict[str, Any] = Field(description="The fair-use rules, every part spelled out.")

    @classmethod
    def of(cls, found: manage.SpotSetup, locale: str) -> SettingsOut:
        spot = found.spot
        return cls(
            spot=spot.code,
            spot_name=spot.name_in(locale),
            daily_max=spot.daily_max,
            instant_max=spot.instant_max,
            policy_percent=spot.policy_percent,
            walk_in_percent=spot.walk_in_percent,
            day_capacity=found.day_capacity,
            walk_in=found.walk_in,
            instant_limit=found.instant_limit,
            crowd_ladder=[
                LadderStepOut(percent=p, level=level.value, level_label=crowd.LABELS[level])
                for p, level in found.ladder
            ],
            rules=found.rules,
        )


class LimitsIn(BaseModel):
    """Each field given replaces the spot's; absent: kept."""

    model_config = ConfigDict(extra="forbid")

    daily_max: int | None = Field(None, ge=1, description="Visitors a day the spot publishes.")
    instant_max: int | None = Field(None, ge=1, description="Visitors inside at once the spot publishes.")
    policy_percent: int | None = Field(None, ge=1, le=100, description="Of either maximum, the share sold.")
    walk_in_percent: int | None = Field(
        None, ge=0, le=100, description="Of what is sold, kept for the window."
    )
    crowd_ladder: list[tuple[int, crowd.Level]] | None = Field(
        None,
        max_length=3,
        description="[[percent, level], …] rising, ending in red; [] for the default (80/90/100 %).",
    )


class LimitsOut(SettingsOut):
    days_changed: int = Field(description="Open days whose limits changed.")
    slots_changed: int = Field(description="Entry slots whose places changed.")
    level: str | None = Field(description="Today's crowd level after the change; null: today is not open.")


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: dict[str, Any] = Field(
        description=(
            "The fair-use rules (`refunds`, `cancel_quota`, `no_show`, `waitlist_pay_minutes`, `entry`); "
            "a part left out takes the default. Orders already made keep the refund rules they were "
            "made under."
        )
    )


@openapi.summary("The spot's notices, withdrawn and expired ones too")
@openapi.description(f"{PUBLISHERS} Refusals: {DENIED}.")
@openapi.tag("tourism")
@documented(AdvisoriesOut)
@requires("staff")
async def list_advisories(request: Request, code: str) -> HTTPResponse:
    spot = await service.spot_by_code(code)
    found = await manage.advisories(actor_of(request), spot)
    today = clock.today_in_china()
    return respond(AdvisoriesOut(advisories=[ManagedAdvisoryOut.of(a, today) for a in found]))


@openapi.summary("Publish a notice on the spot's page for some days (a forest-fire ban)")
@openapi.description(
    f"{PUBLISHERS} Title and text in 简体 required, 繁體 and English shown in 简体 when empty. "
    "Residents see it on the spot's page from its first day to its last (China dates). The spot's "
    "staff are alerted. Send an `Idempotency-Key`: a retry is answered with the first answer. "
    f"Refusals: `advisory_invalid` (details: the field), {DENIED}."
)
@openapi.tag("tourism")
@documented(ManagedAdvisoryOut, status=201)
@requires("staff")
@idempotent()
@body(AdvisoryIn)
async def publish(request: Request, code: str) -> HTTPResponse:
    data: AdvisoryIn = request.ctx.body
    spot = await service.spot_by_code(code)
    advisory = await manage.publish(actor_of(request), spot, data.draft())
    return respond(ManagedAdvisoryOut.of(advisory, clock.today_in_china()), status=201)


@openapi.summary("Change a notice's title, text or days")
@openapi.description(
    f"{PUBLISHERS} Replaces them all. Refusals: `advisory_not_found`, `advisory_withdrawn` (409), "
    f"`advisory_invalid`, {DENIED}."
)
@openapi.tag("tourism")
@documented(ManagedAdvisoryOut)
@requires("staff")
@body(AdvisoryIn)
async def edit(request: Request, code: str, advisory_id: int) -> HTTPResponse:
    data: AdvisoryIn = request.ctx.body
    spot = await service.spot_by_code(code)
    advisory = await manage.edit(actor_of(request), spot, advisory_id, data.draft())
    return respond(ManagedAdvisoryOut.of(advisory, clock.today_in_china()))


@openapi.summary("Withdraw a notice: off the spot's page at once, kept in the list")
@openapi.description(
    f"{PUBLISHERS} Send an `Idempotency-Key`: a retry is answered with the first answer (without "
    f"one, a second withdrawal is `advisory_withdrawn`). Refusals: `advisory_not_found`, {DENIED}."
)
@openapi.tag("tourism")
@documented(ManagedAdvisoryOut)
@requires("staff")
@idempotent()
async def withdraw(request: Request, code: str, advisory_id: int) -> HTTPResponse:
    spot = await service.spot_by_code(code)
    advisory = await manage.withdraw(actor_of(request), spot, advisory_id)
    return respond(ManagedAdvisoryOut.of(advisory, clock.today_in_china()))


@openapi.summary("The spot's limits, crowd ladder and fair-use rules, for its manager's form")
@openapi.description(f"{MANAGER} Refusals: {DENIED}.")
@openapi.tag("tourism")
@documented(SettingsOut)
@requires("staff")
async def settings(request: Request, code: str) -> HTTPResponse:
    spot = await service.spot_by_code(code)
    return respond(SettingsOut.of(await manage.setup(actor_of(request), spot), request.ctx.locale))


@openapi.summary("Change the spot's maximums, policy cap, walk-in share or crowd ladder")
@openapi.description(
    f"{MANAGER} Applies at once to every open day (today and after) and its entry slots not yet "
    "ended, and to today's limit inside; the crowd level is recomputed and the spot's staff alerted. "
    "Nobody's ticket is cancelled: a day or slot already sold beyond the new limit refuses the whole "
    "change with `spot_capacity_below_sold` (409; details: `day`, `sold`, `capacity`, `slot_id` for a "
    "slot), visitors inside beyond the new instantaneous limit with `spot_capacity_below_inside` (409; "
    "details: `inside`, `limit`). Other refusals: `spot_invalid` (details: the field), "
    f"`spot_crowd_ladder_invalid`, {DENIED}."
)
@openapi.tag("tourism")
@documented(LimitsOut)
@requires("staff")
@body(LimitsIn)
async def set_limits(request: Request, code: str) -> HTTPResponse:
    data: LimitsIn = request.ctx.body
    spot = await service.spot_by_code(code)
    ladder = None if data.crowd_ladder is None else [[p, level.value] for p, level in data.crowd_ladder]
    change = manage.Limits(
        data.daily_max, data.instant_max, data.policy_percent, data.walk_in_percent, ladder
    )
    actor = actor_of(request)
    changed = await manage.set_limits(actor, spot, change, gate_of(request))
    shown = SettingsOut.of(await manage.setup(actor, changed.spot), request.ctx.locale)
    return respond(
        LimitsOut(
            **dict(shown),
            days_changed=changed.days,
            slots_changed=changed.slots,
            level=changed.level.value if changed.level else None,
        )
    )


@openapi.summary("Replace the spot's fair-use rules (refunds, cancellation quotas, no-show lock)")
@openapi.description(
    f"{MANAGER} Orders already made keep the refund rules they were made under. Refusals: "
    f"`spot_rules_invalid` (details: the part), {DENIED}."
)
@openapi.tag("tourism")
@documented(SettingsOut)
@requires("staff")
@body(RulesIn)
async def set_rules(request: Request, code: str) -> HTTPResponse:
    data: RulesIn = request.ctx.body
    spot = await service.spot_by_code(code)
    actor = actor_of(request)
    spot = await manage.set_rules(actor, spot, data.rules)
    return respond(SettingsOut.of(await manage.setup(actor, spot), request.ctx.locale))


def add_routes(bp: Blueprint) -> None:
    """The manager's routes on the tourism blueprint."""
    advisories = f"{SPOT}/advisories"
    bp.add_route(list_advisories, advisories, methods=["GET"], name="spot_advisories")
    bp.add_route(publish, advisories, methods=["POST"], name="spot_advisory_publish")
    bp.add_route(edit, f"{advisories}/<advisory_id:id>", methods=["PUT"], name="spot_advisory_edit")
    bp.add_route(
        withdraw, f"{advisories}/<advisory_id:id>/withdraw", methods=["POST"], name="spot_advisory_withdraw"
    )
    bp.add_route(settings, f"{SPOT}/settings", methods=["GET"], name="spot_settings")
    bp.add_route(set_limits, f"{SPOT}/limits", methods=["PATCH"], name="spot_limits")
    bp.add_route(set_rules, f"{SPOT}/rules", methods=["PUT"], name="spot_rules")
