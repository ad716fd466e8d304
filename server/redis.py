"""The Redis client for this process, chosen by ``PALMCITY_REDIS_URL``:

* ``memory://`` — the embedded in-process stand-in: fakeredis with Lua (lupa), so scripts, TTLs
  and transactions behave as on a server. It only serves one process, which is why the embedded
  default runs a single worker.
* ``redis://host:port/db`` (``rediss://`` with TLS, ``unix://``) — one Redis server.
* ``redis+cluster://host:port`` (``rediss+cluster://``) — a Redis Cluster, through redis-py's
  ``RedisCluster``: the URL names one seed node, the client learns the others from it.
* ``redis+sentinel://[[user]:password@]host:26379[,host2:26379...]/<service>[/db]``
  (``rediss+sentinel://``) — a primary and its replicas watched by Redis Sentinel, through
  redis-py's ``redis.asyncio.sentinel.Sentinel(...).master_for(service)``: every new connection
  asks the sentinels where the primary is now, so a failover is followed without a restart.
  redis-py has no URL for Sentinel; this is the convention of the Redis-Sentinel-Url package (and
  Prefect's ``redis+sentinel://``): the password is the data nodes', the query's ``sentinel_*``
  options are for the sentinels themselves (``sentinel_password``, ``sentinel_username``, ...),
  every other option is redis-py's for the data nodes. With ``rediss+sentinel://`` both the data
  nodes and the sentinels are reached over TLS, sharing the ``ssl_*`` options.

Every real client retries a command that met a broken or timed-out connection, on a fresh
connection, with exponential backoff, and pings a connection idle for longer than
``HEALTH_CHECK_SECONDS`` before using it. That is what lets the app outlive a Redis restart: every
pooled connection is dead once Redis is back, and without a retry each of them failed one request.
``Redis.from_url`` builds its own pool, whose connections get no retry unless one is passed (the
client's default retry only reaches pools the client builds from keyword arguments).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterPipeline, RedisCluster
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool, SentinelManagedSSLConnection
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, RedisClusterException, TimeoutError
from redis.typing import EncodableT

from server.settings import Settings

# A command is tried at most 1 + RETRIES times, waiting 0.1, 0.2 then 0.4 s between tries: long
# enough to ride over a dropped connection or a failover's first second, short enough that a
# request during an outage fails (and is answered 503) in well under a second.
RETRIES = 3
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 0.5
HEALTH_CHECK_SECONDS = 30
# redis-py waits forever by default; a Redis that stopped answering must not hang a request.
SOCKET_TIMEOUT_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 2.0

# Connections a cluster client may open to each node. redis-py's default of 100 fails every
# concurrent command past the 100th at once (MaxConnectionsError: 26 of a burst of 300 spread
# over three nodes); this is the server's own default ``maxclients``.
CLUSTER_MAX_CONNECTIONS_PER_NODE = 10_000
# A single server's pool: redis-py 8 also caps it at 100 and fails the 101st command at once (a
# flash sale of 200 clients got 500s, bench/tickets.py). This pool makes a command past the bound
# wait for a connection, at most POOL_WAIT_SECONDS (then ConnectionError: 503 redis_unavailable).
MAX_CONNECTIONS = 1_000
POOL_WAIT_SECONDS = 5.0
# The embedded stand-in answers in-process: only the bound matters.
EMBEDDED_MAX_CONNECTIONS = 10_000

CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}
SENTINEL_SCHEMES = {"redis+sentinel": "redis", "rediss+sentinel": "rediss"}
SENTINEL_PORT = 26379
# Query options with this prefix are for the connections to the sentinels (prefix removed).
SENTINEL_OPTION_PREFIX = "sentinel_"


def client_options() -> dict[str, Any]:
    """How every real client is built: the app's, the worker's and the taskiq broker's.
    Options in the URL's query string win over these."""
    return {
        "retry": Retry(ExponentialBackoff(cap=BACKOFF_CAP_SECONDS, base=BACKOFF_BASE_SECONDS), RETRIES),
        "retry_on_error": [ConnectionError, TimeoutError],
        "health_check_interval": HEALTH_CHECK_SECONDS,
        "socket_timeout": SOCKET_TIMEOUT_SECONDS,
        "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "socket_keepalive": True,
    }


def pool_options() -> dict[str, Any]:
    """A single server's pool (a primary found through Sentinel too): bounded, waiting for a free
    connection rather than failing at once, with ``client_options()``."""
    return {"max_connections": MAX_CONNECTIONS, "timeout": POOL_WAIT_SECONDS, **client_options()}


def redis_py_url(url: str) -> str:
    """The URL as redis-py reads it: a cluster URL's scheme without ``+cluster``."""
    scheme, sep, rest = url.partition("://")
    return CLUSTER_SCHEMES.get(scheme, scheme) + sep + rest


def connect(settings: Settings) -> Redis:
    if settings.uses_embedded_redis:
        import fakeredis

        # A server of its own per app: the in-process worker shares it through the app's runtime.
        return fakeredis.FakeAsyncRedis(
            server=fakeredis.FakeServer(), decode_responses=True, max_connections=EMBEDDED_MAX_CONNECTIONS
        )
    if settings.uses_redis_cluster:
        cluster = ClusterClient.from_url(
            redis_py_url(settings.redis_url),
            decode_responses=True,
            max_connections=CLUSTER_MAX_CONNECTIONS_PER_NODE,
            **client_options(),
        )
        # The code is typed against ``Redis``; the cluster client answers every command it uses the
        # same way (the cluster stage, ``make test-cluster``, runs the Redis-dependent tests on it).
        return cast(Redis, cluster)
    if settings.uses_redis_sentinel:
        target = parse_sentinel_url(settings.redis_url)
        sentinel = Sentinel(  # type: ignore[no-untyped-call]  # redis-py's sentinel module is untyped
            target.sentinels, sentinel_kwargs={**client_options(), **target.sentinel}
        )
        client = sentinel.master_for(
            target.service_name,
            redis_class=SentinelClient,
            connection_pool_class=BlockingSentinelConnectionPool,
            decode_responses=True,
            **{**pool_options(), **target.connection},
        )
        return cast(Redis, client)
    pool = BlockingConnectionPool.from_url(settings.redis_url, decode_responses=True, **pool_options())
    return Redis.from_pool(pool)


@dataclass(frozen=True)
class SentinelTarget:
    """What a ``redis+sentinel://`` URL names (``parse_sentinel_url``)."""

    sentinels: list[tuple[str, int]]
    service_name: str
    # redis-py's options for the connections to the primary: db, username, password, the query's
    # options, and the TLS connection class for ``rediss+sentinel://``. They win over ours.
    connection: dict[str, Any]
    # For the connections to the sentinels: the ``sentinel_*`` query options (prefix removed) and,
    # for ``rediss+sentinel://``, TLS with the data nodes' ``ssl_*`` options.
    sentinel: dict[str, Any]


def parse_sentinel_url(url: str) -> SentinelTarget:
    """``redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/service[/db][?options]``
    (``rediss+sentinel://`` for TLS). A sentinel's port defaults to 26379. Raises ``ValueError``
    naming what is wrong; the options are read by redis-py's own URL parser."""
    scheme, sep, _ = url.partition("://")
    if not sep or scheme not in SENTINEL_SCHEMES:
        raise ValueError(f"a Sentinel URL starts with {' or '.join(s + '://' for s in SENTINEL_SCHEMES)}")
    plain = SENTINEL_SCHEMES[scheme]
    parts = urlsplit(url)
    userinfo, _, hosts = parts.netloc.rpartition("@")
    sentinels = [_sentinel_address(host) for host in hosts.split(",")]
    path = parts.path.split("/")[1:]
    if not path or not path[0]:
        raise ValueError(
            "a Sentinel URL names the primary's service after the sentinels: .../<service>[/<db>]"
        )
    if len(path) > 2 or (len(path) == 2 and path[1] and not path[1].isdigit()):
        raise ValueError(f"a Sentinel URL's path is /<service>[/<db>], not {parts.path!r}")
    db = path[1] if len(path) == 2 else ""
    query = parse_qsl(parts.query, keep_blank_values=True)
    for_sentinels = [(name[len(SENTINEL_OPTION_PREFIX) :], v) for name, v in query if _for_sentinels(name)]
    for_nodes = [(name, value) for name, value in query if not _for_sentinels(name)]
    credentials = f"{userinfo}@" if userinfo else ""
    # redis-py reads the options as it reads a plain URL's; the host is only a stand-in.
    connection: dict[str, Any] = dict(
        parse_url(f"{plain}://{credentials}sentinel/{db}?{urlencode(for_nodes)}")
    )
    sentinel: dict[str, Any] = dict(parse_url(f"{plain}://sentinel/?{urlencode(for_sentinels)}"))
    for options in (connection, sentinel):
        options.pop("host", None)
        options.pop("connection_class", None)
    if plain == "rediss":
        shared_tls = {name: value for name, value in connection.items() if name.startswith("ssl_")}
        sentinel = {"ssl": True, **shared_tls, **sentinel}
        connection["connection_class"] = SentinelManagedSSLConnection
    return SentinelTarget(sentinels, path[0], connection, sentinel)


def _for_sentinels(option: str) -> bool:
    return option.startswith(SENTINEL_OPTION_PREFIX) and option != SENTINEL_OPTION_PREFIX


def _sentinel_address(host: str) -> tuple[str, int]:
    if host.startswith("["):  # an IPv6 address
        name, _, rest = host[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        name, _, port = host.partition(":")
    if not name:
        raise ValueError("a Sentinel URL lists its sentinels as host:port,host:port")
    if not port:
        return name, SENTINEL_PORT
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"a sentinel's port must be a number from 1 to 65535, not {port!r}")
    return name, int(port)


class BlockingSentinelConnectionPool(SentinelConnectionPool, BlockingConnectionPool):
    """The primary's pool found through Sentinel, bounded and waiting as the single server's is
    (``pool_options()``): redis-py's ``SentinelConnectionPool`` is a plain pool, which fails the
    command past ``max_connections`` at once instead of waiting for a connection."""


class SentinelClient(Redis):
    """The primary's client; closing it also closes its connections to the sentinels."""

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        try:
            await super().aclose(close_connection_pool)
        finally:
            pool = self.connection_pool
            if isinstance(pool, SentinelConnectionPool):
                await pool.sentinel_manager.aclose()


class ClusterClient(RedisCluster):
    """``RedisCluster`` that learns the cluster before its first command, and whose pipelines
    also take an MGET over keys in several hash slots."""

    async def execute_command(self, *args: EncodableT, **kwargs: Any) -> Any:
        # Learn the cluster's nodes before the first command, not inside it: a burst of first
        # commands on a fresh client, each starting the discovery it waits for, made redis-py fail
        # some of them (a closed writer, ``AttributeError``): 5 to 34 failed commands in 15 bursts of
        # 300 script calls, none in 45 bursts with this.
        if self._initialize:
            await self.initialize()
        return await super().execute_command(*args, **kwargs)

    def pipeline(self, transaction: Any | None = None, shard_hint: Any | None = None) -> ClusterPipeline:
        if shard_hint:
            raise RedisClusterException("shard_hint is deprecated in cluster mode")
        return _SplittingPipeline(self, transaction)  # type: ignore[abstract]  # redis-py's stubs


class _SplittingPipeline(ClusterPipeline):
    """A cluster pipeline in which ``mget`` is one GET per key, folded back into one list.

    redis-py refuses MGET in a cluster pipeline, since its keys may live on several nodes.
    ``server/auth.py`` reads a caller's saved locale and identity level with one MGET beside the
    login check, in one round trip; on a cluster the two GETs go to their own nodes in the same
    pipeline. Like any pipeline without a transaction, the reads are not one atomic snapshot; nor
    is an MGET across slots on a cluster anyway (``mget_nonatomic``).
    """

    def __init__(self, client: RedisCluster, transaction: bool | None = None) -> None:
        super().__init__(client, transaction)
        self._folds: list[tuple[int, int]] = []  # (first result's index, keys) of each MGET

    def mget(self, keys: Any, *args: Any) -> ClusterPipeline:  # type: ignore[override]
        names = [*keys, *args] if isinstance(keys, list | tuple) else [keys, *args]
        self._folds.append((len(self), len(names)))
        for name in names:
            self.execute_command("GET", name)
        return self

    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> list[Any]:
        folds, self._folds = self._folds, []
        results = await super().execute(raise_on_error, allow_redirections)
        for start, count in reversed(folds):
            results[start : start + count] = [results[start : start + count]]
        return results

    async def reset(self) -> None:  # type: ignore[override]  # the pipeline's reset, not RESET
        self._folds = []
        await super().reset()  # type: ignore[no-untyped-call]
