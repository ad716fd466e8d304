"""Refusals of applications (办件). Each code is stable: the app and the staff console switch on it."""

from __future__ import annotations

from domain.shared.errors import Conflict, DomainError, ErrorKind, Forbidden, NotFound
from domain.shared.i18n import _


class ApplicationNotFound(NotFound):
    # Also the answer for someone else's case: whether it exists is none of the caller's business.
    code = "application_not_found"
    message = _("There is no such application.")


class MaterialNotFound(NotFound):
    code = "material_not_found"
    message = _("There is no such material.")


class ApplicantKindNotAllowed(Forbidden):
    """details: ``allowed``, the applicant kinds the item accepts."""

    code = "applicant_kind_not_allowed"
    message = _("This item cannot be applied for in this way.")


class ApplicationNotEditable(Conflict):
    """details: ``state``."""

    code = "application_not_editable"
    message = _("This application can no longer be changed.")


class MaterialsMissing(DomainError):
    """details: ``materials``, the codes still missing."""

    code = "application_materials_missing"
    kind = ErrorKind.INVALID
    message = _("Some required materials are missing.")


class MaterialCodeUnknown(DomainError):
    """details: ``allowed``."""

    code = "material_code_unknown"
    kind = ErrorKind.INVALID
    message = _("This item does not ask for such a material.")


class MaterialFileRequired(DomainError):
    code = "material_file_required"
    kind = ErrorKind.INVALID
    message = _("Attach one file in the field named file.")


class MaterialTooLarge(DomainError):
    """details: ``limit`` in bytes."""

    code = "material_too_large"
    kind = ErrorKind.INVALID
    message = _("The file is too large.")


class MaterialTypeNotAllowed(DomainError):
    """details: ``allowed``."""

    code = "material_type_not_allowed"
    kind = ErrorKind.INVALID
    message = _("Only PDF, JPEG and PNG files are accepted.")


class MaterialDisguised(DomainError):
    """details: ``detected`` and ``claimed``: the content is not what its name or type says."""

    code = "material_disguised"
    kind = ErrorKind.INVALID
    message = _("The file's content does not match its name or type.")


class MaterialCertificateMismatch(DomainError):
    """details: ``accepted``, the certificate type that may stand in for this material (or null)."""

    code = "material_certificate_mismatch"
    kind = ErrorKind.INVALID
    message = _("This e-certificate cannot stand in for this material.")


class MaterialCertificateNotValid(Conflict):
    """details: ``validity`` (expired, revoked, not_yet_valid)."""

    code = "material_certificate_not_valid"
    message = _("This e-certificate is not valid today.")


class ReasonsRequired(DomainError):
    code = "transition_reasons_required"
    kind = ErrorKind.INVALID
    message = _("Give the reasons for this step.")


class SupplementDeadlineInvalid(DomainError):
    code = "supplement_deadline_invalid"
    kind = ErrorKind.INVALID
    message = _("The supplement deadline must be a working day after today, within 60 days.")


class AttachmentUnknown(DomainError):
    """details: ``material_ids`` that are not materials of this case."""

    code = "attachment_unknown"
    kind = ErrorKind.INVALID
    message = _("An attachment is not a material of this case.")


class PublicNoticeRunning(Conflict):
    """details: ``until``."""

    code = "public_notice_running"
    message = _("The public notice period has not ended yet.")


class CaseAlreadyClaimed(Conflict):
    code = "case_already_claimed"
    message = _("Another officer has already taken this case.")


class CaseNotClaimed(Conflict):
    code = "case_not_claimed"
    message = _("Take the case from the queue before acting on it.")


class CaseNotClaimable(Conflict):
    """details: ``state``."""

    code = "case_not_claimable"
    message = _("This case is not waiting for an officer.")


class SeparationOfDuties(Forbidden):
    code = "separation_of_duties"
    message = _("The officer who accepted a case may not also review or decide it.")


class QueueUnknown(DomainError):
    """details: ``allowed``."""

    code = "queue_unknown"
    kind = ErrorKind.INVALID
    message = _("There is no such queue.")


class ApplicationFeeUnpaid(Conflict):
    """details: ``fee_fen``."""

    code = "application_fee_unpaid"
    message = _("The item's fee has not been paid yet.")


class ApplicationFeeNotDue(Conflict):
    """details: ``state``, ``fee_fen``: no fee, or the case is a draft or finished."""

    code = "application_fee_not_due"
    message = _("There is no fee to pay for this application now.")
