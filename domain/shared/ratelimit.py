"""Sliding-window rate limits: at most ``limit`` requests in any ``window`` seconds.

Two implementations with the same semantics and the same ``hit`` interface:

* ``RateLimiter`` on Redis, for a Redis server shared by several workers. Each bucket is one
  sorted set of request timestamps, trimmed and counted by one Lua script, so the check-and-record
  is atomic across workers. The script touches a single key, which keeps it valid on Redis Cluster.
  ``hit_all`` counts one request in several buckets (an IP's and a user's) as ``hit`` on each in
  turn would, stopping at the first refusal. On one Redis server that is one script call over all
  the buckets; on a Redis Cluster the buckets are different identities in different hash slots
  (no tag could join every IP with every user), so it is ``hit`` bucket after bucket: each
  bucket's check-and-record stays atomic, hence each bucket's limit exact, but another request
  may be counted between two buckets' checks, which no limit can observe.
* ``LocalRateLimiter`` in this process's memory, for the embedded default (``memory://``), which
  is one process by construction: the same sliding log of timestamps, without running the Lua
  script through the in-process Redis stand-in, which costs about 1 ms per call.

In both, refused requests are not recorded: a client that keeps hammering is let through again
as soon as its oldest counted request leaves the window, and ``retry_after`` says when that is.
"""

from __future__ import annotations

import bisect
import math
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from redis.exceptions import NoScriptError

from domain.shared import clock
from domain.shared.kv import Keys, Redis, is_cluster

# KEYS: 1 the bucket. ARGV: 1 now (ms), 2 window (ms), 3 limit, 4 a unique member for this request.
# Returns {allowed (1|0), remaining, retry after (ms)}.
_SLIDING_WINDOW = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, limit - count - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, 0, tonumber(oldest[2]) + window - now}
"""


# KEYS: the buckets, in the order they are checked. ARGV: 1 now (ms), 2 window (ms), 3 a unique
# member for this request, then each bucket's limit. The sliding window above, bucket after bucket,
# stopping at the first that refuses: the buckets before it have counted the request, it and those
# after it have not. Returns {refusing bucket's number (0: none), remaining in the last bucket
# checked, retry after (ms)}.
_SLIDING_WINDOWS = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local remaining = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[3 + i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return {i, 0, tonumber(oldest[2]) + window - now}
  end
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
  remaining = limit - count - 1
end
return {0, remaining, 0}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: int  # whole seconds until a request would be allowed; 0 when allowed


class Limiter(Protocol):
    async def hit(self, bucket: str, subject: str, *, limit: int, window: int = 60) -> Decision:
        """Count one request by ``subject`` (an ip, a user) in ``bucket``; say whether it may go ahead."""
        ...


def _now_ms() -> int:
    return int(clock.now().timestamp() * 1000)


def _decision(allowed: bool, remaining: int, retry_ms: int) -> Decision:
    return Decision(allowed, remaining, 0 if allowed else max(1, math.ceil(retry_ms / 1000)))


class RateLimiter:
    """On Redis: one per worker, stateless apart from Redis, shared limits across workers."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self._keys = keys
        self._script = redis.register_script(_SLIDING_WINDOW)
        self._scripts = redis.register_script(_SLIDING_WINDOWS)
        self._one_slot_per_script = is_cluster(redis)

    async def hit(self, bucket: str, subject: str, *, limit: int, window: int = 60) -> Decision:
        now_ms = _now_ms()
        allowed, remaining, retry_ms = await self._script(
            keys=[self._key(bucket, subject)], args=self._args(now_ms, limit, window)
        )
        return _decision(bool(allowed), int(remaining), int(retry_ms))

    async def hit_and_read(
        self, bucket: str, subject: str, *, limit: int, window: int = 60, reads: Sequence[str] = ()
    ) -> tuple[Decision, list[str | None]]:
        """``hit``, and GET ``reads`` in the same round trip (a pipeline, not a transaction).

        For a request that will read those keys first thing: the values are what a GET right
        after the check would have seen, give or take a concurrent write, which a request
        racing an edit may see either way. The keys need not share the bucket's hash slot.
        """
        now_ms = _now_ms()
        key, args = self._key(bucket, subject), self._args(now_ms, limit, window)
        results = await self._pipelined(self._script.sha, _SLIDING_WINDOW, [key], args, reads)
        allowed, remaining, retry_ms = results[0]
        return _decision(bool(allowed), int(remaining), int(retry_ms)), list(results[1:])

    async def hit_all(
        self, hits: Sequence[tuple[str, str, int]], *, window: int = 60, reads: Sequence[str] = ()
    ) -> tuple[int | None, Decision, list[str | None]]:
        """Count one request in each (bucket, subject, limit) of ``hits`` in turn, as ``hit`` on each
        would, until one refuses; one script call, and with ``reads`` one round trip as
        ``hit_and_read``. Returns the index in ``hits`` of the bucket that refused (None: all
        allowed), its decision (or the last bucket's), and the values read."""
        if self._one_slot_per_script and len(hits) > 1:
            return await self._hit_each(hits, window=window, reads=reads)
        now_ms = _now_ms()
        keys = [self._key(bucket, subject) for bucket, subject, _ in hits]
        args: list[int | str] = [now_ms, window * 1000, f"{now_ms}-{uuid.uuid4().hex}"]
        args += [limit for _, _, limit in hits]
        if reads:
            results = await self._pipelined(self._scripts.sha, _SLIDING_WINDOWS, keys, args, reads)
        else:
            results = [await self._scripts(keys=keys, args=args)]
        refused, remaining, retry_ms = results[0]
        decision = _decision(not refused, int(remaining), int(retry_ms))
        return (int(refused) - 1 if refused else None), decision, list(results[1:])

    async def _hit_each(
        self, hits: Sequence[tuple[str, str, int]], *, window: int, reads: Sequence[str]
    ) -> tuple[int | None, Decision, list[str | None]]:
        """``hit_all`` on a Redis Cluster: the buckets one by one, the reads with the first."""
        values: list[str | None] = []
        decision = Decision(True, 0, 0)
        for index, (bucket, subject, limit) in enumerate(hits):
            if index == 0:
                decision, values = await self.hit_and_read(
                    bucket, subject, limit=limit, window=window, reads=reads
                )
            else:
                decision = await self.hit(bucket, subject, limit=limit, window=window)
            if not decision.allowed:
                return index, decision, values
        return None, decision, values

    async def _pipelined(
        self, sha: str, script: str, keys: Sequence[str], args: Sequence[int | str], reads: Sequence[str]
    ) -> list[Any]:
        """EVALSHA and GET ``reads`` in one round trip (a pipeline, not a transaction; on a Redis
        Cluster each node gets its part of it)."""
        for attempt in (1, 2):
            async with self.redis.pipeline(transaction=False) as pipe:
                # Queued by name: a cluster pipeline's ``evalsha`` method refuses, as redis-py cannot
                # know which node a script needs; EVALSHA's first key names the node here.
                pipe.execute_command("EVALSHA", sha, len(keys), *keys, *args)
                for read in reads:
                    pipe.get(read)
                results = await pipe.execute(raise_on_error=False)
            if isinstance(results[0], NoScriptError) and attempt == 1:
                await self.redis.script_load(script)  # Redis restarted or flushed its scripts
                continue
            for result in results:
                if isinstance(result, Exception):
                    raise result
            break
        return list(results)

    def _key(self, bucket: str, subject: str) -> str:
        return self._keys.tagged("ratelimit", f"{bucket}:{subject}")

    @staticmethod
    def _args(now_ms: int, limit: int, window: int) -> list[int | str]:
        # The last argument is a member unique to this request: two in one millisecond both count.
        return [now_ms, window * 1000, limit, f"{now_ms}-{uuid.uuid4().hex}"]


class LocalRateLimiter:
    """In this process: for the embedded default only, where this process is the only worker.

    The same sliding log as the Lua script (a request counts for ``window`` seconds from the
    millisecond it was allowed), kept as a deque of timestamps per bucket. Buckets whose last
    request has left its window are dropped on a sweep once per ``SWEEP_EVERY`` hits, which
    plays the part of the Redis key's expiry.
    """

    SWEEP_EVERY = 10_000

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[int, deque[int]]] = {}  # key → (window ms, timestamps)
        self._hits = 0

    async def hit(self, bucket: str, subject: str, *, limit: int, window: int = 60) -> Decision:
        return self.hit_now(bucket, subject, limit=limit, window=window)

    def hit_now(self, bucket: str, subject: str, *, limit: int, window: int = 60) -> Decision:
        """``hit`` without a coroutine: nothing here waits."""
        now = _now_ms()
        window_ms = window * 1000
        self._hits += 1
        if self._hits >= self.SWEEP_EVERY:
            self._sweep(now)
        key = f"{bucket}:{subject}"
        entry = self._buckets.get(key)
        if entry is None or entry[0] != window_ms:
            entry = self._buckets[key] = (window_ms, deque())
        stamps = entry[1]
        horizon = now - window_ms
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        count = len(stamps)
        if count < limit:
            if not stamps or now >= stamps[-1]:
                stamps.append(now)
            else:  # the clock went back (tests shift it): keep the log ordered, as a sorted set is
                bisect.insort(stamps, now)
            return Decision(True, limit - count - 1, 0)
        return _decision(False, 0, stamps[0] + window_ms - now)

    def _sweep(self, now: int) -> None:
        self._hits = 0
        stale = [k for k, (w, stamps) in self._buckets.items() if not stamps or stamps[-1] <= now - w]
        for key in stale:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)
