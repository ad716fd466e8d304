"""What residents and staff read for an appointment's, a queue number's and a fee's state."""

from __future__ import annotations

from domain.appointments.fees import MoneyState
from domain.appointments.models import AppointmentState, SiteKind, TicketState
from domain.shared.i18n import _
from domain.shared.labels import LabelTable

state = LabelTable.of_enum(
    AppointmentState,
    {
        AppointmentState.PENDING_PAYMENT: _("To pay"),
        AppointmentState.BOOKED: _("Booked"),
        AppointmentState.CHECKED_IN: _("Checked in"),
        AppointmentState.COMPLETED: _("Done"),
        AppointmentState.CANCELLED: _("Cancelled"),
        AppointmentState.EXPIRED: _("Expired"),
        AppointmentState.NO_SHOW: _("Missed"),
    },
)

ticket_state = LabelTable.of_enum(
    TicketState,
    {
        TicketState.WAITING: _("Waiting"),
        TicketState.CALLED: _("Called"),
        TicketState.SKIPPED: _("Skipped"),
        TicketState.SERVED: _("Served"),
    },
)

money_state = LabelTable.of_enum(
    MoneyState,
    {
        MoneyState.AWAITING: _("Fee due"),
        MoneyState.PAID: _("Paid"),
        MoneyState.REFUNDING: _("Refunding"),
        MoneyState.REFUNDED: _("Refunded"),
        MoneyState.CLOSED: _("Not paid"),
    },
)

site_kind = LabelTable.of_enum(SiteKind, {SiteKind.HALL: _("Service hall"), SiteKind.HOSPITAL: _("Hospital")})
