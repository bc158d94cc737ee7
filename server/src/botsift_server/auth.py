"""Who is calling: API keys from ``authorization: Bearer <key>`` metadata, resolved to a
:class:`Principal`, and which key kinds each RPC accepts."""

from __future__ import annotations

import contextvars
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from botsift_server.errors import PermissionDeniedError, UnauthenticatedError
from botsift_server.keys import hash_key, parse_key
from botsift_server.store import KeyKind, KeyMode, KeyRecord, Store

_BOTH = frozenset({KeyKind.PUBLISHABLE, KeyKind.SECRET})
_SECRET = frozenset({KeyKind.SECRET})

#: Key kinds each RPC accepts. Services not listed here (health, reflection) are public; an
#: RPC of a listed service that is missing from the table is refused, so a new RPC cannot be
#: exposed by accident.
METHOD_POLICY: dict[str, frozenset[KeyKind]] = {
    "/botsift.v1.DetectionService/Analyze": _BOTH,
    "/botsift.v1.DetectionService/ScoreSession": _BOTH,
    "/botsift.v1.DetectionService/GetVerdict": _SECRET,
    "/botsift.v1.KeyService/CreateKey": _SECRET,
    "/botsift.v1.KeyService/ListKeys": _SECRET,
    "/botsift.v1.KeyService/RevokeKey": _SECRET,
}
PROTECTED_SERVICES = frozenset({"botsift.v1.DetectionService", "botsift.v1.KeyService"})
_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class Principal:
    """The tenant and key an RPC runs for."""

    tenant_id: uuid.UUID
    key_id: uuid.UUID
    kind: KeyKind
    mode: KeyMode


principal_var: contextvars.ContextVar[Principal] = contextvars.ContextVar("botsift_principal")


def current_principal() -> Principal:
    """The principal of the RPC being served (set by the interceptor before the servicer runs)."""
    return principal_var.get()


def is_protected(method: str) -> bool:
    """Whether ``method`` (``/package.Service/Method``) needs an API key."""
    return method.split("/")[1] in PROTECTED_SERVICES if method.count("/") == 2 else True


class Authenticator:
    """Resolves bearer keys to principals, with a small time-bounded cache of lookups."""

    def __init__(
        self, store: Store, *, cache_ttl_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._store = store
        self._ttl = cache_ttl_s
        self._clock = clock
        self._cache: OrderedDict[bytes, tuple[float, KeyRecord | None]] = OrderedDict()

    async def authenticate(self, method: str, authorization: str | None) -> Principal:
        """The principal for a call of ``method`` with that ``authorization`` metadata value.

        Raises :class:`UnauthenticatedError` for a missing, malformed, unknown or revoked key
        and :class:`PermissionDeniedError` when the key's kind may not call ``method``.
        """
        if not authorization:
            raise UnauthenticatedError("missing API key: send metadata 'authorization: Bearer <key>'")
        scheme, _, value = authorization.strip().partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value:
            raise UnauthenticatedError("malformed authorization metadata: expected 'Bearer <key>'")
        if parse_key(value) is None:
            raise UnauthenticatedError("invalid API key")
        record = await self._lookup(hash_key(value))
        if record is None:
            raise UnauthenticatedError("invalid API key")
        if not record.active:
            raise UnauthenticatedError("this API key was revoked")
        allowed = METHOD_POLICY.get(method)
        if allowed is None or record.kind not in allowed:
            raise PermissionDeniedError(
                f"{method.rsplit('/', 1)[-1]} needs a secret key (sk_...); this is a publishable key"
                if allowed
                else f"{method} is not available to API keys"
            )
        return Principal(tenant_id=record.tenant_id, key_id=record.key_id, kind=record.kind, mode=record.mode)

    def forget(self, key_id: uuid.UUID) -> None:
        """Drop cached lookups of a key (after it was revoked here)."""
        for key_hash, (_, record) in list(self._cache.items()):
            if record is not None and record.key_id == key_id:
                del self._cache[key_hash]

    async def _lookup(self, key_hash: bytes) -> KeyRecord | None:
        now = self._clock()
        cached = self._cache.get(key_hash)
        if cached is not None and cached[0] > now:
            return cached[1]
        record = await self._store.find_key(key_hash)
        if self._ttl > 0:
            self._cache[key_hash] = (now + self._ttl, record)
            self._cache.move_to_end(key_hash)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return record
