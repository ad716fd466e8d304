"""Refusals of login and profile changes."""

from __future__ import annotations

from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import _


class WeChatCodeInvalid(DomainError):
    code = "wechat_code_invalid"
    kind = ErrorKind.INVALID
    message = _("The WeChat code is invalid or has expired; please try again.")


class WeChatRateLimited(DomainError):
    code = "wechat_rate_limited"
    kind = ErrorKind.RATE_LIMITED
    message = _("WeChat is receiving too many requests from you; please try again in a minute.")


class UserNotFound(DomainError):
    code = "user_not_found"
    kind = ErrorKind.UNAUTHENTICATED
    message = _("This account no longer exists; please log in again.")
