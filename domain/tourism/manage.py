"""A spot's manager edits what residents are told and what the spot allows: its advisories (提示 /
公告), its published maximums, policy cap and walk-in share, its crowd ladder and its fair-use rules.

Who: ``spot_manager`` of the spot (its code is the scope) for everything; advisories also the city's
tourism bureau, the handling body of the spot's complaints (``case_officer`` scoped to the spot's
code, as demo ``officer.tourism``): no new role, the bureau's scopes say which spots.

**Capacity already sold.** A new limit applies to every open day (today and after) and to their entry
slots not yet ended, in one transaction. A day or slot already sold beyond the new limit refuses the
whole change (``spot_capacity_below_sold``, naming the day, what is sold and the new limit): nobody's
ticket is cancelled, and the limit is never set to what is sold instead (a place given back on that
day would then be sold again, so the spot would not keep the limit asked for). The CHECKs of
migrations 0005 and 0015 (``taken <= capacity``) say the same. The instantaneous limit likewise
refuses a value below the visitors inside now (``spot_capacity_below_inside``, CHECK of 0017).

**Locks.** The change takes today's occupancy row, then the days (by day), then the slots (by id,
``FOR NO KEY UPDATE``), the order scans (occupancy, then day) and sales (day, then slot) use: a sale
racing the change has either committed (its places are counted) or waits on the day row until the
change commits and then sells under the new limit. A sale that inserted its reservation before
waiting holds only a key-share lock on its slot, which the no-key lock does not wait for. A
cancellation gives its slot back before its day, so a change can deadlock with one on the same
slot: PostgreSQL then aborts one of them and the change is tried again (``ATTEMPTS``).

The walk-in share moves by the difference in what it derives to (``capacity.derive``), so what the
window drew from today's share stays drawn. Every change is audited with before and after, the
crowd level is recomputed in the same transaction (``occupancy.relevel``: a new level stops or
resumes selling and alerts like a scan's), and the spot's staff are alerted of the new limits.
Orders keep the refund rules they were made under (``TicketOrder.refund_rules``): changing rules
changes only orders made after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.audit.service import record
from domain.capacity import service as capacity
from domain.capacity.gate import Gate
from domain.capacity.models import CapacityResource, CapacitySlot, SlotState
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.clock import china_day
from domain.shared.i18n import LazyText, _
from domain.shared.labels import Names
from domain.staff import alerts
from domain.staff.roles import Role, authorize, authorize_any
from domain.tourism import crowd, occupancy, rules, tickets
from domain.tourism.errors import (
    AdvisoryInvalid,
    AdvisoryNotFound,
    AdvisoryWithdrawn,
    CapacityBelowInside,
    CapacityBelowSold,
)
from domain.tourism.models import Advisory, Occupancy, Spot, SpotDay
from domain.tourism.service import SpotSettings

# Who publishes advisories: the spot's manager, and the tourism bureau scoped to the spot.
PUBLISHERS = (Role.SPOT_MANAGER, Role.CASE_OFFICER)
# Who the spot's changes are told to (the staff who sell and admit by these limits).
TOLD = (Role.SPOT_MANAGER, Role.TICKET_SELLER, Role.SCANNER)
ALERT_KIND = "tourism_spot"
TITLE_LENGTH = 120  # Advisory.title_*'s max_length
TEXT_LENGTH = 2000
LONGEST_ADVISORY_DAYS = 366
ATTEMPTS = 3  # a change that lost a deadlock to a cancellation is tried again
LANGS = ("zh_Hans", "zh_Hant", "en")


# -- advisories ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdvisoryDraft:
    """A notice as the manager writes it: title and text by language (``zh_Hans`` required; one
    left empty is shown in simplified Chinese), and the days it is shown (China dates, inclusive)."""

    titles: dict[str, str]
    texts: dict[str, str]
    first_day: dt.date
    last_day: dt.date

    def columns(self) -> dict[str, Any]:
        self.check()
        found: dict[str, Any] = {"first_day": self.first_day, "last_day": self.last_day}
        for lang in LANGS:
            suffix = lang.lower()
            found[f"title_{suffix}"] = self.titles.get(lang, "").strip()
            found[f"text_{suffix}"] = self.texts.get(lang, "").strip()
        return found

    def check(self) -> None:
        if set(self.titles) - set(LANGS) or set(self.texts) - set(LANGS):
            raise AdvisoryInvalid(
                details={"language": sorted((set(self.titles) | set(self.texts)) - set(LANGS))}
            )
        if not self.titles.get("zh_Hans", "").strip():
            raise AdvisoryInvalid(details={"title": "zh_Hans"})
        if not self.texts.get("zh_Hans", "").strip():
            raise AdvisoryInvalid(details={"text": "zh_Hans"})
        for lang in LANGS:
            if len(self.titles.get(lang, "").strip()) > TITLE_LENGTH:
                raise AdvisoryInvalid(details={"title": lang, "max_length": TITLE_LENGTH})
            if len(self.texts.get(lang, "").strip()) > TEXT_LENGTH:
                raise AdvisoryInvalid(details={"text": lang, "max_length": TEXT_LENGTH})
        if self.last_day < self.first_day:
            raise AdvisoryInvalid(details={"last_day": self.last_day.isoformat()})
        if self.last_day < clock.today_in_china():
            raise AdvisoryInvalid(details={"last_day": self.last_day.isoformat()})
        if (self.last_day - self.first_day).days >= LONGEST_ADVISORY_DAYS:
            raise AdvisoryInvalid(
                details={"last_day": self.last_day.isoformat(), "days": LONGEST_ADVISORY_DAYS}
            )


def advisory_data(advisory: Advisory) -> dict[str, Any]:
    """What the audit keeps of a notice (before and after)."""
    return {
        "title": {
            "zh_Hans": advisory.title_zh_hans,
            "zh_Hant": advisory.title_zh_hant,
            "en": advisory.title_en,
        },
        "text": {"zh_Hans": advisory.text_zh_hans, "zh_Hant": advisory.text_zh_hant, "en": advisory.text_en},
        "first_day": advisory.first_day.isoformat(),
        "last_day": advisory.last_day.isoformat(),
        "withdrawn_at": advisory.withdrawn_at.isoformat() if advisory.withdrawn_at else None,
    }


def advisory_state(advisory: Advisory, today: dt.date) -> str:
    """``withdrawn``, ``expired`` (its last day passed), ``scheduled`` (its first day to come) or
    ``shown`` (on the spot's page today)."""
    if advisory.withdrawn_at is not None:
        return "withdrawn"
    if advisory.last_day < today:
        return "expired"
    return "scheduled" if advisory.first_day > today else "shown"


async def advisories(actor: Actor, spot: Spot) -> list[Advisory]:
    """Every notice of the spot, the newest first (withdrawn and expired ones too), for its staff."""
    authorize_any(actor, PUBLISHERS, spot.code)
    return list(await Advisory.filter(spot_id=spot.id).order_by("-id").limit(100))


async def _advisory(conn: BaseDBAsyncClient, spot: Spot, advisory_id: int) -> Advisory:
    found = await Advisory.filter(id=advisory_id, spot_id=spot.id).using_db(conn).select_for_update().first()
    if found is None:
        raise AdvisoryNotFound()
    return found


def _advisory_alert(spot: Spot, advisory: Advisory, title: LazyText) -> alerts.Alert:
    return alerts.Alert(
        ALERT_KIND,
        title,
        _(
            "{spot}: {title} ({first_day} to {last_day})",
            spot=Names.of(spot),
            title=Names(advisory.title_in("zh_Hans"), advisory.title_in("zh_Hant"), advisory.title_in("en")),
            first_day=advisory.first_day.isoformat(),
            last_day=advisory.last_day.isoformat(),
        ),
        f"/pages/spotstaff/manage?spot={spot.code}",
    )


async def publish(actor: Actor, spot: Spot, draft: AdvisoryDraft) -> Advisory:
    """A new notice on the spot's page for its days; audited and told to the spot's staff."""
    authorize_any(actor, PUBLISHERS, spot.code)
    columns = draft.columns()
    async with in_transaction() as conn:
        advisory = await Advisory.create(spot_id=spot.id, **columns, using_db=conn)
        await _changed(
            conn, actor, spot, advisory, "tourism.advisory_published", None, told=_("A notice was published")
        )
    return advisory


async def edit(actor: Actor, spot: Spot, advisory_id: int, draft: AdvisoryDraft) -> Advisory:
    """Replace a notice's titles, texts and days (not one withdrawn: ``advisory_withdrawn``)."""
    authorize_any(actor, PUBLISHERS, spot.code)
    columns = draft.columns()
    async with in_transaction() as conn:
        advisory = await _advisory(conn, spot, advisory_id)
        if advisory.withdrawn_at is not None:
            raise AdvisoryWithdrawn()
        before = advisory_data(advisory)
        for key, value in columns.items():
            setattr(advisory, key, value)
        await advisory.save(using_db=conn, update_fields=list(columns))
        await _changed(
            conn, actor, spot, advisory, "tourism.advisory_edited", before, told=_("A notice was changed")
        )
    return advisory


async def withdraw(actor: Actor, spot: Spot, advisory_id: int) -> Advisory:
    """Take a notice off the spot's page at once (kept, marked withdrawn); audited."""
    authorize_any(actor, PUBLISHERS, spot.code)
    async with in_transaction() as conn:
        advisory = await _advisory(conn, spot, advisory_id)
        if advisory.withdrawn_at is not None:
            raise AdvisoryWithdrawn()
        before = advisory_data(advisory)
        advisory.withdrawn_at = clock.now()
        await advisory.save(using_db=conn, update_fields=["withdrawn_at"])
        await _changed(conn, actor, spot, advisory, "tourism.advisory_withdrawn", before)
    return advisory


async def _changed(
    conn: BaseDBAsyncClient,
    actor: Actor,
    spot: Spot,
    advisory: Advisory,
    action: str,
    before: dict[str, Any] | None,
    *,
    told: LazyText | None = None,
) -> None:
    """Audit a notice's change as ``action`` and, with ``told``, alert the spot's
    staff, once per change (keyed by the audit record)."""
    audit = await record(
        actor,
        action,
        target_type="spot",
        target_id=spot.id,
        before=None if before is None else {"advisory": advisory.id, **before},
        after={"advisory": advisory.id, **advisory_data(advisory)},
        using_db=conn,
    )
    if told is not None:
        await alerts.alert(
            spot.code, TOLD, _advisory_alert(spot, advisory, told), source_key=f"tourism.advisory:{audit.id}"
        )


# -- limits and ladder ---------------------------------------------------------------------------

LIMIT_FIELDS = ("daily_max", "instant_max", "policy_percent", "walk_in_percent")


@dataclass(frozen=True)
class Limits:
    """A change of the spot's limits: each given field replaces the spot's (None: kept)."""

    daily_max: int | None = None
    instant_max: int | None = None
    policy_percent: int | None = None
    walk_in_percent: int | None = None
    crowd_ladder: list[list[Any]] | None = None  # [] : the default ladder


def limits_of(spot: Spot) -> dict[str, Any]:
    return {**{f: getattr(spot, f) for f in LIMIT_FIELDS}, "crowd_ladder": spot.crowd_ladder}


@dataclass(frozen=True)
class LimitsChanged:
    spot: Spot
    days: int  # open days whose limits were changed
    slots: int  # entry slots whose places were changed
    level: crowd.Level | None  # today's crowd level after the change (None: the day is not open)


def _settings_of(spot: Spot) -> SpotSettings:
    return SpotSettings(
        daily_max=spot.daily_max,
        instant_max=spot.instant_max,
        opens_minute=spot.opens_minute,
        closes_minute=spot.closes_minute,
        slot_entries=spot.slot_entries,
        slot_minutes=spot.slot_minutes,
        policy_percent=spot.policy_percent,
        walk_in_percent=spot.walk_in_percent,
        booking_required=spot.booking_required,
    )


def _deadlock(exc: Exception) -> bool:
    return "deadlock" in str(exc).lower()


async def set_limits(actor: Actor, spot: Spot, change: Limits, gate: Gate | None = None) -> LimitsChanged:
    """Change the spot's published maximums, policy cap, walk-in share and crowd ladder, and with
    them every open day's and entry slot's limits (see the module's doc). Refused: ``spot_invalid``
    (out of range), ``spot_crowd_ladder_invalid``, ``spot_capacity_below_sold``,
    ``spot_capacity_below_inside``; with any refusal nothing changes."""
    authorize(actor, Role.SPOT_MANAGER, spot.code)
    wanted = {f: getattr(change, f) for f in LIMIT_FIELDS if getattr(change, f) is not None}
    replace(_settings_of(spot), **wanted).check()  # spot_invalid, with the field
    ladder: list[list[Any]] | None = None
    if change.crowd_ladder is not None:
        steps = crowd.ladder(change.crowd_ladder)  # spot_crowd_ladder_invalid
        ladder = [[p, level.value] for p, level in steps] if change.crowd_ladder else []
    today = clock.today_in_china()
    row = await occupancy.occupancy_of(spot, today)  # made before the transaction, as a scan does
    for attempt in range(ATTEMPTS):
        try:
            changed, slot_ids = await _set_limits(actor, spot.id, wanted, ladder, row.id, today)
            break
        except Exception as exc:  # PostgreSQL's deadlock, whichever class the driver gives it
            if not _deadlock(exc) or attempt == ATTEMPTS - 1:
                raise
    if gate is not None:
        for slot_id in slot_ids:  # the flash gate's counts and cached availability
            await gate.forget(slot_id, changed.spot.resource_id)
    for field in (*LIMIT_FIELDS, "crowd_ladder"):  # the caller's row as it is now
        setattr(spot, field, getattr(changed.spot, field))
    return changed


async def _set_limits(
    actor: Actor,
    spot_id: int,
    wanted: dict[str, int],
    ladder: list[list[Any]] | None,
    row_id: int,
    today: dt.date,
) -> tuple[LimitsChanged, list[int]]:
    async with in_transaction() as conn:
        # No key: an order being written holds a key-share lock on its spot (its foreign key).
        spot = await Spot.filter(id=spot_id).using_db(conn).select_for_update(no_key=True).get()
        before = limits_of(spot)
        old = _settings_of(spot)
        for key, value in wanted.items():
            setattr(spot, key, value)
        if ladder is not None:
            spot.crowd_ladder = list(ladder)
        new = _settings_of(spot)
        after = limits_of(spot)
        row = await Occupancy.filter(id=row_id).using_db(conn).select_for_update().get()
        if after == before:
            return LimitsChanged(spot, 0, 0, crowd.Level(row.level)), []
        limit = occupancy.instant_limit(spot)
        if row.inside > limit:
            raise CapacityBelowInside(details={"inside": row.inside, "limit": limit})
        days = await _change_days(conn, spot, old, new, today)
        slot_ids = await _change_slots(conn, spot, old, new)
        await spot.save(using_db=conn, update_fields=[*LIMIT_FIELDS, "crowd_ladder"])
        if row.limit != limit:
            await Occupancy.filter(id=row.id).using_db(conn).update(limit=limit)
        opened = await SpotDay.filter(spot_id=spot.id, day=today).using_db(conn).exists()
        level = await occupancy.relevel(conn, actor, spot, row) if opened else None
        audit = await record(
            actor,
            "tourism.spot_limits_set",
            target_type="spot",
            target_id=spot.id,
            before=before,
            after={**after, "days_changed": days, "slots_changed": len(slot_ids)},
            using_db=conn,
        )
        cap, walk_in = capacity.derive(spot.daily_max, spot.policy_percent, spot.walk_in_percent)
        await alerts.alert(
            spot.code,
            TOLD,
            alerts.Alert(
                ALERT_KIND,
                _("The spot's limits changed"),
                _(
                    "{spot}: {capacity} entries a day ({walk_in} kept for the window), "
                    "{limit} inside at once, from now on.",
                    spot=Names.of(spot),
                    capacity=cap or 0,
                    walk_in=walk_in,
                    limit=limit,
                ),
                f"/pages/spotstaff/dashboard?spot={spot.code}",
            ),
            source_key=f"tourism.spot_limits:{audit.id}",
        )
        return LimitsChanged(spot, days, len(slot_ids), level), slot_ids


async def _change_days(
    conn: BaseDBAsyncClient, spot: Spot, old: SpotSettings, new: SpotSettings, today: dt.date
) -> int:
    """Every open day from today: the new limit, the walk-in share moved by the difference (what
    the window drew stays drawn); refused for a day already sold beyond it."""
    old_cap, old_walk = capacity.derive(old.daily_max, old.policy_percent, old.walk_in_percent)
    new_cap, new_walk = capacity.derive(new.daily_max, new.policy_percent, new.walk_in_percent)
    if (old_cap, old_walk) == (new_cap, new_walk):
        return 0
    assert new_cap is not None
    days = (
        await SpotDay.filter(spot_id=spot.id, day__gte=today)
        .using_db(conn)
        .order_by("day")
        .select_for_update()
    )
    changed = 0
    for day in days:
        if day.taken > new_cap:
            raise CapacityBelowSold(
                details={"day": day.day.isoformat(), "sold": day.taken, "capacity": new_cap}
            )
        reserved = min(max(day.walk_in_reserved + new_walk - old_walk, 0), new_cap)
        if (day.capacity, day.walk_in_reserved) != (new_cap, reserved):
            await SpotDay.filter(id=day.id).using_db(conn).update(capacity=new_cap, walk_in_reserved=reserved)
            changed += 1
    return changed


async def _change_slots(
    conn: BaseDBAsyncClient, spot: Spot, old: SpotSettings, new: SpotSettings
) -> list[int]:
    """The policy cap and walk-in share on the resource and every open entry slot not ended yet
    (the slot's own maximum is unchanged); refused for a slot already sold beyond its new limit."""
    if (old.policy_percent, old.walk_in_percent) == (new.policy_percent, new.walk_in_percent):
        return []
    await (
        CapacityResource.filter(id=spot.resource_id)
        .using_db(conn)
        .update(policy_percent=new.policy_percent, walk_in_percent=new.walk_in_percent)
    )
    slots = (
        await CapacitySlot.filter(
            # In UTC, as stored (SQLite compares the text).
            resource_id=spot.resource_id,
            state=SlotState.OPEN,
            ends_at__gt=clock.now().astimezone(dt.UTC),
        )
        .using_db(conn)
        .order_by("id")
        .select_for_update(no_key=True)
    )
    changed = []
    for slot in slots:
        maximum = slot.override_places if slot.override_places is not None else slot.max_places
        if maximum is None:
            continue  # unlimited: no limit to change
        _old_cap, old_walk = capacity.derive(maximum, old.policy_percent, old.walk_in_percent)
        new_cap, new_walk = capacity.derive(maximum, new.policy_percent, new.walk_in_percent)
        assert new_cap is not None
        if slot.held + slot.confirmed > new_cap:
            raise CapacityBelowSold(
                details={
                    "day": china_day(slot.starts_at).isoformat(),
                    "slot_id": slot.id,
                    "sold": slot.held + slot.confirmed,
                    "capacity": new_cap,
                }
            )
        reserved = min(max(slot.walk_in_reserved + new_walk - old_walk, 0), new_cap)
        if (slot.capacity, slot.walk_in_reserved) != (new_cap, reserved):
            slot.capacity, slot.walk_in_reserved, slot.version = new_cap, reserved, slot.version + 1
            await slot.save(using_db=conn, update_fields=["capacity", "walk_in_reserved", "version"])
            changed.append(slot.id)
    return changed


# -- rules ---------------------------------------------------------------------------------------


async def set_rules(actor: Actor, spot: Spot, data: dict[str, Any]) -> Spot:
    """Replace the spot's fair-use rules (``spot_rules_invalid``; audited ``tourism.spot_rules_set``);
    orders made before keep the refund rules they were made under."""
    authorize(actor, Role.SPOT_MANAGER, spot.code)
    return await tickets.set_rules(actor, spot, data)


@dataclass(frozen=True)
class SpotSetup:
    """What the manager's form shows: the limits, what they give a day, the ladder and the rules."""

    spot: Spot
    day_capacity: int
    walk_in: int
    instant_limit: int
    ladder: list[tuple[int, crowd.Level]]
    rules: dict[str, Any]


async def setup(actor: Actor, spot: Spot) -> SpotSetup:
    authorize(actor, Role.SPOT_MANAGER, spot.code)
    cap, walk_in = capacity.derive(spot.daily_max, spot.policy_percent, spot.walk_in_percent)
    return SpotSetup(
        spot,
        cap or 0,
        walk_in,
        occupancy.instant_limit(spot),
        list(crowd.ladder(spot.crowd_ladder)),
        rules.rules_data(rules.spot_rules(spot.rules)),
    )
