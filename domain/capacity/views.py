"""Cached availability: a resource's slots of one day as finished JSON text in Redis.

Availability is read far more often than it changes (every visit to a booking page, every
refresh of a popular day), so it is served from Redis, under a key that embeds the resource's
generation. Every committed change bumps the generation (``Gate.forget`` / ``Gate.taken``), so a
reader never gets a view older than the last change it could have seen, without listing or
deleting keys; a reader that raced a change can only have filled a key of the old generation,
which nobody reads again. The old views expire by their TTL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from contextlib import suppress

from redis.exceptions import RedisError

from domain.capacity.gate import Gate
from domain.shared import clock

VIEW_TTL_SECONDS = 120  # a view's key changes every minute anyway


class AvailabilityViews:
    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    async def day(self, resource_id: int, day: dt.date, build: Callable[[], Awaitable[object]]) -> str:
        """The JSON text of ``build()`` for (resource, day), from the cache when it is current."""
        redis, keys = self.gate.redis, self.gate.keys
        try:
            generation = await redis.get(self.gate.generation_key(resource_id)) or "0"
            # The minute is in the key too: slots start on the minute, and a slot that has begun is no
            # longer bookable, so a view is never older than the minute it is read in.
            minute = clock.now().strftime("%Y%m%d%H%M")
            key = keys.of("capacity", "view", resource_id, day.isoformat(), generation, minute)
            cached = await redis.get(key)
        except RedisError:
            return _encode(await build())  # no cache without Redis: the database answers
        if cached is not None:
            return str(cached)
        text = _encode(await build())
        with suppress(RedisError):
            await redis.set(key, text, ex=VIEW_TTL_SECONDS)
        return text


def _encode(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
