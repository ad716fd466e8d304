"""Submission with 秒批, and what the applicant does with a filed case: withdraw, resubmit, appeal, pay."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from domain.accounts.models import User
from domain.aid.items import derived_form
from domain.applications import catalog, fees, prefill, service, steps
from domain.applications.errors import MaterialsMissing
from domain.applications.models import Material, ServiceRequest
from domain.applications.rules import RuleResult, evaluate
from domain.family.models import FamilyMember
from domain.identity.service import age_on, birth_date_of, today
from domain.payments.models import PaymentOrder
from domain.payments.service import Providers
from domain.shared.actor import Actor
from domain.workflows import engine


async def platform_facts(req: ServiceRequest) -> dict[str, Any]:
    """What the platform holds about the people on a case, for 秒批 rules (never shown in clear)."""
    user = await User.get(id=req.applicant_id)
    day = today()
    applicant_age = age_on(birth_date_of(user.id_number), day) if user.id_number else None
    subject: dict[str, Any] = {
        "relation": "self",
        "age": applicant_age,
        "identity_level": user.identity_level,
    }
    if req.on_behalf_of_id is not None:
        member = await FamilyMember.get_or_none(id=req.on_behalf_of_id)
        if member is not None:
            subject = {"relation": str(member.relation), "age": age_on(member.birth_date, day)}
    return {
        "applicant": {"identity_level": user.identity_level, "age": applicant_age},
        "subject": subject,
        "today": day.isoformat(),
    }


async def submit(actor: Actor, request_id: int) -> ServiceRequest:
    """Submit a draft: the form and materials are checked, then 秒批 rules decide or staff take it."""
    req = await service.load(actor, request_id)
    # The state first: a submitted case gets invalid_transition, not a verdict on its old form.
    engine.check(engine.get(req.workflow_code), req.state, "submit", actor)
    document = await catalog.item_version(req.item_version_id)
    # The catalogue's check: each bad answer listed with its own code (InvalidInput, 422).
    # The marked fields again from the records as they are now (a name may have been corrected).
    record = await prefill.record_of(req.applicant_id, req.on_behalf_of_id)
    form = catalog.validate_form(document, prefill.fill(document, service.form_of(req), record))
    present = {m.material_code for m in await Material.filter(request_id=req.id).only("id", "material_code")}
    missing = [m.code for m in document.materials if m.required and not m.tolerated and m.code not in present]
    if missing:
        raise MaterialsMissing(details={"materials": missing})
    # Rules also read values computed from the answers (an aid scheme's sums, an age on a cut-off day).
    facts = {**(await platform_facts(req)), "form": derived_form(req.workflow_code, form, today())}
    result: RuleResult | None = None
    if document.instant_rules is not None:
        result = evaluate(document.instant_rules, facts)
    async with in_transaction() as conn:
        locked = await service.load(actor, request_id, using_db=conn)
        locked.rule_results = result.as_dict() if result else None
        locked.form_data, locked.form_secrets = service.split_form(document, form)  # the cleaned answers
        await steps.step(conn, locked, "submit", service.as_applicant(actor, locked), document=document)
        workflow = engine.get(locked.workflow_code)
        instant = (
            result is not None and result.passed and "instant_approve" in workflow.open_from(locked.state)
        )
        if instant and await fees.settled(locked, document):  # an unpaid fee sends it to staff
            await steps.step(
                conn,
                locked,
                "instant_approve",
                Actor.system(actor.request_id),
                document=document,
                # no comment: the step's name says 秒批 in the reader's language, and the rules'
                # results are kept on the case (rule_results) for staff's checklist
            )
    return locked


async def withdraw(actor: Actor, request_id: int, *, comment: str = "") -> ServiceRequest:
    """The applicant withdraws a case before a decision."""
    return await steps.act(actor, request_id, "withdraw", comment=comment)


async def resubmit(actor: Actor, request_id: int, *, comment: str = "") -> ServiceRequest:
    """The applicant hands in the supplement staff asked for; the clock runs again."""
    return await steps.act(actor, request_id, "resubmit", comment=comment)


async def pay_fee(actor: Actor, providers: Providers, request_id: int) -> PaymentOrder:
    """The applicant pays the item's fee for a filed case (``application_fee_not_due`` otherwise)."""
    return await fees.pay(providers, await service.load(actor, request_id))


async def appeal(actor: Actor, request_id: int, *, comment: str) -> ServiceRequest:
    """The applicant appeals a refusal, where the workflow allows one; the comment gives the grounds."""
    return await steps.act(actor, request_id, "appeal", comment=comment)
