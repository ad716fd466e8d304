"""Daily reconciliation: the provider's statement against our orders and refunds, line by line.

Every mismatch becomes a ``ReconciliationException`` for finance staff: ``missing`` (on the
statement, not in our books), ``extra`` (in our books, not on the statement), ``amount_differs``
and ``state_differs``. A run records its progress; rerunning a day updates its exceptions in place
(unique per day, provider, kind and reference) and closes none that finance has not resolved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.audit import service as audit
from domain.payments.common import Providers, require_wechat
from domain.payments.errors import ReconciliationExceptionNotFound
from domain.payments.models import (
    MismatchKind,
    PaymentOrder,
    Provider,
    ReconciliationException,
    ReconciliationRun,
    Refund,
    RefundState,
    RunState,
)
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff.roles import Role, authorize


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The China day in UTC, as instants are stored (SQLite compares them as text)."""
    start = clock.china_midnight(day)
    return start, start + dt.timedelta(days=1)


async def reconcile(providers: Providers, day: dt.date, actor: Actor | None = None) -> ReconciliationRun:
    """Match ``day``'s WeChat Pay statement with our books (the daily job, or finance's rerun)."""
    if actor is not None and actor.kind != "system":
        authorize(actor, Role.FINANCE)
    wechat = require_wechat(providers)
    run = await ReconciliationRun.create(
        day=day, provider=Provider.WECHAT, state=RunState.RUNNING, started_at=clock.now()
    )
    try:
        lines = await wechat.statement(day)
    except Exception:
        run.state, run.finished_at = RunState.FAILED, clock.now()
        await run.save(update_fields=["state", "finished_at"])
        raise
    start, end = _bounds(day)
    ours: dict[str, dict[str, Any]] = {}
    # Filed under the day the provider took (or gave back) the money, as its statement is, not the
    # day its notification reached us: a payment at 23:59 notified at 00:01 is the earlier day's.
    paid_then = PaymentOrder.filter(
        provider=Provider.WECHAT, provider_success_at__gte=start, provider_success_at__lt=end
    )
    for order in await paid_then:
        ours[f"payment:{order.number}"] = {"amount_fen": order.paid_fen, "state": order.state.value,
                                           "late_payment": order.late_payment}  # fmt: skip
    # WeChat Pay's refunds only: a government fee's 退付 (recorded by finance) is not on its statement.
    for refund in await Refund.filter(
        state=RefundState.SUCCEEDED,
        order__provider=Provider.WECHAT,
        provider_success_at__gte=start,
        provider_success_at__lt=end,
    ):
        ours[f"refund:{refund.number}"] = {"amount_fen": refund.amount_fen, "state": refund.state.value}
    theirs: dict[str, dict[str, Any]] = {}
    for line in lines:
        reference = line.out_refund_no if line.kind == "refund" else line.out_trade_no
        theirs[f"{line.kind}:{reference}"] = {"amount_fen": line.amount_fen, "state": line.state,
                                               "transaction_id": line.transaction_id}  # fmt: skip
    found: list[Mismatch] = []
    for key in sorted(set(ours) | set(theirs)):
        mismatch = await _compare(key, ours.get(key), theirs.get(key))
        if mismatch is None:
            run.matched += 1
        else:
            found.append(mismatch)
    for kind, key, mine, provider_side in found:
        await ReconciliationException.update_or_create(
            defaults={"ours": mine, "theirs": provider_side, "run_id": run.id},
            day=day,
            provider=Provider.WECHAT,
            kind=kind,
            reference=key.split(":", 1)[1],
        )
    run.lines, run.exceptions = len(lines), len(found)
    run.state, run.finished_at = RunState.DONE, clock.now()
    await run.save()
    await audit.record(
        actor or Actor.system(),
        "payments.reconciled",
        target_type="reconciliation_run",
        target_id=run.id,
        after={
            "day": day.isoformat(),
            "lines": run.lines,
            "matched": run.matched,
            "exceptions": run.exceptions,
        },
    )
    return run


Mismatch = tuple[MismatchKind, str, dict[str, Any] | None, dict[str, Any] | None]


async def _compare(key: str, mine: dict[str, Any] | None, theirs: dict[str, Any] | None) -> Mismatch | None:
    if mine is None:
        known = await _known(key)
        if known is None:
            return (MismatchKind.MISSING, key, None, theirs)  # money we know nothing of
        # We know the order but not as paid (or refunded) that day: a lost notification.
        return (MismatchKind.STATE_DIFFERS, key, known, theirs)
    if theirs is None:
        return (MismatchKind.EXTRA, key, mine, None)
    if mine["amount_fen"] != theirs["amount_fen"]:
        return (MismatchKind.AMOUNT_DIFFERS, key, mine, theirs)
    return None


async def _known(key: str) -> dict[str, Any] | None:
    kind, reference = key.split(":", 1)
    if kind == "payment":
        order = await PaymentOrder.get_or_none(number=reference)
        return {"amount_fen": order.paid_fen, "state": order.state.value} if order else None
    refund = await Refund.get_or_none(number=reference)
    return {"amount_fen": refund.amount_fen, "state": refund.state.value} if refund else None


async def exceptions(actor: Actor, *, unresolved_only: bool = True) -> list[ReconciliationException]:
    """The queue finance staff work through (all providers; payments are per merchant below)."""
    authorize(actor, Role.FINANCE)
    # Statements are per provider account, not per department: finance sees every mismatch.
    query = ReconciliationException.all()
    if unresolved_only:
        query = query.filter(resolved=False)
    return await query.order_by("-day", "id").limit(200)


async def resolve(actor: Actor, exception_id: int, *, note: str) -> ReconciliationException:
    authorize(actor, Role.FINANCE)
    found = await ReconciliationException.get_or_none(id=exception_id) if 0 < exception_id < 2**63 else None
    if found is None:
        raise ReconciliationExceptionNotFound()
    found.resolved, found.resolved_by, found.note = True, actor.id, note[:200]
    await found.save(update_fields=["resolved", "resolved_by", "note"])
    await audit.record(
        actor, "payments.mismatch_resolved", target_type="reconciliation_exception", target_id=found.id,
        after={"note": found.note},
    )  # fmt: skip
    return found
