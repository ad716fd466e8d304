"""The Redis cache of the public catalogue reads, invalidated by a generation counter.

Why a cache: the catalogue is read on nearly every visit to the app (home page, search, an item's
guide) and changes a few times a day, and a search is a substring scan that grows with the
catalogue; served from Redis, a read costs the same for 100 items as for 10,000 (bench/catalog.py).

Why a generation counter: every cached view's key embeds the current generation, and every edit
bumps it after its transaction commits. All views go stale at once without listing or deleting
keys (there is one per query string and locale), the old ones expire by their TTL, and a reader
that raced an edit can only have filled a key of the old generation, which no one reads again.

Each worker also keeps the last views it served in memory, under the same generation-bearing
keys: a hit then costs one Redis read (the generation) instead of two, and is still never stale.
A generation that Redis lost (a restart) starts again from a fresh random number, not from 0, so
that views a worker remembers from an earlier life cannot come back.

With the embedded Redis (``sole_writer=True``) this process is the only one that can reach the
generation, so it keeps the generation in memory too, keyed by the Redis client: every edit goes
through ``invalidate`` here and updates it, and a hit costs no Redis call at all. With a Redis
server, other workers edit too, and the generation is read from Redis on every request.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any
from weakref import WeakKeyDictionary

from redis.exceptions import RedisError

from domain.shared.kv import Keys, Redis

log = logging.getLogger("palmcity.catalog")

VIEW_TTL_SECONDS = 600
LOCAL_VIEWS = 512  # per worker; an item's view is a few kB

# Full Redis key (prefix, generation, view, parameters) → JSON text, least recently used first.
_local: OrderedDict[str, str] = OrderedDict()
# (view name, *parameters) → digest of the parameters.
_digests: dict[Any, str] = {}
# For sole writers only: Redis client → {generation key → generation}.
_generations: WeakKeyDictionary[Redis, dict[str, str]] = WeakKeyDictionary()


class CatalogCache:
    def __init__(
        self, redis: Redis, keys: Keys, *, sole_writer: bool = False, generation: str | None = None
    ) -> None:
        """``sole_writer``: no other process can change this Redis (the embedded one).
        ``generation``: the generation as this request already read it from Redis (in the same
        round trip as its rate limit); ``None`` reads it here."""
        self.redis = redis
        self.keys = keys
        self.sole_writer = sole_writer
        self._read_generation = generation

    @staticmethod
    def generation_key(keys: Keys) -> str:
        return keys.of("catalog", "generation")

    @property
    def _generation_key(self) -> str:
        return self.generation_key(self.keys)

    async def view(self, name: str, params: dict[str, Any], build: Callable[[], Awaitable[Any]]) -> str:
        """The JSON text of view ``name`` for ``params``: from Redis, or built and stored."""
        digest = _digest(name, params)
        key: str | None = None
        try:
            key = self.keys.of("catalog", "view", await self._generation(), name, digest)
            remembered = _local.get(key)
            if remembered is not None:
                _local.move_to_end(key)
                return remembered
            hit = await self.redis.get(key)
            if hit is not None:
                return _remember(key, hit if isinstance(hit, str) else hit.decode())
        except RedisError as exc:
            # The cache only saves work: without Redis the catalogue is still read from the database.
            log.warning("catalogue cache unavailable", extra={"error": repr(exc)})
        text = json.dumps(await build(), ensure_ascii=False, separators=(",", ":"))
        if key is not None:
            try:
                await self.redis.set(key, text, ex=VIEW_TTL_SECONDS)
            except RedisError as exc:
                log.warning("catalogue cache unavailable", extra={"error": repr(exc)})
            _remember(key, text)
        return text

    async def _generation(self) -> str:
        key = self._generation_key
        known = _generations.get(self.redis) if self.sole_writer else None
        if known is not None and key in known:
            return known[key]
        if self._read_generation is not None:
            return self._read_generation
        generation = await self.redis.get(key)
        if generation is None:
            await self.redis.set(key, secrets.randbelow(2**62), nx=True)
            generation = await self.redis.get(key)
        text = generation.decode() if isinstance(generation, bytes) else str(generation)
        if self.sole_writer:
            # Never over an entry that an `invalidate` racing this read has just written.
            text = _generations.setdefault(self.redis, {}).setdefault(key, text)
        return text

    async def invalidate(self) -> None:
        """Make every cached view stale; call after the edit's transaction has committed."""
        key = self._generation_key
        try:
            generation = await self.redis.incr(key)
            if self.sole_writer:
                _generations.setdefault(self.redis, {})[key] = str(generation)
        except RedisError as exc:
            # The edit is committed; views may lag by at most VIEW_TTL_SECONDS. Say so loudly.
            log.error("catalogue cache not invalidated", extra={"error": repr(exc)})


def _digest(name: str, params: dict[str, Any]) -> str:
    """A short stable name for ``params``; remembered, since the same few queries come again and again."""
    try:
        memo_key: Any = (name, *params.items())
        known = _digests.get(memo_key)
    except TypeError:  # a value that cannot be a dict key (a list): just compute it
        memo_key, known = None, None
    if known is not None:
        return known
    digest = hashlib.blake2b(
        json.dumps(params, sort_keys=True, ensure_ascii=False).encode(), digest_size=12
    ).hexdigest()
    if memo_key is not None:
        if len(_digests) >= LOCAL_VIEWS * 4:
            _digests.clear()
        _digests[memo_key] = digest
    return digest


def _remember(key: str, text: str) -> str:
    _local[key] = text
    if len(_local) > LOCAL_VIEWS:
        _local.popitem(last=False)
    return text
