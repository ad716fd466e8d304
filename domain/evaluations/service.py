"""好差评 to the national standard: one rating per finished service, 差评 → rectification work order.

The module that finishes a service (applications on 办结, the hall on a served ticket) calls
:func:`service_finished` in its transaction; that makes the service rateable by its resident and
schedules the ``evaluations.invite`` reminder three days later (sent only if still unrated).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from domain.audit import service as audit
from domain.evaluations.errors import (
    EvaluationCommentRequired,
    EvaluationExists,
    EvaluationIndicatorUnknown,
    EvaluationNotOpen,
    InvalidTransition,
    RectificationDepartmentRequired,
    RectificationOrderNotFound,
)
from domain.evaluations.models import (
    Evaluation,
    EvaluationLevel,
    RateableService,
    RectificationOrder,
    RectificationState,
    RectificationStep,
    TargetType,
)
from domain.outbox.service import enqueue
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.i18n import LazyText, _
from domain.shared.labels import Label
from domain.shared.registry import Registry
from domain.staff.roles import Role, authorize, visible_scopes
from domain.workdays.service import add_working_days

INVITE_TOPIC = "evaluations.invite"
INVITE_AFTER = timedelta(days=3)
RECTIFICATION_WORKING_DAYS = 15

# What a rateable service is called where residents read it (the invitation to rate it), by target
# type, for the kinds whose name is not their catalogue item's: a spot visit is named by its spot.
# Registered by the module that makes such rateables (``domain.tourism.complaints``), so that
# notifications need not know every module that finishes services.
RatedName = Callable[[RateableService], Awaitable[Label | None]]
rated_names: Registry[TargetType, RatedName] = Registry("rated service name")

# The indicator set per kind of service: the seed's four aspects (服务态度、服务流程、服务环境、
# 服务质量, seed 001 L497) plus what an online service adds (guide, ease of applying, timeliness).
INDICATORS: dict[str, LazyText] = {
    "guide_accuracy": _("Accuracy of the service guide"),
    "ease_of_applying": _("Ease of applying"),
    "timeliness": _("Timeliness"),
    "attitude": _("Service attitude"),
    "process": _("Service process"),
    "environment": _("Service environment"),
    "quality": _("Service quality"),
}
INDICATORS_BY_TARGET: dict[TargetType, tuple[str, ...]] = {
    TargetType.SERVICE_REQUEST: (
        "guide_accuracy",
        "ease_of_applying",
        "timeliness",
        "attitude",
        "process",
        "quality",
    ),
    TargetType.COUNTER_SERVICE: ("timeliness", "attitude", "process", "environment", "quality"),
    # A visit to a scenic spot: booking and entry (process), its staff, the site, the visit itself.
    TargetType.SPOT_VISIT: ("process", "attitude", "environment", "quality"),
}

# action → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[RectificationState], RectificationState]] = {
    "revisit": (frozenset({RectificationState.OPEN}), RectificationState.REVISITED),
    "reassign": (frozenset({RectificationState.REVISITED}), RectificationState.REASSIGNED),
    "supervise": (frozenset({RectificationState.REASSIGNED}), RectificationState.SUPERVISED),
    "rectify": (frozenset({RectificationState.SUPERVISED}), RectificationState.RECTIFIED),
    "approve": (frozenset({RectificationState.RECTIFIED}), RectificationState.CLOSED),
    # 审核 not passed: back to supervision for another rectification.
    "reject": (frozenset({RectificationState.RECTIFIED}), RectificationState.SUPERVISED),
}


# -- rateable services ---------------------------------------------------------------------------


async def service_finished(
    *,
    target_type: TargetType,
    target_id: int,
    user_id: int,
    item_code: str,
    department_code: str,
    using_db: BaseDBAsyncClient,
) -> RateableService:
    """Make a finished service rateable by its resident and schedule the 3-day invitation (idempotent)."""
    existing = (
        await RateableService.filter(target_type=target_type, target_id=target_id).using_db(using_db).first()
    )
    if existing is not None:
        return existing
    rateable = await RateableService.create(
        target_type=target_type,
        target_id=target_id,
        user_id=user_id,
        item_code=item_code,
        department_code=department_code,
        finished_at=clock.now(),
        using_db=using_db,
    )
    await enqueue(
        INVITE_TOPIC,
        {"rateable_id": rateable.id, "user_id": user_id},
        using_db=using_db,
        delay=INVITE_AFTER,
        key=f"{INVITE_TOPIC}:{target_type.value}:{target_id}",
    )
    return rateable


async def claim_invitation(rateable_id: int) -> RateableService | None:
    """The rateable service to invite for, or None when it was rated (or invited) meanwhile."""
    rateable = await RateableService.get_or_none(id=rateable_id)
    if rateable is None or rateable.evaluated_at is not None:
        return None
    if rateable.invited_at is None:
        await RateableService.filter(id=rateable.id, invited_at__isnull=True).update(invited_at=clock.now())
    return rateable


# -- evaluations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    target_type: TargetType
    target_id: int
    level: EvaluationLevel
    indicators: Mapping[str, EvaluationLevel]
    comment: str | None


def _check_rating(rating: Rating) -> None:
    allowed = INDICATORS_BY_TARGET[rating.target_type]
    unknown = sorted(code for code in rating.indicators if code not in allowed)
    if unknown:
        raise EvaluationIndicatorUnknown(details={"indicators": unknown[:10], "allowed": list(allowed)})
    if rating.level.is_bad and not (rating.comment or "").strip():
        raise EvaluationCommentRequired()


async def evaluate(actor: Actor, rating: Rating) -> Evaluation:
    """Rate one finished service of the caller's; a 差评 opens a rectification work order."""
    _check_rating(rating)
    rateable = await RateableService.get_or_none(
        target_type=rating.target_type, target_id=rating.target_id, user_id=actor.id
    )
    if rateable is None:
        # The same answer for unknown, unfinished and someone else's services: nothing leaks.
        raise EvaluationNotOpen()
    if rateable.evaluated_at is not None:
        raise EvaluationExists()
    # Counted before the transaction: the calendar reads its own table.
    due = (
        await add_working_days(clock.today_in_china(), RECTIFICATION_WORKING_DAYS)
        if rating.level.is_bad
        else None
    )
    try:
        async with in_transaction() as conn:
            evaluation = await _record(actor, rating, rateable, conn)
            if due is not None:
                await _open_order(evaluation, due, conn)
    except IntegrityError as exc:
        raise EvaluationExists() from exc  # a concurrent rating of the same service won
    return evaluation


async def _record(
    actor: Actor, rating: Rating, rateable: RateableService, conn: BaseDBAsyncClient
) -> Evaluation:
    now = clock.now()
    evaluation = await Evaluation.create(
        target_type=rating.target_type,
        target_id=rating.target_id,
        user_id=actor.id,
        item_code=rateable.item_code,
        department_code=rateable.department_code,
        level=rating.level,
        score=rating.level.score,
        indicators={code: level.value for code, level in rating.indicators.items()},
        comment=(rating.comment or "").strip() or None,
        created_at=now,
        using_db=conn,
    )
    marked = await (
        RateableService.filter(id=rateable.id, evaluated_at__isnull=True)
        .using_db(conn)
        .update(evaluated_at=now)
    )
    if marked != 1:
        raise EvaluationExists()
    await audit.record(
        actor,
        "evaluation.created",
        target_type="evaluation",
        target_id=evaluation.id,
        after={"target": f"{rating.target_type.value}:{rating.target_id}", "level": rating.level.value},
        using_db=conn,
    )
    return evaluation


async def _open_order(evaluation: Evaluation, due: dt.date, conn: BaseDBAsyncClient) -> RectificationOrder:
    order = await RectificationOrder.create(
        evaluation_id=evaluation.id,
        department_code=evaluation.department_code,
        item_code=evaluation.item_code,
        due_date=due,
        created_at=clock.now(),
        using_db=conn,
    )
    await RectificationStep.create(
        order_id=order.id,
        action="open",
        to_state=RectificationState.OPEN.value,
        department_code=order.department_code,
        actor_id=None,
        at=order.created_at,
        using_db=conn,
    )
    await audit.record(
        Actor.system(),
        "rectification.opened",
        target_type="rectification_order",
        target_id=order.id,
        after={"evaluation_id": evaluation.id, "due_date": due.isoformat()},
        using_db=conn,
    )
    return order


async def mine(actor: Actor) -> list[Evaluation]:
    """The caller's own evaluations, newest first."""
    return await Evaluation.filter(user_id=actor.id).order_by("-created_at", "-id")


# -- rectification work orders (staff) -----------------------------------------------------------


async def list_orders(
    actor: Actor,
    *,
    state: RectificationState | None = None,
    department_code: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[RectificationOrder], int]:
    """Work orders in the caller's departments, oldest due first."""
    authorize(actor, Role.CASE_OFFICER, department_code)
    query = RectificationOrder.all()
    scopes = visible_scopes(actor)
    if scopes is not None:
        query = query.filter(department_code__in=sorted(scopes))
    if department_code:
        query = query.filter(department_code=department_code)
    if state is not None:
        query = query.filter(state=state)
    total = await query.count()
    return await query.order_by("due_date", "id").offset(offset).limit(limit).prefetch_related("steps"), total


async def get_order(actor: Actor, order_id: int) -> RectificationOrder:
    """One work order with its steps and evaluation (case officers of its department)."""
    authorize(actor, Role.CASE_OFFICER)
    order = await _load_order(order_id)
    authorize(actor, Role.CASE_OFFICER, order.department_code)
    return order


async def _load_order(order_id: int) -> RectificationOrder:
    order = await RectificationOrder.get_or_none(id=order_id).prefetch_related("steps", "evaluation")
    if order is None:
        raise RectificationOrderNotFound()
    return order


async def advance(
    actor: Actor, order_id: int, *, action: str, note: str, department_code: str | None = None
) -> RectificationOrder:
    """Take one step of the work order (回访, 转派, 督办, 整改, 审核 approve or reject); audited."""
    authorize(actor, Role.CASE_OFFICER)
    if action not in TRANSITIONS:
        raise InvalidTransition(details={"action": action[:32], "allowed": list(TRANSITIONS)})
    sources, target = TRANSITIONS[action]
    if action == "reassign" and not department_code:
        raise RectificationDepartmentRequired()
    async with in_transaction() as conn:
        order = await RectificationOrder.filter(id=order_id).using_db(conn).select_for_update().first()
        if order is None:
            raise RectificationOrderNotFound()
        authorize(actor, Role.CASE_OFFICER, order.department_code)
        before = order.state
        if before not in sources:
            raise InvalidTransition(details={"action": action, "state": before.value})
        order.state = target
        if action == "reassign" and department_code:
            order.department_code = department_code
        if target == RectificationState.CLOSED:
            order.closed_at = clock.now()
        await order.save(using_db=conn, update_fields=["state", "department_code", "closed_at"])
        await RectificationStep.create(
            order_id=order.id,
            action=action,
            from_state=before.value,
            to_state=target.value,
            department_code=order.department_code,
            note=note,
            actor_id=actor.id,
            at=clock.now(),
            using_db=conn,
        )
        await audit.record(
            actor,
            f"rectification.{action}",
            target_type="rectification_order",
            target_id=order.id,
            before={"state": before.value},
            after={"state": target.value, "department_code": order.department_code},
            using_db=conn,
        )
    # Not get_order: after 转派 the caller may no longer see the order, yet the step was theirs.
    return await _load_order(order_id)


def is_overdue(order: RectificationOrder, today: dt.date | None = None) -> bool:
    return order.state != RectificationState.CLOSED and (today or clock.today_in_china()) > order.due_date


# -- statistics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    department_code: str
    item_code: str
    counts: dict[EvaluationLevel, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def bad(self) -> int:
        return sum(n for level, n in self.counts.items() if level.is_bad)

    @property
    def satisfaction_rate(self) -> float:
        """Share of ratings that are not 差评 (the national 满意率)."""
        return round((self.total - self.bad) / self.total, 4) if self.total else 0.0


async def statistics(
    actor: Actor, *, department_code: str | None = None, item_code: str | None = None
) -> list[Tally]:
    """Ratings per department and item, by level, within the caller's departments."""
    authorize(actor, Role.CASE_OFFICER, department_code)
    query = Evaluation.all()
    scopes = visible_scopes(actor)
    if scopes is not None:
        query = query.filter(department_code__in=sorted(scopes))
    if department_code:
        query = query.filter(department_code=department_code)
    if item_code:
        query = query.filter(item_code=item_code)
    rows = (
        await query.annotate(n=Count("id"))
        .group_by("department_code", "item_code", "level")
        .values("department_code", "item_code", "level", "n")
    )
    tallies: dict[tuple[str, str], dict[EvaluationLevel, int]] = {}
    for row in rows:
        counts = tallies.setdefault(
            (row["department_code"], row["item_code"]), dict.fromkeys(EvaluationLevel, 0)
        )
        counts[EvaluationLevel(row["level"])] += int(row["n"])
    return [Tally(dept, item, counts) for (dept, item), counts in sorted(tallies.items())]
