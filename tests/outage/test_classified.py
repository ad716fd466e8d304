"""Which failures are an outage (503 with its code and Retry-After) and which are a bug (500)."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest
from asyncpg import exceptions as pg
from redis import exceptions as redis_errors

from domain.shared.errors import Conflict, PlatformUnavailable
from server.db import is_database_outage
from server.errors import PalmErrorHandler
from tests.support.server_process import free_port


def _answer(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = PalmErrorHandler().default(None, exc)  # type: ignore[arg-type]  # no request: defaults
    assert response.body is not None
    return response.status, json.loads(response.body)["error"], dict(response.headers)


@pytest.mark.parametrize(
    "exc",
    [
        redis_errors.ConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused."),
        redis_errors.TimeoutError("Timeout reading from socket"),
        redis_errors.BusyLoadingError("Redis is loading the dataset in memory"),
        # A 503 the code raised itself because Redis failed under it (the idempotency store).
        PlatformUnavailable(details={"service": "idempotency"}),
    ],
)
def test_redis_not_answering_is_503_redis_unavailable(exc: Exception) -> None:
    if isinstance(exc, PlatformUnavailable):
        exc.__cause__ = redis_errors.ConnectionError("Connection refused")
    status, error, headers = _answer(exc)
    assert status == 503 and error["code"] == "redis_unavailable"
    assert headers["Retry-After"] == str(error["details"]["retry_after"])
    assert error["message"]  # in the caller's language


@pytest.mark.parametrize(
    "exc",
    [
        pg.TooManyConnectionsError("sorry, too many clients already"),
        pg.CannotConnectNowError("the database system is shutting down"),
        pg.AdminShutdownError("terminating connection due to administrator command"),
        pg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        pg.InterfaceError("cannot perform operation: connection is closed"),
    ],
)
def test_postgres_away_is_503_database_unavailable(exc: Exception) -> None:
    status, error, headers = _answer(exc)
    assert status == 503 and error["code"] == "database_unavailable" and "Retry-After" in headers


async def test_a_refused_connection_is_the_database_only_when_asyncpg_raised_it() -> None:
    bare = ConnectionRefusedError(111, "Connection refused")
    assert not is_database_outage(bare) and _answer(bare)[1]["code"] == "internal_error"
    assert not is_database_outage(TimeoutError())
    with pytest.raises(OSError) as refused:  # nothing listens on a free port
        await asyncpg.connect(host="127.0.0.1", port=free_port(), user="postgres", timeout=5)
    assert _answer(refused.value)[1]["code"] == "database_unavailable"


def test_a_wrong_query_or_a_refusal_stays_what_it_is() -> None:
    assert _answer(pg.UndefinedColumnError('column "x" does not exist'))[0] == 500
    assert _answer(pg.InterfaceError("the number of query arguments cannot exceed 32767"))[0] == 500
    assert _answer(redis_errors.ResponseError("WRONGTYPE"))[0] == 500
    refused = Conflict()
    refused.__cause__ = redis_errors.ConnectionError("Connection refused")
    assert _answer(refused)[:2] == (
        409,
        {"code": "conflict", "message": refused.message.render("zh_Hans"), "details": {}},
    )
