"""Payment jobs: telling the owning module, asking the provider about silent orders, reconciling.

The owner of a purpose (``appointment:42`` → the appointments module) registers what to do when
its order is paid with :func:`owner`; ``payments.paid`` is delivered at least once, so owners are
idempotent (they check their own state first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from datetime import time, timedelta

from domain.outbox.jobs import Job, handler, schedule
from domain.payments import reconciliation, service
from domain.payments.models import OrderState, PaymentOrder
from domain.payments.service import PAID_TOPIC, Providers
from domain.shared import clock

SYNC_TOPIC = "payments.sync_pending"
RECONCILE_TOPIC = "payments.reconcile"
# A pending order with no notification after this long is asked about (WeChat retries its
# notifications for 24 hours; the query covers a notify URL that was unreachable).
QUIET_FOR = timedelta(minutes=2)
CHINA = dt.timezone(dt.timedelta(hours=8))

OwnerHandler = Callable[[PaymentOrder, Job], Awaitable[None]]
_OWNERS: dict[str, OwnerHandler] = {}


def owner(kind: str) -> Callable[[OwnerHandler], OwnerHandler]:
    """Register what module ``kind`` (the part of the purpose before ':') does when paid."""

    def register(fn: OwnerHandler) -> OwnerHandler:
        _OWNERS[kind] = fn
        return fn

    return register


def providers_of(job: Job) -> Providers:
    return Providers(wechat=job.context.adapters.wechatpay, public=job.context.adapters.publicpay)


@handler(PAID_TOPIC)
async def paid(job: Job) -> None:
    order = await PaymentOrder.get_or_none(id=int(job.payload["order_id"]))
    if order is None:
        return
    tell = _OWNERS.get(order.purpose.split(":", 1)[0])
    if tell is not None:
        await tell(order, job)


@handler(SYNC_TOPIC)
async def sync_pending(job: Job) -> None:
    """Orders pending and quiet for a while: ask the provider (each at most once per run)."""
    providers = providers_of(job)
    quiet_since = clock.now() - QUIET_FOR
    for order in await PaymentOrder.filter(state=OrderState.PENDING, updated_at__lt=quiet_since).limit(200):
        await service.sync_with_provider(providers, order)


@handler(RECONCILE_TOPIC)
async def reconcile_yesterday(job: Job) -> None:
    """Yesterday's statement (China date) against our books."""
    yesterday = clock.now().astimezone(CHINA).date() - timedelta(days=1)
    await reconciliation.reconcile(providers_of(job), yesterday)


schedule(SYNC_TOPIC, every=timedelta(minutes=5))
# WeChat Pay's statement of a day is ready from 10:00 the next morning.
schedule(RECONCILE_TOPIC, every=timedelta(days=1), at=time(10, 30))
