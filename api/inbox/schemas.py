"""Bodies of the inbox API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from domain.notifications import service
from domain.notifications.models import InboxMessage


class InboxQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unread: bool = False
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=100_000)


class MessageOut(BaseModel):
    id: int
    kind: str
    title: str = Field(description="In the caller's language.")
    body: str
    link: str | None = Field(description="A mini-program page to open.")
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, message: InboxMessage, locale: str) -> MessageOut:
        return cls(
            id=message.id,
            kind=message.kind,
            title=service.title_of(message, locale),
            body=service.body_of(message, locale),
            link=message.link,
            created_at=message.created_at,
            read_at=message.read_at,
        )


class InboxOut(BaseModel):
    items: list[MessageOut]
    total: int
    unread: int
    limit: int
    offset: int
