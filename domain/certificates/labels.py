"""What a holder and a verifier read for an e-certificate's status and validity today."""

from __future__ import annotations

from domain.certificates.models import CertificateStatus
from domain.certificates.service import Validity
from domain.shared.i18n import _
from domain.shared.labels import LabelTable

status = LabelTable.of_enum(
    CertificateStatus, {CertificateStatus.ACTIVE: _("In force"), CertificateStatus.REVOKED: _("Revoked")}
)

validity = LabelTable.of_enum(
    Validity,
    {
        Validity.VALID: _("Valid"),
        Validity.NOT_YET_VALID: _("Not valid yet"),
        Validity.EXPIRED: _("Expired"),
        Validity.REVOKED: _("Revoked"),
    },
)
