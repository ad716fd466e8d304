"""Redis key naming. Every key carries the environment prefix (and a per-test prefix in tests).

Keys that one Lua script touches together share a hash tag (``{...}``) so the script stays valid
on Redis Cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

__all__ = ["Keys", "Redis"]


@dataclass(frozen=True)
class Keys:
    prefix: str

    def of(self, *parts: object) -> str:
        return ":".join([self.prefix, *map(str, parts)])

    def tagged(self, namespace: str, tag: object, *parts: object) -> str:
        """``prefix:namespace:{tag}:parts`` — all keys with the same tag land in one cluster slot."""
        return ":".join([self.prefix, namespace, "{" + str(tag) + "}", *map(str, parts)])
