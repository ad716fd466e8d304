"""The schema the tests run on is the one migrations/ builds, and it matches the models."""

from __future__ import annotations

from server.cli import pending_model_changes


async def test_every_model_change_has_a_migration(database_url: str) -> None:
    pending = await pending_model_changes(database_url)
    assert pending == [], f"run `make migrations name=...`: {pending}"
