"""A spot's fair-use rules as data: what a cancelled ticket gives back, and when no-shows lock booking.

Pure functions, no database; the ticket order (next step) asks them. Sources
(next-modules.md §2.3): refunds "free until a cut-off, time-tiered after, none once used" (the
national rules were not found: each spot sets its own, snapshotted with the order, as revel-backend
#370 does); no-shows as at the Chairman Mao Memorial Hall, 2 in 120 days lock booking for 120 days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from domain.payments.owners import NO_REFUND, RefundKind, RefundPolicy
from domain.tourism.errors import RulesInvalid


@dataclass(frozen=True)
class RefundTier:
    """Cancelled at least ``minutes_before`` the entry slot starts: ``fee_percent`` of the price is kept."""

    minutes_before: int
    fee_percent: int


@dataclass(frozen=True)
class RefundRules:
    tiers: tuple[RefundTier, ...]  # the earliest first
    fee_percent_after_start: int = 100  # cancelled once the slot began, unused (100: nothing back)


# Free until the day before, 10 % kept within the last 24 hours, nothing once the slot began.
DEFAULT_REFUNDS = RefundRules((RefundTier(24 * 60, 0), RefundTier(0, 10)))


def refund_rules(data: dict[str, Any] | None) -> RefundRules:
    """Rules from data: ``{"tiers": [[minutes_before, fee_percent], …], "fee_percent_after_start": 100}``
    (tiers from the earliest cut-off); None: the default."""
    if data is None:
        return DEFAULT_REFUNDS
    try:
        tiers = tuple(RefundTier(int(m), int(p)) for m, p in data["tiers"])
        after = int(data.get("fee_percent_after_start", 100))
    except (KeyError, TypeError, ValueError) as exc:
        raise RulesInvalid() from exc
    minutes = [t.minutes_before for t in tiers]
    if (
        any(m < 0 for m in minutes)
        or minutes != sorted(minutes, reverse=True)
        or len(set(minutes)) != len(minutes)
    ):
        raise RulesInvalid(details={"tiers": "from the earliest cut-off, each once, none negative"})
    if any(not 0 <= p <= 100 for p in [t.fee_percent for t in tiers] + [after]):
        raise RulesInvalid(details={"fee_percent": "0 to 100"})
    return RefundRules(tiers, after)


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
