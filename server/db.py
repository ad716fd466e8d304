"""Tortoise ORM configuration, shared by the app, the worker, the migration CLI and the tests.

It also makes Tortoise's asyncpg client survive a PostgreSQL restart (``harden_asyncpg_client``,
applied by ``tortoise_config``) and says which failures are the database being away
(``is_database_outage``: 503 ``database_unavailable``, server/errors.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from asyncpg import exceptions as pg  # type: ignore[import-untyped]
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import (
    PoolConnectionWrapper,
    TransactionalDBClient,
    TransactionContext,
    TransactionContextPooled,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError

from server.settings import Settings

log = logging.getLogger("palmcity.db")

# Every module that defines models. A new domain adds its models module here (README checklist).
MODEL_MODULES = [
    "domain.org.models",
    "domain.accounts.models",
    "domain.family.models",
    "domain.staff.models",
    "domain.audit.models",
    "domain.outbox.models",
    "domain.catalog.models",
    "domain.favourites.models",
    "domain.workdays.models",
    "domain.applications.models",
    "domain.certificates.models",
    "domain.evaluations.models",
    "domain.notifications.models",
    "domain.capacity.models",
    "domain.appointments.models",
    "domain.payments.models",
    "domain.credentials.models",
    "domain.health_cards.models",
    "domain.scanning.models",
    "domain.tourism.models",
]


# PostgreSQL connections one process keeps (asyncpg's pool). Tortoise's own default is 5: with
# 50 requests at once, requests queued for a connection made a long tail (verify p99 400 ms against
# 116 ms with 20 in bench/scanning.py). A ``maxsize`` in the URL wins.
DEFAULT_POOL_MAX = 20


# How long a request waits for a pooled connection before it is answered 503 database_unavailable:
# asyncpg's pool waits for ever by default, and a request must never hang.
ACQUIRE_TIMEOUT_SECONDS = 5.0


def tortoise_config(database_url: str, pool_max: int = DEFAULT_POOL_MAX) -> dict[str, Any]:
    harden_asyncpg_client()
    return {
        "connections": {"default": with_pool(database_url, pool_max)},
        "apps": {
            "palmcity": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def with_pool(database_url: str, pool_max: int) -> str:
    """The URL with ``maxsize`` set for PostgreSQL, unless it names one already."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        return database_url
    parts = urlsplit(database_url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("maxsize", str(pool_max))
    return urlunsplit(parts._replace(query=urlencode(query)))


# PostgreSQL failures that say "the database is not there for us now", not "this query is wrong":
# answered 503 database_unavailable (server/errors.py), never 500.
_OUTAGES = (
    pg.PostgresConnectionError,  # class 08: refused, reset, closed in the middle of an operation
    pg.TooManyConnectionsError,  # "sorry, too many clients already"
    pg.CannotConnectNowError,  # starting up, shutting down, in recovery
    pg.AdminShutdownError,  # a fast shutdown or restart ends the session
    pg.CrashShutdownError,
    # asyncpg lost track of a connection that the server ended in the middle of an operation
    # ("cannot switch to state 12; another operation is in progress", seen on a fast restart).
    pg.InternalClientError,
)


def is_database_outage(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is PostgreSQL being unreachable or out of connections."""
    for cause in causes(exc):
        if isinstance(cause, _OUTAGES):
            return True
        # asyncpg's word for a connection it already knows is gone (the server went away while it
        # sat in the pool): the statement was never sent.
        if isinstance(cause, pg.InterfaceError) and "connection is closed" in str(cause):
            return True
        # Refused, reset, or a timeout (connecting, or waiting for a pooled connection): an OSError
        # or TimeoutError is the database's only when asyncpg raised it.
        if isinstance(cause, OSError | TimeoutError) and _raised_in(cause.__traceback__, "asyncpg"):
            return True
    return False


def causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _raised_in(traceback: TracebackType | None, package: str) -> bool:
    while traceback is not None:
        module = str(traceback.tb_frame.f_globals.get("__name__", ""))
        if module == package or module.startswith(package + "."):
            return True
        traceback = traceback.tb_next
    return False


class _TimedPoolConnection(PoolConnectionWrapper[Any]):
    """A pooled connection for one statement, waited for at most ACQUIRE_TIMEOUT_SECONDS."""

    __slots__ = ()

    async def __aenter__(self) -> Any:
        await self.ensure_connection()
        self.connection = await self.client._pool.acquire(timeout=ACQUIRE_TIMEOUT_SECONDS)
        return self.connection


class _PooledTransaction(TransactionContextPooled):
    """Tortoise's pooled transaction, with the task's connection always restored.

    Tortoise (1.1) publishes the transaction's client as the task's connection before it sends
    BEGIN, and restores the task's connection only after it gave the pooled connection back. When
    BEGIN fails (the connection died with a PostgreSQL restart) its exit never runs; when giving
    back fails (asyncpg resets a connection on release, re-raises when that fails, and terminates
    it) the restore is skipped. Either way the dead transaction stayed the task's connection, and
    a Sanic connection serves all its keep-alive requests in one task: every later request on it
    failed ("connection has been released back to the pool"), as long as the client kept it open.

    Here the task's connection is restored first, whatever happens; a failed BEGIN is tried once
    more on a fresh connection (nothing but BEGIN was sent, so it is safe); a connection that
    cannot be given back because it is broken is left to asyncpg, which has terminated it and
    replaces it (the transaction's outcome is decided by then). Waits for a connection are bounded.
    """

    __slots__ = ()

    async def __aenter__(self) -> TransactionalDBClient:
        await self.ensure_connection()
        pool = self.client._parent._pool
        for attempt in (1, 2):
            self.client._connection = await pool.acquire(timeout=ACQUIRE_TIMEOUT_SECONDS)
            self.token = get_connections().set(self.connection_name, self.client)
            try:
                await self.client.begin()
            except BaseException as exc:
                get_connections().reset(self.token)
                await self._release()
                if attempt == 2 or not is_database_outage(exc):
                    raise
                continue
            return self.client
        raise AssertionError("unreachable")

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        try:
            if not self.client._finalized:
                if exc_type is None:
                    await self.client.commit()
                elif exc_type is not TransactionManagementError:  # a failed one cannot roll back
                    await self.client.rollback()
        finally:
            get_connections().reset(self.token)
            await self._release()

    async def _release(self) -> None:
        pool = self.client._parent._pool
        if pool is None:
            return
        try:
            await pool.release(self.client._connection)
        except Exception as exc:
            if not is_database_outage(exc):
                raise
            log.warning("broken connection left to the pool", extra={"error": repr(exc)[:300]})


def _in_transaction(self: AsyncpgDBClient) -> TransactionContext:
    return _PooledTransaction(TransactionWrapper(self), self._pool_init_lock)


def _acquire_connection(self: AsyncpgDBClient) -> _TimedPoolConnection:
    return _TimedPoolConnection(self, self._pool_init_lock)


def harden_asyncpg_client() -> None:
    """Give Tortoise's asyncpg client the two behaviours above (idempotent).

    A patch rather than a client class of our own: a client class is chosen by an engine in a
    dict configuration, while PalmCity's configuration keeps the database URL (tests/test_settings.py
    and every tool that reads ``TORTOISE_ORM`` expect it). Transactions inside a transaction
    (``TransactionWrapper``) keep their own methods and are not touched.
    """
    AsyncpgDBClient._in_transaction = _in_transaction  # type: ignore[method-assign]
    AsyncpgDBClient.acquire_connection = _acquire_connection  # type: ignore[method-assign,assignment]


def _module_config() -> dict[str, Any]:
    return tortoise_config(Settings().database_url)


# For `python -m tortoise -c server.db.TORTOISE_ORM ...` (make migrations / make migrate).
TORTOISE_ORM = _module_config()
