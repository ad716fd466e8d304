"""Crowd routes: the public crowd board, a resident's subscription to a spot's level, and the staff
gates' entry and exit scans (``/staff/tourism``). Parse → one domain call → render."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sanic import HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._kit import documented, parse_query, respond
from api._labels import LabelText
from api.tourism.schemas import SpotsQuery
from domain.tourism import crowd, occupancy, service


class DiversionOut(BaseModel):
    code: str
    name: str
    level: str
    level_label: LabelText
    km: float = Field(description="Distance from the crowded spot, great circle, one decimal.")


class SpotCrowdOut(BaseModel):
    code: str
    name: str
    level: str = Field(description="comfortable, yellow, orange or red (red: no more entries sold today).")
    level_label: LabelText
    inside: int
    limit: int = Field(description="Inside at once at most: the instantaneous maximum × policy.")
    sold: int = Field(description="Today's entries sold (held or paid).")
    capacity: int = Field(description="Today's day limit; 0 when the spot takes no entries today.")
    diversions: list[DiversionOut] = Field(description="Nearby spots with a lower level, nearest first.")

    @classmethod
    def of(cls, found: occupancy.SpotCrowd, locale: str) -> SpotCrowdOut:
        return cls(
            code=found.spot.code,
            name=found.spot.name_in(locale),
            level=found.level.value,
            level_label=crowd.LABELS[found.level],
            inside=found.inside,
            limit=found.limit,
            sold=found.sold,
            capacity=found.capacity,
            diversions=[
                DiversionOut(
                    code=s.code,
                    name=s.name_in(locale),
                    level=lv.value,
                    level_label=crowd.LABELS[lv],
                    km=round(km, 1),
                )
                for s, lv, km in found.diversions
            ],
        )


class CrowdBoardOut(BaseModel):
    spots: list[SpotCrowdOut]


class CountOut(BaseModel):
    inside: int
    limit: int
    level: str
    level_label: LabelText
    counted: bool = Field(description="False: an exit with nobody inside, not counted.")


class SubscriptionOut(BaseModel):
    spot: str
    subscribed: bool


@openapi.summary("The crowd board: each spot's level, inside, sold, and diversions")
@openapi.parameter("region", str, "query")
@openapi.tag("tourism")
@documented(CrowdBoardOut)
async def board(request: Request) -> HTTPResponse:
    query = parse_query(request, SpotsQuery)
    found = await occupancy.crowd_board(query.region)
    return respond(CrowdBoardOut(spots=[SpotCrowdOut.of(f, request.ctx.locale) for f in found]))


@openapi.summary("Be told in the inbox when a spot's crowd level changes")
@openapi.description("Refused with `spot_not_found` (404). Asking again changes nothing.")
@openapi.tag("tourism")
@documented(SubscriptionOut)
@requires("resident")
async def subscribe(request: Request, code: str) -> HTTPResponse:
    spot = await service.spot_by_code(code)
    actor = actor_of(request)
    assert actor.id is not None  # a resident's token names the resident
    await occupancy.subscribe(actor.id, spot)
    return respond(SubscriptionOut(spot=spot.code, subscribed=True))


async def _scan(request: Request, code: str, *, entering: bool) -> HTTPResponse:
    spot = await service.spot_by_code(code)
    count = await occupancy.scan(actor_of(request), spot, entering=entering)
    return respond(
        CountOut(
            inside=count.inside,
            limit=count.limit,
            level=count.level.value,
            level_label=crowd.LABELS[count.level],
            counted=count.counted,
        )
    )


@openapi.summary("A visitor enters at one of the spot's gates")
@openapi.description(
    "Staff with the `scanner` role for the spot's code. At the limit (one out, one in) refused with "
    "`spot_at_instant_max` (409) until someone leaves; also `spot_not_found`, `staff_role_required`, "
    "`staff_scope_required`."
)
@openapi.tag("tourism")
@documented(CountOut)
@requires("staff")
async def enter(request: Request, code: str) -> HTTPResponse:
    return await _scan(request, code, entering=True)


@openapi.summary("A visitor leaves by one of the spot's gates")
@openapi.description("As for entries; an exit with nobody inside is answered with `counted: false`.")
@openapi.tag("tourism")
@documented(CountOut)
@requires("staff")
async def leave(request: Request, code: str) -> HTTPResponse:
    return await _scan(request, code, entering=False)
