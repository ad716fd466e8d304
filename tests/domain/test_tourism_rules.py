"""A spot's fair-use rules: refunds free until a cut-off, tiered after, none once used or begun;
cancellations refused near the slot and beyond each period's quota; no-shows that lock booking
(2 in 120 days → 120 days), with the counts shown; the rules as one validated shape with defaults."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from domain.payments.owners import RefundKind
from domain.tourism.errors import RulesInvalid
from domain.tourism.rules import (
    DEFAULT_REFUNDS,
    DEFAULT_RULES,
    CancelCutoffPassed,
    CancelQuota,
    CancelQuotaReached,
    NoShowRule,
    check_cutoff,
    check_quota,
    quota_use,
    refund_policy,
    refund_rules,
    rules_data,
    spot_rules,
    standing,
)

STARTS = dt.datetime(2026, 5, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in China
TIERED = refund_rules({"tiers": [[2 * 24 * 60, 0], [24 * 60, 20], [120, 50]], "fee_percent_after_start": 100})


def kept(
    rules: Any, before: dt.timedelta, *, paid: int = 9_999, used: bool = False
) -> tuple[RefundKind, int]:
    policy = refund_policy(rules, paid, STARTS, STARTS - before, used=used)
    return policy.kind, policy.refund_fen(paid)


@pytest.mark.parametrize(
    ("before", "kind", "back"),
    [
        (dt.timedelta(days=3), RefundKind.FULL, 9_999),
        (dt.timedelta(days=2), RefundKind.FULL, 9_999),  # the cut-off itself is still free
        (
            dt.timedelta(days=2) - dt.timedelta(seconds=1),
            RefundKind.FEE_KEPT,
            9_999 - 1_999,
        ),  # fee rounded down
        (dt.timedelta(days=1), RefundKind.FEE_KEPT, 9_999 - 1_999),
        (dt.timedelta(hours=2), RefundKind.FEE_KEPT, 9_999 - 4_999),
        (dt.timedelta(minutes=119), RefundKind.NONE, 0),  # within the last tier's cut-off: as begun
        (dt.timedelta(0), RefundKind.NONE, 0),  # the slot began
        (-dt.timedelta(hours=1), RefundKind.NONE, 0),
    ],
)
def test_refunds_are_free_until_the_cut_off_and_tiered_after(
    before: dt.timedelta, kind: RefundKind, back: int
) -> None:
    assert kept(TIERED, before) == (kind, back)


def test_a_used_ticket_gives_nothing_back_and_the_default_is_free_until_the_day_before() -> None:
    assert kept(TIERED, dt.timedelta(days=10), used=True) == (RefundKind.NONE, 0)
    assert kept(DEFAULT_REFUNDS, dt.timedelta(days=1)) == (RefundKind.FULL, 9_999)
    assert kept(DEFAULT_REFUNDS, dt.timedelta(hours=23)) == (RefundKind.FEE_KEPT, 9_999 - 999)
    assert kept(DEFAULT_REFUNDS, dt.timedelta(0)) == (RefundKind.NONE, 0)
    assert refund_rules(None) == DEFAULT_REFUNDS
    # A spot may refund after the start too (a park with no timed entry).
    lenient = refund_rules({"tiers": [[0, 0]], "fee_percent_after_start": 0})
    assert kept(lenient, -dt.timedelta(hours=3)) == (RefundKind.FULL, 9_999)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"tiers": "x"},
        {"tiers": [[60, 10], [120, 0]]},  # not from the earliest
        {"tiers": [[60, 10], [60, 20]]},
        {"tiers": [[-1, 0]]},
        {"tiers": [[60, 101]]},
        {"tiers": [[60, 0]], "fee_percent_after_start": -5},
    ],
)
def test_invalid_refund_rules_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(RulesInvalid):
        refund_rules(data)


TODAY = dt.date(2026, 5, 1)


def ago(*days: int) -> list[dt.date]:
    return [TODAY - dt.timedelta(days=d) for d in days]


@pytest.mark.parametrize(
    ("no_shows", "count", "locked_until"),
    [
        ([], 0, None),
        (ago(10), 1, None),  # a warning only
        (ago(10, 30), 2, TODAY + dt.timedelta(days=110)),  # 2 in 120 days: 120 days from the last
        (ago(10, 129), 1, TODAY + dt.timedelta(days=110)),  # 119 days apart: locked; one still counted
        (ago(10, 130), 1, None),  # 120 days apart: not within it
        (ago(125, 130), 0, None),  # locked from 125 days ago: the lock ran out
        (ago(119, 150), 1, TODAY + dt.timedelta(days=1)),  # locked until tomorrow; one still counted
    ],
)
def test_no_shows_lock_booking_and_the_count_is_shown(
    no_shows: list[dt.date], count: int, locked_until: dt.date | None
) -> None:
    seen = standing(NoShowRule(), no_shows, TODAY)
    assert (seen.no_shows, seen.locked_until) == (count, locked_until)


# -- the cancellation cut-off and quotas -----------------------------------------------------------


def test_cancelling_is_refused_within_the_spot_s_cut_off() -> None:
    check_cutoff(DEFAULT_REFUNDS, STARTS, STARTS + dt.timedelta(hours=1))  # none by default: while live
    memorial_hall = refund_rules({"tiers": [[0, 0]], "cutoff_minutes": 10})
    check_cutoff(memorial_hall, STARTS, STARTS - dt.timedelta(minutes=10))  # the cut-off itself: allowed
    with pytest.raises(CancelCutoffPassed) as refused:
        check_cutoff(memorial_hall, STARTS, STARTS - dt.timedelta(minutes=9, seconds=59))
    assert refused.value.code == "ticket_cancel_cutoff_passed"
    assert refused.value.details == {"cutoff_minutes": 10}
    day_before = refund_rules(
        {"tiers": [[0, 0]], "cutoff_minutes": 7 * 60}
    )  # 17:00 the day before a 00:00 slot
    with pytest.raises(CancelCutoffPassed):
        check_cutoff(day_before, STARTS, STARTS - dt.timedelta(hours=6))


# Friday 1 May 2026: its week began on Monday 27 April, its month on the 1st, its year on 1 January.
FRIDAY = dt.date(2026, 5, 1)


def test_quotas_count_cancellations_per_calendar_period_in_china() -> None:
    days = [FRIDAY, dt.date(2026, 4, 27), dt.date(2026, 4, 26), dt.date(2026, 1, 1), dt.date(2025, 12, 31)]
    used = {u.period: (u.used, u.allowed) for u in quota_use(CancelQuota(), days, FRIDAY)}
    assert used == {"day": (1, 2), "week": (2, 4), "month": (1, 6), "year": (4, 12)}


@pytest.mark.parametrize(
    ("days", "period", "used"),
    [
        ([FRIDAY, FRIDAY], "day", 2),  # 2 a day
        ([dt.date(2026, 4, 27 + i) for i in range(4)], "week", 4),  # 4 a week (Monday to Thursday)
        (
            [dt.date(2026, 4, 1), dt.date(2026, 4, 2), *[dt.date(2026, 4, 20 + i) for i in range(4)]],
            "year",
            6,
        ),
    ],
)
def test_one_cancellation_beyond_a_quota_is_refused(days: list[dt.date], period: str, used: int) -> None:
    quota = CancelQuota(day=2, week=4, month=None, year=6)
    with pytest.raises(CancelQuotaReached) as refused:
        check_quota(quota, days, FRIDAY)
    assert refused.value.code == "ticket_cancel_quota_reached"
    assert refused.value.details == {"period": period, "allowed": quota.allowed(period), "used": used}
    check_quota(CancelQuota(None, None, None, None), days, FRIDAY)  # no limits: never refused


# -- the rules as data -----------------------------------------------------------------------------


def test_absent_rules_are_the_memorial_hall_s_and_given_parts_keep_the_defaults_of_the_rest() -> None:
    assert spot_rules({}) == spot_rules(None) == DEFAULT_RULES
    assert DEFAULT_RULES.cancel_quota == CancelQuota(2, 4, 6, 12)
    assert DEFAULT_RULES.no_show == NoShowRule(2, 120, 120)
    assert DEFAULT_RULES.refunds.cutoff_minutes is None and DEFAULT_RULES.waitlist_pay_minutes == 30
    mine = spot_rules({"cancel_quota": {"day": 1, "year": None}, "no_show": {"lock_days": 30}})
    assert mine.cancel_quota == CancelQuota(1, 4, 6, None)
    assert mine.no_show == NoShowRule(2, 120, 30)
    assert spot_rules(rules_data(mine)) == mine  # stored spelled out, read back the same
    assert rules_data(DEFAULT_RULES)["refunds"] == {
        "tiers": [[1440, 0], [0, 10]],
        "fee_percent_after_start": 100,
        "cutoff_minutes": None,
    }


@pytest.mark.parametrize(
    "data",
    [
        {"refund": {"tiers": []}},  # a misspelt part
        {"refunds": {"tiers": [[60, 0]], "cut_off": 5}},
        {"refunds": {"tiers": [[60, 0]], "cutoff_minutes": -1}},
        {"cancel_quota": {"days": 2}},
        {"cancel_quota": {"day": -1}},
        {"cancel_quota": {"day": "2"}},
        {"cancel_quota": {"day": True}},
        {"cancel_quota": [2, 4]},
        {"no_show": {"count": 0}},
        {"no_show": {"window_days": None}},
        {"no_show": {"lock_days": 5000}},
        # beyond what a date can hold: once stored, every preview and booking at the spot would fail
        {"no_show": {"window_days": 10**9}},
        {"refunds": {"tiers": [[10**13, 0]]}},
        {"cancel_quota": {"year": 10**12}},
        {"waitlist_pay_minutes": 0},
        {"waitlist_pay_minutes": 1.5},
    ],
)
def test_invalid_spot_rules_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(RulesInvalid) as refused:
        spot_rules(data)
    assert refused.value.code == "spot_rules_invalid"
