"""Inbox routes: parse, one service call with the actor, render in the caller's language."""

from __future__ import annotations

from sanic import HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._kit import documented, parse_query, respond
from api.inbox.schemas import InboxOut, InboxQuery, MessageOut
from domain.notifications import service


@openapi.summary("The caller's inbox, newest first, with the unread count")
@openapi.parameter("unread", bool, "query")
@openapi.parameter("limit", int, "query")
@openapi.parameter("offset", int, "query")
@documented(InboxOut)
@requires("resident")
async def list_messages(request: Request) -> HTTPResponse:
    query = parse_query(request, InboxQuery)
    items, total, unread = await service.inbox(
        actor_of(request), unread_only=query.unread, limit=query.limit, offset=query.offset
    )
    locale = request.ctx.locale
    return respond(
        InboxOut(
            items=[MessageOut.of(m, locale) for m in items],
            total=total,
            unread=unread,
            limit=query.limit,
            offset=query.offset,
        )
    )


@openapi.summary("Mark one of the caller's messages read; anyone else's is 404")
@documented(MessageOut)
@requires("resident")
async def mark_read(request: Request, message_id: int) -> HTTPResponse:
    message = await service.mark_read(actor_of(request), message_id)
    return respond(MessageOut.of(message, request.ctx.locale))
