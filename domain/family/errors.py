"""Refusals of family-member changes and of acting for a family member."""

from __future__ import annotations

from domain.family.models import MAX_FAMILY_MEMBERS
from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import _


class FamilyMemberNotFound(DomainError):
    code = "family_member_not_found"
    kind = ErrorKind.NOT_FOUND
    message = _("This family member was not found.")


class FamilyInvitationNotFound(DomainError):
    code = "family_invitation_not_found"
    kind = ErrorKind.NOT_FOUND
    message = _("This invitation was not found or has already been answered.")


class FamilyLimitReached(DomainError):
    code = "family_limit_reached"
    kind = ErrorKind.CONFLICT
    message = _("You can add up to {limit} family members.", limit=MAX_FAMILY_MEMBERS)


class FamilyMemberDuplicate(DomainError):
    code = "family_member_duplicate"
    kind = ErrorKind.CONFLICT
    message = _("This person is already in your family list.")


class FamilyMemberIsSelf(DomainError):
    code = "family_member_is_self"
    kind = ErrorKind.INVALID
    message = _("You cannot add yourself as a family member.")


class FamilyRelationNotAllowed(DomainError):
    code = "family_relation_not_allowed"
    kind = ErrorKind.INVALID
    message = _("A child under 14 can only be added as your child or as another relative in your care.")


class FamilyConsentRequired(DomainError):
    code = "family_consent_required"
    kind = ErrorKind.FORBIDDEN
    message = _("This family member has not agreed yet; they need to accept in their own app.")


class FamilyMemberEnded(DomainError):
    code = "family_member_ended"
    kind = ErrorKind.FORBIDDEN
    message = _("This family entry has ended: the child's proven guardian has taken over.")


class FamilyGuardianshipUnproven(DomainError):
    """details: ``guardianship`` (pending or refused)."""

    code = "family_guardianship_unproven"
    kind = ErrorKind.FORBIDDEN
    message = _(
        "You are not yet proven to be this child's guardian. Until the population register confirms it "
        "or staff accept the child's birth certificate, nobody can act for the child."
    )


class GuardianshipNotPending(DomainError):
    """details: ``guardianship``."""

    code = "guardianship_not_pending"
    kind = ErrorKind.CONFLICT
    message = _("Guardianship of this family member is already proven or not needed.")


class GuardianshipProofNotFound(DomainError):
    # Also the answer for a birth certificate outside the officer's regions.
    code = "guardianship_proof_not_found"
    kind = ErrorKind.NOT_FOUND
    message = _("There is no such birth certificate to check.")


class GuardianshipProofDecided(DomainError):
    """details: ``outcome``."""

    code = "guardianship_proof_decided"
    kind = ErrorKind.CONFLICT
    message = _("This birth certificate has already been decided or replaced.")


class GuardianshipReasonRequired(DomainError):
    code = "guardianship_reason_required"
    kind = ErrorKind.INVALID
    message = _("Say why the birth certificate is not accepted: the resident reads it.")
