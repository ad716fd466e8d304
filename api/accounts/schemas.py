"""Bodies of the login and profile API. Personal data only ever leaves masked."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from domain.accounts.models import User
from domain.identity.documents import DocumentKind, mask_number
from domain.identity.models import level_label
from domain.shared import pii

# A one-time code from wx.login / getPhoneNumber: opaque to us, but bounded.
WeChatCode = Annotated[str, Field(min_length=1, max_length=256)]
RefreshToken = Annotated[str, Field(min_length=1, max_length=512)]
Nickname = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[^\x00-\x1f\x7f]+$")
]
Locale = Literal["zh_Hans", "zh_Hant", "en"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WeChatLoginIn(_Body):
    code: WeChatCode = Field(description="The code from `wx.login()` (sandbox: `dev:<name>`).")


class RefreshIn(_Body):
    refresh_token: RefreshToken


class ProfilePatchIn(_Body):
    """Only the fields sent change; `nickname: null` clears the nickname."""

    locale: Locale | None = None
    care_mode: StrictBool | None = None
    nickname: Nickname | None = None


class PhoneIn(_Body):
    code: WeChatCode = Field(description="`detail.code` of the getPhoneNumber button (sandbox: `dev-phone`).")


class UserOut(BaseModel):
    id: int
    nickname: str | None
    phone: str | None = Field(description="Masked, e.g. 138****8000.")
    identity_level: Literal["L1", "L2", "L3", "L4", "L5"]
    real_name_verified: bool
    name: str | None = Field(description="Masked, e.g. 张**.")
    id_number: str | None = Field(
        description="Masked, e.g. 4418**********1234, or H1*******01 for a Home Return Permit."
    )
    id_document_kind: DocumentKind | None = Field(
        description="Which identity document the resident verified with; null before verification."
    )
    locale: Locale
    care_mode: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            nickname=user.nickname,
            phone=pii.mask_phone(user.phone),
            identity_level=level_label(user.identity_level),
            real_name_verified=user.real_name_verified,
            name=pii.mask_name(user.real_name),
            id_number=mask_number(user.id_document_kind, user.id_number),
            id_document_kind=DocumentKind(user.id_document_kind or "resident_id") if user.id_number else None,
            locale=user.locale,
            care_mode=user.care_mode,
        )


class SessionOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds the access token lives.")
    user: UserOut
