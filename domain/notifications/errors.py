"""Refusals of the inbox."""

from __future__ import annotations

from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import _


class InboxMessageNotFound(DomainError):
    code = "inbox_message_not_found"
    kind = ErrorKind.NOT_FOUND
    message = _("This message was not found.")
