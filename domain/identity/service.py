"""Real-name verification: authorization code + PKCE against the unified identity platform.

1. ``start_verification`` remembers (state → user, nonce, PKCE verifier, return_to) in Redis for
   ten minutes and gives the provider's authorize URL.
2. The provider sends the browser to our fixed redirect URI; ``return_target`` bounces it to the
   app page that started (``return_to``) with ``code`` and ``state`` appended.
3. The app posts code and state; ``complete_verification`` spends the state once, exchanges the
   code with the verifier, checks the nonce and stores the verified name and ID number.

Security notes follow RFC 9700: exact redirect URI, state bound to the user and single-use,
PKCE S256, nonce, and return addresses limited to our own origin (no open redirect).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from urllib.parse import SplitResult, urlencode, urlsplit

from stdnum.cn import ric
from stdnum.exceptions import ValidationError
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from adapters.identity.port import (
    IdentityCodeInvalid as PlatformCodeInvalid,
)
from adapters.identity.port import (
    IdentityProvider,
    IdentityProviderError,
)
from domain.accounts.errors import UserNotFound
from domain.accounts.models import User
from domain.accounts.service import publish_level
from domain.audit import service as audit
from domain.identity import documents
from domain.identity.errors import (
    IdentityAlreadyBound,
    IdentityAssuranceTooLow,
    IdentityCodeInvalid,
    IdentityLevelRequired,
    IdentityNonceMismatch,
    IdentityPersonChanged,
    IdentityReturnToInvalid,
    IdentityStateInvalid,
    IdentityStateUsed,
    IdNumberInvalid,
    NameInvalid,
)
from domain.identity.models import IdentityLevel, PendingVerification, level_label
from domain.shared import clock, pii
from domain.shared.actor import Actor
from domain.shared.errors import PlatformUnavailable
from domain.shared.kv import Keys, Redis

STATE_TTL_SECONDS = 600


# -- levels and ID numbers: used by every module that deals with people ---------------------------


def require_level(actor: Actor, level: int) -> None:
    """Refuse unless ``actor`` has proven their identity to at least ``level`` (e.g. 3 for L3)."""
    if actor.identity_level < level:
        raise IdentityLevelRequired(
            details={"required": level_label(level), "current": level_label(actor.identity_level)}
        )


def normalize_id_number(raw: str) -> str:
    """The canonical 18-character form of a resident ID number, or ``id_number_invalid``."""
    try:
        return str(ric.validate(raw))
    except (ValidationError, ValueError, TypeError) as exc:
        raise IdNumberInvalid() from exc


def id_number_index(id_number: str) -> str:
    """The blind index shared by every table that looks people up by ID number."""
    return pii.blind_index(normalize_id_number(id_number), purpose="id_number")


def birth_date_of(id_number: str) -> dt.date:
    born = ric.get_birth_date(normalize_id_number(id_number))
    if born > today():
        raise IdNumberInvalid(details={"reason": "birth_date_in_future"})
    return born


def document_of(user: User) -> documents.IdentityDocument | None:
    """The document ``user`` verified with, for rules that name the resident (a ticket for
    oneself keys on its index); ``None`` before verification. Rows from before documents had
    kinds are ID cards."""
    if not user.id_number:
        return None
    kind = documents.DocumentKind(user.id_document_kind or documents.DocumentKind.RESIDENT_ID)
    return documents.IdentityDocument(kind, user.id_number)


def birth_date_of_user(user: User) -> dt.date | None:
    """The verified birth date: the platform's, else the number's (ID cards verified before
    documents had kinds have it only there); ``None`` for an unverified account."""
    if user.birth_date is not None:
        return user.birth_date
    if not user.id_number or user.id_document_kind not in (None, *documents.NUMBERS_WITH_BIRTH_DATE):
        return None
    return ric.get_birth_date(user.id_number)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def today() -> dt.date:
    """Today in China, where birthdays are counted."""
    return clock.today_in_china()


def normalize_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > 64 or any(not ch.isprintable() for ch in name):
        raise NameInvalid()
    return name


# -- the verification flow -------------------------------------------------------------------------


def check_return_to(return_to: str, public_base_url: str) -> str:
    """Accept a path on this site (``/h5/#/...``) or an absolute URL of the same origin."""
    value = return_to.strip()
    if not value or "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise IdentityReturnToInvalid()
    try:
        parts = urlsplit(value)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise IdentityReturnToInvalid() from exc
    if not parts.scheme and not parts.netloc:
        # "//evil.example" has a netloc; "/\evil" was refused above (browsers read it as //).
        if value.startswith("/"):
            return value
        raise IdentityReturnToInvalid()
    if parts.username is not None or _origin(parts) != _origin(urlsplit(public_base_url)):
        raise IdentityReturnToInvalid()
    return value


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:  # a port that is not a number
        return ("", "", None)
    return (parts.scheme.lower(), (parts.hostname or "").lower(), port)


async def start_verification(
    actor: Actor,
    *,
    return_to: str,
    provider: IdentityProvider,
    redirect_uri: str,
    public_base_url: str,
    redis: Redis,
    keys: Keys,
    document_kind: str | None = None,
) -> str:
    """Begin verifying ``actor``'s real name; returns the provider URL to open.

    ``document_kind`` is the document the resident chose in the app: the platform gets it as a
    hint; what counts is the kind its answer names.
    """
    if actor.id is None:
        raise UserNotFound()
    kind = documents.parse_kind(document_kind) if document_kind is not None else None
    pending = PendingVerification(
        user_id=actor.id,
        nonce=secrets.token_urlsafe(24),
        code_verifier=secrets.token_urlsafe(48),  # 64 characters, within RFC 7636's 43..128
        return_to=check_return_to(return_to, public_base_url),
    )
    state = secrets.token_urlsafe(32)
    await redis.set(_state_key(keys, state), pending.dumps(), ex=STATE_TTL_SECONDS)
    return provider.authorize_url(
        state=state,
        nonce=pending.nonce,
        code_challenge=_s256(pending.code_verifier),
        redirect_uri=redirect_uri,
        document_kind=kind.value if kind else None,
    )


async def return_target(*, state: str, code: str | None, error: str | None, redis: Redis, keys: Keys) -> str:
    """Where the provider's redirect goes next: the page that started, with code and state added."""
    raw = await redis.get(_state_key(keys, state)) if state else None
    if raw is None:
        raise IdentityStateInvalid()
    pending = PendingVerification.loads(raw)
    params = {"code": code} if code else {"error": error or "access_denied"}
    return append_query(pending.return_to, {**params, "state": state})


def append_query(url: str, params: dict[str, str]) -> str:
    """Add ``params`` to ``url``; with a hash route (``/h5/#/pages/x``) they go after the route."""
    query = urlencode(params)
    base, hash_mark, fragment = url.partition("#")
    if hash_mark:
        return f"{base}#{fragment}{'&' if '?' in fragment else '?'}{query}"
    return f"{base}{'&' if '?' in base else '?'}{query}"


async def complete_verification(
    actor: Actor,
    *,
    code: str,
    state: str,
    provider: IdentityProvider,
    redirect_uri: str,
    redis: Redis,
    keys: Keys,
) -> User:
    """Finish the verification ``state`` names: store the verified name, ID number and level."""
    pending = await _spend_state(actor, state, redis, keys)
    try:
        identity = await provider.exchange_code(
            code=code, code_verifier=pending.code_verifier, redirect_uri=redirect_uri
        )
    except PlatformCodeInvalid as exc:
        raise IdentityCodeInvalid() from exc
    except IdentityProviderError as exc:
        raise PlatformUnavailable(details={"platform": "identity"}) from exc
    if not hmac.compare_digest((identity.nonce or "").encode(), pending.nonce.encode()):
        raise IdentityNonceMismatch()
    if identity.level < IdentityLevel.REAL_NAME:
        raise IdentityAssuranceTooLow(details={"level": level_label(identity.level)})
    proven = documents.document(identity.document_kind, identity.id_number)
    name = normalize_name(identity.name)
    index = proven.index
    try:
        async with in_transaction() as conn:
            user = await User.filter(id=actor.id).using_db(conn).select_for_update().first()
            if user is None:
                raise UserNotFound()
            if user.id_number_index is not None and user.id_number_index != index:
                raise IdentityPersonChanged()
            if await User.filter(id_number_index=index).exclude(id=user.id).using_db(conn).exists():
                raise IdentityAlreadyBound()
            before = {"identity_level": level_label(user.identity_level)}
            user.real_name = name
            user.id_number = proven.number
            user.id_number_index = index
            user.id_document_kind = proven.kind.value
            user.birth_date = proven.birth_date or identity.birth_date or user.birth_date
            user.identity_subject = identity.subject
            user.identity_level = max(user.identity_level, min(identity.level, IdentityLevel.STRONG))
            user.verified_at = clock.now()
            await user.save(using_db=conn)
            await audit.record(
                actor,
                "identity.verified",
                target_type="user",
                target_id=user.id,
                before=before,
                after={
                    "identity_level": level_label(user.identity_level),
                    "name": pii.mask_name(name),
                    "document_kind": proven.kind.value,
                    "id_number": proven.masked,
                },
                using_db=conn,
            )
    except IntegrityError as exc:
        # The unique blind index caught a verification of the same person racing this one.
        raise IdentityAlreadyBound() from exc
    await publish_level(redis, keys, user)
    return user


async def _spend_state(actor: Actor, state: str, redis: Redis, keys: Keys) -> PendingVerification:
    """Check that ``state`` is live and ``actor``'s, then use it up (exactly once)."""
    key = _state_key(keys, state)
    raw = await redis.get(key)
    if raw is None:
        if await redis.exists(_used_key(keys, state)):
            raise IdentityStateUsed()
        raise IdentityStateInvalid()
    if PendingVerification.loads(raw).user_id != actor.id:
        # Someone else's verification: refuse without spending it, so they can still finish.
        raise IdentityStateInvalid()
    await redis.set(_used_key(keys, state), "1", ex=STATE_TTL_SECONDS)
    raw = await redis.getdel(key)
    if raw is None:
        raise IdentityStateUsed()  # a concurrent callback spent it first
    return PendingVerification.loads(raw)


def _state_key(keys: Keys, state: str) -> str:
    return keys.of("identity", "state", state)


def _used_key(keys: Keys, state: str) -> str:
    return keys.of("identity", "state_used", state)


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


__all__ = [
    "age_on",
    "append_query",
    "birth_date_of",
    "birth_date_of_user",
    "document_of",
    "check_return_to",
    "complete_verification",
    "id_number_index",
    "normalize_id_number",
    "require_level",
    "return_target",
    "start_verification",
    "today",
]
