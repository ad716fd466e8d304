"""Operator commands: ``python -m server.cli <command>``.

migrate       apply migrations/ to PALMCITY_DATABASE_URL (creating the SQLite folder if needed)
makemigrations  write a migration for model changes (wraps Tortoise's own command)
check-migrations  fail if the models have changes no migration describes
seed-demo     load the demo data (idempotent)
create-staff  create a staff account: --username --password --name --role ... --scope ...
reencrypt-pii  rewrite personal data not under PALMCITY_PII_ACTIVE_VERSION ([--batch N] [--dry-run]);
              prints per column what it rewrote and what remains under each other version
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from pathlib import Path

from tortoise import Tortoise

from domain.shared import pii, pii_rotation
from server.db import tortoise_config
from server.settings import ROOT, Settings
from server.wiring import install_clock


def _prepare(settings: Settings) -> None:
    if settings.uses_sqlite:
        Path(settings.database_url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)
    pii.install(
        pii.Vault(
            settings.pii_key_versions,
            settings.blind_index_key.encode(),
            active_version=settings.pii_active_version,
        )
    )
    # The demo data is dated (the spots' open days from today, created_at, audit rows, outbox
    # jobs' available_at): on the same clock as the server and worker it is seeded for.
    install_clock(settings)


async def migrate(settings: Settings) -> None:
    from tortoise.migrations.api import migrate as run_migrations

    try:
        await run_migrations(config=tortoise_config(settings.database_url))
    finally:
        await Tortoise.close_connections()  # else a failed migration leaves the process hanging


async def _with_orm(settings: Settings, work: str, args: argparse.Namespace) -> None:
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        if work == "seed-demo":
            from server.demo import load_all

            await load_all(settings)
        elif work == "create-staff":
            from domain.staff.service import create_staff

            account = await create_staff(
                username=args.username,
                password=args.password,
                display_name=args.name or args.username,
                roles=args.role,
                scopes=args.scope or ["*"],
            )
            print(f"created staff account {account.username} (id {account.id})")
    finally:
        await Tortoise.close_connections()


async def reencrypt_pii(settings: Settings, batch: int, dry_run: bool) -> int:
    """``domain.shared.pii_rotation.reencrypt`` with the vault ``_prepare`` installed; 1 if any value
    could not be read (it stays under its version, which must then stay listed)."""
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        report = await pii_rotation.reencrypt(batch=batch, dry_run=dry_run)
    finally:
        await Tortoise.close_connections()
    for line in report.lines():
        print(line)
    return 1 if report.unreadable else 0


async def pending_model_changes(database_url: str) -> list[str]:
    """Names of the migrations ``makemigrations`` would write now; empty when migrations/ is current."""
    from tortoise.cli.cli import tortoise_cli_context
    from tortoise.migrations.autodetector import MigrationAutodetector

    config = tortoise_config(database_url)
    async with tortoise_cli_context(config) as ctx:
        assert ctx.apps is not None  # init() just loaded them
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    return [f"{w.app_label}.{w.name}: {len(w.operations)} operation(s)" for w in writers]


def _tortoise_cli(*argv: str) -> int:
    return subprocess.call(
        [sys.executable, "-m", "tortoise", "-c", "server.db.TORTOISE_ORM", *argv], cwd=ROOT
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate")
    mk = sub.add_parser("makemigrations")
    mk.add_argument("--name", default=None)
    sub.add_parser("check-migrations")
    sub.add_parser("seed-demo")
    staff = sub.add_parser("create-staff")
    staff.add_argument("--username", required=True)
    staff.add_argument("--password", required=True)
    staff.add_argument("--name")
    staff.add_argument("--role", action="append", required=True)
    staff.add_argument("--scope", action="append")
    rotate = sub.add_parser("reencrypt-pii")
    rotate.add_argument("--batch", type=int, default=pii_rotation.DEFAULT_BATCH, help="rows read per query")
    rotate.add_argument("--dry-run", action="store_true", help="count what would be rewritten, write nothing")
    args = parser.parse_args(argv)

    settings = Settings()
    _prepare(settings)
    if args.command == "migrate":
        asyncio.run(migrate(settings))
    elif args.command == "makemigrations":
        return _tortoise_cli("makemigrations", *(["--name", args.name] if args.name else []))
    elif args.command == "check-migrations":
        pending = asyncio.run(pending_model_changes(settings.database_url))
        for line in pending:
            print(f"model changes without a migration: {line}")
        return 1 if pending else 0
    elif args.command == "reencrypt-pii":
        if args.batch < 1:
            parser.error("--batch must be at least 1")
        return asyncio.run(reencrypt_pii(settings, args.batch, args.dry_run))
    else:
        asyncio.run(_with_orm(settings, args.command, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
