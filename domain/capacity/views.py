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
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextlib import suppress

from redis.exceptions import RedisError

from domain.capacity.gate import Gate
from domain.shared import clock

VIEW_TTL_SECONDS = 120  # a view's key changes every minute anyway
LOCAL_VIEWS = 256  # per worker

# Full key (prefix, resource, day, generation, minute) → JSON text, least recently used first. A
# worker serves a view it built or fetched under the same key without asking Redis for it again:
# the key names everything the view depends on.
_local: OrderedDict[str, str] = OrderedDict()


class AvailabilityViews:
    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    async def day(
        self,
        resource_id: int,
        day: dt.date,
        build: Callable[[], Awaitable[object]],
        *,
        generation: str | None = None,
    ) -> str:
        """The JSON text of ``build()`` for (resource, day), from the cache when it is current.

        ``generation``: the resource's generation as the caller just read it from Redis (with the
        rate limit, see ``server.guards``), to save asking again; None to read it here.
        """
        redis, keys = self.gate.redis, self.gate.keys
        if generation is None:
            try:
                generation = await self._generation(resource_id)
            except RedisError:
                return _encode(await build())  # no cache without Redis: the database answers
        # The minute is in the key too: slots start on the minute, and a slot that has begun is no
        # longer bookable, so a view is never older than the minute it is read in.
        minute = clock.now().strftime("%Y%m%d%H%M")
        key = keys.of("capacity", "view", resource_id, day.isoformat(), generation, minute)
        text = _local.get(key)
        if text is None:
            with suppress(RedisError):
                stored = await redis.get(key)
                text = None if stored is None else str(stored)
            if text is None:
                text = _encode(await build())
                with suppress(RedisError):
                    await redis.set(key, text, ex=VIEW_TTL_SECONDS)
            _remember(key, str(text))
        return str(text)

    async def _generation(self, resource_id: int) -> str:
        known = self.gate.known_generation(resource_id)
        if known is not None:
            return known
        key = self.gate.generation_key(resource_id)
        found = await self.gate.redis.get(key)
        if found is None:
            # Lost (a Redis restart) or never set: start from a random number, not 0, so that views
            # a worker remembers from before can never be taken for current ones.
            await self.gate.redis.set(key, secrets.randbelow(2**62), nx=True)
            found = await self.gate.redis.get(key)
        self.gate.remember_generation(resource_id, found)
        return str(found)


def _remember(key: str, text: str) -> None:
    _local[key] = text
    _local.move_to_end(key)
    while len(_local) > LOCAL_VIEWS:
        _local.popitem(last=False)


def _encode(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
