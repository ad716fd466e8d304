"""Refusals of real-name verification and of actions that need a higher identity level."""

from __future__ import annotations

from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import _


class IdentityLevelRequired(DomainError):
    code = "identity_level_required"
    kind = ErrorKind.FORBIDDEN
    message = _("Please verify your real name first.")


class IdentityReturnToInvalid(DomainError):
    code = "identity_return_to_invalid"
    kind = ErrorKind.INVALID
    message = _("The return address must be a page of this site.")


class IdentityStateInvalid(DomainError):
    code = "identity_state_invalid"
    kind = ErrorKind.INVALID
    message = _("This verification is unknown or has expired; please start again.")


class IdentityStateUsed(DomainError):
    code = "identity_state_used"
    kind = ErrorKind.CONFLICT
    message = _("This verification has already been completed; please start again.")


class IdentityCodeInvalid(DomainError):
    code = "identity_code_invalid"
    kind = ErrorKind.INVALID
    message = _("The identity platform did not accept this verification; please start again.")


class IdentityNonceMismatch(DomainError):
    code = "identity_nonce_mismatch"
    kind = ErrorKind.INVALID
    message = _("The identity platform's answer does not belong to this verification; please start again.")


class IdentityAssuranceTooLow(DomainError):
    code = "identity_assurance_too_low"
    kind = ErrorKind.INVALID
    message = _("Your identity could not be checked against the population register.")


class IdentityAlreadyBound(DomainError):
    code = "identity_already_bound"
    kind = ErrorKind.CONFLICT
    message = _("This person is already verified on another WeChat account.")


class IdentityPersonChanged(DomainError):
    code = "identity_person_changed"
    kind = ErrorKind.CONFLICT
    message = _("This account is already verified as another person.")


class IdNumberInvalid(DomainError):
    code = "id_number_invalid"
    kind = ErrorKind.INVALID
    message = _("This is not a valid resident ID number.")


class NameInvalid(DomainError):
    code = "name_invalid"
    kind = ErrorKind.INVALID
    message = _("Please enter the name as it appears on the ID card.")


# -- identity documents: each bad number says which check it failed ------------------------------


class DocumentKindUnknown(DomainError):
    code = "document_kind_unknown"
    kind = ErrorKind.INVALID
    message = _("This kind of identity document is not accepted.")


class DocumentNumberFormatInvalid(DomainError):
    code = "document_number_format_invalid"
    kind = ErrorKind.INVALID
    message = _("This document number does not have the form its kind of document prints.")


class DocumentCheckDigitInvalid(DomainError):
    code = "document_check_digit_invalid"
    kind = ErrorKind.INVALID
    message = _("The last character of this document number does not match; please check it.")
