"""Re-encrypting personal data under the active key version, so that an old version can retire.

Every ``EncryptedField`` of every registered model is found from Tortoise's apps (a new encrypted
column is covered the day its model is). For each column, the rows whose value names another
version than the vault's active one are read in bounded batches ordered by primary key, decrypted,
sealed again under the active version, and written back with a compare-and-set:
``UPDATE ... SET col = new WHERE pk = ? AND col = old``. A row the app wrote in between (the app
encrypts under the active version too) no longer holds ``old``: its value wins and is counted as
changed meanwhile, never overwritten. So the run is safe beside a serving app and safe to repeat
(a second run finds nothing left to rewrite).

Blind indexes are left alone: their key is a separate one and they hash the plaintext, which does
not change. Nothing here is a resident's or staff member's action: one audit record per run
(``pii.reencrypted``, by the system) says which active version was written and how many values.

``python -m server.cli reencrypt-pii [--batch N] [--dry-run]`` is the operator's way in.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from domain.audit import service as audit
from domain.shared import sql
from domain.shared.actor import Actor
from domain.shared.pii import EncryptedField, PiiKeyMissing, Vault, vault

DEFAULT_BATCH = 500
# What a stored value's prefix is counted under when it names no version (``v<digits>``): never
# printed as found, since a value that is not a ciphertext may be personal data in clear.
OTHER = "other"
_VERSION_PREFIX = re.compile(r"v\d+")


@dataclass(frozen=True)
class EncryptedColumn:
    """One ``EncryptedField``: where it is stored and the associated data its values are sealed with."""

    model: type[Model]
    field_name: str
    table: str
    column: str
    pk_column: str
    context: str
    connection_name: str

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass
class ColumnReport:
    """What one column's pass did, and what its values are under afterwards."""

    column: str
    rewritten: int = 0  # (a dry run: would be rewritten)
    changed_meanwhile: int = 0  # written by the app between our read and our write: left as it was
    unreadable: int = 0  # names a version the vault lacks, or does not decrypt: left as it was
    by_version: dict[str, int] = field(default_factory=dict)  # "v1" → rows now under it (and "other")

    def remaining(self, active_version: int) -> dict[str, int]:
        """Rows still under anything but the active version (what keeps an old key in the ring)."""
        return {v: n for v, n in self.by_version.items() if v != f"v{active_version}"}


@dataclass
class RotationReport:
    active_version: int
    dry_run: bool
    columns: list[ColumnReport]

    @property
    def rewritten(self) -> int:
        return sum(c.rewritten for c in self.columns)

    @property
    def unreadable(self) -> int:
        return sum(c.unreadable for c in self.columns)

    def remaining(self) -> dict[str, int]:
        """Across every column: rows under each version other than the active one."""
        totals: dict[str, int] = {}
        for column in self.columns:
            for version, count in column.remaining(self.active_version).items():
                totals[version] = totals.get(version, 0) + count
        return totals

    def lines(self) -> list[str]:
        """What the command prints: one line per column, then the totals."""
        verb = "would rewrite" if self.dry_run else "rewritten"
        out = []
        for c in self.columns:
            left = ", ".join(f"{v}: {n}" for v, n in sorted(c.remaining(self.active_version).items()))
            out.append(
                f"{c.column}: {verb} {c.rewritten}, changed meanwhile {c.changed_meanwhile}, "
                f"unreadable {c.unreadable}; under v{self.active_version}: "
                f"{c.by_version.get(f'v{self.active_version}', 0)}; remaining {left or 'none'}"
            )
        left = ", ".join(f"{v}: {n}" for v, n in sorted(self.remaining().items()))
        out.append(
            f"active v{self.active_version}: {verb} {self.rewritten} value(s) in {len(self.columns)} "
            f"column(s); {self.unreadable} unreadable; remaining under other versions: {left or 'none'}"
        )
        return out


def encrypted_columns(models: Iterable[type[Model]] | None = None) -> list[EncryptedColumn]:
    """Every ``EncryptedField`` of ``models`` (default: every model Tortoise has registered)."""
    if models is None:
        if Tortoise.apps is None:
            raise RuntimeError("Tortoise.init() has not been called")
        models = Tortoise.apps.get_models_iterable()
    found: dict[tuple[str, str, str], EncryptedColumn] = {}
    for model in models:
        meta = model._meta
        if meta.abstract:
            continue
        for field_name, model_field in meta.fields_map.items():
            if not isinstance(model_field, EncryptedField):
                continue
            column = EncryptedColumn(
                model=model,
                field_name=field_name,
                table=meta.db_table,
                column=meta.fields_db_projection[field_name],
                pk_column=meta.db_pk_column,
                context=model_field.context,
                connection_name=str(meta.default_connection),
            )
            found.setdefault((column.connection_name, column.table, column.column), column)
    return sorted(found.values(), key=lambda c: (c.table, c.column))


async def reencrypt(
    *,
    batch: int = DEFAULT_BATCH,
    dry_run: bool = False,
    using: Vault | None = None,
    columns: list[EncryptedColumn] | None = None,
) -> RotationReport:
    """Rewrite every encrypted value that is not under the active version (see the module doc)."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    keys = using or vault()
    reports = [
        await _column(c, keys, batch=batch, dry_run=dry_run)
        for c in (encrypted_columns() if columns is None else columns)
    ]
    report = RotationReport(active_version=keys.active_version, dry_run=dry_run, columns=reports)
    if not dry_run:
        await audit.record(
            Actor.system(),
            "pii.reencrypted",
            target_type="pii_key",
            target_id=f"v{keys.active_version}",
            after={
                "rewritten": {c.column: c.rewritten for c in reports if c.rewritten},
                "changed_meanwhile": sum(c.changed_meanwhile for c in reports),
                "unreadable": report.unreadable,
                "remaining": report.remaining(),
            },
        )
    return report


async def _column(column: EncryptedColumn, keys: Vault, *, batch: int, dry_run: bool) -> ColumnReport:
    conn = connections.get(column.connection_name)
    report = ColumnReport(column=column.name)
    after: Any = None
    while True:
        rows = await _read_batch(conn, column, keys.active_version, after, batch)
        if not rows:
            break
        after = rows[-1][0]
        updates: list[tuple[Any, str, str]] = []
        for pk, old in rows:
            try:
                plain = keys.decrypt(old, context=column.context)
            except (PiiKeyMissing, InvalidTag, ValueError, binascii.Error):
                report.unreadable += 1
                continue
            updates.append((pk, old, keys.encrypt(plain, context=column.context)))
        if dry_run:
            report.rewritten += len(updates)
        elif updates:
            written = await _write_batch(column, updates)
            report.rewritten += written
            report.changed_meanwhile += len(updates) - written
        if len(rows) < batch:
            break
    report.by_version = await count_by_version(conn, column)
    for version in keys.versions:  # a listed version with no rows left shows as 0: it may retire
        report.by_version.setdefault(f"v{version}", 0)
    return report


async def _read_batch(
    conn: BaseDBAsyncClient, column: EncryptedColumn, active_version: int, after: Any, limit: int
) -> list[tuple[Any, str]]:
    """The next ``limit`` rows past primary key ``after`` whose value is not under the active version."""
    pk, col = f'"{column.pk_column}"', f'"{column.column}"'
    where = f"{col} IS NOT NULL AND {col} NOT LIKE $1"
    values: list[Any] = [f"v{active_version}:%"]
    if after is not None:
        where += f" AND {pk} > $2"
        values.append(after)
    query = (
        f'SELECT {pk} AS pk, {col} AS value FROM "{column.table}" WHERE {where} '
        f"ORDER BY {pk} LIMIT {int(limit)}"
    )
    found = await conn.execute_query_dict(sql.text(query, conn), values)
    # A value naming no version (not a ciphertext) is read too: it fails to decrypt and is counted
    # unreadable, never written.
    return [(row["pk"], row["value"]) for row in found]


async def _write_batch(column: EncryptedColumn, updates: list[tuple[Any, str, str]]) -> int:
    """Compare-and-set each value; returns how many rows still held the old value (and got the new).

    One transaction per batch (one commit, not one per row) that never waits for a row lock: on
    PostgreSQL it first locks the batch's rows with ``FOR UPDATE SKIP LOCKED``, so it can hold rows
    an app transaction waits for but never wait for one itself (no deadlock, so the app is never
    the one aborted). The rows the app held at that moment are written afterwards one statement
    each, on their own: a single-row statement may wait for the app but holds nothing else.
    """
    pk, col, table = f'"{column.pk_column}"', f'"{column.column}"', f'"{column.table}"'
    update = f"UPDATE {table} SET {col} = $1 WHERE {pk} = $2 AND {col} = $3"
    written = 0
    async with in_transaction(column.connection_name) as conn:
        if sql.is_postgres(conn):
            locked = await conn.execute_query_dict(
                f"SELECT {pk} AS pk FROM {table} WHERE {pk} = ANY($1) FOR UPDATE SKIP LOCKED",
                [[key for key, _old, _new in updates]],
            )
            free = {row["pk"] for row in locked}
        else:
            free = {key for key, _old, _new in updates}  # SQLite: the transaction holds the file
        text = sql.text(update, conn)
        for key, old, new in updates:
            if key in free:
                written += (await conn.execute_query(text, [new, key, old]))[0]
        busy = [u for u in updates if u[0] not in free]
    conn = connections.get(column.connection_name)
    for key, old, new in busy:
        written += (await conn.execute_query(sql.text(update, conn), [new, key, old]))[0]
    return written


async def count_by_version(conn: BaseDBAsyncClient, column: EncryptedColumn) -> dict[str, int]:
    """Rows of ``column`` per key version prefix (``{"v1": 3, "v2": 40}``); NULLs are not counted."""
    col = f'"{column.column}"'
    if sql.is_postgres(conn):
        prefix = f"split_part({col}, ':', 1)"
    else:
        prefix = f"substr({col}, 1, instr({col}, ':') - 1)"
    query = (
        f'SELECT {prefix} AS version, count(*) AS n FROM "{column.table}" WHERE {col} IS NOT NULL GROUP BY 1'
    )
    counts: dict[str, int] = {}
    for row in await conn.execute_query_dict(query):
        version = str(row["version"] or "")
        name = version if _VERSION_PREFIX.fullmatch(version) else OTHER
        counts[name] = counts.get(name, 0) + int(row["n"])
    return counts
