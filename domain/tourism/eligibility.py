"""Claims proven by e-certificates (disability, soldier, fire rescue, student) (strand A5)."""

from __future__ import annotations


async def prove_claims(user_id: int | None, claims: frozenset[str]) -> None:
    """Refuse a claim needing proof that the visitor's account (``user_id``; None: a companion with
    no account) cannot prove with an active e-certificate. Strand A5 fills this in; until then every
    claim passes."""
    return None
