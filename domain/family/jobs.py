"""Family jobs: tell the resident how staff decided on the birth certificate they sent.

Payload: ``family.guardianship_decided``: ``{"proof_id"}``. The inbox message is keyed by the
job, so a repeated delivery writes it once.
"""

from __future__ import annotations

from adapters.wechat.port import WeChat
from domain.family.guardianship import DECIDED_TOPIC, masked_name
from domain.family.models import FamilyMember, GuardianshipProof, ProofOutcome
from domain.notifications.service import Notice, deliver
from domain.outbox.jobs import Job, handler
from domain.shared.i18n import _

NOTICE_KIND = "guardianship"
FAMILY_PAGE = "/pages/family/index"


@handler(DECIDED_TOPIC)
async def guardianship_decided(job: Job) -> None:
    proof = await GuardianshipProof.get_or_none(id=int(job.payload["proof_id"]))
    if proof is None or proof.outcome not in (ProofOutcome.APPROVED, ProofOutcome.REFUSED):
        return
    member = await FamilyMember.get(id=proof.member_id)
    name = masked_name(member)
    if proof.outcome == ProofOutcome.APPROVED:
        title = _("Guardianship confirmed")
        body = _("Staff accepted the birth certificate: you may now act for {name}.", name=name)
    else:
        title = _("Birth certificate not accepted")
        body = _(
            "Staff did not accept the birth certificate for {name}: {reason} You may send another.",
            name=name,
            reason=proof.reason or "",
        )
    wechat: WeChat = job.context.adapters.wechat
    await deliver(
        Notice(user_id=proof.owner_id, kind=NOTICE_KIND, title=title, body=body, link=FAMILY_PAGE),
        source_key=f"{job.topic}:{job.id}",
        wechat=wechat,
    )
