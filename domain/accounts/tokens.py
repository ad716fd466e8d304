"""Access tokens (JWT, EdDSA, ``kid``) and rotating refresh tokens grouped in families.

Access tokens live 15 minutes and are verified without a database hit. Every configured key
verifies and only the active one signs, so a new key can be added, made active, and the old one
retired after one token lifetime, without logging anyone out. Refresh tokens are opaque, stored
hashed in Redis, rotated on every use; presenting a spent one revokes its whole family
(RFC 9700 §4.14), except within a short grace window where a retried request receives the same
successor it was already given.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import jwt

from domain.shared import clock
from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import _
from domain.shared.kv import Keys, Redis
from domain.shared.signing import ALGORITHM, KeyRing

Audience = Literal["resident", "staff"]


class TokenInvalid(DomainError):
    code = "token_invalid"
    kind = ErrorKind.UNAUTHENTICATED
    message = _("Your login is not valid; please log in again.")


class TokenExpired(DomainError):
    code = "token_expired"
    kind = ErrorKind.UNAUTHENTICATED
    message = _("Your login has expired; please refresh or log in again.")


class RefreshTokenReused(DomainError):
    code = "refresh_token_reused"
    kind = ErrorKind.UNAUTHENTICATED
    message = _("This login was used twice and has been ended for your safety; please log in again.")

    # Whose family was burnt, for the audit log (never sent to the client).
    subject: str | None = None
    audience: str | None = None


@dataclass(frozen=True)
class Claims:
    subject: str
    audience: Audience
    token_id: str
    family: str
    expires_at: int
    extra: dict[str, Any]


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    family: str


# Rotation is one atomic step: look the presented token up, and either mint its successor, hand back
# the successor already minted (grace window), or burn the family. All keys share the family's
# hash tag. The successor's plaintext is kept only in the grace key, which expires with the window.
# KEYS: 1 token record, 2 family record, 3 successor record, 4 grace key of the presented token.
# ARGV: 1 now, 2 grace seconds, 3 successor ttl, 4 successor record json, 5 successor plaintext
_ROTATE = """
local rec = redis.call('HGETALL', KEYS[1])
if #rec == 0 then return {'unknown'} end
local t = {}
for i = 1, #rec, 2 do t[rec[i]] = rec[i + 1] end
if redis.call('EXISTS', KEYS[2]) == 0 then return {'revoked'} end
if t['used_at'] then
  local successor = redis.call('GET', KEYS[4])
  if successor and tonumber(ARGV[1]) - tonumber(t['used_at']) <= tonumber(ARGV[2]) then
    return {'grace', successor}
  end
  redis.call('DEL', KEYS[2])
  return {'reuse', t['family']}
end
redis.call('HSET', KEYS[1], 'used_at', ARGV[1])
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[4], ARGV[5], 'EX', tonumber(ARGV[2])) end
local fields = cjson.decode(ARGV[4])
for k, v in pairs(fields) do redis.call('HSET', KEYS[3], k, v) end
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[3]))
return {'ok', t['family']}
"""


def _awaited(value: Any) -> Awaitable[Any]:
    """redis-py types its async commands as ``Awaitable[T] | T``; in ``redis.asyncio`` they are awaitable."""
    return cast(Awaitable[Any], value)


class TokenService:
    """Mints and checks tokens. One instance per worker; stateless apart from Redis."""

    ALGORITHM = ALGORITHM
    LEEWAY = 5  # seconds of clock skew tolerated between our workers
    VERIFIED_CACHE_SIZE = 10_000

    def __init__(
        self,
        *,
        key_seeds: dict[str, bytes],
        active_kid: str,
        issuer: str,
        access_ttl: dict[Audience, int],
        refresh_ttl: int,
        refresh_grace: int,
        redis: Redis,
        keys: Keys,
    ) -> None:
        self._ring = KeyRing(key_seeds, active_kid)
        self._issuer = issuer
        self._access_ttl = access_ttl
        self._refresh_ttl = refresh_ttl
        self._grace = refresh_grace
        self._redis = redis
        self._keys = keys
        self._rotate = redis.register_script(_ROTATE)
        # Signatures already checked, by token: a token is immutable, so its signature and claims
        # never change; lifetime and revocation (the family) are still checked on every use.
        self._verified: dict[str, tuple[Claims, int]] = {}

    @classmethod
    def from_settings(cls, settings: Any, redis: Redis, keys: Keys) -> TokenService:
        return cls(
            key_seeds=settings.jwt_key_seeds,
            active_kid=settings.jwt_active_kid,
            issuer=settings.jwt_issuer,
            access_ttl={
                "resident": settings.access_token_ttl_seconds,
                "staff": settings.staff_access_token_ttl_seconds,
            },
            refresh_ttl=settings.refresh_token_ttl_seconds,
            refresh_grace=settings.refresh_grace_seconds,
            redis=redis,
            keys=keys,
        )

    # -- access tokens -------------------------------------------------------------------------

    def mint_access(self, *, subject: str, audience: Audience, family: str, extra: dict[str, Any]) -> str:
        issued = int(clock.now().timestamp())
        payload = {
            "iss": self._issuer,
            "aud": audience,
            "sub": subject,
            "iat": issued,
            "nbf": issued,
            "exp": issued + self._access_ttl[audience],
            "jti": uuid.uuid4().hex,
            "fam": family,
            **extra,
        }
        return jwt.encode(
            payload, self._ring.active_key, algorithm=self.ALGORITHM, headers={"kid": self._ring.active_kid}
        )

    def verify_access(self, token: str, audience: Audience | None = None) -> Claims:
        """Check signature, issuer, lifetime and audience (either audience when ``audience`` is None)."""
        checked = self._verified.get(token)
        if checked is None:
            checked = self._check_signature(token)
            if len(self._verified) >= self.VERIFIED_CACHE_SIZE:
                self._verified.pop(next(iter(self._verified)))  # the oldest entry
            self._verified[token] = checked
        claims, not_before = checked
        # Lifetimes are checked on every use, against our clock (PyJWT would use the wall clock).
        now = clock.now().timestamp()
        if claims.expires_at + self.LEEWAY < now:
            raise TokenExpired()
        if not_before - self.LEEWAY > now:
            raise TokenInvalid(details={"reason": "not_yet_valid"})
        if audience is not None and claims.audience != audience:
            raise TokenInvalid()
        return claims

    def _check_signature(self, token: str) -> tuple[Claims, int]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise TokenInvalid() from exc
        key = self._ring.public.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise TokenInvalid(details={"reason": "unknown_kid"})
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[self.ALGORITHM],
                audience=["resident", "staff"],
                issuer=self._issuer,
                options={
                    "require": ["exp", "iat", "sub", "jti", "aud", "iss"],
                    "verify_iat": False,
                    "verify_exp": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise TokenInvalid() from exc
        expires, not_before = payload.get("exp"), payload.get("nbf", payload.get("iat"))
        if not isinstance(expires, int) or not isinstance(not_before, int):
            raise TokenInvalid()
        standard = {"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "fam"}
        claims = Claims(
            subject=payload["sub"],
            audience="staff" if payload["aud"] == "staff" else "resident",
            token_id=payload["jti"],
            family=payload.get("fam", ""),
            expires_at=expires,
            extra={k: v for k, v in payload.items() if k not in standard},
        )
        return claims, not_before

    def jwks(self) -> dict[str, Any]:
        """Every public key that still verifies, for ``/.well-known/jwks.json``."""
        return self._ring.jwks()

    async def is_family_alive(self, family: str) -> bool:
        return bool(await self._redis.exists(self.family_key(family)))

    # -- refresh tokens ------------------------------------------------------------------------

    async def start_family(self, *, subject: str, audience: Audience, extra: dict[str, Any]) -> TokenPair:
        """A new login: a new family, its first refresh token, and an access token."""
        family = uuid.uuid4().hex
        record = {"subject": subject, "audience": audience, "extra": json.dumps(extra)}
        await _awaited(self._redis.hset(self.family_key(family), mapping=cast(Mapping[Any, Any], record)))
        await self._redis.expire(self.family_key(family), self._refresh_ttl)
        refresh = self._new_refresh(family)
        await _awaited(
            self._redis.hset(
                self._token_key(family, self._hash(refresh)),
                mapping=cast(Mapping[Any, Any], {"family": family}),
            )
        )
        await self._redis.expire(self._token_key(family, self._hash(refresh)), self._refresh_ttl)
        return self._pair(subject, audience, family, refresh, extra)

    async def rotate(
        self,
        refresh_token: str,
        *,
        extra: dict[str, Any] | None = None,
        audience: Audience | None = None,
        claims_for: Callable[[str], Awaitable[dict[str, Any]]] | None = None,
    ) -> TokenPair:
        """Spend ``refresh_token`` for a new pair.

        ``audience`` refuses (without spending it) a token of another audience. ``claims_for`` is
        called with the subject after a successful rotation to give current claims (e.g. an
        identity level that changed since login); they override the login's and ``extra``.
        """
        family = self._family_of(refresh_token)
        family_record = await self._hash_of(self.family_key(family))
        if not family_record or (audience is not None and family_record.get("audience") != audience):
            raise TokenInvalid()
        successor = self._new_refresh(family)
        presented = self._hash(refresh_token)
        now = int(clock.now().timestamp())
        result = await self._rotate(
            keys=[
                self._token_key(family, presented),
                self.family_key(family),
                self._token_key(family, self._hash(successor)),
                self._keys.tagged("refresh", family, "grace", presented),
            ],
            args=[now, self._grace, self._refresh_ttl, json.dumps({"family": family}), successor],
        )
        outcome = result[0]
        if outcome in ("unknown", "revoked"):
            raise TokenInvalid()
        if outcome == "reuse":
            reused = RefreshTokenReused()
            reused.subject, reused.audience = family_record.get("subject"), family_record.get("audience")
            raise reused
        if outcome == "grace":
            successor = result[1]
        claims = json.loads(family_record.get("extra", "{}"))
        if extra:
            claims.update(extra)
        if claims_for is not None:
            claims.update(await claims_for(family_record["subject"]))
        token_audience: Audience = "staff" if family_record["audience"] == "staff" else "resident"
        return self._pair(family_record["subject"], token_audience, family, successor, claims)

    async def family_owner(self, refresh_token: str) -> tuple[str, Audience] | None:
        """Whose login ``refresh_token`` belongs to (subject, audience), if it is a live token."""
        try:
            family = self._family_of(refresh_token)
        except TokenInvalid:
            return None
        if not await self._redis.exists(self._token_key(family, self._hash(refresh_token))):
            return None
        record = await self._hash_of(self.family_key(family))
        if not record:
            return None
        return record["subject"], "staff" if record.get("audience") == "staff" else "resident"

    async def revoke_family(self, family: str) -> None:
        await self._redis.delete(self.family_key(family))

    async def revoke_by_refresh_token(self, refresh_token: str) -> str | None:
        """Logout: end the family this token belongs to. Unknown tokens are ignored."""
        try:
            family = self._family_of(refresh_token)
        except TokenInvalid:
            return None
        record = await self._hash_of(self._token_key(family, self._hash(refresh_token)))
        if not record:
            return None
        await self.revoke_family(family)
        return family

    # -- helpers -------------------------------------------------------------------------------

    async def _hash_of(self, key: str) -> dict[str, str]:
        record: dict[str, str] = await _awaited(self._redis.hgetall(key))
        return record

    def _pair(
        self, subject: str, audience: Audience, family: str, refresh: str, extra: dict[str, Any]
    ) -> TokenPair:
        access = self.mint_access(subject=subject, audience=audience, family=family, extra=extra)
        return TokenPair(access, refresh, self._access_ttl[audience], family)

    @staticmethod
    def _new_refresh(family: str) -> str:
        # The family id travels in the token so that rotation finds its hash-tagged keys directly.
        return f"{family}.{secrets.token_urlsafe(32)}"

    @staticmethod
    def _family_of(refresh_token: str) -> str:
        family, dot, secret = refresh_token.partition(".")
        # A uuid4 hex: anything else (braces, colons) must not reach a Redis key name.
        if not dot or len(family) != 32 or not secret or family.strip("0123456789abcdef"):
            raise TokenInvalid()
        return family

    @staticmethod
    def _hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def family_key(self, family: str) -> str:
        """The Redis key whose existence means the login (token family) is alive."""
        return self._keys.tagged("refresh", family, "family")

    def _token_key(self, family: str, token_hash: str) -> str:
        return self._keys.tagged("refresh", family, "token", token_hash)
