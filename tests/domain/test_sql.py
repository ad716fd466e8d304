"""The booking's statements written as SQL (``domain.shared.sql``) against the ORM they replace.

Each test writes or reads through the SQL path and through the ORM and compares: a field added to
a model, a column renamed, a value encoded differently (JSON, encrypted, SQLite's text dates) makes
them differ. Runs on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from tortoise import connections
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from domain.accounts.models import User
from domain.appointments import service as appointments
from domain.appointments.models import OPEN_STATES, Appointment, AppointmentState, Service
from domain.appointments.rules import rules_of
from domain.audit.models import AuditRecord
from domain.capacity import service as capacity
from domain.capacity.models import CapacitySlot, Reservation, ReservationState, ResourceKind
from domain.outbox import service as outbox
from domain.outbox.models import OutboxMessage
from domain.shared import clock, sql
from server.settings import Settings
from tests.api.test_appointments import MONDAY, at, open_hall

AT = dt.datetime(2026, 3, 2, 1, 0, 0, 123456, tzinfo=dt.UTC)


def row(**values: Any) -> dict[str, Any]:
    return values


def fields_of(instance: Model) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in instance._meta.fields_db_projection}


async def stored(model: type[Model], pk: int) -> dict[str, Any]:
    """The row as the database holds it, read through the ORM without decoding."""
    conn = connections.get("default")
    [found] = await conn.execute_query_dict(
        f"SELECT * FROM {sql.table(model)} WHERE {sql.column(model, 'id')} = {int(pk)}"
    )
    return dict(found)


async def same_as_create(model: type[Model], fields: dict[str, Any], unique: dict[str, Any]) -> Model:
    """Insert ``fields`` through SQL and through ``create`` (``unique`` for the latter's unique
    columns): both read back alike through the ORM and are stored alike."""
    written = await sql.insert(connections.get("default"), model(**fields))
    assert written._saved_in_db and written.pk is not None
    created = await model.create(**{**fields, **unique})
    read, twin = await model.get(pk=written.pk), await model.get(pk=created.pk)
    assert fields_of(read) == fields_of(written)  # what the caller holds is what was stored
    differ = {"id", *unique}
    assert {k: v for k, v in fields_of(read).items() if k not in differ} == {
        k: v for k, v in fields_of(twin).items() if k not in differ
    }
    raw, raw_twin = await stored(model, written.pk), await stored(model, created.pk)
    plain = {k: v for k, v in raw.items() if k not in differ and not str(v).startswith("v1:")}
    assert plain == {k: v for k, v in raw_twin.items() if k in plain}  # the same encoding
    return read


async def test_inserts_match_the_orms_create_column_for_column(settings: Settings) -> None:
    with at(MONDAY):
        service = await open_hall()
    user = await User.create(openid=f"o-{uuid.uuid4().hex[:8]}", created_at=AT)
    slot = await CapacitySlot.filter(resource_id=service.capacity_resource_id).first()
    assert slot is not None

    reservation = await same_as_create(
        Reservation,
        row(
            slot_id=slot.id, resource_id=slot.resource_id, holder_key="user:1", walk_in=True,
            state=ReservationState.HELD, expires_at=AT, created_at=AT, updated_at=AT,
        ),
        {"holder_key": "user:2"},
    )  # fmt: skip
    assert isinstance(reservation, Reservation) and reservation.state is ReservationState.HELD
    appointment = await same_as_create(
        Appointment,
        row(
            number="2026030200000001", user_id=user.id, on_behalf_of_id=None, subject_key="user:1",
            site_id=service.site_id, service_id=service.id, slot_id=slot.id,
            reservation_id=reservation.id, starts_at=AT, ends_at=AT + dt.timedelta(minutes=30),
            day=MONDAY, state=AppointmentState.PENDING_PAYMENT, fee_fen=100, pay_by=AT,
            checkin_code="ABCDEFGH", created_at=AT, updated_at=AT,
        ),
        {
            "number": "2026030200000002", "subject_key": "user:2", "checkin_code": "HGFEDCBA",
            "reservation_id": reservation.id + 10**9,
        },
    )  # fmt: skip
    assert isinstance(appointment, Appointment) and appointment.day == MONDAY
    record = await same_as_create(
        AuditRecord,
        row(
            at=AT, actor_kind="resident", actor_id=7, on_behalf_of=None, action="appointments.booked",
            target_type="appointment", target_id="1", before=None,
            after={"state": "booked", "名": [1, 2.5, None]}, ip="198.51.100.4", request_id="req-1",
        ),
        {},
    )  # fmt: skip
    assert isinstance(record, AuditRecord) and record.after == {"state": "booked", "名": [1, 2.5, None]}
    # Encrypted fields: sealed for their column, as the ORM seals them.
    person = await same_as_create(
        User,
        row(openid="o-sql", real_name="张三", phone="13800138000", created_at=AT),
        {"openid": "o-orm"},
    )
    assert isinstance(person, User) and (person.real_name, person.phone) == ("张三", "13800138000")
    assert str((await stored(User, person.pk))["real_name"]).startswith("v1:")


async def test_jobs_enqueued_in_one_statement_are_the_jobs_enqueue_writes(settings: Settings) -> None:
    with clock.frozen_at(AT):
        async with in_transaction() as conn:
            await outbox.enqueue_new(
                [
                    outbox.new_job("t.sql", {"n": 1, "名": "x"}, delay=dt.timedelta(hours=1), key="k:sql:1"),
                    outbox.new_job("t.sql", {"n": 2}, key="k:sql:2"),
                ],
                using_db=conn,
            )
            await outbox.enqueue("t.orm", {"n": 1, "名": "x"}, using_db=conn, delay=dt.timedelta(hours=1))
    first, second = await OutboxMessage.filter(topic="t.sql").order_by("id")
    orm = await OutboxMessage.get(topic="t.orm")
    differ = {"id", "topic", "key"}
    assert {k: v for k, v in fields_of(first).items() if k not in differ} == {
        k: v for k, v in fields_of(orm).items() if k not in differ
    }
    assert (first.key, second.key, second.payload, second.available_at) == (
        "k:sql:1",
        "k:sql:2",
        {"n": 2},
        AT,
    )
    raw, raw_orm = await stored(OutboxMessage, first.id), await stored(OutboxMessage, orm.id)
    assert {k: v for k, v in raw.items() if k not in differ} == {
        k: v for k, v in raw_orm.items() if k not in differ
    }


async def test_the_booking_reads_match_the_orms(settings: Settings) -> None:
    with at(MONDAY):
        service = await open_hall(no_show_limit=1)
    slots = await CapacitySlot.filter(resource_id=service.capacity_resource_id).order_by("starts_at")
    user = await User.create(openid=f"o-{uuid.uuid4().hex[:8]}", created_at=AT)

    read = await appointments._service_with_site(service.id)
    orm = await Service.filter(id=service.id).select_related("site").get()
    assert fields_of(read) == fields_of(orm) and fields_of(read.site) == fields_of(orm.site)
    for slot in slots[:2]:
        found = await appointments._slot(slot.id, service.capacity_resource_id)
        assert found is not None and fields_of(found) == fields_of(await CapacitySlot.get(id=slot.id))
    assert await appointments._slot(slots[0].id, service.capacity_resource_id + 1) is None

    # One row of each kind the standing query must tell apart, on two days and two services.
    def appointment(n: int, state: AppointmentState, starts: dt.datetime, **extra: Any) -> Appointment:
        return Appointment(
            number=f"20260302{n:08d}", user_id=user.id, subject_key="user:1", site_id=service.site_id,
            service_id=service.id, slot_id=slots[0].id, reservation_id=n, starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=30), day=starts.date(), state=state,
            checkin_code=f"CODE{n:04d}", created_at=AT, updated_at=AT, **extra,
        )  # fmt: skip

    rows = [
        appointment(1, AppointmentState.NO_SHOW, AT - dt.timedelta(days=10)),
        appointment(2, AppointmentState.NO_SHOW, AT - dt.timedelta(days=200)),
        appointment(3, AppointmentState.BOOKED, AT),
        appointment(4, AppointmentState.CANCELLED, AT),
        appointment(5, AppointmentState.BOOKED, AT + dt.timedelta(days=1)),
    ]
    for row in rows:
        await row.save()
    rules = rules_of({"no_show_limit": 1})
    since = AT - dt.timedelta(days=rules.no_show_window_days)
    with clock.frozen_at(AT):
        for service_id, day in (
            (None, None),
            (service.id, AT.date()),
            (service.id, MONDAY + dt.timedelta(days=2)),
        ):
            wanted = Q(state=AppointmentState.NO_SHOW, starts_at__gte=since)
            if service_id is not None:
                wanted |= Q(service_id=service_id, day=day, state__in=OPEN_STATES)
            expected = await Appointment.filter(wanted, subject_key="user:1").values_list(
                "state", "starts_at"
            )
            standing, open_that_day = await appointments._standing_and_day("user:1", rules, service_id, day)
            assert standing.no_shows == sum(1 for state, _ in expected if state == AppointmentState.NO_SHOW)
            assert open_that_day == (len(expected) > standing.no_shows)
            assert standing.suspended_until is not None  # the no-show 10 days ago, read back as a datetime
        assert (await appointments._standing_and_day("user:1", rules, service.id, AT.date()))[1]
        assert not (await appointments._standing_and_day("user:2", rules, service.id, AT.date()))[1]


def test_placeholders_per_dialect() -> None:
    class Conn:
        class capabilities:  # noqa: N801 - as Tortoise's client names it
            dialect = "sqlite"

    query = "SELECT 1 WHERE a = $1 AND b IN ($2, $3)"
    assert sql.text(query, Conn()) == "SELECT 1 WHERE a = ? AND b IN (?, ?)"  # type: ignore[arg-type]
    Conn.capabilities.dialect = "postgres"
    assert sql.text(query, Conn()) == query  # type: ignore[arg-type]
    Conn.capabilities.dialect = "sqlite"
    with pytest.raises(ValueError):
        sql.text("SELECT $2, $1", Conn())  # type: ignore[arg-type]


async def test_a_capacity_booking_writes_its_reservation_through_sql(settings: Settings) -> None:
    resource = await capacity.create_resource("sql:1", ResourceKind.COUNTER, owner="test", scope="S")
    slot = await capacity.add_slot(resource, starts_at=AT, ends_at=AT + dt.timedelta(hours=1), max_places=2)

    async def then(_conn: Any, reservation: Reservation) -> Reservation:
        return reservation

    with clock.frozen_at(AT - dt.timedelta(days=1)):
        taken = await capacity.book(None, slot.id, "user:1", then, hold_for=dt.timedelta(minutes=15))
    assert fields_of(await Reservation.get(id=taken.id)) == fields_of(taken)
    assert (await CapacitySlot.get(id=slot.id)).held == 1
