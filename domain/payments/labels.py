"""What payers and finance staff read for an order's, a refund's and a mismatch's state."""

from __future__ import annotations

from domain.payments.models import MismatchKind, OrderState, RefundState
from domain.shared.i18n import _
from domain.shared.labels import LabelTable

order_state = LabelTable.of_enum(
    OrderState,
    {
        OrderState.CREATED: _("To pay"),
        OrderState.PENDING: _("To pay"),
        OrderState.PAID: _("Paid"),
        OrderState.PARTIALLY_REFUNDED: _("Partly refunded"),
        OrderState.REFUNDED: _("Refunded"),
        OrderState.CLOSED: _("Closed"),
    },
)

refund_state = LabelTable.of_enum(
    RefundState,
    {
        RefundState.PROCESSING: _("Refunding"),
        RefundState.SUCCEEDED: _("Refunded"),
        RefundState.FAILED: _("Refund failed"),
    },
)

mismatch_kind = LabelTable.of_enum(
    MismatchKind,
    {
        MismatchKind.MISSING: _("Not in our books"),
        MismatchKind.EXTRA: _("Not on the statement"),
        MismatchKind.AMOUNT_DIFFERS: _("Amounts differ"),
        MismatchKind.STATE_DIFFERS: _("States differ"),
    },
)
