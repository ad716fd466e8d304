"""Refusals of e-certificate issue, reading, verification and revocation."""

from __future__ import annotations

from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import _


class CertificateNotFound(DomainError):
    code = "certificate_not_found"
    kind = ErrorKind.NOT_FOUND
    message = _("This certificate was not found.")


class CertificateNumberInvalid(DomainError):
    code = "certificate_number_invalid"
    kind = ErrorKind.INVALID
    message = _("This is not a valid certificate number.")


class CertificateSignatureInvalid(DomainError):
    code = "certificate_signature_invalid"
    kind = ErrorKind.INVALID
    message = _("The certificate's signature does not match its content: it may have been altered.")


class CertificateKeyUnknown(DomainError):
    code = "certificate_key_unknown"
    kind = ErrorKind.INVALID
    message = _("The certificate was signed with a key PalmCity does not know.")


class CertificateAlreadyRevoked(DomainError):
    code = "certificate_already_revoked"
    kind = ErrorKind.CONFLICT
    message = _("This certificate has already been revoked.")


class CertificateInputInvalid(DomainError):
    """Raised to the module that issues (a programming error there, never a client's input)."""

    code = "certificate_input_invalid"
    kind = ErrorKind.INVALID
    message = _("The certificate cannot be issued with these values.")
