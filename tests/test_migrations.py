"""The schema the tests run on is the one migrations/ builds, it matches the models, and it also
builds on SQLite (the embedded default) when the suite itself runs on PostgreSQL."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from server.cli import pending_model_changes
from tests.support.environment import ROOT


async def test_every_model_change_has_a_migration(database_url: str) -> None:
    pending = await pending_model_changes(database_url)
    assert pending == [], f"run `make migrations name=...`: {pending}"


def _run(args: list[str], database: Path) -> None:
    # A separate process: `make run` migrates this way, and the ORM of this one is in use.
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PALMCITY_DATABASE_URL": f"sqlite://{database}",
            "PALMCITY_ENV": "test",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]


GENERATE = """
import asyncio, os
from tortoise import Tortoise
from server.db import tortoise_config
async def main():
    await Tortoise.init(config=tortoise_config(os.environ["PALMCITY_DATABASE_URL"]))
    await Tortoise.generate_schemas()
    await Tortoise.close_connections()
asyncio.run(main())
"""


def _indexes(database: Path) -> dict[str, set[tuple[tuple[str, ...], bool]]]:
    """Each table's indexes as (columns, unique), whatever their names."""
    with sqlite3.connect(database) as conn:
        tables = [row[0] for row in conn.execute("select name from sqlite_master where type='table'")]
        return {
            table: {
                (tuple(col[2] for col in conn.execute(f"PRAGMA index_info('{index[1]}')")), bool(index[2]))
                for index in conn.execute(f"PRAGMA index_list('{table}')")
            }
            for table in tables
        }


def test_migrations_build_a_fresh_sqlite_database(tmp_path: Path) -> None:
    database = tmp_path / "fresh.sqlite3"
    _run(["-m", "server.cli", "migrate"], database)
    with sqlite3.connect(database) as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
    for table in (
        "user_account",
        "audit_record",
        "outbox_message",
        "catalog_item_version",
        "service_request",
    ):
        assert table in tables


def test_migrated_sqlite_keeps_every_index_and_unique_constraint_of_the_models(tmp_path: Path) -> None:
    # SQLite rebuilds a table for an AlterField, and Tortoise's rebuild drops its indexes and unique
    # constraints (migration 0018 makes them again): a constraint the models declare but the
    # migrated schema lacks would let, say, one person hold two tickets for a day.
    migrated, generated = tmp_path / "migrated.sqlite3", tmp_path / "generated.sqlite3"
    _run(["-m", "server.cli", "migrate"], migrated)
    _run(["-c", GENERATE], generated)
    have, want = _indexes(migrated), _indexes(generated)
    lost = {table: sorted(want[table] - have.get(table, set())) for table in want}
    assert not {table: found for table, found in lost.items() if found}
