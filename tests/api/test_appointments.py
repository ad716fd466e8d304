"""Appointments at a service hall and a hospital, through the API: booking rules, payment holds,
check-in and the queue, slots cancelled by the site, and the concurrency that must never oversell."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sanic import Sanic

import domain.appointments.jobs  # noqa: F401 - registers the reminder and notice jobs
from domain.accounts.models import User
from domain.appointments import directory, setup
from domain.appointments import service as appointments
from domain.appointments.errors import AppointmentLimitReached
from domain.appointments.models import Appointment, AppointmentState, Service, SiteKind
from domain.audit.models import AuditRecord
from domain.capacity.errors import SlotFull
from domain.capacity.gate import Gate
from domain.capacity.models import CapacitySlot
from domain.evaluations.models import RateableService
from domain.notifications.models import InboxMessage
from domain.outbox.models import OutboxMessage
from domain.payments.service import Providers
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.kv import Keys
from tests.api.test_inbox import run_due_jobs
from tests.api.test_staff import staff_client
from tests.support.apps import error_code
from tests.support.households import registered_child
from tests.support.residents import Resident, login, new_id_number, verified

CHINA = dt.timezone(dt.timedelta(hours=8))
BASE = "/api/v1/appointments"
STAFF = "/api/v1/staff/appointments"
HALL = "QY-HALL"
HOSPITAL = "QY-HOSP"
MONDAY = dt.date(2026, 3, 2)


@contextmanager
def at(day: dt.date, hour: int = 8, minute: int = 0) -> Iterator[None]:
    with clock.frozen_at(dt.datetime.combine(day, dt.time(hour, minute), CHINA).astimezone(dt.UTC)):
        yield


def _name(zh: str, en: str) -> dict[str, str]:
    return {"zh_Hans": zh, "zh_Hant": zh, "en": en}


async def open_hall(first_day: dt.date = MONDAY, days: int = 10, places: int = 10, **rules: Any) -> Service:
    site = await setup.create_site(
        HALL, SiteKind.HALL, _name("清远市政务服务中心", "Qingyuan service centre"),
        region_code="441800", department_code="qy-admin",
    )  # fmt: skip
    service = await setup.create_service(
        site, "general", _name("综合窗口", "General counter"), business_type="A",
        schedule={"periods": [["09:00", "12:00"], ["14:00", "17:00"]], "slot_minutes": 30, "places": places},
        rules=rules, item_codes=["QR0001-441800"], avg_service_minutes=8,
    )  # fmt: skip
    await setup.generate_slots(service, first_day, days)
    return service


async def open_hospital(first_day: dt.date = MONDAY, places: int = 5, fee_fen: int = 1000) -> Service:
    site = await setup.create_site(
        HOSPITAL, SiteKind.HOSPITAL, _name("清远市人民医院", "Qingyuan People's Hospital"),
        region_code="441800", department_code="qy-health",
    )  # fmt: skip
    service = await setup.create_service(
        site, "dr-li", _name("李医生", "Dr Li"), business_type="N", fee_fen=fee_fen,
        department=_name("内科", "Internal medicine"), doctor_title=_name("主任医师", "Chief physician"),
        schedule={"periods": [["08:00", "12:00"]], "slot_minutes": 60, "places": places},
    )  # fmt: skip
    await setup.generate_slots(service, first_day, 7)
    return service


async def slots_on(client: httpx.AsyncClient, service: Service, day: dt.date) -> list[dict[str, Any]]:
    r = await client.get(f"{BASE}/services/{service.id}/slots", params={"date": day.isoformat()})
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["slots"]
    return found


async def book(
    client: httpx.AsyncClient, who: Resident, service: Service, slot_id: int, **body: Any
) -> httpx.Response:
    return await client.post(
        BASE, json={"service_id": service.id, "slot_id": slot_id, **body}, headers=who.headers
    )


async def booked(client: httpx.AsyncClient, who: Resident, service: Service, slot_id: int) -> dict[str, Any]:
    r = await book(client, who, service, slot_id)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def scanner(client: httpx.AsyncClient, site: str = HALL, name: str = "hall.scanner") -> dict[str, str]:
    return await staff_client(client, name, roles=["scanner"], scopes=[site])


# -- browsing --------------------------------------------------------------------------------------


async def test_slots_are_in_china_time_stored_in_utc_and_none_on_a_holiday(client: httpx.AsyncClient) -> None:
    with at(dt.date(2026, 2, 12)):  # Thursday before the 2026 Spring Festival
        service = await open_hall(dt.date(2026, 2, 12), days=12)
        thursday = await slots_on(client, service, dt.date(2026, 2, 12))
        makeup_saturday = await slots_on(client, service, dt.date(2026, 2, 14))
        festival = await slots_on(client, service, dt.date(2026, 2, 17))
        sunday = await slots_on(client, service, dt.date(2026, 2, 15))

    assert [s["starts_at"][11:16] for s in thursday][:3] == ["09:00", "09:30", "10:00"]
    assert thursday[0]["starts_at"] == "2026-02-12T09:00:00+08:00"
    assert "12:00" not in [s["starts_at"][11:16] for s in thursday]  # the lunch break
    assert len(thursday) == 12 and thursday[0]["left"] == 10 and thursday[0]["bookable"]
    first = await CapacitySlot.get(id=thursday[0]["slot_id"])
    assert first.starts_at == dt.datetime(2026, 2, 12, 1, 0, tzinfo=dt.UTC)  # stored in UTC
    assert len(makeup_saturday) == 12  # a make-up working Saturday opens
    assert festival == [] and sunday == []


async def test_sites_and_their_services_in_the_callers_language(client: httpx.AsyncClient) -> None:
    await open_hall()
    await open_hospital()
    sites = (await client.get(f"{BASE}/sites", params={"kind": "hospital"})).json()["items"]
    detail = await client.get(f"{BASE}/sites/{HOSPITAL}", headers={"Accept-Language": "en"})
    assert [s["code"] for s in sites] == [HOSPITAL]
    service = detail.json()["services"][0]
    assert (service["name"], service["department"], service["fee_fen"]) == (
        "Dr Li",
        "Internal medicine",
        1000,
    )
    assert (await client.get(f"{BASE}/sites/NOPE")).status_code == 404


# -- booking and its rules -------------------------------------------------------------------------


async def test_a_resident_books_sees_it_and_the_place_is_taken(client: httpx.AsyncClient) -> None:
    with at(MONDAY):
        service = await open_hall()
        alice = await verified(client, "alice")
        slot = (await slots_on(client, service, MONDAY))[2]  # 10:00

        made = await booked(client, alice, service, slot["slot_id"])
        after = (await slots_on(client, service, MONDAY))[2]
        mine = (await client.get(BASE, headers=alice.headers)).json()["items"]
        one = (await client.get(f"{BASE}/{made['id']}", headers=alice.headers)).json()

    assert made["state"] == "booked" and made["site"] == HALL and made["service_name"] == "综合窗口"
    assert len(made["checkin_code"]) == 8 and made["starts_at"] == "2026-03-02T10:00:00+08:00"
    assert after["left"] == 9  # the cached availability moved with the booking
    assert [a["id"] for a in mine] == [made["id"]] and one["queue"] is None
    assert await AuditRecord.filter(action="appointments.booked", target_id=str(made["id"])).exists()
    reminders = await OutboxMessage.filter(topic=appointments.REMINDER_TOPIC).order_by("id")
    assert [m.payload["which"] for m in reminders] == ["hour"]  # the day-before one would be in the past


async def test_the_availability_generation_is_read_with_the_rate_limit_once_the_worker_knows_it(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    keys = Keys(runtime.settings.redis_prefix)
    with at(MONDAY):
        service = await open_hall()
        assert directory.redis_reads(keys, service.id) == []  # the service's resource is not known yet
        first = (await slots_on(client, service, MONDAY))[0]
        named = directory.redis_reads(keys, service.id)
        # A change the cached view has not seen, announced by its generation only.
        await CapacitySlot.filter(id=first["slot_id"]).update(confirmed=3)
        await Gate(runtime.redis, keys).taken(service.capacity_resource_id)
        again = (await slots_on(client, service, MONDAY))[0]

    assert named == [Gate(runtime.redis, keys).generation_key(service.capacity_resource_id)]
    assert (first["left"], again["left"]) == (10, 7)


async def test_each_rule_refuses_with_its_own_code(client: httpx.AsyncClient) -> None:
    with at(MONDAY):
        service = await open_hall(window_days=7, cancel_cutoff_minutes=120)
        alice = await verified(client, "alice")
        monday = await slots_on(client, service, MONDAY)
        too_far = await slots_on(client, service, MONDAY + dt.timedelta(days=8))
        first = await booked(client, alice, service, monday[2]["slot_id"])  # 10:00

        same_day = await book(client, alice, service, monday[5]["slot_id"])
        far = await book(client, alice, service, too_far[0]["slot_id"])
        twice = await book(client, alice, service, monday[2]["slot_id"])
        unknown = await book(client, alice, service, 999_999)
    with at(MONDAY, 9, 30):
        alice = await login(client, "alice")
        past = await book(client, alice, service, monday[0]["slot_id"])
        late_cancel = await client.post(f"{BASE}/{first['id']}/cancel", headers=alice.headers)

    assert same_day.status_code == 409 and error_code(same_day) == "appointment_limit_reached"
    assert far.status_code == 409 and error_code(far) == "booking_window_closed"
    assert error_code(twice) == "appointment_limit_reached"
    assert unknown.status_code == 404 and error_code(unknown) == "slot_not_found"
    assert past.status_code == 409 and error_code(past) == "slot_in_past"
    assert late_cancel.status_code == 409 and error_code(late_cancel) == "cancel_cutoff_passed"


async def test_cancelling_in_time_gives_the_place_back_and_allows_another_booking(
    client: httpx.AsyncClient,
) -> None:
    with at(MONDAY):
        service = await open_hall(places=1)
        alice, bob = await verified(client, "alice"), await verified(client, "bob")
        slot = (await slots_on(client, service, MONDAY + dt.timedelta(days=1)))[0]
        made = await booked(client, alice, service, slot["slot_id"])
        full = await book(client, bob, service, slot["slot_id"])

        cancelled = await client.post(f"{BASE}/{made['id']}/cancel", headers=alice.headers)
        again = await client.post(f"{BASE}/{made['id']}/cancel", headers=alice.headers)
        bobs = await book(client, bob, service, slot["slot_id"])

    assert full.status_code == 409 and error_code(full) == "slot_full"
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["checkin_code"] is None
    assert again.status_code == 409 and error_code(again) == "appointment_not_active"
    assert bobs.status_code == 201


async def test_three_no_shows_in_90_days_suspend_booking_for_30_days(client: httpx.AsyncClient) -> None:
    with at(MONDAY):
        service = await open_hall(days=30)
        alice = await verified(client, "alice")
        for day in (MONDAY, MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)):
            await booked(client, alice, service, (await slots_on(client, service, day))[0]["slot_id"])
    with at(MONDAY + dt.timedelta(days=3)):
        assert await appointments.mark_no_shows() == 3
        alice = await login(client, "alice")
        standing = (await client.get(f"{BASE}/standing", headers=alice.headers)).json()
        slot = (await slots_on(client, service, MONDAY + dt.timedelta(days=4)))[0]
        refused = await book(client, alice, service, slot["slot_id"])

    assert standing == {"no_shows": 3, "limit": 3, "window_days": 90, "suspended_until": "2026-04-03"}
    assert refused.status_code == 403 and error_code(refused) == "booking_suspended"
    assert refused.json()["error"]["details"] == {"no_shows": 3, "until": "2026-04-03"}


async def test_booking_for_a_family_member_needs_their_consent(client: httpx.AsyncClient) -> None:
    with at(MONDAY):
        service = await open_hall()
        alice = await verified(client, "alice")
        child = await client.post(
            "/api/v1/family",
            json={
                "relation": "child",
                "name": "李小宝",
                "id_number": await registered_child(client, alice, years_old=6),
            },
            headers=alice.headers,
        )
        adult = await client.post(
            "/api/v1/family",
            json={"relation": "parent", "name": "李大爷", "id_number": new_id_number(years_old=70)},
            headers=alice.headers,
        )
        slots = await slots_on(client, service, MONDAY)
        for_child = await book(client, alice, service, slots[1]["slot_id"], on_behalf_of=child.json()["id"])
        for_parent = await book(client, alice, service, slots[1]["slot_id"], on_behalf_of=adult.json()["id"])
        for_herself = await book(client, alice, service, slots[1]["slot_id"])

    assert for_child.status_code == 201 and for_child.json()["on_behalf_of"] == child.json()["id"]
    assert for_parent.status_code == 403 and error_code(for_parent) == "family_consent_required"
    assert for_herself.status_code == 201  # a different person: her own place in the same slot


async def test_another_residents_appointment_is_not_found(client: httpx.AsyncClient) -> None:
    with at(MONDAY):
        service = await open_hall()
        alice, mallory = await verified(client, "alice"), await verified(client, "mallory")
        made = await booked(client, alice, service, (await slots_on(client, service, MONDAY))[0]["slot_id"])
        seen = await client.get(f"{BASE}/{made['id']}", headers=mallory.headers)
        cancel = await client.post(f"{BASE}/{made['id']}/cancel", headers=mallory.headers)
    assert seen.status_code == 404 and error_code(seen) == "appointment_not_found"
    assert cancel.status_code == 404


# -- paid registrations ----------------------------------------------------------------------------


async def test_a_paid_registration_holds_the_place_until_paid(client: httpx.AsyncClient) -> None:
    with at(MONDAY, 7):
        service = await open_hospital(places=1)
        alice, bob = await verified(client, "alice"), await verified(client, "bob")
        slot = (await slots_on(client, service, MONDAY))[0]
        made = await booked(client, alice, service, slot["slot_id"])
        early = await client.post(f"{BASE}/{made['id']}/payment/confirm", headers=alice.headers)
        held_full = await book(client, bob, service, slot["slot_id"])
        paid = await client.post(made["pay_params"]["complete_url"])
        confirmed = await client.post(f"{BASE}/{made['id']}/payment/confirm", headers=alice.headers)
        twice = await client.post(f"{BASE}/{made['id']}/payment/confirm", headers=alice.headers)

    assert made["state"] == "pending_payment" and made["fee_fen"] == 1000
    assert made["pay_by"] == "2026-03-02T07:15:00+08:00" and made["checkin_code"] is None
    assert early.status_code == 409 and error_code(early) == "payment_not_completed"
    assert held_full.status_code == 409 and error_code(held_full) == "slot_full"
    assert paid.json()["outcome"] == "paid"  # the sandbox delivered its signed notification
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "booked"
    assert twice.json()["state"] == "booked"


async def test_an_unpaid_hold_lapses_and_a_late_payment_is_refused(client: httpx.AsyncClient) -> None:
    with at(MONDAY, 7):
        service = await open_hospital(places=1)
        alice = await verified(client, "alice")
        slot = (await slots_on(client, service, MONDAY))[0]
        made = await booked(client, alice, service, slot["slot_id"])
    with at(MONDAY, 7, 20):
        bob = await verified(client, "bob")
        bobs = await book(client, bob, service, slot["slot_id"])  # the lapsed hold gives its place back
        await client.post(made["pay_params"]["complete_url"])
        alice = await login(client, "alice")
        late = await client.post(f"{BASE}/{made['id']}/payment/confirm", headers=alice.headers)
        seen = (await client.get(f"{BASE}/{made['id']}", headers=alice.headers)).json()

    assert bobs.status_code == 201, bobs.text
    assert late.status_code == 409 and error_code(late) == "payment_too_late"
    assert seen["state"] == "expired"
    assert await CapacitySlot.get(id=slot["slot_id"]).values_list("held", "confirmed") == (1, 0)


# -- at the site ---------------------------------------------------------------------------------


async def test_check_in_gives_a_number_and_the_window_calls_it(client: httpx.AsyncClient) -> None:
    with at(MONDAY):
        service = await open_hall()
        alice, bob = await verified(client, "alice"), await verified(client, "bob")
        slots = await slots_on(client, service, MONDAY)
        a = await booked(client, alice, service, slots[0]["slot_id"])
        b = await booked(client, bob, service, slots[0]["slot_id"])
    with at(MONDAY, 8, 50):
        staff = await scanner(client)
        first = await client.post(
            f"{STAFF}/check-in", json={"code": a["checkin_code"].lower()}, headers=staff
        )
        second = await client.post(f"{STAFF}/check-in", json={"code": b["checkin_code"]}, headers=staff)
        again = await client.post(f"{STAFF}/check-in", json={"code": b["checkin_code"]}, headers=staff)
        alice, bob = await login(client, "alice"), await login(client, "bob")
        bob_waits = (await client.get(f"{BASE}/{b['id']}", headers=bob.headers)).json()["queue"]
        called = await client.post(
            f"{STAFF}/queue/call-next",
            json={"site": HALL, "business_type": "A", "window": "3"},
            headers=staff,
        )
        bob_next = (await client.get(f"{BASE}/{b['id']}", headers=bob.headers)).json()["queue"]
        called_bob = await client.post(
            f"{STAFF}/queue/call-next",
            json={"site": HALL, "business_type": "A", "window": "3"},
            headers=staff,
        )
        nobody = await client.post(
            f"{STAFF}/queue/call-next",
            json={"site": HALL, "business_type": "A", "window": "3"},
            headers=staff,
        )
        alice_done = (await client.get(f"{BASE}/{a['id']}", headers=alice.headers)).json()

    assert first.status_code == 200, first.text
    assert first.json()["ticket"]["label"] == "A001" and second.json()["ticket"]["label"] == "A002"
    assert first.json()["appointment"]["state"] == "checked_in"
    assert again.status_code == 409 and error_code(again) == "appointment_not_active"
    assert bob_waits == {
        "label": "A002",
        "state": "waiting",
        "state_label": "等候中",
        "window": None,
        "ahead": 1,
        "estimated_wait_minutes": 8,
    }
    assert called.json()["ticket"]["label"] == "A001" and called.json()["ticket"]["window"] == "3"
    assert bob_next["ahead"] == 0
    assert called_bob.json()["ticket"]["label"] == "A002"
    assert nobody.json() == {"ticket": None}
    # Calling the next number finished Alice's: her counter service is now hers to rate (好差评).
    assert alice_done["state"] == "completed"
    assert await RateableService.filter(user_id=alice.id, target_type="counter_service").exists()


async def test_skip_and_recall_a_number(client: httpx.AsyncClient) -> None:
    with at(MONDAY, 9):
        service = await open_hall()
        staff = await scanner(client)
        walk_in = await client.post(f"{STAFF}/walk-ins", json={"service_id": service.id}, headers=staff)
        ticket = walk_in.json()
        body = {"site": HALL, "business_type": "A", "window": "1"}
        await client.post(f"{STAFF}/queue/call-next", json=body, headers=staff)
        skipped = await client.post(f"{STAFF}/tickets/{ticket['id']}/skip", headers=staff)
        recalled = await client.post(
            f"{STAFF}/tickets/{ticket['id']}/recall", json={"window": "2"}, headers=staff
        )
        served = await client.post(f"{STAFF}/tickets/{ticket['id']}/serve", headers=staff)
        served_twice = await client.post(f"{STAFF}/tickets/{ticket['id']}/serve", headers=staff)
        listed = (
            await client.get(f"{STAFF}/queue", params={"site": HALL, "business_type": "A"}, headers=staff)
        ).json()

    assert walk_in.status_code == 201 and ticket["label"] == "A001" and ticket["appointment_id"] is None
    assert skipped.json()["state"] == "skipped"
    assert recalled.json()["state"] == "called" and recalled.json()["window"] == "2"
    assert served.json()["state"] == "served"
    assert served_twice.status_code == 409
    assert listed["items"] == []
    slot = await CapacitySlot.filter(resource_id=service.capacity_resource_id, confirmed=1).first()
    assert slot is not None  # the walk-in took a place of the slot under way


async def test_check_in_is_refused_outside_its_window_and_to_other_sites_staff(
    client: httpx.AsyncClient,
) -> None:
    with at(MONDAY):
        service = await open_hall()
        alice = await verified(client, "alice")
        made = await booked(
            client, alice, service, (await slots_on(client, service, MONDAY))[4]["slot_id"]
        )  # 11:00
        staff = await scanner(client)
        elsewhere = await scanner(client, site="OTHER-HALL", name="other.scanner")
        too_early = await client.post(f"{STAFF}/check-in", json={"code": made["checkin_code"]}, headers=staff)
        foreign = await client.post(
            f"{STAFF}/check-in", json={"code": made["checkin_code"]}, headers=elsewhere
        )
        garbage = await client.post(f"{STAFF}/check-in", json={"code": "!!"}, headers=staff)
        resident = await client.post(
            f"{STAFF}/check-in", json={"code": made["checkin_code"]}, headers=alice.headers
        )

    assert too_early.status_code == 409 and error_code(too_early) == "checkin_window_closed"
    assert too_early.json()["error"]["details"]["opens_at"].startswith("2026-03-02T02:00")  # 10:00 China
    assert foreign.status_code == 404 and error_code(foreign) == "appointment_not_found"
    assert garbage.status_code == 422 and error_code(garbage) == "checkin_code_invalid"
    assert resident.status_code == 401


async def test_a_cancelled_slot_cancels_its_appointments_and_tells_each_resident(
    client: httpx.AsyncClient,
) -> None:
    with at(MONDAY):
        service = await open_hall()
        alice, bob = await verified(client, "alice"), await verified(client, "bob")
        slot = (await slots_on(client, service, MONDAY + dt.timedelta(days=1)))[0]
        await booked(client, alice, service, slot["slot_id"])
        await booked(client, bob, service, slot["slot_id"])
        staff = await scanner(client)
        r = await client.post(
            f"{STAFF}/slots/{slot['slot_id']}/cancel", json={"reason": "医生停诊"}, headers=staff
        )
        after = (await slots_on(client, service, MONDAY + dt.timedelta(days=1)))[0]
        refused = await book(client, await verified(client, "carol"), service, slot["slot_id"])

    assert r.status_code == 200 and {a["state"] for a in r.json()["items"]} == {"cancelled"}
    assert await OutboxMessage.filter(topic=appointments.CANCELLED_BY_SITE_TOPIC).count() == 2
    assert after["bookable"] is False
    assert refused.status_code == 409 and error_code(refused) == "slot_closed"


async def test_a_slot_moved_within_its_day_keeps_everyones_place_tells_them_and_reminds_of_the_new_time(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    tuesday = MONDAY + dt.timedelta(days=1)
    with at(MONDAY):
        service = await open_hall()
        alice, bob = await verified(client, "alice"), await verified(client, "bob")
        slots = await slots_on(client, service, tuesday)
        first, free = slots[0], slots[-1]
        a = await booked(client, alice, service, first["slot_id"])
        await booked(client, bob, service, first["slot_id"])
        staff = await scanner(client)
        later = dt.datetime.combine(tuesday, dt.time(10, 45), CHINA)
        moved = await client.post(
            f"{STAFF}/slots/{first['slot_id']}/move",
            json={"starts_at": later.isoformat(), "reason": "医生晚到"},
            headers=staff,
        )
        taken = await client.post(
            f"{STAFF}/slots/{first['slot_id']}/move",
            json={"starts_at": free["starts_at"], "reason": "x"},
            headers=staff,
        )
        other_day = await client.post(
            f"{STAFF}/slots/{first['slot_id']}/move",
            json={"starts_at": (later + dt.timedelta(days=1)).isoformat(), "reason": "x"},
            headers=staff,
        )
        naive = await client.post(
            f"{STAFF}/slots/{first['slot_id']}/move",
            json={"starts_at": "2026-03-03T10:45:00", "reason": "x"},
            headers=staff,
        )
        elsewhere = await client.post(
            f"{STAFF}/slots/{first['slot_id']}/move",
            json={"starts_at": later.isoformat(), "reason": "x"},
            headers=await scanner(client, site="QY-ELSEWHERE", name="other.scanner"),
        )
        again = await client.post(
            f"{STAFF}/slots/{first['slot_id']}/move",
            json={"starts_at": (later + dt.timedelta(minutes=30)).isoformat(), "reason": "再晚一点"},
            headers=staff,
        )
        mine = (await client.get(f"{BASE}/{a['id']}", headers=alice.headers)).json()
        regenerated = await setup.generate_slots(service, MONDAY, 10)  # the daily job: 09:00 stays free
        listed = [s for s in await slots_on(client, service, tuesday) if s["slot_id"] == first["slot_id"]]
        starts = [s["starts_at"][11:16] for s in await slots_on(client, service, tuesday)]
    with at(tuesday, 8, 30):  # the first slot's old start was 09:00: its hour-before reminder is due
        await run_due_jobs(app)
    with at(tuesday, 10, 20):
        await run_due_jobs(app)

    final = later + dt.timedelta(minutes=30)
    assert moved.status_code == 200, moved.text
    assert {x["starts_at"] for x in moved.json()["items"]} == {later.isoformat()}
    assert again.status_code == 200 and len(again.json()["items"]) == 2
    assert mine["state"] == "booked" and mine["starts_at"] == final.isoformat()
    assert listed[0]["starts_at"] == final.isoformat() and listed[0]["left"] == first["left"] - 2
    assert regenerated == 0 and "09:00" not in starts and "11:15" in starts
    assert taken.status_code == 409 and error_code(taken) == "slot_time_taken"
    assert other_day.status_code == 422 and error_code(other_day) == "slot_move_other_day"
    assert naive.status_code == 422 and error_code(naive) == "invalid_input"
    assert elsewhere.status_code == 404 and error_code(elsewhere) == "appointment_not_found"
    assert await AuditRecord.filter(action="appointments.moved_by_site").count() == 4
    inbox = await InboxMessage.filter(user_id=alice.id).order_by("id")
    told = [m.params for m in inbox if m.kind == "appointment_moved"]
    reminded = [m.params["time"] for m in inbox if m.kind == "appointment_reminder"]
    assert told == [
        {
            "site": "清远市政务服务中心",
            "before": "2026-03-03 09:00",
            "time": "2026-03-03 10:45",
            "reason": "医生晚到",
        },
        {
            "site": "清远市政务服务中心",
            "before": "2026-03-03 10:45",
            "time": "2026-03-03 11:15",
            "reason": "再晚一点",
        },
    ]
    assert reminded == ["2026-03-03 11:15", "2026-03-03 11:15"]  # the old times' reminders stayed silent


async def test_a_booking_that_raced_a_move_and_kept_the_old_time_is_moved_by_the_second_look(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    tuesday = MONDAY + dt.timedelta(days=1)
    with at(MONDAY):
        service = await open_hall()
        alice = await verified(client, "alice")
        first = (await slots_on(client, service, tuesday))[0]
        later = dt.datetime.combine(tuesday, dt.time(10, 45), CHINA)
        staff = await scanner(client)
        moved = await client.post(
            f"{STAFF}/slots/{first['slot_id']}/move",
            json={"starts_at": later.isoformat(), "reason": "医生晚到"},
            headers=staff,
        )
        # A booking that read the slot before the move and committed after it: the old time, no notice.
        late = await booked(client, alice, service, first["slot_id"])
        old = dt.datetime.fromisoformat(first["starts_at"])
        await Appointment.filter(id=late["id"]).update(starts_at=old, ends_at=old + dt.timedelta(minutes=30))
    with at(MONDAY, 8, 1):  # the second look is due 30 s after the move
        await run_due_jobs(app)
        await run_due_jobs(app)  # the notice it wrote
        alice = await login(client, "alice")
        mine = (await client.get(f"{BASE}/{late['id']}", headers=alice.headers)).json()

    assert moved.status_code == 200 and moved.json()["items"] == []
    assert mine["starts_at"] == later.isoformat() and mine["state"] == "booked"
    told = [m.params for m in await InboxMessage.filter(user_id=alice.id, kind="appointment_moved")]
    assert [(t["before"], t["time"]) for t in told] == [("2026-03-03 09:00", "2026-03-03 10:45")]
    assert await AuditRecord.filter(action="appointments.moved_by_site", actor_kind="system").count() == 1


# -- concurrency (PostgreSQL) ----------------------------------------------------------------------


async def residents(count: int) -> list[Actor]:
    await User.bulk_create([User(openid=f"crowd-{i}", created_at=clock.now()) for i in range(count)])
    ids = await User.filter(openid__startswith="crowd-").order_by("id").values_list("id", flat=True)
    return [Actor(kind="resident", id=int(i), identity_level=3) for i in ids]


async def attempt(actor: Actor, gate: Gate, service: Service, slot_id: int) -> str:
    try:
        await appointments.book(actor, gate, Providers(), service_id=service.id, slot_id=slot_id)
    except (SlotFull, AppointmentLimitReached) as exc:
        return exc.code
    return "ok"


@pytest.mark.postgres
async def test_300_concurrent_bookings_for_10_places(client: httpx.AsyncClient, runtime: Any) -> None:
    gate = Gate(runtime.redis, Keys(runtime.settings.redis_prefix))
    with at(MONDAY):
        service = await open_hall(places=10)
        slot = (await slots_on(client, service, MONDAY))[0]
        crowd = await residents(300)
        results = await asyncio.gather(*(attempt(a, gate, service, slot["slot_id"]) for a in crowd))
        seen = (await slots_on(client, service, MONDAY))[0]

    assert Counter(results) == {"ok": 10, "slot_full": 290}
    assert await Appointment.filter(state=AppointmentState.BOOKED).count() == 10
    assert (seen["left"], seen["bookable"]) == (0, False)


@pytest.mark.postgres
async def test_the_same_person_booking_two_slots_of_a_day_at_once_gets_one(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    gate = Gate(runtime.redis, Keys(runtime.settings.redis_prefix))
    with at(MONDAY):
        service = await open_hall(places=10)
        slots = await slots_on(client, service, MONDAY)
        [actor] = await residents(1)
        results = await asyncio.gather(*(attempt(actor, gate, service, s["slot_id"]) for s in slots[:8]))
    assert Counter(results) == {"ok": 1, "appointment_limit_reached": 7}
    assert sum(s.confirmed for s in await CapacitySlot.all()) == 1


async def test_a_slot_that_has_begun_is_shown_as_not_bookable(client: httpx.AsyncClient) -> None:
    with at(MONDAY, 9, 10):
        service = await open_hall()
        today = await slots_on(client, service, MONDAY)
    assert [s["bookable"] for s in today[:3]] == [False, True, True]  # 09:00 has begun; 09:30 has not
    assert [s["started"] for s in today[:3]] == [True, False, False]  # the clients read it, not their clock


async def test_a_clinic_can_ask_for_a_verified_name_and_a_pending_fee_can_be_paid_from_any_device(
    client: httpx.AsyncClient,
) -> None:
    with at(MONDAY, 7):
        site = await setup.create_site(
            HOSPITAL, SiteKind.HOSPITAL, _name("清远市人民医院", "Hospital"),
            region_code="441800", department_code="qy-health",
        )  # fmt: skip
        service = await setup.create_service(
            site, "dr-zhou", _name("周医生", "Dr Zhou"), business_type="P", fee_fen=500,
            schedule={"periods": [["08:00", "12:00"]], "slot_minutes": 60, "places": 3},
            rules={"min_identity_level": 3},
        )  # fmt: skip
        await setup.generate_slots(service, MONDAY, 2)
        slot = (await slots_on(client, service, MONDAY))[0]
        unverified = await book(client, await login(client, "wechat.only"), service, slot["slot_id"])
        alice = await verified(client, "alice")
        made = await booked(client, alice, service, slot["slot_id"])
        later = (await client.get(f"{BASE}/{made['id']}", headers=alice.headers)).json()

    assert unverified.status_code == 403 and error_code(unverified) == "identity_level_required"
    assert later["state"] == "pending_payment" and later["pay_params"] == made["pay_params"]
    assert later["pay_params"]["complete_url"].startswith("/sandbox/wechatpay/")


async def test_a_self_service_area_open_every_day_has_slots_on_holidays_too(
    client: httpx.AsyncClient,
) -> None:
    with at(dt.date(2026, 2, 16)):
        site = await setup.create_site(
            HALL, SiteKind.HALL, _name("大厅", "Hall"), region_code="441800", department_code="qy-admin"
        )
        service = await setup.create_service(
            site, "self-service", _name("24小时自助服务区", "Self-service"), business_type="Z",
            schedule={"periods": [["00:00", "23:30"]], "slot_minutes": 30, "places": 20, "every_day": True},
        )  # fmt: skip
        await setup.generate_slots(service, dt.date(2026, 2, 16), 3)
        festival = await slots_on(client, service, dt.date(2026, 2, 17))
    assert len(festival) == 47 and festival[0]["starts_at"] == "2026-02-17T00:00:00+08:00"


@pytest.mark.postgres
async def test_concurrent_check_ins_get_distinct_numbers_and_two_windows_call_two_people(
    client: httpx.AsyncClient,
) -> None:
    with at(MONDAY):
        service = await open_hall(places=10)
        slot = (await slots_on(client, service, MONDAY))[0]
        crowd = await residents(8)
        codes = []
        for actor in crowd:
            made = await appointments.book(
                actor, None, Providers(), service_id=service.id, slot_id=slot["slot_id"]
            )
            codes.append(made.appointment.checkin_code)
    with at(MONDAY, 8, 50):
        staff = await scanner(client)
        checked = await asyncio.gather(
            *(client.post(f"{STAFF}/check-in", json={"code": code}, headers=staff) for code in codes)
        )
        body = {"site": HALL, "business_type": "A"}
        called = await asyncio.gather(
            *(
                client.post(f"{STAFF}/queue/call-next", json={**body, "window": str(w)}, headers=staff)
                for w in range(1, 5)
            )
        )

    labels = sorted(r.json()["ticket"]["label"] for r in checked)
    assert labels == [f"A{n:03d}" for n in range(1, 9)]  # eight check-ins at once, eight numbers
    called_labels = [r.json()["ticket"]["label"] for r in called]
    assert len(set(called_labels)) == 4  # four windows at once never call the same person


async def test_the_frontline_list_names_each_person_masked(client: httpx.AsyncClient) -> None:
    with at(MONDAY):
        service = await open_hall()
        alice = await verified(client, "alice")
        child = await client.post(
            "/api/v1/family",
            json={
                "relation": "child",
                "name": "李小宝",
                "id_number": await registered_child(client, alice, years_old=6),
            },
            headers=alice.headers,
        )
        slot = (await slots_on(client, service, MONDAY))[1]
        await booked(client, alice, service, slot["slot_id"])
        await book(client, alice, service, slot["slot_id"], on_behalf_of=child.json()["id"])
        staff = await scanner(client)
        listed = (await client.get(STAFF, params={"site": HALL}, headers=staff)).json()["items"]
        mine = (await client.get(BASE, headers=alice.headers)).json()["items"]

    user = await User.get(id=alice.id)
    assert sorted(a["who"] for a in listed) == sorted(
        [user.real_name[0] + "*" * (len(user.real_name) - 1), "李**"]
    )
    assert all(a["who"] is None for a in mine)  # residents see their own list without it
