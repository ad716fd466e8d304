"""Drafts: starting an application for oneself or a family member, and editing its form."""

from __future__ import annotations

import secrets
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.applications import catalog, prefill, service
from domain.applications.errors import ApplicantKindNotAllowed
from domain.applications.models import ServiceRequest
from domain.audit import service as audit
from domain.family import service as family
from domain.identity.service import require_level, today
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.errors import PlatformUnavailable
from domain.workflows import engine


def _new_number() -> str:
    # Date + 8 random digits: not guessable, not sequential (the count of cases is not public).
    return f"{today():%Y%m%d}{secrets.randbelow(10**8):08d}"


async def create_draft(
    actor: Actor, *, item_code: str, on_behalf_of: int | None = None, form: dict[str, Any] | None = None
) -> ServiceRequest:
    """Start a draft for ``item_code``, for oneself or an active family member."""
    item = await catalog.current_item(item_code)
    document = item.document
    require_level(actor, document.min_identity_level)
    kind = "self" if on_behalf_of is None else "family_member"
    if kind not in document.applicant_kinds:
        raise ApplicantKindNotAllowed(details={"allowed": list(document.applicant_kinds)})
    acting = actor if on_behalf_of is None else await family.acting_for(actor, on_behalf_of)
    workflow = engine.get(document.workflow)
    record = await prefill.record_of(actor.id, acting.on_behalf_of)
    plain, secret = service.split_form(document, prefill.fill(document, form or {}, record))
    now = clock.now()
    for _attempt in range(3):
        try:
            async with in_transaction() as conn:
                req = await ServiceRequest.create(
                    number=_new_number(),
                    applicant_id=actor.id,
                    on_behalf_of_id=acting.on_behalf_of,
                    item_code=item.item_code,
                    item_version_id=item.version_id,
                    department_code=document.department,
                    workflow_code=workflow.code,
                    state=workflow.initial,
                    form_data=plain,
                    form_secrets=secret,
                    created_at=now,
                    updated_at=now,
                    using_db=conn,
                )
                await audit.record(
                    acting,
                    "applications.draft_created",
                    target_type="service_request",
                    target_id=req.id,
                    after={**service.snapshot(req), "item_version_id": item.version_id},
                    using_db=conn,
                )
            return req
        except IntegrityError:
            continue  # the random number was taken: draw another
    raise PlatformUnavailable(details={"service": "application_number"})


async def update_form(actor: Actor, request_id: int, form: dict[str, Any]) -> ServiceRequest:
    """Replace the form answers of a draft (or of a case waiting for a supplement)."""
    async with in_transaction() as conn:
        req = await service.load(actor, request_id, using_db=conn)
        service.require_editable(req)
        document = await catalog.item_version(req.item_version_id)
        record = await prefill.record_of(req.applicant_id, req.on_behalf_of_id)
        answers = prefill.fill(document, service.unmasked(req, form), record)
        req.form_data, req.form_secrets = service.split_form(document, answers)
        req.updated_at = clock.now()
        await req.save(using_db=conn, update_fields=["form_data", "form_secrets", "updated_at"])
        await audit.record(
            service.as_applicant(actor, req),
            "applications.form_updated",
            target_type="service_request",
            target_id=req.id,
            after={"fields": sorted(form)},  # which answers changed hands, never their values
            using_db=conn,
        )
    return req
