"""Refusals of scanning."""

from __future__ import annotations

from domain.shared.errors import Conflict, DomainError, ErrorKind, Forbidden, NotFound
from domain.shared.i18n import _


class ScannerDeviceNotFound(NotFound):
    code = "scanner_device_not_found"
    message = _("This scanner is not registered to you, or it was retired.")


class ScanKindNotAllowed(Forbidden):
    """details: ``kind``, ``allowed``."""

    code = "scan_kind_not_allowed"
    message = _("You may not scan this kind of code.")


class ScanWrongSite(Forbidden):
    """details: ``site`` (where the code belongs)."""

    code = "scan_wrong_site"
    message = _("This code belongs to another site.")


class ScanTimeInvalid(DomainError):
    """details: ``oldest``, ``newest``."""

    code = "scan_time_invalid"
    kind = ErrorKind.INVALID
    message = _("The scan's time is in the future or too old to upload.")


class ScanActionConflict(Conflict):
    """details: ``kind``. What the code is for changed at the same moment (another code of the same
    appointment scanned at another gate): nothing was done, and the code was not spent."""

    code = "scan_action_conflict"
    message = _("Something changed at the same moment at another counter; scan the code again.")


class ScanBatchTooLarge(DomainError):
    code = "scan_batch_too_large"
    kind = ErrorKind.INVALID
    message = _("Upload at most 200 scans at a time.")
