"""What the sandbox identity page receives: the OAuth request, then the tester's answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from adapters.population.port import GuardianRelation


class AuthorizeQuery(BaseModel):
    """An OAuth 2.0 authorization request with PKCE S256 and an OIDC nonce."""

    model_config = ConfigDict(extra="ignore")

    response_type: Literal["code"]
    redirect_uri: str = Field(min_length=1, max_length=512)
    state: str = Field(min_length=1, max_length=256)
    nonce: str = Field(min_length=1, max_length=256)
    code_challenge: str = Field(min_length=43, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
    code_challenge_method: Literal["S256"]
    id_type: str = Field(default="resident_id", max_length=32)  # the document chosen in the app


class AuthorizeForm(AuthorizeQuery):
    action: Literal["submit", "cancel"] = "submit"
    name: str = Field(default="", max_length=64)
    id_number: str = Field(default="", max_length=32)
    document_kind: str = Field(default="resident_id", max_length=32)
    birth_date: str = Field(default="", max_length=10)  # <input type="date">: YYYY-MM-DD or empty
    level: Literal["L2", "L3", "L4", "L5"] = "L3"


class SeatChildIn(BaseModel):
    """A child the sandbox population register should list the caller as a guardian of."""

    model_config = ConfigDict(extra="forbid")

    id_number: str = Field(min_length=1, max_length=32, description="The child's resident ID number.")
    relation: GuardianRelation = GuardianRelation.MOTHER
