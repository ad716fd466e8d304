"""Bodies of the applications API, shared by the residents' and the staff routes (api.cases)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api._labels import LabelText, OptionalLabelText
from api.payments.schemas import OrderOut
from domain.applications import steps
from domain.applications.catalog import CaseNames, names_of
from domain.applications.checklist import Line
from domain.applications.models import Material, ServiceRequest, Transition
from domain.applications.service import CaseView, masked_form
from domain.shared.actor import Actor
from domain.shared.errors import InvalidInput
from domain.shared.i18n import DEFAULT_LOCALE, _
from domain.workflows import engine, labels


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
    name_label: LabelText
    from_state: str
    from_state_label: LabelText
    to_state: str
    to_state_label: LabelText
    by: str = Field(description="applicant, staff or system")
    by_label: LabelText
    staff_id: int | None = Field(description="The officer, for staff steps (staff view only).")
    comment: str
    reasons: list[str]
    attachments: list[int]
    at: dt.datetime

    @classmethod
    def of(cls, t: Transition, *, for_staff: bool) -> TransitionOut:
        by = {"resident": "applicant"}.get(t.actor_kind, t.actor_kind)
        return cls(
            name=t.name,
            name_label=labels.step(t.name),
            from_state=t.from_state,
            from_state_label=labels.state(t.from_state),
            to_state=t.to_state,
            to_state_label=labels.state(t.to_state),
            by=by,
            by_label=labels.actor(by),
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
    item_label: OptionalLabelText = Field(description="The item's name in the caller's language.")
    item_version_id: int
    department: str
    department_label: OptionalLabelText = Field(description="The department's name in the caller's language.")
    state: str
    state_label: LabelText
    next_steps: list[str] = Field(description="Workflow steps open from this state, whoever takes them.")
    next_steps_labels: list[LabelText]
    applicant_steps: list[str] = Field(description="Of those, the applicant's (withdraw, resubmit, appeal).")
    applicant_steps_labels: list[LabelText]
    staff_steps: list[str] = Field(
        description="Of those, staff's; in the back office only those the caller may take (their role, "
        "受审分离), still subject to the claim and a running public notice."
    )
    staff_steps_labels: list[LabelText]
    on_behalf_of: int | None
    form: dict[str, Any] = Field(description="ID numbers and phones masked.")
    rule_results: dict[str, Any] | None = Field(
        description="秒批's raw record in the rules' own notation (staff view only); people read `checklist`."
    )
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
    def of(
        cls, r: ServiceRequest, *, staff: Actor | None = None, names: CaseNames | None = None
    ) -> ApplicationOut:
        """The case as its applicant sees it, or as ``staff`` do (with the steps offered to them)."""
        workflow = engine.get(r.workflow_code)
        next_steps = workflow.open_from(r.state)
        applicant_steps = workflow.open_from(r.state, "applicant")
        staff_steps = steps.offered(r, staff) if staff is not None else workflow.open_from(r.state, "staff")
        return cls(
            id=r.id,
            number=r.number,
            item_code=r.item_code,
            item_label=names.items.get(r.item_code) if names else None,
            item_version_id=r.item_version_id,
            department=r.department_code,
            department_label=names.departments.get(r.department_code) if names else None,
            state=r.state,
            state_label=labels.state(r.state),
            next_steps=next_steps,
            next_steps_labels=[labels.step(s) for s in next_steps],
            applicant_steps=applicant_steps,
            applicant_steps_labels=[labels.step(s) for s in applicant_steps],
            staff_steps=staff_steps,
            staff_steps_labels=[labels.step(s) for s in staff_steps],
            on_behalf_of=r.on_behalf_of_id,
            form=masked_form(r),
            rule_results=r.rule_results if staff is not None else None,
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


async def application_out(r: ServiceRequest, *, staff: Actor | None = None) -> ApplicationOut:
    """One case with its item's and department's names."""
    return ApplicationOut.of(r, staff=staff, names=await names_of([r]))


async def applications_out(found: list[ServiceRequest], *, staff: Actor | None = None) -> ApplicationsOut:
    names = await names_of(found)
    return ApplicationsOut(items=[ApplicationOut.of(r, staff=staff, names=names) for r in found])


class ChecklistLineOut(BaseModel):
    """One 秒批 rule in words, e.g. 低保对象 · 是 · ✓ (须为：是)."""

    label: LabelText = Field(description="What was checked: the form field's label, or the platform's fact.")
    passed: bool
    detail: LabelText = Field(description="The value found, in words.")
    requirement: LabelText = Field(description="What the rule wants, in words.")
    depth: int = Field(description="0, or 1 for the lines of an 'at least one of the following' group.")

    @classmethod
    def of(cls, line: Line) -> ChecklistLineOut:
        return cls(
            label=line.label,
            passed=line.passed,
            detail=line.detail,
            requirement=line.requirement,
            depth=line.depth,
        )


class CaseOut(ApplicationOut):
    prefilled: list[str] = Field(
        description="The form's fields filled by the server from the verified record of the person the "
        "case is for (or of the applicant); shown read-only, and a value sent for them is ignored."
    )
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
    checklist: list[ChecklistLineOut] | None = Field(
        description="秒批: each rule as a line in the caller's language; null when the item has no 秒批."
    )

    @classmethod
    def of_view(cls, v: CaseView, *, staff: Actor | None = None, locale: str = DEFAULT_LOCALE) -> CaseOut:
        base = ApplicationOut.of(v.request, staff=staff, names=v.names)
        return cls(
            **dict(base),  # its fields as they are: a model_dump() would turn the labels into dicts
            prefilled=v.prefilled,
            timeline=[TransitionOut.of(t, for_staff=staff is not None) for t in v.transitions],
            materials=[MaterialOut.of(m) for m in v.materials],
            rating=v.rating,
            checklist=[ChecklistLineOut.of(line) for line in v.checklist]
            if v.checklist is not None
            else None,
            fee_fen=v.fee_fen,
            payment=OrderOut.of(v.payment) if v.payment else None,
            fee_state=v.fee.state.value,
            fee_note=v.fee.note.render(locale) if v.fee.note else None,
        )
