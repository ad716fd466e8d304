"""Bodies of the family-member API. Names and ID numbers only ever leave masked."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from domain.family.models import MAX_FAMILY_MEMBERS, FamilyMember, MemberStatus, Relation
from domain.family.service import is_minor
from domain.shared import pii


class AddMemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    relation: Relation = Field(description="What the member is to you. A child under 14: `child` or `other`.")
    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=1, max_length=32, description="Resident ID number (居民身份证号码).")


class MemberOut(BaseModel):
    id: int
    relation: Relation
    name: str = Field(description="Masked, e.g. 张**.")
    id_number: str = Field(description="Masked, e.g. 4418**********1234.")
    status: MemberStatus
    is_minor: bool = Field(description="Under 14: the guardian acts without the member's own consent.")
    created_at: datetime

    @classmethod
    def of(cls, member: FamilyMember) -> MemberOut:
        return cls(
            id=member.id,
            relation=member.relation,
            name=pii.mask_name(member.name) or "",
            id_number=pii.mask_id_number(member.id_number) or "",
            status=member.status,
            is_minor=is_minor(member),
            created_at=member.created_at,
        )


class MembersOut(BaseModel):
    items: list[MemberOut]
    limit: int = MAX_FAMILY_MEMBERS


class InvitationOut(BaseModel):
    id: int
    from_name: str = Field(description="The inviting resident's verified name, masked.")
    relation: Relation = Field(description="What you are to the inviting resident.")
    status: MemberStatus
    created_at: datetime

    @classmethod
    def of(cls, member: FamilyMember) -> InvitationOut:
        return cls(
            id=member.id,
            from_name=pii.mask_name(member.owner.real_name) or "",
            relation=member.relation,
            status=member.status,
            created_at=member.created_at,
        )


class InvitationsOut(BaseModel):
    items: list[InvitationOut]
