"""Scenic spots and venues (景区, 博物馆, 公园), the days they open for entry, and each entry's day place.

A spot is a capacity resource of the engine (``owner="ticket"``): its entry slots (e.g. one hour)
carry the per-slot limit under the policy cap and the walk-in share. The **day's** limit (the
published daily maximum under the same cap, LB/T 034-2014 and the 2020 75 % rule) is a counter row
per spot and day (:class:`SpotDay`), taken in the same transaction as the slot's place, with a CHECK
in migration 0015 refusing any write beyond it. :class:`DayPlace` records which reservation holds a
day place, so that giving it back happens once however often the report of a lapse is delivered.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from domain.shared.pii import EncryptedField


class SpotKind(StrEnum):
    SCENIC = "scenic"  # a scenic area (景区)
    MUSEUM = "museum"
    PARK = "park"


class Spot(Model):
    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=40, unique=True)
    kind = fields.CharEnumField(SpotKind, max_length=16)
    region_code = fields.CharField(max_length=12, db_index=True)  # domain.org Region.code
    name_zh_hans = fields.CharField(max_length=120)
    name_zh_hant = fields.CharField(max_length=120)
    name_en = fields.CharField(max_length=120)
    intro_zh_hans = fields.TextField(default="")
    intro_zh_hant = fields.TextField(default="")
    intro_en = fields.TextField(default="")
    address = fields.CharField(max_length=200, default="")
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    opens_minute = fields.SmallIntField()  # minutes after local midnight (China time)
    closes_minute = fields.SmallIntField()
    # Published as the law asks (Tourism Law art. 45; LB/T 034-2014): visitors a day, and at once.
    daily_max = fields.IntField()
    instant_max = fields.IntField()
    policy_percent = fields.SmallIntField(default=100)  # of either maximum, the share sold (75)
    walk_in_percent = fields.SmallIntField(default=0)  # of what is sold, kept for the window
    slot_minutes = fields.SmallIntField(default=60)
    slot_entries = fields.IntField()  # entries per slot before the policy cap
    # Booking by default; a day may differ (the 2024 rules: optional where demand is low).
    booking_required = fields.BooleanField(default=True)
    prices: dict[str, object] = fields.JSONField(default=dict)  # domain.tourism.pricing.PriceList, as data
    # Fair-use rules as data (domain.tourism.rules): refund tiers, cancellation quotas, the no-show
    # lock, the waitlist's payment window. Empty: the defaults. Snapshotted on each order.
    rules: dict[str, object] = fields.JSONField(default=dict)
    crowd_ladder: list[object] = fields.JSONField(default=list)  # domain.tourism.crowd.ladder, as data
    resource_id = fields.BigIntField(unique=True)  # its capacity resource
    demo = fields.BooleanField(default=False)  # loaded by server.demo: not a real spot's figures
    created_at = fields.DatetimeField()

    class Meta:
        table = "tourism_spot"

    def name_in(self, locale: str) -> str:
        return str({"zh_Hant": self.name_zh_hant, "en": self.name_en}.get(locale, self.name_zh_hans))

    def intro_in(self, locale: str) -> str:
        return str({"zh_Hant": self.intro_zh_hant, "en": self.intro_en}.get(locale, self.intro_zh_hans))


class Advisory(Model):
    """A notice on a spot's page for a span of days (the seasonal forest-fire ban of seed 000)."""

    id = fields.BigIntField(primary_key=True)
    spot: fields.ForeignKeyRelation[Spot] = fields.ForeignKeyField(
        "palmcity.Spot", related_name="advisories", on_delete=fields.CASCADE
    )
    spot_id: int
    # A short title (empty: none, as seeded before titles) and the body, in 简体, 繁體 and English.
    title_zh_hans = fields.CharField(max_length=120, default="")
    title_zh_hant = fields.CharField(max_length=120, default="")
    title_en = fields.CharField(max_length=120, default="")
    text_zh_hans = fields.TextField()
    text_zh_hant = fields.TextField()
    text_en = fields.TextField()
    first_day = fields.DateField()
    last_day = fields.DateField()
    # Withdrawn by the spot's staff (domain.tourism.manage): kept, no longer shown to residents.
    withdrawn_at = fields.DatetimeField(null=True)

    class Meta:
        table = "tourism_advisory"

    def title_in(self, locale: str) -> str:
        found = {"zh_Hant": self.title_zh_hant, "en": self.title_en}.get(locale, self.title_zh_hans)
        return str(found or self.title_zh_hans)  # not translated: the simplified Chinese

    def text_in(self, locale: str) -> str:
        found = {"zh_Hant": self.text_zh_hant, "en": self.text_en}.get(locale, self.text_zh_hans)
        return str(found or self.text_zh_hans)  # not translated: the simplified Chinese


class SpotDay(Model):
    """A day a spot opens for entry: the day's limit and the places taken against it."""

    id = fields.BigIntField(primary_key=True)
    spot: fields.ForeignKeyRelation[Spot] = fields.ForeignKeyField(
        "palmcity.Spot", related_name="days", on_delete=fields.CASCADE
    )
    spot_id: int
    day = fields.DateField()
    booking_required = fields.BooleanField()
    capacity = fields.IntField()  # daily maximum × policy
    walk_in_reserved = fields.IntField(default=0)  # of capacity, only for the manual window
    taken = fields.IntField(default=0)  # held or confirmed entries of the day
    stop_selling = fields.BooleanField(default=False)  # the crowd level is red (domain.tourism.crowd)

    class Meta:
        table = "tourism_spot_day"
        unique_together = (("spot", "day"),)


class DayPlace(Model):
    """The day place one reservation took, marked returned when it is given back (exactly once)."""

    id = fields.BigIntField(primary_key=True)
    reservation_id = fields.BigIntField(unique=True)
    spot_day: fields.ForeignKeyRelation[SpotDay] = fields.ForeignKeyField(
        "palmcity.SpotDay", related_name="places", on_delete=fields.CASCADE
    )
    spot_day_id: int
    returned = fields.BooleanField(default=False)

    class Meta:
        table = "tourism_day_place"


class Occupancy(Model):
    """Who is inside a spot on a day, and its crowd level.

    Live occupancy from the gates' entry and exit scans: ``inside`` is moved only by conditional
    UPDATEs (``domain.tourism.occupancy``); the CHECK of migration 0017 (``0 <= inside <= limit``)
    refuses any other write beyond the instantaneous limit.
    """

    id = fields.BigIntField(primary_key=True)
    spot: fields.ForeignKeyRelation[Spot] = fields.ForeignKeyField(
        "palmcity.Spot", related_name="occupancies", on_delete=fields.CASCADE
    )
    spot_id: int
    day = fields.DateField()
    limit = fields.IntField()  # instantaneous maximum × policy, when the day's row was made
    inside = fields.IntField(default=0)
    entered = fields.IntField(default=0)
    exited = fields.IntField(default=0)
    level = fields.CharField(max_length=16, default="comfortable")  # domain.tourism.crowd.Level

    class Meta:
        table = "tourism_occupancy"
        unique_together = (("spot", "day"),)


class CrowdSubscription(Model):
    """A resident who asked to be told when a spot's crowd level changes."""

    id = fields.BigIntField(primary_key=True)
    spot: fields.ForeignKeyRelation[Spot] = fields.ForeignKeyField(
        "palmcity.Spot", related_name="crowd_subscriptions", on_delete=fields.CASCADE
    )
    spot_id: int
    user_id = fields.BigIntField(db_index=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "tourism_crowd_subscription"
        unique_together = (("spot", "user_id"),)


class TicketState(StrEnum):
    HELD = "held"  # its place is held until paid
    CONFIRMED = "confirmed"  # paid (or free): the visitor may enter
    LAPSED = "lapsed"  # not paid in time: the place went back
    CANCELLED = "cancelled"  # cancelled by the resident: the place went back, money by the policy
    USED = "used"  # admitted at a gate: nothing comes back
    NO_SHOW = "no_show"  # the day passed, never admitted (counts toward the no-show lock)


class SaleChannel(StrEnum):
    ONLINE = "online"  # the resident, in the app
    WINDOW = "window"  # the manual ticket window, sold by staff from the walk-in share first
    WAITLIST = "waitlist"  # made for a waitlist entry when places came back


class TicketOrder(Model):
    """A resident's order for one spot, day and slot: one ticket per visitor."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField(db_index=True)
    spot: fields.ForeignKeyRelation[Spot] = fields.ForeignKeyField(
        "palmcity.Spot", related_name="ticket_orders", on_delete=fields.RESTRICT
    )
    spot_id: int
    day = fields.DateField()
    slot_id = fields.BigIntField()
    starts_at = fields.DatetimeField()  # the slot's start, for the refund tiers
    # The spot's refund rules as they were when ordered (rules.refund_rules data; None: the default).
    refund_rules: dict[str, object] | None = fields.JSONField(null=True)
    channel = fields.CharEnumField(SaleChannel, max_length=16, default=SaleChannel.ONLINE)
    seller_id = fields.IntField(null=True)  # the staff account that sold it at the window
    paid_by = fields.CharField(max_length=16, null=True)  # the window's "cash"; None: payments
    created_at = fields.DatetimeField()

    class Meta:
        table = "tourism_ticket_order"
        # A window's sales of a day: its account's orders by when they were made (window.sales_of_day).
        indexes = (("user_id", "created_at"),)


class Ticket(Model):
    """One visitor's ticket, its own payment purpose (``ticket:<id>``) and its own place.

    ``person_index`` (the document's blind index) is cleared when the ticket ends, so the unique
    (spot, day, person_index) holds one live ticket per person and day (NULLs never collide)."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=24, unique=True)
    order: fields.ForeignKeyRelation[TicketOrder] = fields.ForeignKeyField(
        "palmcity.TicketOrder", related_name="tickets", on_delete=fields.CASCADE
    )
    order_id: int
    spot_id = fields.BigIntField()
    day = fields.DateField()
    person_index = fields.CharField(max_length=64, null=True)
    # The same blind index, kept after the ticket ends: no-shows and quotas count by person. Set on
    # every ticket; the default only fills tickets made before migration 0018 (it copies theirs).
    person = fields.CharField(max_length=64, db_index=True, default="")
    member_id = fields.BigIntField(null=True)  # the family member it names (domain.family), if any
    name_masked = fields.CharField(max_length=32, default="")  # the visitor's name as the gate shows it
    document_kind = fields.CharField(max_length=24)
    document_number = EncryptedField()
    document_masked = fields.CharField(max_length=32)
    category = fields.CharField(max_length=24)
    percent = fields.SmallIntField()
    amount_fen = fields.IntField()
    reservation_id = fields.BigIntField(unique=True)
    state = fields.CharEnumField(TicketState, max_length=16)
    used_at = fields.DatetimeField(null=True)  # admitted at a gate
    cancelled_at = fields.DatetimeField(null=True)  # cancellation quotas count these
    updated_at = fields.DatetimeField()

    class Meta:
        table = "tourism_ticket"
        unique_together = (("spot_id", "day", "person_index"),)


class CrowdChange(Model):
    """A spot's crowd level changing (the dashboard's level over time), written with the change."""

    id = fields.BigIntField(primary_key=True)
    spot_id = fields.BigIntField()
    day = fields.DateField()
    at = fields.DatetimeField()
    level_from = fields.CharField(max_length=16)
    level_to = fields.CharField(max_length=16)
    inside = fields.IntField()
    sold = fields.IntField()

    class Meta:
        table = "tourism_crowd_change"
        indexes = (("spot_id", "day"),)


class WaitlistState(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # places came back: an order was made for it, to be paid within the window
    FILLED = "filled"  # the offered order was paid (or was free)
    LAPSED = "lapsed"  # the offer was not paid in time
    CANCELLED = "cancelled"  # the resident left the waitlist


class WaitlistEntry(Model):
    """A resident waiting for places in one slot (候补), served in the order they asked (``id``)."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField(db_index=True)
    spot_id = fields.BigIntField()
    slot_id = fields.BigIntField(db_index=True)
    day = fields.DateField()
    size = fields.SmallIntField()  # places wanted (its visitors)
    # The visitors as the order will need them (documents, birth dates, claims, member ids): JSON,
    # sealed like any ID number (domain.shared.pii).
    visitors = EncryptedField()
    state = fields.CharEnumField(WaitlistState, max_length=16, default=WaitlistState.WAITING)
    order_id = fields.BigIntField(null=True)  # the order made when offered
    offer_expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "tourism_waitlist_entry"
        indexes = (("slot_id", "state"),)


class ComplaintState(StrEnum):
    SUBMITTED = "submitted"  # to be accepted or refused within 5 working days
    ACCEPTED = "accepted"  # the operator answers within 10 days; closed within 60 days
    REFUSED = "refused"
    ANSWERED = "answered"  # the operator's written answer is in
    CLOSED = "closed"


class Complaint(Model):
    """A tourism complaint linked to a ticket order, on the clocks of 《旅游投诉处理办法》."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField(db_index=True)
    order_id = fields.BigIntField(db_index=True)
    spot_id = fields.BigIntField(db_index=True)
    visit_day = fields.DateField()
    matter = fields.TextField()
    # 4 or more complainants on the same matter form a joint complaint (their count, the filer included).
    complainants = fields.SmallIntField(default=1)
    state = fields.CharEnumField(ComplaintState, max_length=16, default=ComplaintState.SUBMITTED)
    received_on = fields.DateField()
    accept_by = fields.DateField()  # 5 working days after received
    answer_by = fields.DateField(null=True)  # 10 days after accepted
    close_by = fields.DateField(null=True)  # 60 days after accepted
    outcome = fields.TextField(default="")  # the refusal's reason, the answer, the decision
    handled_by = fields.IntField(null=True)  # the staff account that last moved it
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "tourism_complaint"
