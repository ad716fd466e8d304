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
from domain.applications.catalog import item_names, names_of
from domain.applications.models import ServiceRequest
from domain.certificates.models import ECertificate
from domain.evaluations import service as evaluations
from domain.evaluations.models import RateableService
from domain.notifications.service import Notice, deliver
from domain.outbox.jobs import Job, handler
from domain.shared.i18n import _
from domain.shared.labels import Label, Names
from domain.workflows import labels


def _wechat(job: Job) -> WeChat:
    wechat: WeChat = job.context.adapters.wechat
    return wechat


async def _send(job: Job, notice: Notice) -> None:
    await deliver(notice, source_key=f"{job.topic}:{job.id}", wechat=_wechat(job))


async def _service_name(payload: dict[str, Any]) -> Names | None:
    """The name of the service a case is for: messages name it, never a 16-digit case number."""
    case = await ServiceRequest.get_or_none(id=int(payload["request_id"]))
    return None if case is None else (await names_of([case])).items.get(case.item_code)


def _application_link(payload: dict[str, Any]) -> str:
    return f"/pages/applications/detail?id={int(payload['request_id'])}"


@handler("applications.status_changed")
async def application_status_changed(job: Job) -> None:
    """Tell the applicant their application moved to a new state."""
    state = labels.state(str(job.payload["state"]))
    service = await _service_name(job.payload)
    await _send(
        job,
        Notice(
            user_id=int(job.payload["user_id"]),
            kind="application_status",
            title=_("Application update"),
            body=_("Your application for {service} is now: {state}.", service=service, state=state)
            if service
            else _("Your application is now: {state}.", state=state),
            link=_application_link(job.payload),
        ),
    )


@handler("applications.deadline_warning")
async def application_deadline_warning(job: Job) -> None:
    """Remind the applicant of something they must do by a date."""
    service = await _service_name(job.payload)
    await _send(
        job,
        Notice(
            user_id=int(job.payload["user_id"]),
            kind="deadline_warning",
            title=_("Action needed"),
            body=_(
                "Your application for {service} needs your action by {due_date}.",
                service=service,
                due_date=str(job.payload["due_date"]),
            )
            if service
            else _(
                "Your application needs your action by {due_date}.", due_date=str(job.payload["due_date"])
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
            body=_(
                "Please rate the service you received ({item})",
                item=await _rated_thing(rateable),
            ),
            link=f"/pages/evaluations/new?target_type={rateable.target_type.value}"
            f"&target_id={rateable.target_id}",
        ),
    )


async def _rated_thing(rateable: RateableService) -> Label:
    """What the invitation names: what its kind registered (a spot visit: the spot), else the
    catalogue item."""
    named = evaluations.rated_names.get(rateable.target_type)
    found = (
        await named(rateable)
        if named is not None
        else (await item_names([rateable.item_code])).get(rateable.item_code)
    )
    return found or _("a service")


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
