"""Redis key naming. Every key carries the environment prefix (and a per-test prefix in tests).

On a Redis Cluster a key's hash slot, and so its node, comes from its hash tag (the part between
the first ``{`` and ``}``) or, without one, from the whole key. Keys that one Lua script, MULTI or
multi-key command touches together must share a slot, so they share a tag (``Keys.tagged``); a
pipeline without a transaction may mix slots (the cluster client sends each node its part).
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

__all__ = ["Keys", "Redis", "is_cluster"]


def is_cluster(redis: object) -> bool:
    """Whether this client talks to a Redis Cluster (where keys of several slots never meet in one
    script or transaction)."""
    return isinstance(redis, RedisCluster)


@dataclass(frozen=True)
class Keys:
    prefix: str

    def of(self, *parts: object) -> str:
        return ":".join([self.prefix, *map(str, parts)])

    def tagged(self, namespace: str, tag: object, *parts: object) -> str:
        """``prefix:namespace:{tag}:parts`` — all keys with the same tag land in one cluster slot."""
        return ":".join([self.prefix, namespace, "{" + str(tag) + "}", *map(str, parts)])
