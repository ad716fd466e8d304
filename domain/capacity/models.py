"""Resources with time slots, and the reservations that take their places.

A slot's counters (``held``, ``confirmed``) are the truth about what is taken; a CHECK constraint in
the database (migration 0004) refuses any write that would take more than ``capacity``, whatever
code path it came from. Unlimited slots (``capacity`` null) keep no counters at all, so that
booking them never queues on the slot's row.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ResourceKind(StrEnum):
    COUNTER = "counter"  # a service hall's windows (办事大厅)
    HOSPITAL = "hospital"  # a doctor's or department's registrations (预约挂号)
    SCENIC = "scenic"  # a scenic spot's time-slot entries
    PARKING = "parking"  # reservable parking spaces
    TICKET = "ticket"  # limited tickets


class CapacityResource(Model):
    """Something with places: its slots share the policy multiplier and the walk-in share."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=96, unique=True)  # the owning module's reference
    kind = fields.CharEnumField(ResourceKind, max_length=16)
    # The module whose places these are, told of lapsed holds (``domain.capacity.owners``).
    owner = fields.CharField(max_length=32)
    scope = fields.CharField(max_length=64, db_index=True)  # the site staff scopes name
    # Of each slot's maximum, the share that may be sold at all (a scenic spot at 75 %).
    policy_percent = fields.SmallIntField(default=100)
    # Of what may be sold, the share kept back for people who come without booking.
    walk_in_percent = fields.SmallIntField(default=0)
    created_at = fields.DatetimeField()

    class Meta:
        table = "capacity_resource"


class SlotState(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class CapacitySlot(Model):
    id = fields.BigIntField(primary_key=True)
    resource: fields.ForeignKeyRelation[CapacityResource] = fields.ForeignKeyField(
        "palmcity.CapacityResource", related_name="slots", on_delete=fields.CASCADE
    )
    resource_id: int
    starts_at = fields.DatetimeField()  # UTC
    # The start its schedule made it for; it stays when the slot is moved, so that generating the
    # schedule again does not bring the vacated time back. Null: made before slots could move.
    planned_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField()
    max_places = fields.IntField(null=True)  # the slot's physical maximum; null: unlimited
    override_places = fields.IntField(null=True)  # a per-slot maximum replacing max_places
    # Derived when the maximum or the policy changes: capacity = maximum × policy, of which
    # walk_in_reserved places are only for walk-ins. Online bookings fit in capacity − walk_in_reserved.
    capacity = fields.IntField(null=True)
    walk_in_reserved = fields.IntField(default=0)
    held = fields.IntField(default=0)  # places held, waiting for payment or confirmation
    confirmed = fields.IntField(default=0)
    state = fields.CharEnumField(SlotState, max_length=16, default=SlotState.OPEN)
    version = fields.IntField(default=0)  # bumped on every change: availability caches key on it

    class Meta:
        table = "capacity_slot"
        unique_together = (("resource", "starts_at"),)


class ReservationState(StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"
    RELEASED = "released"  # a hold given back before confirmation
    CANCELLED = "cancelled"  # a confirmed place given back
    EXPIRED = "expired"  # a hold that was never confirmed


ACTIVE_STATES = (ReservationState.HELD, ReservationState.CONFIRMED)


class Reservation(Model):
    """One place in one slot. At most one active reservation per holder and slot (a partial
    unique index in migration 0004), so the same person booking twice at once gets one place."""

    id = fields.BigIntField(primary_key=True)
    slot: fields.ForeignKeyRelation[CapacitySlot] = fields.ForeignKeyField(
        "palmcity.CapacitySlot", related_name="reservations", on_delete=fields.CASCADE
    )
    slot_id: int
    resource_id = fields.BigIntField()  # the slot's, copied: what changed, for the availability cache
    holder_key = fields.CharField(max_length=80)  # opaque: "user:12", "member:5", "walk-in:…"
    walk_in = fields.BooleanField(default=False)
    state = fields.CharEnumField(ReservationState, max_length=16, db_index=True)
    expires_at = fields.DatetimeField(null=True, db_index=True)  # for holds
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "capacity_reservation"
