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
