"""The sandbox platforms' state in Redis, so that every process of the app sees one platform.

With two workers (or two machines) a sandbox kept in one process's memory answers "no such order"
whenever the pay page, a refund or a usage report reaches another process. So each sandbox record
(an order, a notice, a card) is one JSON value in the app's Redis, under the app's key prefix
(``<prefix>:sandbox:<platform>:...``). Every operation touches one key, so it holds on Redis
Cluster as on one server. A change is read, decided in Python, and written only if the value is
still the one read (a compare-and-set script on that key), else decided again on the new value:
two processes paying one order at once pay it once.

The ports are async and use the app's client. The fakes' test hooks are synchronous (a test's
``fake.pay(number)`` hands back the signed notification at once), so they use a blocking twin of
that client reaching the same server, made on the first such call; the app's own paths never do.
A fake built without a client (a bench, the demo loader) keeps its state in a private embedded
server, i.e. in its process, as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import redis as sync_redis
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.cluster import ClusterNode

T = TypeVar("T")
Record = dict[str, Any]
# What a change decides from the record as it stands (None: there is none): the record to write
# (None: leave it as it is) and what the operation answers.
Decision = tuple[Record | None, T]

# One day: long enough for a payment, its refunds and the next day's reconciliation; afterwards
# the sandbox forgets, as a test environment may.
DAY_SECONDS = 24 * 3600
_MAX_TRIES = 100  # compare-and-set rounds before giving up (only under a storm of writers)

# Write ARGV[2] only if the key still holds ARGV[1] ('' for none); ARGV[3] seconds to live, 0 none.
_COMPARE_AND_SET = """
local seen = redis.call('GET', KEYS[1])
if (seen or '') ~= ARGV[1] then return 0 end
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1
"""
# Append ARGV[1] to the list at KEYS[1] and (re)set its time to live, in one step.
_APPEND = """
redis.call('RPUSH', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1
"""

# Replace the list at KEYS[1] with ARGV[2..] and set its time to live to ARGV[1] (0: none).
_REPLACE = """
redis.call('DEL', KEYS[1])
for i = 2, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
if tonumber(ARGV[1]) > 0 and #ARGV > 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1
"""


class KeyNamer(Protocol):
    """The app's key naming (``domain.shared.kv.Keys``): ``of(*parts)`` under the app's prefix."""

    def of(self, *parts: object) -> str: ...


class _LocalKeys:
    def __init__(self, prefix: str) -> None:
        self._prefix = prefix

    def of(self, *parts: object) -> str:
        return ":".join([self._prefix, *map(str, parts)])


class SandboxStateContended(RuntimeError):
    """A record kept changing under us for every round of compare-and-set."""


def _encode(record: Record) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _decode(raw: str | bytes | None) -> Record | None:
    return json.loads(raw) if raw else None


def _step(raw: str | None, decide: Callable[[Record | None], Decision[T]]) -> tuple[str | None, T]:
    """What to write (None: nothing) and the answer, decided from the stored ``raw``."""
    record, answer = decide(_decode(raw))
    if record is None:
        return None, answer
    written = _encode(record)
    return (None if written == raw else written), answer


class SandboxState:
    """One sandbox platform's records: ``key(*parts)`` names one, under ``<prefix>:sandbox:<platform>``."""

    def __init__(self, platform: str, redis: Redis | None = None, keys: KeyNamer | None = None) -> None:
        if redis is None or keys is None:
            import fakeredis

            redis = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)
            keys = _LocalKeys("local")
        self._redis = redis
        self._keys = keys
        self._platform = platform
        self._twin: sync_redis.Redis | sync_redis.RedisCluster | None = None

    def key(self, *parts: object) -> str:
        return self._keys.of("sandbox", self._platform, *parts)

    # -- the app's paths (async) -----------------------------------------------------------------

    async def read(self, key: str) -> Record | None:
        return _decode(await self._redis.get(key))

    async def text(self, key: str) -> str | None:
        """What ``claim`` left at ``key``."""
        found = await self._redis.get(key)
        return str(found) if found is not None else None

    async def change(
        self, key: str, decide: Callable[[Record | None], Decision[T]], *, ttl: int = DAY_SECONDS
    ) -> T:
        """``decide`` on the record at ``key`` and write what it decided, atomically: if another
        process changed the record meanwhile, ``decide`` runs again on the new value."""
        for _ in range(_MAX_TRIES):
            raw: Any = await self._redis.get(key)
            written, answer = _step(raw, decide)
            if written is None:
                return answer
            if await self._redis.eval(_COMPARE_AND_SET, 1, key, raw or "", written, ttl):
                return answer
        raise SandboxStateContended(key)

    async def claim(self, key: str, value: str, *, ttl: int = DAY_SECONDS) -> str:
        """``value`` stored at ``key`` unless one is there already; the one that stays."""
        found = await self._redis.set(key, value, nx=True, get=True, ex=ttl or None)
        return str(found) if found is not None else value

    async def append(self, key: str, record: Record, *, ttl: int = DAY_SECONDS) -> None:
        await self._redis.eval(_APPEND, 1, key, _encode(record), ttl)

    async def listed(self, key: str) -> list[Record]:
        return [json.loads(raw) for raw in await self._redis.lrange(key, 0, -1)]

    # -- the test hooks (blocking, through the twin) ---------------------------------------------

    def read_now(self, key: str) -> Record | None:
        return _decode(self._blocking().get(key))

    def text_now(self, key: str) -> str | None:
        found = self._blocking().get(key)
        return str(found) if found is not None else None

    def change_now(
        self, key: str, decide: Callable[[Record | None], Decision[T]], *, ttl: int = DAY_SECONDS
    ) -> T:
        twin = self._blocking()
        for _ in range(_MAX_TRIES):
            raw: Any = twin.get(key)
            written, answer = _step(raw, decide)
            if written is None or twin.eval(_COMPARE_AND_SET, 1, key, raw or "", written, ttl):
                return answer
        raise SandboxStateContended(key)

    def append_now(self, key: str, record: Record, *, ttl: int = DAY_SECONDS) -> None:
        self._blocking().eval(_APPEND, 1, key, _encode(record), ttl)

    def replace_now(self, key: str, records: list[Record], *, ttl: int = DAY_SECONDS) -> None:
        """The list at ``key`` made ``records`` (a test rewriting what a platform says)."""
        self._blocking().eval(_REPLACE, 1, key, ttl, *map(_encode, records))

    def listed_now(self, key: str) -> list[Record]:
        raws: Any = self._blocking().lrange(key, 0, -1)
        return [json.loads(raw) for raw in raws]

    def close(self) -> None:
        """Let go of the twin's connections (the app's client is the app's to close)."""
        if self._twin is not None:
            self._twin.close()
            self._twin = None

    def _blocking(self) -> sync_redis.Redis | sync_redis.RedisCluster:
        if self._twin is None:
            self._twin = blocking_twin(self._redis)
        return self._twin


def blocking_twin(client: Redis | RedisCluster) -> sync_redis.Redis | sync_redis.RedisCluster:
    """A blocking client of the server (or cluster) ``client`` reaches, for the tests' hooks."""
    if isinstance(client, RedisCluster):
        nodes = client.get_nodes()
        auth = nodes[0].connection_kwargs if nodes else {}
        return sync_redis.RedisCluster(
            startup_nodes=[ClusterNode(n.host, n.port) for n in nodes],  # type: ignore[no-untyped-call]
            username=auth.get("username"),
            password=auth.get("password"),
            decode_responses=True,
        )
    given = client.connection_pool.connection_kwargs
    if "server" in given:  # the embedded fakeredis: the same in-process server
        import fakeredis

        return fakeredis.FakeRedis(server=given["server"], decode_responses=True)
    wanted = ("host", "port", "db", "username", "password", "socket_timeout")
    options = {name: given[name] for name in wanted if name in given}
    if "path" in given:  # a unix socket
        options["unix_socket_path"] = given["path"]
    if any(name.startswith("ssl") for name in given):
        options.update({name: value for name, value in given.items() if name.startswith("ssl")}, ssl=True)
    return sync_redis.Redis(**options, decode_responses=True)
