"""The flash-crowd gate: a count of places left per slot in Redis, in front of the database.

When thousands try for a few places, each loser would otherwise wait its turn on the slot's row
lock only to be told the slot is full. The gate answers them from Redis: a taker decrements the
count and goes on to the database only while it stays at zero or above.

The database stays the truth. The count is loaded from the slot's row (holds that have lapsed
count as free) and is good until ``TTL_SECONDS`` have passed or the slot's next hold lapses,
whichever comes first, so a lapsed hold's place comes back to the crowd on time. Every give-back
(release, cancel, expiry, capacity change) and every refusal by the database drops it, so that the
next taker reloads it. A gate that says "yes" can still be refused by the database; one that says
"no" is at most a few seconds behind a place given back, which is the price of not queuing the
crowd on the row lock.

It also keeps each resource's availability generation (``views.AvailabilityViews``), bumped after
every change that commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from redis.exceptions import RedisError

from domain.shared import clock
from domain.shared.kv import Keys, Redis

TTL_SECONDS = 10

# Take one place while the count is good (ARGV[1] = now); nil when it is missing or stale.
_TAKE = """
local good_until = redis.call('HGET', KEYS[1], 'until')
if not good_until or tonumber(ARGV[1]) >= tonumber(good_until) then return nil end
local left = redis.call('HINCRBY', KEYS[1], 'left', -1)
if left < 0 then redis.call('HINCRBY', KEYS[1], 'left', 1) end
return left
"""
# Store a freshly loaded count unless another taker stored a good one meanwhile.
_LOAD = """
local good_until = redis.call('HGET', KEYS[1], 'until')
if good_until and tonumber(ARGV[1]) < tonumber(good_until) then return 0 end
redis.call('HSET', KEYS[1], 'left', ARGV[2], 'until', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


# Sole writers only (the embedded Redis, which no other process can reach): Redis client →
# {generation key → generation}. Every change goes through a Gate on that client and updates it, so
# a read of availability costs no Redis call at all (as the catalogue's, ``domain.catalog.cache``).
_generations: WeakKeyDictionary[Redis, dict[str, str]] = WeakKeyDictionary()


def generation_key(keys: Keys, resource_id: int) -> str:
    """The Redis key of a resource's availability generation (``views.AvailabilityViews``)."""
    return keys.of("capacity", "generation", resource_id)


@dataclass(frozen=True)
class Loaded:
    """What the database says about a slot: places left (lapsed holds counted as free), and when
    the next active hold lapses. ``left`` None: do not gate (unlimited, or closed)."""

    left: int | None
    next_lapse: dt.datetime | None = None


class Gate:
    def __init__(self, redis: Redis, keys: Keys, *, sole_writer: bool = False) -> None:
        """``sole_writer``: no other process can change this Redis (the embedded one): generations
        are then also kept in this process, by Redis client, so every Gate on it keeps them current."""
        self.redis = redis
        self.keys = keys
        if sole_writer and redis not in _generations:
            _generations[redis] = {}
        self._take = redis.register_script(_TAKE)
        self._load = redis.register_script(_LOAD)

    def _key(self, slot_id: int) -> str:
        return self.keys.of("capacity", "left", slot_id)

    def generation_key(self, resource_id: int) -> str:
        return generation_key(self.keys, resource_id)

    async def take(self, slot_id: int, load: Callable[[], Awaitable[Loaded]]) -> bool:
        """False when the slot is certainly full; True to let the taker try the database."""
        key = self._key(slot_id)
        now = clock.now()
        try:
            left = await self._take(keys=[key], args=[now.timestamp()])
            if left is None:
                loaded = await load()
                if loaded.left is None:
                    return True
                good_until = now + dt.timedelta(seconds=TTL_SECONDS)
                if loaded.next_lapse is not None:
                    good_until = min(good_until, loaded.next_lapse)
                await self._load(
                    keys=[key],
                    args=[now.timestamp(), max(loaded.left, 0), good_until.timestamp(), TTL_SECONDS],
                )
                left = await self._take(keys=[key], args=[now.timestamp()])
        except RedisError:
            return True  # no gate without Redis: the database still decides, only slower
        return left is None or int(left) >= 0

    async def forget(self, slot_id: int, resource_id: int) -> None:
        """After the database gave a place back or refused one: drop the slot's count (the next taker
        reloads it) and make the resource's cached availability stale."""
        with suppress(RedisError):  # if Redis is away, the count expires within TTL_SECONDS anyway
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.delete(self._key(slot_id))
                pipe.incr(self.generation_key(resource_id))
                _deleted, generation = await pipe.execute()
            self.remember_generation(resource_id, generation)

    async def taken(self, resource_id: int) -> None:
        """After a booking committed: the count is right already, the cached availability is not."""
        with suppress(RedisError):
            self.remember_generation(resource_id, await self.redis.incr(self.generation_key(resource_id)))

    def known_generation(self, resource_id: int) -> str | None:
        """The generation kept in this process (sole writers only), else None: ask Redis."""
        local = _generations.get(self.redis)
        return None if local is None else local.get(self.generation_key(resource_id))

    def remember_generation(self, resource_id: int, generation: object) -> None:
        local = _generations.get(self.redis)
        if local is not None:
            local[self.generation_key(resource_id)] = str(generation)
