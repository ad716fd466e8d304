"""Sites, what can be booked there, appointments, and the queue numbers of the day.

Times are stored in UTC; a site's schedule is written in China time (Asia/Shanghai, UTC+8 all
year), which is how residents and staff read every time in the API.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from domain.accounts.models import User
    from domain.family.models import FamilyMember


class SiteKind(StrEnum):
    HALL = "hall"  # a service hall (政务服务大厅): business types served at windows
    HOSPITAL = "hospital"  # departments and doctors, often with a registration fee


class Site(Model):
    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)  # also the staff scope of its frontline
    kind = fields.CharEnumField(SiteKind, max_length=16)
    name_zh_hans = fields.CharField(max_length=120)
    name_zh_hant = fields.CharField(max_length=120)
    name_en = fields.CharField(max_length=200)
    address = fields.CharField(max_length=200, default="")
    region_code = fields.CharField(max_length=12, db_index=True)
    department_code = fields.CharField(max_length=32)  # the department that runs it
    # Where it is (WGS-84, as the device reports it): the home page lists the nearest first.
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)

    def name_in(self, locale: str) -> str:
        return str({"zh_Hant": self.name_zh_hant, "en": self.name_en}.get(locale, self.name_zh_hans))

    class Meta:
        table = "appointment_site"


class Service(Model):
    """A line that can be booked at a site: a hall's business type, or a doctor's clinic."""

    id = fields.BigIntField(primary_key=True)
    site: fields.ForeignKeyRelation[Site] = fields.ForeignKeyField(
        "palmcity.Site", related_name="services", on_delete=fields.CASCADE
    )
    site_id: int
    code = fields.CharField(max_length=40)
    name_zh_hans = fields.CharField(max_length=120)
    name_zh_hant = fields.CharField(max_length=120)
    name_en = fields.CharField(max_length=200)
    # Hospitals: the clinical department and the doctor's title; halls: null.
    department: Any = fields.JSONField(null=True)  # {"zh_Hans", "zh_Hant", "en"}
    doctor_title: Any = fields.JSONField(null=True)
    item_codes: Any = fields.JSONField(default=list)  # catalogue items served (halls)
    business_type = fields.CharField(max_length=8)  # the queue it joins: numbers "A001", "B001"...
    fee_fen = fields.IntField(default=0)  # a registration fee, paid before the place is confirmed
    avg_service_minutes = fields.SmallIntField(default=10)  # for the estimated wait
    schedule: Any = fields.JSONField()  # see schedule.Schedule
    rules: Any = fields.JSONField(default=dict)  # see rules.BookingRules
    capacity_resource_id = fields.BigIntField()  # domain.capacity's resource for its slots

    class Meta:
        table = "appointment_service"
        unique_together = (("site", "code"),)


class AppointmentState(StrEnum):
    PENDING_PAYMENT = "pending_payment"  # the place is held until the fee is paid
    BOOKED = "booked"
    CHECKED_IN = "checked_in"  # arrived: has a queue number
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # by the resident, or by the site when it cancels the slot
    EXPIRED = "expired"  # the fee was not paid in time
    NO_SHOW = "no_show"


OPEN_STATES = (AppointmentState.PENDING_PAYMENT, AppointmentState.BOOKED, AppointmentState.CHECKED_IN)


class Appointment(Model):
    id = fields.BigIntField(primary_key=True)
    number = fields.CharField(max_length=20, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "palmcity.User", related_name="appointments", on_delete=fields.RESTRICT
    )
    user_id: int
    on_behalf_of: fields.ForeignKeyNullableRelation[FamilyMember] = fields.ForeignKeyField(
        "palmcity.FamilyMember", related_name="appointments", null=True, on_delete=fields.SET_NULL
    )
    on_behalf_of_id: int | None
    subject_key = fields.CharField(max_length=40, db_index=True)  # who it is for: user:…/member:…
    site: fields.ForeignKeyRelation[Site] = fields.ForeignKeyField(
        "palmcity.Site", related_name="appointments", on_delete=fields.RESTRICT
    )
    site_id: int
    service: fields.ForeignKeyRelation[Service] = fields.ForeignKeyField(
        "palmcity.Service", related_name="appointments", on_delete=fields.RESTRICT
    )
    service_id: int
    slot_id = fields.BigIntField(db_index=True)
    reservation_id = fields.BigIntField(unique=True)
    starts_at = fields.DatetimeField(db_index=True)
    ends_at = fields.DatetimeField()
    day = fields.DateField()  # the China date of starts_at: "one booking per item and day"
    state = fields.CharEnumField(AppointmentState, max_length=16, db_index=True)
    fee_fen = fields.IntField(default=0)
    payment_id = fields.CharField(max_length=64, null=True)
    pay_by = fields.DatetimeField(null=True)
    checkin_code = fields.CharField(max_length=12, unique=True)
    checked_in_at = fields.DatetimeField(null=True)
    cancelled_reason = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "appointment"


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SKIPPED = "skipped"  # called and not there; may be recalled
    SERVED = "served"


class QueueTicket(Model):
    """A queue number (取号) of one day at one site, for one business type."""

    id = fields.BigIntField(primary_key=True)
    site: fields.ForeignKeyRelation[Site] = fields.ForeignKeyField(
        "palmcity.Site", related_name="tickets", on_delete=fields.CASCADE
    )
    site_id: int
    business_type = fields.CharField(max_length=8)
    day = fields.DateField()
    number = fields.IntField()
    label = fields.CharField(max_length=16)  # "A012"
    appointment_id = fields.BigIntField(null=True, unique=True)  # null: a walk-in
    service_id = fields.BigIntField()
    state = fields.CharEnumField(TicketState, max_length=16, default=TicketState.WAITING)
    window = fields.CharField(max_length=16, null=True)
    issued_at = fields.DatetimeField()
    called_at = fields.DatetimeField(null=True)
    served_at = fields.DatetimeField(null=True)

    class Meta:
        table = "appointment_queue_ticket"
        unique_together = (("site", "business_type", "day", "number"),)
