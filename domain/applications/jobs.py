"""Deadline warnings: a daily pass colours open cases yellow (limit near) or red (limit passed).

``applications.check_deadlines`` is the scheduled job; for each case whose colour changes it writes
an ``applications.deadline_warning`` message (handled by domain/notifications) in the same
transaction as the change. Idempotent: a case already at its colour is left alone, and the warning
message is keyed by case and colour, so a re-run sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from datetime import time, timedelta

from tortoise.transactions import in_transaction

from domain.applications import fees  # noqa: F401 - the fee's payment owner, for every worker
from domain.applications.models import ServiceRequest, WarningLevel
from domain.audit import service as audit
from domain.identity.service import today
from domain.outbox.jobs import Job, handler, schedule
from domain.outbox.service import enqueue
from domain.shared.actor import Actor
from domain.workdays.service import WorkCalendar, calendar_around
from domain.workflows import engine

CHECK_TOPIC = "applications.check_deadlines"
WARNING_TOPIC = "applications.deadline_warning"
# Yellow when this many working days or fewer remain before the promised limit.
YELLOW_WORKING_DAYS = 2


def level_on(req: ServiceRequest, cal: WorkCalendar, day: dt.date) -> WarningLevel:
    """The colour a case should have on ``day``: paused and undated cases are never late."""
    due = req.due_promised_on
    if due is None or req.paused_since is not None:
        return WarningLevel.NONE
    if day > due:
        return WarningLevel.RED
    if cal.working_days_between(day, due) <= YELLOW_WORKING_DAYS:
        return WarningLevel.YELLOW
    return WarningLevel.NONE


async def refresh_warnings(day: dt.date | None = None) -> int:
    """Recolour every open case with a due date; returns how many changed."""
    day = day or today()
    # States final in every workflow are skipped in the query; the rest is checked per case.
    always_final = set.intersection(*(set(w.final) for w in engine.DEFINITIONS.values()))
    cal = await calendar_around(day)
    changed = 0
    ids = (
        await ServiceRequest.filter(due_promised_on__isnull=False)
        .exclude(state__in=sorted(always_final))
        .values_list("id", flat=True)
    )
    for request_id in ids:
        async with in_transaction() as conn:
            req = await ServiceRequest.filter(id=request_id).using_db(conn).select_for_update().first()
            if req is None or req.state in engine.get(req.workflow_code).final:
                continue
            level = level_on(req, cal, day)
            if level == req.warning:
                continue
            before = {"warning": str(req.warning)}
            req.warning = level
            await req.save(using_db=conn, update_fields=["warning"])
            await audit.record(
                Actor.system(),
                "applications.warning_changed",
                target_type="service_request",
                target_id=req.id,
                before=before,
                after={"warning": str(level), "due_promised_on": str(req.due_promised_on)},
                using_db=conn,
            )
            if level != WarningLevel.NONE:
                await enqueue(
                    WARNING_TOPIC,
                    {
                        "request_id": req.id,
                        "reference": req.number,
                        "user_id": req.applicant_id,
                        "department": req.department_code,
                        "level": str(level),
                        "due_date": str(req.due_promised_on),
                    },
                    using_db=conn,
                    key=f"{WARNING_TOPIC}:{req.id}:{level}:{req.due_promised_on}",
                )
            changed += 1
    return changed


@handler(CHECK_TOPIC)
async def check_deadlines(job: Job) -> None:
    """The scheduled pass."""
    await refresh_warnings()


# 07:00 China time: before the offices open, so the morning queue shows today's colours.
schedule(CHECK_TOPIC, every=timedelta(days=1), at=time(7, 0))
