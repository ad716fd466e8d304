"""The staff API's request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from api._labels import LabelText
from domain.credentials.kinds import Kind
from domain.shared.labels import Label
from domain.staff.errors import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from domain.staff.roles import Role

Username = Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]
# Control characters are refused wherever text reaches the database (PostgreSQL rejects NUL outright).
PlainText = r"^[^\x00-\x1f\x7f]*$"
DisplayName = Annotated[str, Field(min_length=1, max_length=64, pattern=PlainText)]
Scope = Annotated[str, Field(pattern=r"^(\*|[A-Za-z0-9][A-Za-z0-9_.:-]{0,63})$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_Body):
    # No format rules here: a login must not teach anyone what a valid account looks like.
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class RefreshIn(_Body):
    refresh_token: str = Field(min_length=1, max_length=512)


class CreateAccountIn(_Body):
    username: Username
    password: Password
    display_name: DisplayName
    roles: list[Role] = Field(default_factory=list, max_length=len(Role))
    scopes: list[Scope] = Field(default_factory=list, max_length=200)
    scan_kinds: list[Kind] = Field(
        default_factory=list, max_length=len(Kind), description="Scanners: the kinds of code they may scan."
    )


class UpdateAccountIn(_Body):
    """Every field is optional; a field left out stays as it is."""

    display_name: DisplayName | None = None
    roles: list[Role] | None = Field(default=None, max_length=len(Role))
    scopes: list[Scope] | None = Field(default=None, max_length=200)
    scan_kinds: list[Kind] | None = Field(default=None, max_length=len(Kind))
    active: bool | None = None
    password: Password | None = None
    unlock: bool = Field(default=False, description="Clear the failed-login count and any lock.")


class AccountsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    active: bool | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    target_type: str | None = Field(default=None, max_length=64, pattern=PlainText)
    target_id: str | None = Field(default=None, max_length=64, pattern=PlainText)
    limit: int = Field(default=100, ge=1, le=500)


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    roles: list[str]
    roles_labels: list[LabelText] = Field(default_factory=list, description="Each role's name, in order.")
    scopes: list[str]
    scopes_labels: list[LabelText] = Field(
        default_factory=list, description="Each scope's name: its department's or site's, or everywhere."
    )
    scan_kinds: list[str]
    scan_kinds_labels: list[LabelText] = Field(default_factory=list)
    active: bool
    failed_attempts: int
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, account: Any, scope_names: dict[str, Label]) -> AccountOut:
        """``account`` (a ``StaffAccount``) with the names of its roles, scopes and scan kinds."""
        out = cls.model_validate(account)
        out.roles_labels = [Role(r).label for r in out.roles]
        out.scopes_labels = [scope_names[s] for s in out.scopes]
        out.scan_kinds_labels = [Kind(k).label for k in out.scan_kinds]
        return out


class AccountListOut(BaseModel):
    items: list[AccountOut]
    total: int
    limit: int
    offset: int


class SessionOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int


class LoginOut(SessionOut):
    account: AccountOut


class RoleOut(BaseModel):
    code: str
    name: str


class RolesOut(BaseModel):
    items: list[RoleOut]


class AuditRecordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_kind: str
    actor_id: int | None
    on_behalf_of: int | None
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip: str | None
    request_id: str | None


class AuditTrailOut(BaseModel):
    items: list[AuditRecordOut]
