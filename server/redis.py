"""The Redis client for this worker: a real server, or the embedded in-process stand-in.

The stand-in is fakeredis with Lua (lupa), so scripts, TTLs and transactions behave as on a
server. It only serves one process, which is why the embedded default runs a single worker.
"""

from __future__ import annotations

from redis.asyncio import Redis

from server.settings import Settings


def connect(settings: Settings) -> Redis:
    if settings.uses_embedded_redis:
        import fakeredis

        # A server of its own per app: the in-process worker shares it through the app's runtime.
        return fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)
    return Redis.from_url(settings.redis_url, decode_responses=True, health_check_interval=30)
