"""The sandbox payment provider: payments live in Redis (every worker sees them) and are paid by
``POST /sandbox/payments/<id>/complete``, which the H5 app's sandbox pay button calls."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Protocol

from redis.asyncio import Redis

from adapters.payments.port import PaymentStart, PaymentState, PaymentUnknown

TTL_SECONDS = 7 * 24 * 3600


class KeyNamer(Protocol):
    """The server's Redis key namer (environment and test prefixes); adapters do not import it."""

    def of(self, *parts: object) -> str: ...


class SandboxPayments:
    def __init__(self, redis: Redis, keys: KeyNamer) -> None:
        self.redis = redis
        self.keys = keys

    def _key(self, payment_id: str) -> str:
        return self.keys.of("sandbox", "payment", payment_id)

    async def start(
        self, *, reference: str, amount_fen: int, description: str, expires_at: dt.datetime
    ) -> PaymentStart:
        payment_id = f"sbx{secrets.token_hex(12)}"
        await self.redis.hset(
            self._key(payment_id),
            mapping={"state": PaymentState.PENDING.value, "reference": reference, "amount_fen": amount_fen},
        )
        await self.redis.expire(self._key(payment_id), TTL_SECONDS)
        return PaymentStart(
            payment_id=payment_id,
            pay_params={"sandbox": True, "complete_url": f"/sandbox/payments/{payment_id}/complete"},
        )

    async def state(self, payment_id: str) -> PaymentState:
        found = await self.redis.hget(self._key(payment_id), "state")
        if found is None:
            raise PaymentUnknown(payment_id)
        return PaymentState(str(found))

    async def complete(self, payment_id: str) -> PaymentState:
        """The payer pays: pending becomes paid; a closed payment stays closed."""
        if await self.state(payment_id) == PaymentState.PENDING:
            await self.redis.hset(self._key(payment_id), "state", PaymentState.PAID.value)
        return await self.state(payment_id)

    async def close(self, payment_id: str) -> None:
        if await self.state(payment_id) == PaymentState.PENDING:
            await self.redis.hset(self._key(payment_id), "state", PaymentState.CLOSED.value)

    async def aclose(self) -> None:
        return None
