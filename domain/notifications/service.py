"""Deliver a notice to the in-app inbox and as a WeChat subscribe message; read the inbox.

Delivery runs in outbox jobs (``domain.notifications.jobs``), at least once: the inbox message is
keyed by the event, and the push is tried only while it is still pending. A recipient who refused
the template (errcode 43101) is final and not retried; any other WeChat failure is raised so the
outbox retries the job with backoff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError

from adapters.wechat.port import WeChat, WeChatError, WeChatRecipientRefused
from domain.accounts.models import User
from domain.notifications.errors import InboxMessageNotFound
from domain.notifications.models import InboxMessage, PushState
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.i18n import LazyText
from domain.shared.labels import Names

# WeChat's limit for a `thing` value in a subscribe message.
THING_MAX_CHARS = 20

_templates: dict[str, str] = {}


def install_templates(templates: Mapping[str, str]) -> None:
    """Subscribe-message template ids per notice kind (from settings), once per process."""
    _templates.clear()
    _templates.update(templates)


@dataclass(frozen=True)
class Notice:
    user_id: int
    kind: str
    title: LazyText
    body: LazyText
    link: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _stored(value: Any) -> Any:
    if isinstance(value, LazyText):
        return {"msgid": value.msgid}
    if isinstance(value, Names):
        return {"names": value.as_dict()}
    return value


def stored_params(text: LazyText) -> dict[str, Any]:
    """Parameters as the inbox keeps them: a label as its msgid, a name in every language (a service's
    name), so that the message is rendered in the reader's language whenever it is read."""
    return {k: _stored(v) for k, v in text.params.items()}


def _loaded(value: Any) -> Any:
    if isinstance(value, dict) and "msgid" in value:
        return LazyText(value["msgid"])
    if isinstance(value, dict) and isinstance(value.get("names"), dict):
        return Names.from_dict(value["names"])
    return value


def render(msgid: str, params: Mapping[str, Any], locale: str) -> str:
    """A stored msgid with its stored parameters, in ``locale``."""
    return LazyText(msgid, {k: _loaded(v) for k, v in params.items()}).render(locale)


def title_of(message: InboxMessage, locale: str) -> str:
    return render(message.title_msgid, message.params, locale)


def body_of(message: InboxMessage, locale: str) -> str:
    return render(message.body_msgid, message.params, locale)


async def deliver(notice: Notice, *, source_key: str, wechat: WeChat) -> InboxMessage:
    """Write the inbox message once per event, then push it unless already settled."""
    message = await _inbox_message(notice, source_key)
    if message.push_state != PushState.PENDING:
        return message
    template = _templates.get(notice.kind)
    if template is None:
        return await _settle(message, PushState.SKIPPED)
    user = await User.get(id=notice.user_id)
    title, body = title_of(message, user.locale), body_of(message, user.locale)
    try:
        await wechat.send_subscribe_message(
            user.openid,
            template,
            {"thing1": title[:THING_MAX_CHARS], "thing2": body[:THING_MAX_CHARS]},
            page=message.link,
        )
    except WeChatRecipientRefused as exc:
        return await _settle(message, PushState.REFUSED, f"errcode {exc.errcode}")
    except WeChatError as exc:
        await InboxMessage.filter(id=message.id).update(push_error=f"errcode {exc.errcode}")
        raise  # the outbox retries with backoff
    return await _settle(message, PushState.SENT)


async def _inbox_message(notice: Notice, source_key: str) -> InboxMessage:
    existing = await InboxMessage.get_or_none(source_key=source_key)
    if existing is not None:
        return existing
    try:
        return await InboxMessage.create(
            user_id=notice.user_id,
            kind=notice.kind,
            title_msgid=notice.title.msgid,
            body_msgid=notice.body.msgid,
            params={**stored_params(notice.title), **stored_params(notice.body)},
            link=notice.link,
            created_at=clock.now(),
            source_key=source_key,
        )
    except IntegrityError:
        # Two deliveries of one event at once (a lease ran out mid-run): the first write stands.
        return await InboxMessage.get(source_key=source_key)


async def _settle(message: InboxMessage, state: PushState, error: str | None = None) -> InboxMessage:
    await InboxMessage.filter(id=message.id, push_state=PushState.PENDING).update(
        push_state=state, push_error=error
    )
    message.push_state, message.push_error = state, error
    return message


async def inbox(
    actor: Actor, *, unread_only: bool = False, limit: int = 20, offset: int = 0
) -> tuple[list[InboxMessage], int, int]:
    """The caller's messages, newest first, with the total and the unread count."""
    query = InboxMessage.filter(user_id=actor.id)
    unread = await query.filter(read_at__isnull=True).count()
    if unread_only:
        query = query.filter(read_at__isnull=True)
    total = await query.count()
    items = await query.order_by("-created_at", "-id").offset(offset).limit(limit)
    return items, total, unread


async def mark_read(actor: Actor, message_id: int) -> InboxMessage:
    """Mark one of the caller's messages read (again is a no-op); anyone else's is not found."""
    message = await InboxMessage.get_or_none(id=message_id, user_id=actor.id)
    if message is None:
        raise InboxMessageNotFound()
    if message.read_at is None:
        message.read_at = clock.now()
        await InboxMessage.filter(id=message.id, read_at__isnull=True).update(read_at=message.read_at)
    return message
