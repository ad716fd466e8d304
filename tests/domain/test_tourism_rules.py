"""A spot's fair-use rules: refunds free until a cut-off, tiered after, none once used or begun;
no-shows that lock booking (2 in 120 days → 120 days), with the counts shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from domain.payments.owners import RefundKind
from domain.tourism.errors import RulesInvalid
from domain.tourism.rules import DEFAULT_REFUNDS, NoShowRule, refund_policy, refund_rules, standing

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
