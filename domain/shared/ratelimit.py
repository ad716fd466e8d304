"""A sliding-window rate limiter on Redis: at most ``limit`` requests in any ``window`` seconds.

Each bucket is one sorted set of request timestamps, trimmed and counted by one Lua script, so
the check-and-record is atomic across workers. The script touches a single key, which keeps it
valid on Redis Cluster. Refused requests are not recorded: a client that keeps hammering is let
through again as soon as its oldest counted request leaves the window.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from domain.shared import clock
from domain.shared.kv import Keys, Redis

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


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: int  # whole seconds until a request would be allowed; 0 when allowed


class RateLimiter:
    """One per worker; stateless apart from Redis."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self._keys = keys
        self._script = redis.register_script(_SLIDING_WINDOW)

    async def hit(self, bucket: str, subject: str, *, limit: int, window: int = 60) -> Decision:
        """Count one request by ``subject`` (an ip, a user) in ``bucket``; say whether it may go ahead."""
        now_ms = int(clock.now().timestamp() * 1000)
        allowed, remaining, retry_ms = await self._script(
            keys=[self._keys.tagged("ratelimit", f"{bucket}:{subject}")],
            args=[now_ms, window * 1000, limit, f"{now_ms}-{uuid.uuid4().hex}"],
        )
        retry_after = 0 if allowed else max(1, math.ceil(int(retry_ms) / 1000))
        return Decision(bool(allowed), int(remaining), retry_after)
