"""deploy/backup: a dump of a database holding the demo data restores into a scratch database
with every table's rows, the sequences and the migration history the same, byte for byte; the
restore refuses a database that is not empty and a dump whose checksum does not match.

Runs the scripts themselves (pg_dump, pg_restore and psql from PostgreSQL's client package) against
the test's PostgreSQL, offline.
"""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]
import pytest

from server.demo import load_all
from server.settings import Settings
from tests.support import environment

pytestmark = pytest.mark.postgres

SCRIPTS = environment.ROOT / "deploy" / "backup"


def libpq(url: str, database: str | None = None) -> str:
    """The URL as libpq takes it: no Tortoise options (maxsize), another database if asked."""
    parts = urlsplit(url)
    path = f"/{database}" if database else parts.path
    return urlunsplit(parts._replace(scheme="postgresql", path=path, query=""))


async def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, [str(part) for part in command], capture_output=True, text=True, timeout=300
    )


async def snapshot(url: str) -> dict[str, str]:
    """Every table's rows (as text, sorted, hashed) and every sequence's position."""
    conn = await asyncpg.connect(url)
    try:
        tables = [
            row["tablename"]
            for row in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        state = {
            f"table {table}": await conn.fetchval(
                f"SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"
                f' FROM "{table}" t'
            )
            for table in tables
        }
        for row in await conn.fetch("SELECT sequencename, last_value FROM pg_sequences"):
            state[f"sequence {row['sequencename']}"] = str(row["last_value"])
        return state
    finally:
        await conn.close()


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture
async def scratch_database(db: str) -> AsyncIterator[str]:
    name = f"palmcity_restore_{uuid.uuid4().hex[:10]}"
    admin = libpq(db, "postgres")
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield libpq(db, name)
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def test_a_backup_restores_every_row_into_an_empty_database(
    settings: Settings, scratch_database: str, tmp_path: Path
) -> None:
    await load_all(settings)  # residents with encrypted personal data, staff, catalogue, spots...
    source = libpq(settings.database_url)
    before = await snapshot(source)
    assert int(before["table user_account"].split()[0]) > 0

    backup = await run(SCRIPTS / "backup.sh", source, tmp_path)
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip())
    assert dump.parent == tmp_path and dump.name.endswith(".dump")
    written = await asyncio.to_thread(lambda: sorted(p.name for p in tmp_path.iterdir()))
    assert written == [dump.name, f"{dump.name}.sha256"]

    restore = await run(SCRIPTS / "restore.sh", dump, scratch_database)
    assert restore.returncode == 0, restore.stderr
    assert await snapshot(scratch_database) == before
    # The drill's record: every table with its exact row count.
    printed = dict(line.split() for line in restore.stdout.splitlines() if line.strip())
    assert {f"table {name}": count for name, count in printed.items()} == {
        name: value.split()[0] for name, value in before.items() if name.startswith("table ")
    }


async def test_restore_refuses_a_database_that_is_not_empty_and_a_changed_dump(
    settings: Settings, tmp_path: Path
) -> None:
    source = libpq(settings.database_url)
    backup = await run(SCRIPTS / "backup.sh", source, tmp_path)
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip())
    before = await snapshot(source)

    refused = await run(SCRIPTS / "restore.sh", dump, source)
    assert refused.returncode == 3
    assert "restore only into an empty one" in refused.stderr
    assert await snapshot(source) == before

    # A dump changed after the backup (a bit flipped on the way) is refused before any database
    # is asked: the checksum, not the emptiness check, stops it.
    await asyncio.to_thread(flip_a_byte, dump)
    corrupt = await run(SCRIPTS / "restore.sh", dump, source)
    assert corrupt.returncode == 1
    assert "did NOT match" in corrupt.stderr and "empty" not in corrupt.stderr
