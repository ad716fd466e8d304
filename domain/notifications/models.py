"""In-app inbox messages, stored as message ids and parameters so each reader gets their language."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from domain.accounts.models import User


class PushState(StrEnum):
    PENDING = "pending"  # not sent yet (or the last try failed and the outbox retries)
    SENT = "sent"
    REFUSED = "refused"  # errcode 43101: the user has not subscribed; never retried
    SKIPPED = "skipped"  # no template configured for this kind


class InboxMessage(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "palmcity.User", related_name="inbox_messages", on_delete=fields.CASCADE
    )
    user_id: int
    kind = fields.CharField(max_length=32)  # application_status, deadline_warning, ...
    title_msgid = fields.CharField(max_length=200)
    body_msgid = fields.CharField(max_length=500)
    # Values for the msgids' {placeholders}; a value {"msgid": "..."} is itself translated.
    # Ids, codes and dates only: never clear personal data.
    params: Any = fields.JSONField(default=dict)
    link = fields.CharField(max_length=200, null=True)  # a mini-program page
    created_at = fields.DatetimeField()
    read_at = fields.DatetimeField(null=True)
    # The event that caused it ("topic:outbox id"): a redelivered job writes no second message.
    source_key = fields.CharField(max_length=120, unique=True)
    push_state = fields.CharEnumField(PushState, max_length=8, default=PushState.PENDING)
    push_error = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "inbox_message"
        indexes = (("user_id", "read_at"),)
