"""Staff alerts: what the caller's roles and scopes are told (a spot's crowd level changed...),
newest first, in the caller's language."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._kit import documented, parse_query, respond
from domain.staff import alerts
from domain.staff.models import StaffAlert


class AlertsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=alerts.PAGE, ge=1, le=alerts.PAGE)


class AlertOut(BaseModel):
    id: int
    kind: str = Field(description="e.g. tourism_crowd: a spot's crowd level changed.")
    scope: str = Field(description="The site or spot code it concerns.")
    role: str = Field(description="The caller's role it was addressed to.")
    title: str
    body: str
    link: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, row: StaffAlert, locale: str) -> AlertOut:
        return cls(
            id=row.id,
            kind=row.kind,
            scope=row.scope,
            role=row.role,
            title=alerts.title_of(row, locale),
            body=alerts.body_of(row, locale),
            link=row.link,
            created_at=row.created_at,
        )


class AlertsOut(BaseModel):
    items: list[AlertOut]


@openapi.summary("Alerts to the caller's roles at the caller's scopes, newest first")
@openapi.description(
    "Any staff account: the alerts addressed to one of its roles at one of its scopes (`*`: all), "
    "each event once, in the caller's language."
)
@openapi.parameter("limit", int, "query")
@openapi.tag("staff")
@documented(AlertsOut)
@requires("staff")
async def list_alerts(request: Request) -> HTTPResponse:
    query = parse_query(request, AlertsQuery)
    rows = await alerts.readable(actor_of(request), limit=query.limit)
    return respond(AlertsOut(items=[AlertOut.of(r, request.ctx.locale) for r in rows]))


def add_routes(bp: Blueprint) -> None:
    """``GET /alerts`` on the staff blueprint (under its ``/staff`` prefix)."""
    bp.add_route(list_alerts, "/alerts", methods=["GET"], name="alerts")
