"""What every part of payments shares: the providers as wired, order numbers, the order's row lock
and its audit record. No rule of its own lives here."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from adapters.publicpay.port import PublicPayment
from adapters.wechatpay.port import WeChatPay
from domain.audit import service as audit
from domain.payments.errors import PaymentOrderNotFound, PaymentProviderUnavailable
from domain.payments.models import OrderState, PaymentOrder
from domain.shared import clock
from domain.shared.actor import Actor

log = logging.getLogger("palmcity.payments")
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Providers:
    """The payment platforms as wired for this process (``server.bootstrap``)."""

    wechat: WeChatPay | None = None
    public: PublicPayment | None = None


def number(prefix: str) -> str:
    return f"{prefix}{clock.now():%Y%m%d}{secrets.randbelow(10**12):012d}"


def require_wechat(providers: Providers) -> WeChatPay:
    if providers.wechat is None:
        raise PaymentProviderUnavailable()
    return providers.wechat


def require_public(providers: Providers) -> PublicPayment:
    if providers.public is None:
        raise PaymentProviderUnavailable()
    return providers.public


async def locked(conn: BaseDBAsyncClient, **which: Any) -> PaymentOrder:
    """The order (``number=`` or ``id=``), its row locked until ``conn``'s transaction ends."""
    found = await PaymentOrder.filter(**which).using_db(conn).select_for_update().first()
    if found is None:
        raise PaymentOrderNotFound()
    return found


async def record(
    conn: BaseDBAsyncClient,
    order: PaymentOrder,
    action: str,
    before: OrderState | None,
    actor: Actor,
    **extra: Any,
) -> None:
    """The order's audit record of ``action`` (its state before and after, what was paid and given back)."""
    await audit.record(
        actor,
        action,
        target_type="payment_order",
        target_id=order.id,
        before={"state": before.value} if before else None,
        after={
            "state": order.state.value,
            "paid_fen": order.paid_fen,
            "refunded_fen": order.refunded_fen,
            **extra,
        },
        using_db=conn,
    )
