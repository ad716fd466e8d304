"""Refusals of the staff domain. Each code is stable: the staff console switches on it."""

from __future__ import annotations

from domain.shared.errors import Conflict, DomainError, ErrorKind, Forbidden, NotFound
from domain.shared.i18n import _

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


class StaffCredentialsInvalid(DomainError):
    # One code for an unknown username and a wrong password: the answer must not tell them apart.
    code = "staff_credentials_invalid"
    kind = ErrorKind.UNAUTHENTICATED
    message = _("The username or password is incorrect.")


class StaffLocked(Forbidden):
    """details: ``retry_after`` (seconds) and ``locked_until`` (ISO 8601)."""

    code = "staff_locked"
    message = _("Too many failed logins: this account is locked for a while. Please try again later.")


class StaffAccountDisabled(Forbidden):
    code = "staff_account_disabled"
    message = _("This staff account has been disabled.")


class StaffRoleRequired(Forbidden):
    """details: ``role`` (the code) and ``role_name`` (translated)."""

    code = "staff_role_required"
    message = _("Your staff role does not allow this.")


class StaffScopeRequired(Forbidden):
    """details: ``scopes``, the department or site codes any one of which would have allowed it."""

    code = "staff_scope_required"
    message = _("This is outside the departments and sites you work for.")


class StaffAccountNotFound(NotFound):
    code = "staff_account_not_found"
    message = _("There is no such staff account.")


class StaffUsernameTaken(Conflict):
    code = "staff_username_taken"
    message = _("This username is already taken.")


class StaffSelfLockout(Conflict):
    code = "staff_self_lockout"
    message = _("You cannot disable your own account or remove your own administrator role.")


# Input rules the service checks itself (the CLI calls it without the HTTP schemas). They are also
# ValueErrors so that a pydantic validator may raise them and the field keeps the domain's code.


class StaffUsernameInvalid(DomainError, ValueError):
    code = "staff_username_invalid"
    kind = ErrorKind.INVALID
    message = _("A username has 3 to 64 letters, digits, dots, hyphens or underscores.")


class StaffDisplayNameInvalid(DomainError, ValueError):
    code = "staff_display_name_invalid"
    kind = ErrorKind.INVALID
    message = _("A display name has 1 to 64 characters, without control characters.")


class StaffPasswordTooShort(DomainError, ValueError):
    code = "staff_password_too_short"
    kind = ErrorKind.INVALID
    message = _("A password needs at least {min_length} characters.", min_length=MIN_PASSWORD_LENGTH)


class StaffPasswordTooLong(DomainError, ValueError):
    code = "staff_password_too_long"
    kind = ErrorKind.INVALID
    message = _("A password may have at most {max_length} characters.", max_length=MAX_PASSWORD_LENGTH)


class StaffRoleUnknown(DomainError, ValueError):
    """details: ``role``, the value given, and ``allowed``."""

    code = "staff_role_unknown"
    kind = ErrorKind.INVALID
    message = _("This is not a staff role.")


class StaffScopeInvalid(DomainError, ValueError):
    """details: ``scope``, the value given."""

    code = "staff_scope_invalid"
    kind = ErrorKind.INVALID
    message = _('A scope is a department or site code (letters, digits, "_", "-", ".", ":"), or "*" for all.')


class StaffScanKindUnknown(DomainError):
    """details: ``kind``, the first unknown value; ``allowed``."""

    code = "staff_scan_kind_unknown"
    kind = ErrorKind.INVALID
    message = _("This is not a kind of code PalmCity issues.")
