"""The app's Redis client over TLS (``rediss://``, server/redis.py), the certificates named in the
URL's query as redis-py reads them: a throwaway CA, the server's certificate for 127.0.0.1, and a
client certificate the server requires (``--tls-auth-clients yes``)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from redis.asyncio.connection import SSLConnection
from redis.exceptions import ConnectionError

from domain.shared.kv import Keys
from domain.shared.ratelimit import RateLimiter
from server.errors import outage_of
from server.redis import connect
from server.settings import Settings
from tests.sentinel.servers import TLSServer

pytestmark = pytest.mark.sentinel


def _url(server: TLSServer, **options: str) -> str:
    return f"rediss://127.0.0.1:{server.port}/0?{urlencode(options)}"


async def test_the_client_speaks_tls_with_the_certificates_its_url_names(tls_server: TLSServer) -> None:
    url = _url(
        tls_server,
        ssl_ca_certs=str(tls_server.ca),
        ssl_certfile=str(tls_server.client_cert),
        ssl_keyfile=str(tls_server.client_key),
        ssl_cert_reqs="required",
    )
    redis = connect(Settings(env="test", redis_url=url))
    try:
        assert redis.connection_pool.connection_class is SSLConnection
        assert await redis.set("a", "1") is True
        assert await redis.get("a") == "1"
        limiter = RateLimiter(redis, Keys("palmcity:test:tls"))
        assert (await limiter.hit("login", "alice", limit=5)).allowed
        async with redis.pipeline(transaction=False) as pipe:
            pipe.incr("n")
            pipe.mget(["a", "n"])
            assert await pipe.execute() == [1, ["1", "1"]]
    finally:
        await redis.aclose()


@pytest.mark.parametrize(
    ("missing", "complaint"),
    [
        ("the CA", ("CERTIFICATE_VERIFY_FAILED",)),
        # The server's alert, or its reset when it closed before the client read the alert (seen
        # under load): the rest of the URL is the one that works above.
        ("the client certificate", ("CERTIFICATE_REQUIRED", "reset by peer")),
    ],
)
async def test_without_its_certificates_the_client_is_refused_as_an_outage(
    tls_server: TLSServer, missing: str, complaint: tuple[str, ...]
) -> None:
    options = {
        "ssl_ca_certs": str(tls_server.ca),
        "ssl_certfile": str(tls_server.client_cert),
        "ssl_keyfile": str(tls_server.client_key),
    }
    if missing == "the CA":  # the server's certificate is then signed by nobody the client trusts
        del options["ssl_ca_certs"]
    else:
        del options["ssl_certfile"], options["ssl_keyfile"]
    redis = connect(Settings(env="test", redis_url=_url(tls_server, **options)))
    try:
        with pytest.raises(ConnectionError) as refused:
            await redis.get("a")
        assert any(words in str(refused.value) for words in complaint), str(refused.value)
        outage = outage_of(refused.value)  # answered 503 redis_unavailable, as any unreachable Redis
        assert outage is not None and outage.code == "redis_unavailable"
    finally:
        await redis.aclose()
