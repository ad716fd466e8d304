"""Refusals of payments. Notification refusals are answered so that the provider retries."""

from __future__ import annotations

from domain.shared.errors import Conflict, DomainError, ErrorKind, NotFound
from domain.shared.i18n import _


class PaymentOrderNotFound(NotFound):
    code = "payment_order_not_found"
    message = _("There is no such payment.")


class RefundNotFound(NotFound):
    code = "refund_not_found"
    message = _("There is no such refund.")


class PaymentAmountInvalid(DomainError):
    code = "payment_amount_invalid"
    kind = ErrorKind.INVALID
    message = _("The amount must be a whole number of fen above zero.")


class PaymentPurposeConflict(Conflict):
    """The same thing was already put up for payment with another amount."""

    code = "payment_purpose_conflict"
    message = _("This is already being paid for with a different amount.")


class PaymentNotPayable(Conflict):
    """details: ``state``."""

    code = "payment_not_payable"
    message = _("This payment can no longer be paid.")


class OrderNotRefundable(Conflict):
    """details: ``state``: only a paid order (or money that came too late) can be refunded."""

    code = "order_not_refundable"
    message = _("Only a paid order can be refunded.")


class RefundExceedsPaid(Conflict):
    """details: ``refundable`` in fen."""

    code = "refund_exceeds_paid"
    message = _("The refund is more than what is left of the payment.")


class NotificationRejected(DomainError):
    """details: ``reason`` (signature, stale, unknown_serial, malformed, decrypt, mchid, appid,
    order, amount). Nothing was changed; the provider will send it again."""

    code = "payment_notification_rejected"
    kind = ErrorKind.UNAUTHENTICATED
    message = _("The payment notification was not accepted.")


class PaymentProviderUnavailable(DomainError):
    code = "payment_provider_unavailable"
    kind = ErrorKind.UNAVAILABLE
    message = _("The payment platform is not available at the moment.")


class ReconciliationExceptionNotFound(NotFound):
    code = "reconciliation_exception_not_found"
    message = _("There is no such reconciliation exception.")


class PaymentOrderClosed(Conflict):
    """details: ``reason`` (``deadline`` or ``cancelled``): the order ended unpaid, and what it paid
    for cannot be paid again (an appointment's place went with its hold)."""

    code = "payment_order_closed"
    message = _("This payment was closed and can no longer be paid.")


class RefundRefused(Conflict):
    """details: ``provider_code``: the provider refused the refund for good; nothing was given back
    and the amount is refundable again."""

    code = "refund_refused"
    message = _("The payment platform refused the refund.")


class RefundOutsideNotDue(Conflict):
    """details: ``provider`` (a WeChat Pay order is refunded through the app), or ``state``: only a
    government fee whose purpose was cancelled, or whose money came late, is given back by the
    finance bureau's 退付 and recorded here."""

    code = "refund_outside_not_due"
    message = _(
        "Only a government fee for something cancelled, or paid too late, is returned through the "
        "finance bureau."
    )


class RefundReferenceInvalid(DomainError):
    """details: ``reference``: 1 to 31 letters, digits, ``-``, ``_`` or ``/``, starting with a
    letter or digit."""

    code = "refund_reference_invalid"
    kind = ErrorKind.INVALID
    message = _("The finance bureau's reference number is not valid.")


class RefundReferenceUsed(Conflict):
    """details: ``reference``: that 退付 was already recorded, on another order or with another amount."""

    code = "refund_reference_used"
    message = _("This finance bureau reference number was already recorded for another refund.")
