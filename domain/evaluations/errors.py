"""Refusals of 好差评 evaluations and rectification work orders."""

from __future__ import annotations

from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import _


class EvaluationNotOpen(DomainError):
    code = "evaluation_not_open"
    kind = ErrorKind.CONFLICT
    message = _("Only a finished service of yours can be rated.")


class EvaluationExists(DomainError):
    code = "evaluation_exists"
    kind = ErrorKind.CONFLICT
    message = _("This service has already been rated.")


class EvaluationIndicatorUnknown(DomainError):
    code = "evaluation_indicator_unknown"
    kind = ErrorKind.INVALID
    message = _("This indicator is not rated for this kind of service.")


class EvaluationCommentRequired(DomainError):
    code = "evaluation_comment_required"
    kind = ErrorKind.INVALID
    message = _("Please tell us what went wrong, so that it can be put right.")


class RectificationOrderNotFound(DomainError):
    code = "rectification_order_not_found"
    kind = ErrorKind.NOT_FOUND
    message = _("This work order was not found.")


class InvalidTransition(DomainError):
    code = "invalid_transition"
    kind = ErrorKind.CONFLICT
    message = _("This step is not possible in the current state.")


class RectificationDepartmentRequired(DomainError):
    code = "rectification_department_required"
    kind = ErrorKind.INVALID
    message = _("Say which department the work order is handed to.")
