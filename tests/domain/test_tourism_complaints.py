"""Tourism complaints (《旅游投诉处理办法》): 5 working days to accept or refuse, 10 and 60 calendar
days once accepted (a last day on a holiday moves to the next working day, Civil Code art. 203),
not accepted 90 days after the visit, joint from 4 complainants; the staff's conditional steps,
who may take them, the audit and the resident's inbox message."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.accounts.models import User
from domain.audit.models import AuditRecord
from domain.notifications.models import InboxMessage
from domain.outbox.jobs import Job, JobContext
from domain.outbox.models import OutboxMessage
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff import alerts
from domain.staff.errors import StaffRoleRequired, StaffScopeRequired
from domain.staff.models import StaffAlert
from domain.tourism import complaints, service
from domain.tourism.complaints import (
    ComplaintKind,
    ComplaintStateConflict,
    ComplaintTextRequired,
    ComplaintTooLate,
    Filing,
    Step,
)
from domain.tourism.models import Complaint, ComplaintState, Spot, SpotKind, TicketOrder
from domain.tourism.service import SpotSettings

D = dt.date


def at(day: dt.date, hour: int = 10) -> datetime:
    """``hour`` o'clock in China on ``day``."""
    return datetime(day.year, day.month, day.day, hour - 8, tzinfo=UTC)


async def make_spot() -> Spot:
    return await service.create_spot(
        f"K{uuid.uuid4().hex[:8]}",
        SpotKind.SCENIC,
        {"zh_Hans": "测试景区", "zh_Hant": "測試景區", "en": "Test spot"},
        SpotSettings(
            daily_max=100, instant_max=50, opens_minute=8 * 60, closes_minute=12 * 60, slot_entries=40
        ),
        region_code="441802",
        prices={"full_cents": 8000},
    )


async def make_order(user_id: int | None, spot: Spot, day: dt.date) -> TicketOrder:
    return await TicketOrder.create(
        user_id=user_id,
        spot_id=spot.id,
        day=day,
        slot_id=1,
        starts_at=at(day, 9),
        created_at=clock.now(),
    )


async def make_resident() -> Actor:
    user = await User.create(openid=f"o-{uuid.uuid4().hex}", created_at=clock.now())
    return Actor("resident", user.id)


def as_job(message: OutboxMessage) -> Job:
    """The job as the worker hands it over (no WeChat template is set: the inbox only)."""
    context = JobContext(redis=None, keys=None, adapters=type("Adapters", (), {"wechat": None})())  # type: ignore[arg-type]
    return Job(id=message.id, topic=message.topic, payload=message.payload, attempt=1, context=context)


def officer(*scopes: str, role: str = "case_officer") -> Actor:
    return Actor("staff", 7, roles=frozenset({role}), scopes=frozenset(scopes))


# -- the clocks ----------------------------------------------------------------------------------


async def test_five_working_days_to_accept_jump_the_national_day_week(db: str) -> None:
    # Wed 30 Sep 2026: 1–7 Oct are holidays, Sat 10 Oct a make-up working day.
    assert await complaints.accept_by(D(2026, 9, 30)) == D(2026, 10, 13)  # 8, 9, 10, 12, 13
    assert await complaints.accept_by(D(2026, 11, 20)) == D(2026, 11, 27)  # Fri: the weekend skipped


async def test_the_10_and_60_calendar_days_end_on_the_next_working_day_after_a_holiday(db: str) -> None:
    # 10 days from Mon 21 Sep is Thu 1 Oct, a holiday: the last day is Thu 8 Oct.
    assert await complaints.days_after(D(2026, 9, 21), complaints.ANSWER_DAYS) == D(2026, 10, 8)
    # Counted in calendar days, not working days: 10 days from 28 Sep is 8 Oct, a working day.
    assert await complaints.days_after(D(2026, 9, 28), complaints.ANSWER_DAYS) == D(2026, 10, 8)
    # 60 days from 2 Aug is 1 Oct: also moved to 8 Oct; from 3 Aug it is 2 Oct, the same.
    assert await complaints.days_after(D(2026, 8, 2), complaints.CLOSE_DAYS) == D(2026, 10, 8)
    assert await complaints.days_after(D(2026, 11, 11), complaints.ANSWER_DAYS) == D(2026, 11, 23)  # Sat→Mon


async def test_accepting_sets_the_answer_and_close_clocks_in_calendar_days(db: str) -> None:
    spot, resident = await make_spot(), await make_resident()
    order = await make_order(resident.id, spot, D(2026, 9, 20))
    with clock.frozen_at(at(D(2026, 9, 21))):
        # Mon 21 Sep: 22, 23, 24, (Fri 25 the Mid-Autumn Festival), 28, 29.
        filed = await complaints.file(resident, Filing(order.id, "The cable car never ran."))
        assert (filed.complaint.received_on, filed.complaint.accept_by) == (D(2026, 9, 21), D(2026, 9, 29))
        moved = await complaints.move(officer(spot.code), filed.complaint.id, "accept")
    c = moved.complaint
    assert (c.state, c.answer_by, c.close_by) == (ComplaintState.ACCEPTED, D(2026, 10, 8), D(2026, 11, 20))
    assert complaints.running(c) == (Step.ANSWER, D(2026, 10, 8))


# -- filing --------------------------------------------------------------------------------------


async def test_a_complaint_is_refused_more_than_90_days_after_the_visit(db: str) -> None:
    spot, resident = await make_spot(), await make_resident()
    # Visit Fri 3 Jul 2026: the 90th day is Thu 1 Oct, a holiday, so the last day is Thu 8 Oct.
    order = await make_order(resident.id, spot, D(2026, 7, 3))
    with clock.frozen_at(at(D(2026, 10, 8))):
        assert (await complaints.file(resident, Filing(order.id, "Rude guide"))).complaint.id
    with clock.frozen_at(at(D(2026, 10, 9))), pytest.raises(ComplaintTooLate) as refused:
        await complaints.file(resident, Filing(order.id, "Rude guide"))
    assert refused.value.code == "complaint_too_late"
    assert refused.value.details == {"visit_day": "2026-07-03", "last_day": "2026-10-08"}
    # Before the visit day a complaint is taken too (a refund dispute, say).
    later = await make_order(resident.id, spot, D(2026, 12, 30))
    with clock.frozen_at(at(D(2026, 12, 1))):
        assert (await complaints.file(resident, Filing(later.id, "Refund refused"))).complaint.id


async def test_only_the_resident_s_own_order_and_a_matter_with_words(db: str) -> None:
    spot, resident, other = await make_spot(), await make_resident(), await make_resident()
    order = await make_order(resident.id, spot, clock.today_in_china())
    with pytest.raises(complaints.ComplaintOrderNotFound):
        await complaints.file(other, Filing(order.id, "Not mine"))
    with pytest.raises(ComplaintTextRequired):
        await complaints.file(resident, Filing(order.id, "   "))
    with pytest.raises(complaints.ComplaintComplainantsInvalid):
        await complaints.file(resident, Filing(order.id, "Too many", complainants=0))


async def test_four_complainants_on_the_same_matter_make_a_joint_complaint(db: str) -> None:
    spot, resident = await make_spot(), await make_resident()
    order = await make_order(resident.id, spot, clock.today_in_china())
    three = await complaints.file(resident, Filing(order.id, "Overcrowded", complainants=3))
    four = await complaints.file(resident, Filing(order.id, "Overcrowded", complainants=4))
    assert complaints.kind_of(three.complaint) == ComplaintKind.SINGLE
    assert complaints.kind_of(four.complaint) == ComplaintKind.JOINT
    filed = await AuditRecord.filter(action="tourism.complaint_filed", target_id=str(four.complaint.id)).get()
    assert filed.after is not None and filed.after["kind"] == "joint"
    assert "Overcrowded" not in str(filed.after)  # the matter's words stay out of the audit


# -- staff steps ---------------------------------------------------------------------------------


async def test_the_steps_in_order_each_audited_and_told_to_the_resident(db: str) -> None:
    spot, resident = await make_spot(), await make_resident()
    order = await make_order(resident.id, spot, clock.today_in_china())
    c = (await complaints.file(resident, Filing(order.id, "Lost property"))).complaint
    staff = officer(spot.code)
    with pytest.raises(ComplaintStateConflict) as early:
        await complaints.move(staff, c.id, "answer", "We found it.")
    assert early.value.details == {"state": "submitted", "action": "answer"}
    await complaints.move(staff, c.id, "accept")
    with pytest.raises(ComplaintStateConflict):
        await complaints.move(staff, c.id, "accept")  # the second accept finds it accepted
    with pytest.raises(ComplaintStateConflict):
        await complaints.move(staff, c.id, "refuse", "Too late to refuse")
    with pytest.raises(ComplaintTextRequired):
        await complaints.move(staff, c.id, "answer", "  ")
    await complaints.move(staff, c.id, "answer", "We found it at the gate.")
    closed = (await complaints.move(staff, c.id, "close", "Returned to the visitor.")).complaint
    assert closed.state == ComplaintState.CLOSED and closed.handled_by == 7
    assert complaints.outcome_of(closed) == {
        "answer": "We found it at the gate.",
        "decision": "Returned to the visitor.",
    }
    assert complaints.running(closed) is None and not complaints.is_overdue(closed, D(2099, 1, 1))
    actions = await AuditRecord.filter(target_id=str(c.id), target_type="tourism_complaint").order_by("id")
    assert [a.action for a in actions] == [
        "tourism.complaint_filed",
        "tourism.complaint_accepted",
        "tourism.complaint_answered",
        "tourism.complaint_closed",
    ]
    jobs = await OutboxMessage.filter(topic=complaints.CHANGED_TOPIC).order_by("id")
    assert [j.payload["state"] for j in jobs] == ["accepted", "answered", "closed"]
    for job in jobs:
        for _ in range(2):  # a redelivered job writes its message once
            await complaints.complaint_changed(as_job(job))
    messages = await InboxMessage.filter(user_id=resident.id).order_by("id")
    assert len(messages) == 3 and messages[0].kind == complaints.NOTICE_KIND


async def test_a_refusal_needs_its_reason_and_ends_the_complaint(db: str) -> None:
    spot, resident = await make_spot(), await make_resident()
    order = await make_order(resident.id, spot, clock.today_in_china())
    c = (await complaints.file(resident, Filing(order.id, "Weather"))).complaint
    with pytest.raises(ComplaintTextRequired):
        await complaints.move(officer(spot.code), c.id, "refuse")
    refused = (
        await complaints.move(officer(spot.code), c.id, "refuse", "Not the operator's doing")
    ).complaint
    assert refused.state == ComplaintState.REFUSED and complaints.outcome_of(refused)["reason"]
    with pytest.raises(ComplaintStateConflict):
        await complaints.move(officer(spot.code), c.id, "close", "x")


async def test_only_the_spot_s_case_officers_move_its_complaints_and_its_manager_answers(db: str) -> None:
    spot, other_spot, resident = await make_spot(), await make_spot(), await make_resident()
    order = await make_order(resident.id, spot, clock.today_in_china())
    c = (await complaints.file(resident, Filing(order.id, "Dirty toilets"))).complaint
    with pytest.raises(StaffRoleRequired):
        await complaints.move(officer(spot.code, role="scanner"), c.id, "accept")
    with pytest.raises(StaffRoleRequired):
        await complaints.move(resident, c.id, "accept")
    with pytest.raises(StaffScopeRequired):
        await complaints.move(officer(other_spot.code), c.id, "accept")
    with pytest.raises(StaffScopeRequired):
        await complaints.staff_list(officer(other_spot.code), spot_code=spot.code)
    assert await complaints.staff_list(officer(other_spot.code)) == []
    assert [s.complaint.id for s in await complaints.staff_list(officer("*"))] == [c.id]
    assert (await Complaint.get(id=c.id)).state == ComplaintState.SUBMITTED
    # The spot's manager (the operator complained of) sees its complaints and records its answer,
    # but accepting, refusing and closing are the handling body's.
    manager = officer(spot.code, role="spot_manager")
    assert [s.complaint.id for s in await complaints.staff_list(manager, spot_code=spot.code)] == [c.id]
    with pytest.raises(StaffRoleRequired):
        await complaints.move(manager, c.id, "accept")
    await complaints.move(officer(spot.code), c.id, "accept")
    answered = (await complaints.move(manager, c.id, "answer", "We cleaned them.")).complaint
    assert answered.state == ComplaintState.ANSWERED
    with pytest.raises(StaffRoleRequired):
        await complaints.move(manager, c.id, "close", "Done")


async def test_overdue_complaints_come_first_in_the_staff_list(db: str) -> None:
    spot, resident = await make_spot(), await make_resident()
    order = await make_order(resident.id, spot, D(2026, 9, 20))
    with clock.frozen_at(at(D(2026, 9, 21))):
        old = (await complaints.file(resident, Filing(order.id, "Old"))).complaint  # accept by 29 Sep
    with clock.frozen_at(at(D(2026, 9, 29))):
        new = (await complaints.file(resident, Filing(order.id, "New"))).complaint  # accept by 12 Oct
        assert new.accept_by == D(2026, 10, 12)
        assert not complaints.is_overdue(old)  # the 5th working day itself is in time
    with clock.frozen_at(at(D(2026, 9, 30))):
        assert complaints.is_overdue(old) and not complaints.is_overdue(new)
        listed = await complaints.staff_list(officer(spot.code), state=ComplaintState.SUBMITTED)
    assert [s.complaint.id for s in listed] == [old.id, new.id]


@pytest.mark.postgres
async def test_two_officers_accepting_at_once_move_it_once(db: str) -> None:
    spot, resident = await make_spot(), await make_resident()
    order = await make_order(resident.id, spot, clock.today_in_china())
    c = (await complaints.file(resident, Filing(order.id, "Queue jumping"))).complaint

    async def attempt(action: str, text: str) -> str:
        try:
            await complaints.move(officer(spot.code), c.id, action, text)
        except ComplaintStateConflict:
            return "conflict"
        return action

    outcomes: list[Any] = await asyncio.gather(
        *(attempt(*pair) for pair in [("accept", ""), ("refuse", "No"), ("accept", ""), ("refuse", "No")] * 2)
    )
    assert sorted(outcomes).count("conflict") == 7
    state = (await Complaint.get(id=c.id)).state
    assert state in (ComplaintState.ACCEPTED, ComplaintState.REFUSED)
    assert await OutboxMessage.filter(topic=complaints.CHANGED_TOPIC).count() == 1
    moved = await AuditRecord.filter(target_id=str(c.id), action__startswith="tourism.complaint_").count()
    assert moved == 2  # filed, then the one step that won


async def test_the_spot_s_staff_are_alerted_of_a_new_complaint_and_once_of_each_late_clock(db: str) -> None:
    spot, resident = await make_spot(), await make_resident()
    order = await make_order(resident.id, spot, D(2026, 9, 20))
    with clock.frozen_at(at(D(2026, 9, 21))):
        c = (await complaints.file(resident, Filing(order.id, "Broken gate"))).complaint
    [filed] = await OutboxMessage.filter(topic=complaints.FILED_TOPIC)
    for _ in range(2):
        await complaints.complaint_filed(as_job(filed))
    rows = await StaffAlert.filter(scope=spot.code).order_by("role")
    assert [r.role for r in rows] == ["case_officer", "spot_manager"]
    reader = officer(spot.code)
    [new] = await alerts.readable(reader)
    assert alerts.body_of(new, "en") == f"Test spot: complaint no. {c.id} to accept or refuse by 2026-09-29."
    assert await alerts.readable(officer("ELSEWHERE")) == []

    with clock.frozen_at(at(D(2026, 9, 29))):
        assert await complaints.overdue() == []  # the last day itself is in time
    with clock.frozen_at(at(D(2026, 9, 30))):
        assert [x.id for x in await complaints.overdue()] == [c.id]
        for _ in range(2):  # the daily job runs again: the same late clock is alerted once
            await complaints.complaints_overdue(as_job(filed))
        late = [a for a in await alerts.readable(reader) if a.title_msgid == "Complaint overdue"]
        assert len(late) == 1
        assert alerts.body_of(late[0], "en").endswith("is overdue (Accept or refuse by 2026-09-29).")
        await complaints.move(reader, c.id, "accept")
    # Accepted on 30 Sep: 10 days end on Sat 10 Oct, a make-up working day, so the answer is due then.
    assert (await Complaint.get(id=c.id)).answer_by == D(2026, 10, 10)
    with clock.frozen_at(at(D(2026, 10, 10))):
        assert await complaints.overdue() == []
    with clock.frozen_at(at(D(2026, 10, 11))):
        await complaints.complaints_overdue(as_job(filed))
        late = [a for a in await alerts.readable(reader) if a.title_msgid == "Complaint overdue"]
    assert alerts.body_of(late[0], "en").endswith("(The operator answers by 2026-10-10).")
    assert len(late) == 2  # one per clock that ran out
