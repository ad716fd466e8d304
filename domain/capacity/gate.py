"""The flash-crowd gate: a count of places left per slot in Redis, in front of the database.

When thousands try for a few places, each loser would otherwise wait its turn on the slot's row
lock only to be told the slot is full. The gate answers them from Redis: a taker decrements the
count and goes on to the database only while it stays at zero or above.

It also keeps each resource's availability generation (``views.AvailabilityViews``), bumped
after every change that commits.

The database stays the truth. The count is loaded from the slot's row when missing and lives for
``TTL_SECONDS`` only, so any drift heals by itself; every give-back (release, cancel, expiry,
capacity change) and every refusal by the database deletes it, so that the next taker reloads
it. A gate that says "yes" can still be refused by the database; a gate that says "no" can be
stale for at most its TTL after a place came back, which is the price of not queuing the crowd.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress

from redis.exceptions import RedisError

from domain.shared.kv import Keys, Redis

TTL_SECONDS = 10

# Take one place if the count is loaded; nil when it is not (the caller loads it and asks again).
_TAKE = """
local left = redis.call('GET', KEYS[1])
if not left then return nil end
left = redis.call('DECR', KEYS[1])
if left < 0 then redis.call('INCR', KEYS[1]) end
return left
"""


class Gate:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self._take = redis.register_script(_TAKE)

    def _key(self, slot_id: int) -> str:
        return self.keys.of("capacity", "left", slot_id)

    async def take(self, slot_id: int, load: Callable[[], Awaitable[int | None]]) -> bool:
        """False when the slot is certainly full; True to let the taker try the database.

        ``load`` counts the places left in the database (None: unlimited, never gated).
        """
        key = self._key(slot_id)
        try:
            left = await self._take(keys=[key])
            if left is None:
                loaded = await load()
                if loaded is None:
                    return True
                await self.redis.set(key, max(loaded, 0), nx=True, ex=TTL_SECONDS)
                left = await self._take(keys=[key])
        except RedisError:
            return True  # no gate without Redis: the database still decides, only slower
        return left is None or int(left) >= 0

    def generation_key(self, resource_id: int) -> str:
        return self.keys.of("capacity", "generation", resource_id)

    async def forget(self, slot_id: int, resource_id: int) -> None:
        """After the database gave a place back or refused one: drop the slot's count (the next taker
        reloads it) and make the resource's cached availability stale."""
        with suppress(RedisError):  # if Redis is away, the count expires within TTL_SECONDS anyway
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.delete(self._key(slot_id))
                pipe.incr(self.generation_key(resource_id))
                await pipe.execute()

    async def taken(self, resource_id: int) -> None:
        """After a booking committed: the count is right already, the cached availability is not."""
        with suppress(RedisError):
            await self.redis.incr(self.generation_key(resource_id))
