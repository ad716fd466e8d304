"""Tourism's jobs: the rolling window of open days, and the capacity owner of every spot's places.

A lapsed hold (a ticket left unpaid) gave its slot place back in the engine; its day place comes
back here, once however often the report is delivered (``service.return_day_place``).
"""

from __future__ import annotations

from datetime import timedelta

from tortoise.transactions import in_transaction

from adapters.wechat.port import WeChat
from domain.capacity.owners import capacity_owners
from domain.notifications.service import Notice, deliver
from domain.outbox.jobs import Job, handler, schedule
from domain.shared.i18n import _
from domain.shared.labels import Names
from domain.staff import alerts
from domain.staff.roles import Role

# admission, complaints, waitlist and window register their jobs and owners on import.
from domain.tourism import (  # noqa: F401
    admission,
    complaints,
    crowd,
    service,
    tickets,
    waitlist,
    window,
)
from domain.tourism.models import CrowdSubscription, Spot
from domain.tourism.occupancy import CROWD_CHANGED_TOPIC

OPEN_DAYS_TOPIC = "tourism.open_days"


@handler(OPEN_DAYS_TOPIC)
async def open_days(job: Job) -> None:
    """Every spot takes entries for the coming ``service.BOOKING_DAYS`` days (missing days opened)."""
    await service.open_coming_days()


schedule(OPEN_DAYS_TOPIC, every=timedelta(hours=1))


class TicketPlaces:
    async def hold_expired(self, reservation_id: int, job: Job) -> None:
        async with in_transaction() as conn:
            await service.return_day_place(conn, reservation_id)
            await tickets.hold_lapsed(conn, reservation_id)


capacity_owners.add(service.CAPACITY_OWNER, TicketPlaces())


CROWD_NOTICE_KIND = "tourism_crowd"
# The spot's staff told of a change (scope: the spot's code), and the page they open.
CROWD_ALERTED = (Role.SCANNER, Role.TICKET_SELLER, Role.SPOT_MANAGER)
STAFF_DASHBOARD = "/pages/spotstaff/dashboard"


@handler(CROWD_CHANGED_TOPIC)
async def crowd_changed(job: Job) -> None:
    """Tell the spot's subscribers its new crowd level, once each (the inbox keys on job and user),
    and its staff at the gates, the window and the office (staff alerts, keyed on job and role)."""
    spot = await Spot.get_or_none(id=int(job.payload["spot_id"]))
    if spot is None:
        return
    level = crowd.Level(job.payload["to"])
    title = _("Crowd level changed")
    body = _(
        "{spot}: now {level}.",
        spot=Names(spot.name_zh_hans, spot.name_zh_hant, spot.name_en),
        level=crowd.LABELS[level],
    )
    await alerts.alert(
        spot.code,
        CROWD_ALERTED,
        alerts.Alert(CROWD_NOTICE_KIND, title, body, link=f"{STAFF_DASHBOARD}?spot={spot.code}"),
        source_key=f"{job.topic}:{job.id}",
    )
    wechat: WeChat = job.context.adapters.wechat
    for subscription in await CrowdSubscription.filter(spot_id=spot.id).order_by("id"):
        user_id = subscription.user_id
        notice = Notice(
            user_id=user_id,
            kind=CROWD_NOTICE_KIND,
            title=title,
            body=body,
            link=f"/pages/tourism/spot?code={spot.code}",
        )
        await deliver(notice, source_key=f"{job.topic}:{job.id}:{user_id}", wechat=wechat)
