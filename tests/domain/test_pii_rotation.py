"""Rotating the personal-data key: rows written under v1, the ring {1, 2} with 2 active, and
``reencrypt`` rewriting them under v2 (compare-and-set, in batches), so that v1 can retire.

Runs on SQLite and on PostgreSQL (whichever the run has: tests/support/environment.py).
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from pydantic import ValidationError
from tortoise import connections

from domain.accounts.models import User
from domain.audit.models import AuditRecord
from domain.family.models import FamilyMember
from domain.shared import clock, pii, pii_rotation
from server.settings import ROOT, Settings

KEY_1, KEY_2 = b"1" * 32, b"2" * 32
BLIND = b"rotation-blind-index-key"


def pii_b64(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def vault(*versions: int, active: int | None = None) -> pii.Vault:
    keys = {1: KEY_1, 2: KEY_2, 3: b"3" * 32}
    return pii.Vault({v: keys[v] for v in versions}, BLIND, active_version=active)


@pytest.fixture
def ring(db: str, monkeypatch: pytest.MonkeyPatch) -> pii.Vault:
    """Residents written under v1; then the ring {1, 2} with 2 active is the process's vault."""
    monkeypatch.setattr(pii, "_vault", vault(1))
    return vault(1, 2, active=2)


async def resident(n: int, *, phone: str | None = None) -> User:
    return await User.create(
        openid=f"rotation-{n}",
        phone=phone,
        phone_index=pii.blind_index(phone, purpose="phone") if phone else None,
        real_name=f"张{n}",
        id_number=f"44180219900101{n:04d}",
        created_at=clock.now(),
    )


async def stored(user_id: int) -> dict[str, Any]:
    """The row as the database holds it (ciphertexts, not what the ORM decodes)."""
    [row] = await connections.get("default").execute_query_dict(
        f'SELECT phone, phone_index, real_name, id_number FROM "user_account" WHERE id = {int(user_id)}'
    )
    return dict(row)


def user_columns() -> list[pii_rotation.EncryptedColumn]:
    return pii_rotation.encrypted_columns([User])


def by_column(report: pii_rotation.RotationReport) -> dict[str, pii_rotation.ColumnReport]:
    return {c.column: c for c in report.columns}


async def test_every_encrypted_field_of_every_model_is_found(db: str) -> None:
    found = {c.name: c for c in pii_rotation.encrypted_columns()}
    assert {
        "user_account.phone",
        "user_account.real_name",
        "user_account.id_number",
        "family_member.name",
        "family_member.id_number",
    } <= set(found)
    assert "user_account.phone_index" not in found  # blind indexes are not ciphertexts
    assert found["user_account.phone"].context == "user_account.phone"
    assert found["family_member.id_number"].model is FamilyMember
    assert all(found[name].pk_column == "id" for name in found)


async def test_rows_under_v1_are_rewritten_under_the_active_version(
    ring: pii.Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = [await resident(n, phone=f"1380013{n:04d}" if n != 2 else None) for n in range(1, 6)]
    before = {u.id: await stored(u.id) for u in users}
    assert all(row["id_number"].startswith("v1:") for row in before.values())
    monkeypatch.setattr(pii, "_vault", ring)

    report = await pii_rotation.reencrypt(batch=2, columns=user_columns())  # 3 batches a column

    columns = by_column(report)
    assert columns["user_account.id_number"].rewritten == 5
    assert columns["user_account.real_name"].rewritten == 5
    assert columns["user_account.phone"].rewritten == 4  # one resident has no phone (NULL stays)
    assert columns["user_account.phone"].by_version == {"v1": 0, "v2": 4}
    assert report.remaining() == {"v1": 0}
    assert report.rewritten == 14 and report.unreadable == 0 and not report.dry_run
    for user in users:
        row = await stored(user.id)
        assert row["id_number"].startswith("v2:") and row["real_name"].startswith("v2:")
        assert row["phone_index"] == before[user.id]["phone_index"]  # blind indexes do not change
        read = await User.get(id=user.id)
        assert (read.phone, read.real_name, read.id_number) == (user.phone, user.real_name, user.id_number)
    # v1 can now retire: a vault with v2 alone reads everything.
    monkeypatch.setattr(pii, "_vault", vault(2))
    assert [u.id_number for u in await User.all().order_by("id")] == [u.id_number for u in users]
    [record] = await AuditRecord.filter(action="pii.reencrypted")
    assert record.actor_kind == "system" and record.target_id == "v2"
    assert record.after is not None and record.after["rewritten"]["user_account.id_number"] == 5
    assert "4418" not in str(record.after)  # counts only, no personal data


async def test_a_second_run_rewrites_nothing(ring: pii.Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(3):
        await resident(n, phone="13800138000")
    monkeypatch.setattr(pii, "_vault", ring)
    first = await pii_rotation.reencrypt(columns=user_columns())
    after_first = [await stored(u.id) for u in await User.all()]

    second = await pii_rotation.reencrypt(columns=user_columns())

    assert first.rewritten == 9 and second.rewritten == 0
    assert [await stored(u.id) for u in await User.all()] == after_first
    assert by_column(second)["user_account.id_number"].by_version == {"v1": 0, "v2": 3}


async def test_a_dry_run_counts_and_writes_nothing(ring: pii.Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    users = [await resident(n, phone="13800138000") for n in range(3)]
    before = [await stored(u.id) for u in users]
    monkeypatch.setattr(pii, "_vault", ring)

    report = await pii_rotation.reencrypt(batch=2, dry_run=True, columns=user_columns())

    assert report.dry_run and report.rewritten == 9
    assert by_column(report)["user_account.phone"].by_version == {"v1": 3, "v2": 0}
    assert report.remaining() == {"v1": 9}
    assert [await stored(u.id) for u in users] == before
    assert not await AuditRecord.filter(action="pii.reencrypted").exists()
    assert "would rewrite 3" in report.lines()[0]


async def test_a_row_the_app_changes_between_read_and_write_keeps_the_apps_value(
    ring: pii.Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = await resident(1, phone="13800000001"), await resident(2, phone="13800000002")
    monkeypatch.setattr(pii, "_vault", ring)
    write_batch = pii_rotation._write_batch

    async def app_writes_first(column: pii_rotation.EncryptedColumn, updates: list[Any]) -> int:
        # The app saves the resident's new phone after the rotation read the old ciphertext.
        if column.column == "phone":
            await User.filter(id=first.id).update(phone="13999999999")
        return await write_batch(column, updates)

    monkeypatch.setattr(pii_rotation, "_write_batch", app_writes_first)

    report = await pii_rotation.reencrypt(columns=user_columns())

    phone = by_column(report)["user_account.phone"]
    assert (phone.rewritten, phone.changed_meanwhile) == (1, 1)
    assert (await User.get(id=first.id)).phone == "13999999999"  # not overwritten with the old value
    assert (await User.get(id=second.id)).phone == "13800000002"
    assert (await stored(first.id))["phone"].startswith("v2:")  # the app writes under v2 as well
    assert phone.by_version == {"v1": 0, "v2": 2}


@pytest.mark.postgres
async def test_a_row_the_app_holds_locked_is_written_after_the_app_commits_and_keeps_its_value(
    db: str, ring: pii.Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch skips a row another process's transaction holds (never waiting inside its own
    transaction, so it cannot deadlock with the app), then tries that row alone: it waits, and the
    app's value wins."""
    import asyncpg  # type: ignore[import-untyped]

    held, other = await resident(1, phone="13800000001"), await resident(2, phone="13800000002")
    monkeypatch.setattr(pii, "_vault", ring)
    phones = [c for c in pii_rotation.encrypted_columns([User]) if c.column == "phone"]
    app = await asyncpg.connect(urlunsplit(urlsplit(db)._replace(scheme="postgresql", query="")))
    try:
        async with app.transaction():
            await app.execute('SELECT id FROM "user_account" WHERE id = $1 FOR UPDATE', held.id)
            rotation = asyncio.create_task(pii_rotation.reencrypt(columns=phones))
            for _ in range(600):  # until the rotation waits for this transaction's lock
                waiting = await app.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database() AND pid <> pg_backend_pid()"
                )
                if waiting or rotation.done():
                    break
                await asyncio.sleep(0.05)
            assert waiting == 1, rotation
            # It waits outside its batch's transaction: the rest of the batch is committed already.
            others = await app.fetchval('SELECT phone FROM "user_account" WHERE id = $1', other.id)
            assert others.startswith("v2:")
            new_phone = ring.encrypt("13999999999", context="user_account.phone")
            await app.execute('UPDATE "user_account" SET phone = $1 WHERE id = $2', new_phone, held.id)
        report = await asyncio.wait_for(rotation, 60)
    finally:
        await app.close()

    phone = by_column(report)["user_account.phone"]
    assert (phone.rewritten, phone.changed_meanwhile) == (1, 1)
    assert (await User.get(id=held.id)).phone == "13999999999"
    assert (await User.get(id=other.id)).phone == "13800000002"
    assert phone.by_version == {"v1": 0, "v2": 2}


async def test_a_value_under_a_version_the_ring_lacks_is_left_and_counted(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pii, "_vault", vault(3))
    lost = await resident(1)
    monkeypatch.setattr(pii, "_vault", vault(1))
    kept = await resident(2)
    before = await stored(lost.id)
    monkeypatch.setattr(pii, "_vault", vault(1, 2, active=2))

    report = await pii_rotation.reencrypt(columns=user_columns())

    id_number = by_column(report)["user_account.id_number"]
    assert (id_number.rewritten, id_number.unreadable) == (1, 1)
    assert id_number.remaining(2) == {"v1": 0, "v3": 1}
    assert await stored(lost.id) == before
    assert (await User.get(id=kept.id)).id_number == kept.id_number


def test_the_active_version_is_one_of_the_keys() -> None:
    key = "1:" + pii_b64(KEY_1)
    with pytest.raises(ValidationError, match="PALMCITY_PII_ACTIVE_VERSION 2 is not a version"):
        Settings(env="test", pii_keys=key, pii_active_version=2)
    with pytest.raises(ValueError, match="active but not listed"):
        pii.Vault({1: KEY_1}, BLIND, active_version=2)


def test_the_active_version_defaults_to_the_highest_and_can_stay_behind() -> None:
    keys = f"1:{pii_b64(KEY_1)},2:{pii_b64(KEY_2)}"
    assert Settings(env="test", pii_keys=keys).pii_active_version is None
    assert vault(1, 2).active_version == 2
    staying = Settings(env="test", pii_keys=keys, pii_active_version=1)
    ring = pii.Vault(staying.pii_key_versions, BLIND, active_version=staying.pii_active_version)
    token = ring.encrypt("13800138000", context="c")
    assert token.startswith("v1:")  # a pod given v2 before the switch still writes what old pods read
    assert vault(1).decrypt(token, context="c") == "13800138000"


def test_the_command_runs_against_a_database(tmp_path: Path) -> None:
    """``python -m server.cli reencrypt-pii`` end to end, on a fresh SQLite database."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PALMCITY_") and name not in ("DATABASE_URL", "REDIS_URL")
    }
    env |= {
        "PALMCITY_ENV": "test",
        "PALMCITY_DATABASE_URL": f"sqlite://{tmp_path / 'rotation.sqlite3'}",
        "PALMCITY_PII_KEYS": f"1:{pii_b64(KEY_1)},2:{pii_b64(KEY_2)}",
    }

    def cli(*argv: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "server.cli", *argv],
            cwd=ROOT,
            env=env | extra,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert cli("migrate").returncode == 0
    refused = cli("reencrypt-pii", PALMCITY_PII_ACTIVE_VERSION="3")
    assert refused.returncode != 0 and "PALMCITY_PII_ACTIVE_VERSION 3" in refused.stderr
    assert pii_b64(KEY_2) not in refused.stderr  # the error names the setting, not the keys
    done = cli("reencrypt-pii", "--batch", "10", PALMCITY_PII_ACTIVE_VERSION="2")
    assert done.returncode == 0, done.stderr
    assert "user_account.id_number: rewritten 0" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("active v2: rewritten 0 value(s)")
