"""Identity levels and the verification in progress (kept in Redis, not in the database).

The verified name and ID number themselves are stored on ``domain.accounts.models.User``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import IntEnum


class IdentityLevel(IntEnum):
    """Assurance levels of the unified identity platform (tech-facts §6)."""

    WECHAT = 1  # L1: only a WeChat account
    SELF_DECLARED = 2  # L2: name and ID number typed in, not checked
    REAL_NAME = 3  # L3: name + ID number checked against the population register
    REAL_PERSON = 4  # L4: real person, real name, real document (face check)
    STRONG = 5  # L5: digital certificate or counter check

    @property
    def label(self) -> str:
        return f"L{int(self)}"


def level_label(level: int) -> str:
    return f"L{level}"


@dataclass(frozen=True)
class PendingVerification:
    """What ``POST /identity/sessions`` remembers for the callback, under the ``state``."""

    user_id: int
    nonce: str
    code_verifier: str
    return_to: str

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, raw: str | bytes) -> PendingVerification:
        data = json.loads(raw)
        return cls(
            user_id=int(data["user_id"]),
            nonce=str(data["nonce"]),
            code_verifier=str(data["code_verifier"]),
            return_to=str(data["return_to"]),
        )
