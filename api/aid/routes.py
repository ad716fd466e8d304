"""Staff calculators: the medical-aid payout (seed 000) and the rehabilitation-aid amount (seed 001).

They compute and change nothing, so they write no audit record; the decision that uses their
figure is audited where it is taken (the case's transition).
"""

from __future__ import annotations

from sanic import HTTPResponse, Request
from sanic_ext import openapi

from api._access import requires_staff
from api._kit import body, documented, respond
from api.aid.schemas import MedicalPayoutIn, MedicalPayoutOut, RehabilitationAmountIn, RehabilitationAmountOut
from domain.aid import medical, rehabilitation
from domain.identity.service import today
from domain.staff.roles import Role


@openapi.summary("Medical aid payout for one claim (case officers)")
@openapi.description(
    "Arts. 7-11 of 清新府办〔2018〕16号: the basic aid at the category's rate and yearly cap, then the "
    "catastrophic-illness aid on what is left. Amounts in fen. Refusals: "
    "`aid_pooling_needs_two_inpatients`, `aid_deductions_not_applicable`, `aid_paid_exceeds_cap`, "
    "and per-field codes (`aid_expense_flag_unknown`, `too_large`, `wrong_type`...)."
)
@documented(MedicalPayoutOut)
@requires_staff(Role.CASE_OFFICER)
@body(MedicalPayoutIn)
async def medical_payout(request: Request) -> HTTPResponse:
    data: MedicalPayoutIn = request.ctx.body
    payout = medical.payout(
        data.category,
        [m.to_domain() for m in data.members],
        pool_family=data.pool_family,
        reading=data.catastrophic_reading,
    )
    return respond(MedicalPayoutOut.of(payout))


@openapi.summary("Rehabilitation aid amount for one aid item (case officers)")
@openapi.description(
    "Arts. 5 and 8 of 汕府办〔2019〕21号: the child's age on 31 August of the application year (from "
    "the ID number), the item's disability types and its amount. Refusals: "
    "`rehabilitation_age_exceeded`, `rehabilitation_age_too_young`, "
    "`rehabilitation_item_not_for_disability`, `rehabilitation_part_time_not_eligible`, "
    "`rehabilitation_course_too_soon`, `rehabilitation_months_required`, "
    "`rehabilitation_months_exceeded`, `rehabilitation_self_pay_required`, "
    "`rehabilitation_standard_external`, and per-field codes (`id_number_invalid`...)."
)
@documented(RehabilitationAmountOut)
@requires_staff(Role.CASE_OFFICER)
@body(RehabilitationAmountIn)
async def rehabilitation_amount(request: Request) -> HTTPResponse:
    data: RehabilitationAmountIn = request.ctx.body
    return respond(RehabilitationAmountOut.of(rehabilitation.amount(data.to_domain(today()))))
