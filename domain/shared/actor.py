"""Who is acting, and for whom: passed from the web layer into every service that changes state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ActorKind = Literal["resident", "staff", "system"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None
    # A resident acting for a family member (FamilyMember.id); None when acting for themselves.
    on_behalf_of: int | None = None
    identity_level: int = 1
    roles: frozenset[str] = field(default_factory=frozenset)
    # Staff scopes: department and site codes this account may act in ("*" = everywhere).
    scopes: frozenset[str] = field(default_factory=frozenset)
    # Staff scanners: the credential kinds they may scan (domain.credentials.kinds).
    scan_kinds: frozenset[str] = field(default_factory=frozenset)
    ip: str | None = None
    request_id: str | None = None

    @classmethod
    def system(cls, request_id: str | None = None) -> Actor:
        return cls(kind="system", id=None, request_id=request_id)
