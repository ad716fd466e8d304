"""Alerts to the staff of a scope holding a role (``StaffAlert``), e.g. a spot's crowd level changed.

An alert is addressed to a role at a scope (a site or spot code), not to accounts: whoever holds the
role there when reading sees it, so an account given the role later sees the alerts still in force
and one that lost it no longer does. Like residents' inbox messages, it keeps message ids and
parameters, so each reader reads it in their own language. One row per role addressed, keyed by
``source_key`` + role (unique): a job delivered twice writes each row once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from domain.notifications.service import render, stored_params
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.i18n import LazyText
from domain.staff.models import StaffAlert
from domain.staff.roles import ALL_SCOPES, Role

PAGE = 50  # alerts listed at most, newest first


@dataclass(frozen=True)
class Alert:
    """What to tell: a kind (for the page's icon), a title and body as messages, where to look."""

    kind: str
    title: LazyText
    body: LazyText
    link: str | None = None


def _key(source_key: str, role: Role) -> str:
    return f"{source_key}#{role.value}"


async def alert(scope: str, roles: Iterable[Role], what: Alert, *, source_key: str) -> list[StaffAlert]:
    """Tell the holders of each role at ``scope``; once per ``source_key`` and role however often asked."""
    written = []
    params = {**stored_params(what.title), **stored_params(what.body)}
    for role in dict.fromkeys(roles):
        key = _key(source_key, role)
        found = await StaffAlert.get_or_none(source_key=key)
        if found is None:
            try:
                found = await StaffAlert.create(
                    scope=scope,
                    role=role.value,
                    kind=what.kind,
                    title_msgid=what.title.msgid,
                    body_msgid=what.body.msgid,
                    params=params,
                    link=what.link,
                    source_key=key,
                    created_at=clock.now(),
                )
            except IntegrityError:  # the same job run twice at once: the first write stands
                found = await StaffAlert.get(source_key=key)
        written.append(found)
    return written


async def readable(actor: Actor, *, limit: int = PAGE) -> list[StaffAlert]:
    """The alerts ``actor`` may read (one of their roles, one of their scopes; ``*``: every scope),
    newest first. An event addressed to two of the reader's roles is listed once."""
    if actor.kind != "staff" or not actor.roles:
        return []
    query = StaffAlert.filter(role__in=sorted(actor.roles))
    if ALL_SCOPES not in actor.scopes:
        query = query.filter(scope__in=sorted(actor.scopes))
    rows = await query.order_by("-created_at", "-id").limit(limit * len(actor.roles))
    seen: dict[str, StaffAlert] = {}
    for row in rows:
        seen.setdefault(row.source_key.rsplit("#", 1)[0], row)
    return list(seen.values())[:limit]


def title_of(row: StaffAlert, locale: str) -> str:
    return render(row.title_msgid, row.params, locale)


def body_of(row: StaffAlert, locale: str) -> str:
    return render(row.body_msgid, row.params, locale)
