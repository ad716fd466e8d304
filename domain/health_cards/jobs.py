"""Health card jobs: report each use to the provincial platform (retried until it answers)."""

from __future__ import annotations

from adapters.healthcard.port import HealthCardPlatform
from domain.health_cards.models import CardUse, HealthCard
from domain.health_cards.service import REPORT_TOPIC
from domain.outbox.jobs import Job, handler
from domain.shared import clock


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
