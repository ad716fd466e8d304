"""Outbox handlers that turn events into inbox messages and subscribe messages.

Payload contracts (ids, codes and dates only, never clear personal data):

- ``applications.status_changed``: ``{"request_id", "user_id", "state", "reference"?}``
- ``applications.deadline_warning``: ``{"request_id", "user_id", "due_date": "YYYY-MM-DD", "reference"?}``
- ``evaluations.invite``: ``{"rateable_id", "user_id"}`` (written by ``domain.evaluations``)
- ``certificates.issued``: ``{"certificate_id", "user_id"}`` (written by ``domain.certificates``)
"""

from __future__ import annotations

from typing import Any

from adapters.wechat.port import WeChat
from domain.certificates.models import ECertificate
from domain.evaluations import service as evaluations
from domain.notifications.service import Notice, deliver
from domain.outbox.jobs import Job, handler
from domain.shared.i18n import LazyText, _

# Case states of the palm-office lifecycle as residents read them; an unknown code shows as is.
STATE_LABELS: dict[str, LazyText] = {
    "submitted": _("submitted"),
    "accepted": _("accepted"),
    "not_accepted": _("not accepted"),
    "supplement_requested": _("waiting for your supplement"),
    "resubmitted": _("resubmitted"),
    "under_review": _("under review"),
    "approved": _("approved"),
    "denied": _("denied"),
    "delivered": _("delivered"),
    "closed": _("closed"),
    "withdrawn": _("withdrawn"),
}


def _wechat(job: Job) -> WeChat:
    wechat: WeChat = job.context.adapters.wechat
    return wechat


async def _send(job: Job, notice: Notice) -> None:
    await deliver(notice, source_key=f"{job.topic}:{job.id}", wechat=_wechat(job))


def _reference(payload: dict[str, Any]) -> str:
    return str(payload.get("reference") or payload["request_id"])


def _application_link(payload: dict[str, Any]) -> str:
    return f"/pages/applications/detail?id={int(payload['request_id'])}"


@handler("applications.status_changed")
async def application_status_changed(job: Job) -> None:
    """Tell the applicant their application moved to a new state."""
    state = str(job.payload["state"])
    await _send(
        job,
        Notice(
            user_id=int(job.payload["user_id"]),
            kind="application_status",
            title=_("Application update"),
            body=_(
                "Your application {reference} is now: {state}.",
                reference=_reference(job.payload),
                state=STATE_LABELS.get(state, state),
            ),
            link=_application_link(job.payload),
        ),
    )


@handler("applications.deadline_warning")
async def application_deadline_warning(job: Job) -> None:
    """Remind the applicant of something they must do by a date."""
    await _send(
        job,
        Notice(
            user_id=int(job.payload["user_id"]),
            kind="deadline_warning",
            title=_("Action needed"),
            body=_(
                "Your application {reference} needs your action by {due_date}.",
                reference=_reference(job.payload),
                due_date=str(job.payload["due_date"]),
            ),
            link=_application_link(job.payload),
        ),
    )


@handler("evaluations.invite")
async def evaluation_invite(job: Job) -> None:
    """Three days after a service finished, invite its resident to rate it, unless they already did."""
    rateable = await evaluations.claim_invitation(int(job.payload["rateable_id"]))
    if rateable is None:
        return
    await _send(
        job,
        Notice(
            user_id=rateable.user_id,
            kind="evaluation_invite",
            title=_("How did we do?"),
            body=_("Please rate the service you received ({item})", item=rateable.item_code),
            link=f"/pages/evaluations/new?target_type={rateable.target_type.value}"
            f"&target_id={rateable.target_id}",
        ),
    )


@handler("certificates.issued")
async def certificate_issued(job: Job) -> None:
    """Tell the holder a new e-certificate is in their wallet."""
    cert = await ECertificate.get_or_none(id=int(job.payload["certificate_id"]))
    if cert is None:
        return
    await _send(
        job,
        Notice(
            user_id=cert.holder_id,
            kind="certificate_issued",
            title=_("New e-certificate"),
            body=_("Your e-certificate {number} is in your wallet.", number=cert.number or ""),
            link=f"/pages/certificates/detail?id={cert.id}",
        ),
    )
