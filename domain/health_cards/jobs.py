"""Health card jobs: report each use to the provincial platform (retried until it answers), and tell
both accounts when a proven guardian reclaims a child's card.

Payloads: ``health_cards.report_usage``: ``{"use_id"}``; ``health_cards.reclaimed``:
``{"card_id", "from_card_id", "from_user_id"}``.
"""

from __future__ import annotations

from adapters.healthcard.port import HealthCardPlatform
from adapters.wechat.port import WeChat
from domain.health_cards.models import CardUse, HealthCard
from domain.health_cards.service import RECLAIMED_TOPIC, REPORT_TOPIC
from domain.notifications.service import Notice, deliver
from domain.outbox.jobs import Job, handler
from domain.shared import clock
from domain.shared.i18n import _

NOTICE_KIND = "health_card"


@handler(REPORT_TOPIC)
async def report_usage(job: Job) -> None:
    use = await CardUse.get_or_none(id=int(job.payload["use_id"]))
    if use is None or use.reported_at is not None:
        return  # delivered at least once: a second delivery has nothing to do
    platform: HealthCardPlatform | None = job.context.adapters.healthcard
    if platform is None:
        return  # no platform configured: the use stays in PalmCity's log only
    card = await HealthCard.get(id=use.card_id)
    await platform.report_usage(
        card.platform_card_id, purpose=use.purpose, site_code=use.site_code, at=use.used_at
    )
    await CardUse.filter(id=use.id).update(reported_at=clock.now())


@handler(RECLAIMED_TOPIC)
async def reclaimed(job: Job) -> None:
    """The guardian: the card is theirs now. The former holder: theirs is cancelled, the entry ended."""
    card = await HealthCard.get(id=int(job.payload["card_id"]))
    wechat: WeChat = job.context.adapters.wechat
    name = card.holder_name_masked
    notices = {
        "guardian": Notice(
            user_id=card.owner_id,
            kind=NOTICE_KIND,
            title=_("Health card reclaimed"),
            body=_(
                "{name}'s health card is now yours; the card another account held for {name} was cancelled.",
                name=name,
            ),
            link=f"/pages/healthcards/card?id={card.id}",
        ),
        "former_holder": Notice(
            user_id=int(job.payload["from_user_id"]),
            kind=NOTICE_KIND,
            title=_("Health card cancelled"),
            body=_(
                "{name}'s proven guardian has taken over {name}'s health card: the card you held was "
                "cancelled and {name} was taken off your family list.",
                name=name,
            ),
            link="/pages/family/index",
        ),
    }
    for who, notice in notices.items():
        await deliver(notice, source_key=f"{job.topic}:{job.id}:{who}", wechat=wechat)
