"""Writing and reading the audit log. Call ``record`` inside the same transaction as the change."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.audit.models import AuditRecord
from domain.shared import clock, sql
from domain.shared.actor import Actor


async def record(
    actor: Actor,
    action: str,
    *,
    target_type: str,
    target_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> AuditRecord:
    """Append one audit record: who (acting for whom), what, on which object, before/after, from where."""
    row = AuditRecord(
        at=clock.now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        on_behalf_of=actor.on_behalf_of,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=before,
        after=after,
        ip=actor.ip,
        request_id=actor.request_id,
    )
    return await sql.insert(using_db or AuditRecord._choose_db(True), row)


async def history(
    *, target_type: str | None = None, target_id: object | None = None, limit: int = 100
) -> list[AuditRecord]:
    query = AuditRecord.all()
    if target_type:
        query = query.filter(target_type=target_type)
    if target_id is not None:
        query = query.filter(target_id=str(target_id))
    return await query.order_by("-id").limit(limit)
