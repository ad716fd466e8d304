"""A spot's fair-use rules as data (``Spot.rules``): what a cancelled ticket gives back and until
when it may be cancelled, how many cancellations an account may make per period, when no-shows lock
booking, how long a waitlist offer waits for its money, and when a ticket admits at the gate.

One validated shape, every part optional (absent: the default)::

    {"refunds": {"tiers": [[1440, 0], [0, 10]], "fee_percent_after_start": 100, "cutoff_minutes": null},
     "cancel_quota": {"day": 2, "week": 4, "month": 6, "year": 12},
     "no_show": {"count": 2, "window_days": 120, "lock_days": 120},
     "waitlist_pay_minutes": 30,
     "entry": {"early_minutes": 30, "late_minutes": 0}}

Pure functions, no database: the ticket order (``tickets.py``) reads the rows and asks these.
Sources (next-modules.md §2.3): refunds "free until a cut-off, time-tiered after, none once used"
(no national rule was found: each spot sets its own, snapshotted with the order as revel-backend
#370 does); the quotas (2 a day, 4 a week, 6 a month, 12 a year) and the no-show lock (2 in 120
days lock booking for 120 days) are the Chairman Mao Memorial Hall's, the defaults here; its
cancellation cut-off (10 minutes before the slot) is a spot's choice (no cut-off by default: a
ticket is cancellable while live, and what comes back after the start is the spot's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from domain.payments.owners import NO_REFUND, RefundKind, RefundPolicy
from domain.shared.errors import Conflict
from domain.shared.i18n import _
from domain.shared.labels import LabelTable
from domain.tourism.errors import RulesInvalid


class BookingLocked(Conflict):
    """details: ``visitor`` (its position in the order), ``locked_until`` (the first day they may book)."""

    code = "ticket_booking_locked"
    message = _("This visitor missed too many visits at this scenic spot and may not book until a later day.")


class CancelQuotaReached(Conflict):
    """details: ``period`` (day, week, month or year), ``allowed``, ``used``."""

    code = "ticket_cancel_quota_reached"
    message = _("You have cancelled as many tickets for this scenic spot as its rules allow in this period.")


class CancelCutoffPassed(Conflict):
    """details: ``cutoff_minutes`` (before the slot starts)."""

    code = "ticket_cancel_cutoff_passed"
    message = _("It is too late to cancel this ticket: its entry time is too close or has passed.")


@dataclass(frozen=True)
class RefundTier:
    """Cancelled at least ``minutes_before`` the entry slot starts: ``fee_percent`` of the price is kept."""

    minutes_before: int
    fee_percent: int


@dataclass(frozen=True)
class RefundRules:
    tiers: tuple[RefundTier, ...]  # the earliest first
    fee_percent_after_start: int = 100  # cancelled once the slot began, unused (100: nothing back)
    # The resident may not cancel later than this before the slot starts (the Memorial Hall: 10);
    # None: while the ticket is live (what comes back after the start is ``fee_percent_after_start``).
    cutoff_minutes: int | None = None


# Free until the day before, 10 % kept within the last 24 hours, nothing once the slot began.
DEFAULT_REFUNDS = RefundRules((RefundTier(24 * 60, 0), RefundTier(0, 10)))
_REFUND_KEYS = {"tiers", "fee_percent_after_start", "cutoff_minutes"}


def _whole(value: Any, where: str) -> int | None:
    """A whole number or null (a JSON true is not a number here)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise RulesInvalid(details={where: "a whole number"})
    return value if value is None else int(value)


def _ints(data: Any, defaults: dict[str, int | None], section: str) -> dict[str, int | None]:
    """``data``'s values for the keys of ``defaults`` (absent: the default); unknown keys refused."""
    if not isinstance(data, dict) or set(data) - set(defaults):
        raise RulesInvalid(details={section: "unknown keys"})
    return {key: _whole(data.get(key, default), f"{section}.{key}") for key, default in defaults.items()}


def refund_rules(data: dict[str, Any] | None) -> RefundRules:
    """Rules from data: ``{"tiers": [[minutes_before, fee_percent], …], "fee_percent_after_start": 100,
    "cutoff_minutes": 10}`` (tiers from the earliest cut-off); None: the default."""
    if data is None:
        return DEFAULT_REFUNDS
    try:
        tiers = tuple(RefundTier(int(m), int(p)) for m, p in data["tiers"])
        after = int(data.get("fee_percent_after_start", 100))
        cutoff = _whole(data.get("cutoff_minutes"), "refunds.cutoff_minutes")
    except (KeyError, TypeError, ValueError) as exc:
        raise RulesInvalid() from exc
    if set(data) - _REFUND_KEYS:
        raise RulesInvalid(details={"refunds": "unknown keys"})
    minutes = [t.minutes_before for t in tiers]
    if (
        # Bounded (60 days): a stored value beyond what a date can hold would fail every preview.
        any(not 0 <= m <= 60 * 24 * 60 for m in minutes)
        or minutes != sorted(minutes, reverse=True)
        or len(set(minutes)) != len(minutes)
    ):
        raise RulesInvalid(details={"tiers": "from the earliest cut-off, each once, 0 to 60 days"})
    if any(not 0 <= p <= 100 for p in [t.fee_percent for t in tiers] + [after]):
        raise RulesInvalid(details={"fee_percent": "0 to 100"})
    if cutoff is not None and not 0 <= cutoff <= 7 * 24 * 60:
        raise RulesInvalid(details={"cutoff_minutes": "0 to a week"})
    return RefundRules(tiers, after, cutoff)


def refunds_data(rules: RefundRules) -> dict[str, Any]:
    """The rules as data again (what an order snapshots)."""
    return {
        "tiers": [[t.minutes_before, t.fee_percent] for t in rules.tiers],
        "fee_percent_after_start": rules.fee_percent_after_start,
        "cutoff_minutes": rules.cutoff_minutes,
    }


def _kept(fee_percent: int, paid_fen: int) -> RefundPolicy:
    if fee_percent <= 0:
        return RefundPolicy(RefundKind.FULL)
    if fee_percent >= 100:
        return NO_REFUND
    # The fee is rounded down: the visitor never pays more than the rule's percent.
    return RefundPolicy(RefundKind.FEE_KEPT, fee_fen=paid_fen * fee_percent // 100)


def refund_policy(
    rules: RefundRules, paid_fen: int, starts_at: dt.datetime, at: dt.datetime, *, used: bool
) -> RefundPolicy:
    """What cancelling a ticket paid ``paid_fen`` for the slot starting ``starts_at`` gives back at ``at``."""
    if used:
        return NO_REFUND  # admitted: nothing comes back
    before = starts_at - at
    if before <= dt.timedelta(0):
        return _kept(rules.fee_percent_after_start, paid_fen)
    for tier in rules.tiers:
        if before >= dt.timedelta(minutes=tier.minutes_before):
            return _kept(tier.fee_percent, paid_fen)
    return _kept(rules.fee_percent_after_start, paid_fen)  # before the last tier's cut-off: as after start


def check_cutoff(rules: RefundRules, starts_at: dt.datetime, at: dt.datetime) -> None:
    """Refuse a resident's cancellation later than the cut-off (it would dodge a no-show too)."""
    if rules.cutoff_minutes is not None and starts_at - at < dt.timedelta(minutes=rules.cutoff_minutes):
        raise CancelCutoffPassed(details={"cutoff_minutes": rules.cutoff_minutes})


refund_kind_label = LabelTable(
    "refund kind",
    {
        RefundKind.FULL.value: _("Everything paid comes back"),
        RefundKind.FEE_KEPT.value: _("All but the cancellation fee comes back"),
        RefundKind.NONE.value: _("Nothing comes back"),
    },
)


# -- cancellation quotas ---------------------------------------------------------------------------

PERIODS = ("day", "week", "month", "year")
period_label = LabelTable(
    "quota period",
    {"day": _("Today"), "week": _("This week"), "month": _("This month"), "year": _("This year")},
)


@dataclass(frozen=True)
class CancelQuota:
    """Cancellations an account may make per calendar period in China (None: no limit)."""

    day: int | None = 2
    week: int | None = 4
    month: int | None = 6
    year: int | None = 12

    def allowed(self, period: str) -> int | None:
        value: int | None = getattr(self, period)
        return value


def period_start(period: str, today: dt.date) -> dt.date:
    """The first day of the calendar ``period`` holding ``today`` (weeks start on Monday)."""
    if period == "day":
        return today
    if period == "week":
        return today - dt.timedelta(days=today.weekday())
    if period == "month":
        return today.replace(day=1)
    return today.replace(month=1, day=1)


@dataclass(frozen=True)
class QuotaUse:
    period: str
    used: int
    allowed: int | None


def quota_use(quota: CancelQuota, cancel_days: list[dt.date], today: dt.date) -> list[QuotaUse]:
    """Each period's cancellations (one per cancelling: a whole order counts once) against its limit."""
    return [
        QuotaUse(p, sum(1 for d in cancel_days if period_start(p, today) <= d <= today), quota.allowed(p))
        for p in PERIODS
    ]


def check_quota(quota: CancelQuota, cancel_days: list[dt.date], today: dt.date) -> None:
    """Refuse one more cancellation when any period's limit is used up."""
    for use in quota_use(quota, cancel_days, today):
        if use.allowed is not None and use.used >= use.allowed:
            raise CancelQuotaReached(details={"period": use.period, "allowed": use.allowed, "used": use.used})


# -- no-shows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoShowRule:
    """``count`` no-shows within ``window_days`` lock booking for ``lock_days`` from the last one."""

    count: int = 2
    window_days: int = 120
    lock_days: int = 120


@dataclass(frozen=True)
class Standing:
    """What a visitor is shown: their no-shows in the window, and until when booking is locked."""

    no_shows: int
    locked_until: dt.date | None  # the first day they may book again; None: not locked


def standing(rule: NoShowRule, no_show_days: list[dt.date], today: dt.date) -> Standing:
    """The visitor's standing on ``today`` from the days they did not show up."""
    days = sorted(no_show_days)
    recent = [d for d in days if today - dt.timedelta(days=rule.window_days) < d <= today]
    locked_until: dt.date | None = None
    # Any run of ``count`` no-shows within the window locks from its last one, even if older ones
    # have since left the window: the lock, once earned, runs its full length.
    for i in range(rule.count - 1, len(days)):
        if (days[i] - days[i - rule.count + 1]).days < rule.window_days:
            until = days[i] + dt.timedelta(days=rule.lock_days)
            if until > today:
                locked_until = until if locked_until is None else max(locked_until, until)
    return Standing(len(recent), locked_until)


# -- the entry window --------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryWindow:
    """When a ticket admits at the gate: from ``early_minutes`` before its slot starts until
    ``late_minutes`` after it ends (None: until the spot closes that day).

    The defaults: timed entry exists to spread visitors over the day, so a ticket admits in its own
    slot, as the Chairman Mao Memorial Hall admits only in the booked slot (按预约时段入场, §2.1);
    a visitor who comes later would crowd the next slot, so nothing after the slot ends
    (``late_minutes`` 0). The 30 minutes early are the queue: a visitor in line for the security
    check before the slot opens is not sent back to the end of it, and half an hour is what spots
    commonly ask visitors to arrive before their time. A spot that does not care when in the day
    its visitors come sets ``late_minutes`` to null (and, say, ``early_minutes`` to a day).
    """

    early_minutes: int = 30
    late_minutes: int | None = 0

    def opens(self, slot_starts: dt.datetime) -> dt.datetime:
        return slot_starts - dt.timedelta(minutes=self.early_minutes)

    def closes(self, slot_ends: dt.datetime, spot_closes: dt.datetime) -> dt.datetime:
        if self.late_minutes is None:
            return max(slot_ends, spot_closes)
        return slot_ends + dt.timedelta(minutes=self.late_minutes)


DEFAULT_ENTRY = EntryWindow()
_ENTRY_LIMIT = 24 * 60  # either side at most a day


def entry_window(data: Any) -> EntryWindow:
    """The entry window from data (absent keys: the default), or ``spot_rules_invalid``."""
    e = _ints(data, asdict(DEFAULT_ENTRY), "entry")
    early, late = e["early_minutes"], e["late_minutes"]
    if early is None or not 0 <= early <= _ENTRY_LIMIT:
        raise RulesInvalid(details={"entry.early_minutes": "0 to 1440"})
    if late is not None and not 0 <= late <= _ENTRY_LIMIT:
        raise RulesInvalid(details={"entry.late_minutes": "0 to 1440, or null (until the spot closes)"})
    return EntryWindow(early, late)


# -- a spot's rules as a whole ---------------------------------------------------------------------


@dataclass(frozen=True)
class SpotRules:
    refunds: RefundRules = DEFAULT_REFUNDS
    cancel_quota: CancelQuota = field(default_factory=CancelQuota)
    no_show: NoShowRule = field(default_factory=NoShowRule)
    waitlist_pay_minutes: int = 30  # an offered waitlist order waits this long for its money
    entry: EntryWindow = DEFAULT_ENTRY  # when a ticket admits at the gate

    @property
    def waitlist_pay_within(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.waitlist_pay_minutes)


DEFAULT_RULES = SpotRules()
_KEYS = {"refunds", "cancel_quota", "no_show", "waitlist_pay_minutes", "entry"}


def spot_rules(data: dict[str, Any] | None) -> SpotRules:
    """A spot's rules from ``Spot.rules`` (empty or None: every default), or ``spot_rules_invalid``."""
    if not data:
        return DEFAULT_RULES
    if not isinstance(data, dict) or set(data) - _KEYS:
        raise RulesInvalid(details={"rules": "unknown keys"})
    refunds = refund_rules(data["refunds"]) if "refunds" in data else DEFAULT_REFUNDS
    q = _ints(data.get("cancel_quota", {}), asdict(DEFAULT_RULES.cancel_quota), "cancel_quota")
    if any(v is not None and not 0 <= v <= 1000 for v in q.values()):
        raise RulesInvalid(details={"cancel_quota": "0 to 1000"})
    n = _ints(data.get("no_show", {}), asdict(DEFAULT_RULES.no_show), "no_show")
    count, window, lock = n["count"], n["window_days"], n["lock_days"]
    if (
        count is None
        or window is None
        or lock is None
        or not 1 <= count <= 1000
        or not 1 <= window <= 3660
        or not 0 <= lock <= 3660
    ):
        raise RulesInvalid(details={"no_show": "count 1 to 1000, window_days 1 to 3660, lock_days 0 to 3660"})
    pay = _whole(data.get("waitlist_pay_minutes", DEFAULT_RULES.waitlist_pay_minutes), "waitlist_pay_minutes")
    if pay is None or not 1 <= pay <= 24 * 60:
        raise RulesInvalid(details={"waitlist_pay_minutes": "1 to 1440"})
    # Rules stored before the entry window existed have no ``entry``: they read the default.
    entry = entry_window(data.get("entry", {}))
    return SpotRules(refunds, CancelQuota(**q), NoShowRule(count, window, lock), pay, entry)


def rules_data(rules: SpotRules) -> dict[str, Any]:
    """The rules as data, every part spelled out (what a spot stores once validated)."""
    return {
        "refunds": refunds_data(rules.refunds),
        "cancel_quota": asdict(rules.cancel_quota),
        "no_show": asdict(rules.no_show),
        "waitlist_pay_minutes": rules.waitlist_pay_minutes,
        "entry": asdict(rules.entry),
    }
