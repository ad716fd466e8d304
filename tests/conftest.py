"""Test harness: a real database (PostgreSQL when it answers, else SQLite), real Redis (or the
embedded stand-in), fake platforms, and a fresh app per test with its own Redis key prefix.

The schema comes from the migrations in ``migrations/`` — the same path production takes.
Tables are emptied between tests rather than wrapped in a rolled-back transaction, because
concurrency tests need several real connections to see each other's commits.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sanic import Sanic
from tortoise import Tortoise, connections

from domain.shared import pii
from server.settings import Settings
from tests.support import environment
from tests.support.apps import client_for, running

Sanic.test_mode = True  # many apps per process


def pytest_report_header(config: pytest.Config) -> list[str]:
    return environment.describe()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    environment.apply_skips(items)


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    url = await environment.create_test_database()
    await environment.migrate(url)
    await Tortoise.init(config=environment.orm_config(url), _enable_global_fallback=True)
    try:
        yield url
    finally:
        await Tortoise.close_connections()
        await environment.drop_test_database(url)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    await environment.truncate_all(connections.get("default"))
    yield database_url


@pytest.fixture
def settings(db: str) -> Settings:
    test_settings = Settings(
        env="test",
        database_url=db,
        redis_url=environment.redis_url(),
        redis_prefix=f"palmcity:test:{uuid.uuid4().hex[:12]}",
        sandbox=True,
        log_json=False,
        log_level="WARNING",
        public_base_url="http://testserver",
        worker_in_process=False,  # jobs run when a test says so (tests/api/test_inbox.run_due_jobs)
    )
    # Domain services used without an app still need the vault that create_app installs.
    pii.install(pii.Vault(test_settings.pii_key_versions, test_settings.blind_index_key.encode()))
    return test_settings


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Sanic]:
    async with running(settings) as application:
        yield application


@pytest.fixture
async def client(app: Sanic) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


@pytest.fixture(autouse=True)
def patient_database_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app gives up on a pooled connection after 5 s (503 ``database_unavailable``, never a hang);
    the suite's races queue thousands of attempts in one process on a shared machine, and test what
    they sell, not how long they wait. The outage tests set their own bound."""
    from server import db as server_db

    monkeypatch.setattr(server_db, "ACQUIRE_TIMEOUT_SECONDS", 120.0)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its cheapest: tests check the rules, not the cost (a real hash takes ~0.2 s)."""
    from argon2 import PasswordHasher

    from domain.shared import passwords
    from domain.staff import service

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.setattr(service, "_decoy", [])


@pytest.fixture
def runtime(app: Sanic):  # type: ignore[no-untyped-def]
    return app.ctx.runtime


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI nothing may be skipped: the services and the browser are there, or the run fails."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if environment.skipped_for_services(session) or skipped:
        if reporter:
            reporter.write_line(
                f"CI: {skipped} test(s) skipped or services missing "
                f"({'; '.join(environment.describe())}): failing",
                red=True,
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
