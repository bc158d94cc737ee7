"""The storage seam: servicers talk to this protocol, never to asyncpg."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Protocol

from botsift_server.store._records import KeyKind, KeyMode, KeyRecord, Tenant, VerdictRecord


class Store(Protocol):
    """Durable state of BotSift. Every method is safe to call concurrently."""

    async def ping(self) -> None:
        """Raise :class:`StoreUnavailableError` unless the database answers."""

    async def find_key(self, key_hash: bytes) -> KeyRecord | None:
        """The key whose SHA-256 is ``key_hash`` (active or revoked), or ``None``."""

    async def save_verdict(self, record: VerdictRecord, *, event_count: int) -> bool:
        """Persist a final verdict and count its usage (one session, ``event_count`` events)
        in the same transaction, through group commit. Returns ``False`` (and stores nothing)
        when the tenant already has a final verdict for that session id."""

    async def get_verdict(self, tenant_id: uuid.UUID, session_id: str) -> VerdictRecord | None:
        """The stored final verdict of a tenant's session, or ``None``."""

    async def ensure_tenant(self, name: str) -> tuple[Tenant, bool]:
        """The tenant called ``name``, created if there is none (safe when two callers race);
        the flag says whether this call created it."""

    async def create_key(
        self,
        tenant_id: uuid.UUID,
        kind: KeyKind,
        mode: KeyMode,
        name: str,
        key_hash: bytes,
        display_prefix: str,
    ) -> KeyRecord:
        """Store a new key of a tenant (its hash only)."""

    async def list_keys(
        self,
        tenant_id: uuid.UUID,
        *,
        limit: int,
        offset: int,
        include_revoked: bool,
    ) -> list[KeyRecord]:
        """A tenant's keys, newest first."""

    async def revoke_key(self, tenant_id: uuid.UUID, key_id: uuid.UUID) -> KeyRecord | None:
        """Revoke a tenant's key (idempotent); ``None`` when the tenant has no such key."""

    async def get_engine_overrides(self, tenant_id: uuid.UUID) -> dict[str, object] | None:
        """A tenant's overrides of the engine's scoring settings (a JSON object), or ``None``."""

    async def set_engine_overrides(
        self, tenant_id: uuid.UUID, overrides: Mapping[str, object] | None
    ) -> None:
        """Replace a tenant's engine overrides (``None`` removes them). The caller validates."""

    async def close(self) -> None:
        """Flush pending writes and release connections."""
