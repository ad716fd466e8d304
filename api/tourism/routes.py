"""Tourism routes: public reads, parse → one service call → render in the caller's language."""

from __future__ import annotations

import datetime as dt

from sanic import HTTPResponse, Request
from sanic_ext import openapi

from api._kit import documented, parse_query, respond
from api.tourism.schemas import (
    AdvisoryOut,
    DayOut,
    PriceOut,
    PriceQuery,
    PriceRowOut,
    SpotOut,
    SpotPageOut,
    SpotsOut,
    SpotsQuery,
)
from domain.tourism import pricing, service


@openapi.summary("Scenic spots and venues, with today's entries left")
@openapi.parameter("region", str, "query")
@openapi.tag("tourism")
@documented(SpotsOut)
async def list_spots(request: Request) -> HTTPResponse:
    query = parse_query(request, SpotsQuery)
    locale = request.ctx.locale
    found = await service.spots(query.region)
    return respond(SpotsOut(spots=[SpotOut.of(spot, today, locale) for spot, today in found]))


@openapi.summary("A spot's page: its content, published maximums, today's advisories and prices")
@openapi.description("Refused with `spot_not_found` (404).")
@openapi.tag("tourism")
@documented(SpotPageOut)
async def get_spot(request: Request, code: str) -> HTTPResponse:
    spot = await service.spot_by_code(code)
    locale = request.ctx.locale
    page = await service.spot_page(spot)
    return respond(
        SpotPageOut(
            **dict(SpotOut.of(spot, page.today, locale)),
            intro=spot.intro_in(locale),
            address=spot.address,
            slot_minutes=spot.slot_minutes,
            walk_in_percent=spot.walk_in_percent,
            advisories=[AdvisoryOut.of(a, locale) for a in page.advisories],
            prices=[PriceRowOut.of(row) for row in pricing.price_table(pricing.price_list(spot.prices))],
        )
    )


@openapi.summary("A spot's entry slots on one day, with the day's and each slot's entries left")
@openapi.description("Refused with `spot_not_found` (404) and `spot_day_not_open` (404, `details.day`).")
@openapi.tag("tourism")
@documented(DayOut)
async def spot_day(request: Request, code: str, day: dt.date) -> HTTPResponse:
    spot = await service.spot_by_code(code)
    return respond(DayOut.of(spot.code, await service.day_view(spot, day)))


@openapi.summary("What a visitor born on a day pays at a spot on the visit day, with the reason")
@openapi.parameter("born", str, "query")
@openapi.parameter("date", str, "query")
@openapi.parameter("claims", str, "query")
@openapi.description("Refused with `spot_not_found` (404) and `invalid_input` (422) for a bad date.")
@openapi.tag("tourism")
@documented(PriceOut)
async def quote(request: Request, code: str) -> HTTPResponse:
    query = parse_query(request, PriceQuery)
    spot = await service.spot_by_code(code)
    claims = frozenset(c.strip() for c in query.claims.split(",") if c.strip())
    line = pricing.price_line(pricing.price_list(spot.prices), query.born, query.date, claims)
    return respond(PriceOut.of(line))
