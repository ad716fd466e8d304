"""Refusals of credentials: each way a code can be wrong has its own code, so that a scanner (and
the person at it) knows whether to ask for a fresh code, a PIN, or nothing at all."""

from __future__ import annotations

from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import _


class CredentialMalformed(DomainError):
    code = "credential_malformed"
    kind = ErrorKind.INVALID
    message = _("This is not a PalmCity code.")


class CredentialKeyUnknown(DomainError):
    code = "credential_key_unknown"
    kind = ErrorKind.INVALID
    message = _("This code was signed with a key PalmCity does not know.")


class CredentialSignatureInvalid(DomainError):
    code = "credential_signature_invalid"
    kind = ErrorKind.INVALID
    message = _("This code's signature does not match: it is forged or damaged.")


class CredentialExpired(DomainError):
    code = "credential_expired"
    kind = ErrorKind.CONFLICT
    message = _("This code has expired. Ask for a fresh code on the phone (a screenshot does not work).")


class CredentialNotYetValid(DomainError):
    code = "credential_not_yet_valid"
    kind = ErrorKind.CONFLICT
    message = _("This code is not valid yet: check the scanner's clock.")


class CredentialRevoked(DomainError):
    code = "credential_revoked"
    kind = ErrorKind.CONFLICT
    message = _("This code has been revoked.")


class CredentialFrozen(DomainError):
    code = "credential_frozen"
    kind = ErrorKind.CONFLICT
    message = _("The holder has frozen this card.")


class CredentialAlreadyUsed(DomainError):
    code = "credential_already_used"
    kind = ErrorKind.CONFLICT
    message = _("This code has already been used.")


class CredentialNotFound(DomainError):
    code = "credential_not_found"
    kind = ErrorKind.NOT_FOUND
    message = _("There is no such code.")


class CredentialKindUnsupported(DomainError):
    code = "credential_kind_unsupported"
    kind = ErrorKind.INVALID
    message = _("PalmCity does not issue this kind of code yet.")


class CredentialStaticNotAllowed(DomainError):
    code = "credential_static_not_allowed"
    kind = ErrorKind.INVALID
    message = _("This kind of code has no static form.")


class CredentialPinRequired(DomainError):
    code = "credential_pin_required"
    kind = ErrorKind.INVALID
    message = _("A static code needs the holder's PIN.")


class CredentialPinInvalid(DomainError):
    code = "credential_pin_invalid"
    kind = ErrorKind.FORBIDDEN
    message = _("The PIN is wrong.")


class CredentialPinLocked(DomainError):
    code = "credential_pin_locked"
    kind = ErrorKind.RATE_LIMITED
    message = _("Too many wrong PINs: this static code is locked for a while.")


class CredentialPinNotSet(DomainError):
    code = "credential_pin_not_set"
    kind = ErrorKind.CONFLICT
    message = _("Set a PIN first: a static code is only accepted with it.")


class CredentialPinWeak(DomainError):
    code = "credential_pin_weak"
    kind = ErrorKind.INVALID
    message = _("Choose a PIN of six digits that are not all the same and not in a row.")
