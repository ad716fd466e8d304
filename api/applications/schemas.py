"""Bodies of the applications API, shared by the residents' and the staff routes (api.cases)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.payments.schemas import OrderOut
from domain.applications import steps
from domain.applications.models import Material, ServiceRequest, Transition
from domain.applications.service import CaseView, masked_form
from domain.shared.actor import Actor
from domain.shared.errors import InvalidInput
from domain.shared.i18n import DEFAULT_LOCALE, _
from domain.workflows import engine


class CreateApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_code: str = Field(min_length=1, max_length=40, description="The catalogue item's code.")
    on_behalf_of: int | None = Field(
        default=None, gt=0, lt=2**63, description="An active family member's id."
    )
    form: dict[str, Any] = Field(default_factory=dict, description="Answers so far; checked at submission.")


class UpdateFormIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form: dict[str, Any] = Field(description="All answers (replaces the previous ones).")


class MaterialSourceIn(BaseModel):
    """A material that is not uploaded: an earlier upload, or an e-certificate (免提交)."""

    model_config = ConfigDict(extra="forbid")

    material_code: str = Field(min_length=1, max_length=40)
    reuse_material_id: int | None = Field(
        default=None, gt=0, lt=2**63, description="A material you uploaded for an earlier case."
    )
    certificate_id: int | None = Field(
        default=None,
        gt=0,
        lt=2**63,
        description="One of your e-certificates whose type the material accepts (`certificate_type`).",
    )

    @model_validator(mode="after")
    def _one_source(self) -> MaterialSourceIn:
        if (self.reuse_material_id is None) == (self.certificate_id is None):
            raise MaterialSourceRequired()
        return self


class MaterialSourceRequired(InvalidInput, ValueError):
    """A ValueError too, so that pydantic reports it as this body's error with this code."""

    code = "material_source_required"
    message = _("Give either an earlier material or an e-certificate, not both.")


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=2000)


class MaterialOut(BaseModel):
    id: int
    material_code: str
    content_type: str
    size: int
    sha256: str
    filename: str
    reused_from: int | None
    certificate_id: int | None = Field(description="The e-certificate offered instead of a file (免提交).")
    uploaded_by: str
    created_at: dt.datetime

    @classmethod
    def of(cls, m: Material) -> MaterialOut:
        return cls(
            id=m.id,
            material_code=m.material_code,
            content_type=m.content_type,
            size=m.size,
            sha256=m.sha256,
            filename=m.filename,
            reused_from=m.reused_from_id,
            certificate_id=m.certificate_id,
            uploaded_by=m.uploaded_by,
            created_at=m.created_at,
        )


class TransitionOut(BaseModel):
    name: str
    from_state: str
    to_state: str
    by: str = Field(description="applicant, staff or system")
    staff_id: int | None = Field(description="The officer, for staff steps (staff view only).")
    comment: str
    reasons: list[str]
    attachments: list[int]
    at: dt.datetime

    @classmethod
    def of(cls, t: Transition, *, for_staff: bool) -> TransitionOut:
        return cls(
            name=t.name,
            from_state=t.from_state,
            to_state=t.to_state,
            by={"resident": "applicant"}.get(t.actor_kind, t.actor_kind),
            staff_id=t.actor_id if for_staff and t.actor_kind == "staff" else None,
            comment=t.comment,
            reasons=list(t.reasons),
            attachments=list(t.attachments),
            at=t.at,
        )


class ApplicationOut(BaseModel):
    id: int
    number: str = Field(description="The public number residents quote.")
    item_code: str
    item_version_id: int
    department: str
    state: str
    next_steps: list[str] = Field(description="Workflow steps open from this state, whoever takes them.")
    applicant_steps: list[str] = Field(description="Of those, the applicant's (withdraw, resubmit, appeal).")
    staff_steps: list[str] = Field(
        description="Of those, staff's; in the back office only those the caller may take (their role, "
        "受审分离), still subject to the claim and a running public notice."
    )
    on_behalf_of: int | None
    form: dict[str, Any] = Field(description="ID numbers and phones masked.")
    rule_results: dict[str, Any] | None = Field(description="秒批: each rule and whether it passed.")
    warning: str = Field(description="none, yellow (limit near) or red (limit passed)")
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    started_on: dt.date | None = Field(description="Accepted (受理) on: the clock starts.")
    due_promised_on: dt.date | None
    due_legal_on: dt.date | None
    stage_due_on: dt.date | None
    supplement_due_on: dt.date | None
    paused_since: dt.date | None
    paused_working_days: int
    claimed_by: int | None = Field(description="The officer working on it (staff view only).")

    @classmethod
    def of(cls, r: ServiceRequest, *, staff: Actor | None = None) -> ApplicationOut:
        """The case as its applicant sees it, or as ``staff`` do (with the steps offered to them)."""
        workflow = engine.get(r.workflow_code)
        return cls(
            id=r.id,
            number=r.number,
            item_code=r.item_code,
            item_version_id=r.item_version_id,
            department=r.department_code,
            state=r.state,
            next_steps=workflow.open_from(r.state),
            applicant_steps=workflow.open_from(r.state, "applicant"),
            staff_steps=steps.offered(r, staff)
            if staff is not None
            else workflow.open_from(r.state, "staff"),
            on_behalf_of=r.on_behalf_of_id,
            form=masked_form(r),
            rule_results=r.rule_results,
            warning=str(r.warning),
            created_at=r.created_at,
            submitted_at=r.submitted_at,
            decided_at=r.decided_at,
            started_on=r.started_on,
            due_promised_on=r.due_promised_on,
            due_legal_on=r.due_legal_on,
            stage_due_on=r.stage_due_on,
            supplement_due_on=r.supplement_due_on,
            paused_since=r.paused_since,
            paused_working_days=r.paused_working_days,
            claimed_by=r.claimed_by_id if staff is not None else None,
        )


class ApplicationsOut(BaseModel):
    items: list[ApplicationOut]


class CaseOut(ApplicationOut):
    timeline: list[TransitionOut]
    materials: list[MaterialOut]
    fee_fen: int = Field(description="The item's fee; 0 = free.")
    payment: OrderOut | None = Field(
        description="The fee's payment, once asked for (notice number, receipt)."
    )
    fee_state: str = Field(
        description="none, due, closed (the order closed unpaid: pay again, a new order), paid, refunding, "
        "refunded, refund_by_finance (a government fee, given back through the finance bureau's 退付)"
    )
    fee_note: str | None = Field(description="What to know about the fee, in the caller's language.")
    rating: str | None = Field(
        description="好差评: `open` once the case is finished (decided, or closed by staff); `rated` after."
    )

    @classmethod
    def of_view(cls, v: CaseView, *, staff: Actor | None = None, locale: str = DEFAULT_LOCALE) -> CaseOut:
        base = ApplicationOut.of(v.request, staff=staff)
        return cls(
            **base.model_dump(),
            timeline=[TransitionOut.of(t, for_staff=staff is not None) for t in v.transitions],
            materials=[MaterialOut.of(m) for m in v.materials],
            rating=v.rating,
            fee_fen=v.fee_fen,
            payment=OrderOut.of(v.payment) if v.payment else None,
            fee_state=v.fee.state.value,
            fee_note=v.fee.note.render(locale) if v.fee.note else None,
        )
