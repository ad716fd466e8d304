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


def test_migrations_build_a_fresh_sqlite_database(tmp_path: Path) -> None:
    # A separate process: `make run` migrates this way, and the ORM of this one is in use.
    database = tmp_path / "fresh.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "migrate"],
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
