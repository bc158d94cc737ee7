"""The :class:`Store` on PostgreSQL, through an asyncpg connection pool.

Verdicts go through group commit (:mod:`._group_commit`): one statement per batch inserts the
verdicts and adds the usage of exactly the rows it inserted, so a verdict is never stored
without its usage nor counted twice. If a batch fails for a reason other than the connection,
its rows are retried one per transaction, so one bad row fails alone and good rows still land.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

import asyncpg

from botsift_server.errors import StoreUnavailableError
from botsift_server.store._codec import (
    Row,
    VerdictRow,
    decode_key,
    decode_overrides,
    decode_tenant,
    decode_verdict,
    encode_overrides,
    encode_verdict,
    inserted_key,
)
from botsift_server.store._group_commit import GroupCommit
from botsift_server.store._migrate import Connection, apply_migrations
from botsift_server.store._records import KeyKind, KeyMode, KeyRecord, Tenant, VerdictRecord
from botsift_server.store._unavailable import UNAVAILABLE, as_unavailable, unavailable

__all__ = ["PostgresStore", "StoreStats"]

# One statement stores a whole batch: the verdicts that are new, and the usage of exactly
# those (the `inserted` CTE), grouped per (tenant, mode, UTC hour). Rows arrive sorted by
# key, so replicas writing the same keys lock them in the same order.
_SAVE_VERDICTS = """
WITH input AS (
    SELECT * FROM unnest(
        $1::uuid[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::int2[], $7::float8[],
        $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::int4[],
        $14::int8[]
    ) AS t(tenant_id, session_id, action, mode, score, risk_level, confidence, reasons,
           contributions, event_counts, engine_version, decide_time, processing_time_us,
           event_count)
), inserted AS (
    INSERT INTO verdicts (tenant_id, session_id, action, mode, score, risk_level, confidence,
                          reasons, contributions, event_counts, engine_version, decide_time,
                          processing_time_us)
    SELECT tenant_id, session_id, action, mode, score, risk_level, confidence, reasons::jsonb,
           contributions::jsonb, event_counts::jsonb, engine_version, decide_time,
           processing_time_us
    FROM input
    ON CONFLICT (tenant_id, session_id) DO NOTHING
    RETURNING tenant_id, session_id
), counted AS (
    INSERT INTO usage AS u (tenant_id, mode, hour, sessions, events)
    SELECT input.tenant_id, input.mode, date_trunc('hour', input.decide_time, 'UTC'),
           count(*), sum(input.event_count)
    FROM input JOIN inserted USING (tenant_id, session_id)
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (tenant_id, mode, hour) DO UPDATE
        SET sessions = u.sessions + excluded.sessions, events = u.events + excluded.events
)
SELECT tenant_id, session_id FROM inserted
"""

_SELECT_VERDICT = """
SELECT tenant_id, session_id, action, mode, score, risk_level, confidence, reasons::text,
       contributions::text, event_counts::text, engine_version, decide_time, processing_time_us
FROM verdicts WHERE tenant_id = $1 AND session_id = $2
"""


class _Pool(Protocol):
    """The part of ``asyncpg.Pool`` the store uses (asyncpg ships no type hints)."""

    async def fetch(self, query: str, *args: object) -> list[Row]: ...

    async def fetchrow(self, query: str, *args: object) -> Row | None: ...

    async def fetchval(self, query: str, *args: object) -> object: ...

    async def execute(self, query: str, *args: object) -> str: ...

    def acquire(self, *, timeout: float | None = None) -> AbstractAsyncContextManager[Connection]: ...

    async def close(self) -> None: ...

    def terminate(self) -> None: ...


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Counters of a :class:`PostgresStore` since it was opened, for metrics and tests."""

    transactions: int
    """Transactions that wrote verdicts (one per batch, plus one per row of a retried batch)."""
    batches: int
    """Batches of verdicts the group commit formed."""
    largest_batch: int
    """Size of the largest batch."""
    inserted: int
    """Verdicts stored."""
    duplicates: int
    """Verdicts refused because the session id already had one."""
    failed: int
    """Verdicts whose save raised."""


class PostgresStore:
    """:class:`~botsift_server.store.Store` on PostgreSQL. Create it with :meth:`open`.

    Example::

        store = await PostgresStore.open("postgresql://botsift@db/botsift")
        try:
            tenant, _ = await store.ensure_tenant("acme")
        finally:
            await store.close()
    """

    def __init__(self, pool: _Pool, *, commit_max_batch: int, commit_max_delay_ms: float) -> None:
        """Use :meth:`open`; this wraps an already migrated pool."""
        self._pool = pool
        self._commits: GroupCommit[VerdictRow] = GroupCommit(
            self._write_verdicts,
            max_batch=commit_max_batch,
            max_delay_s=commit_max_delay_ms / 1000.0,
            closed_error=lambda: StoreUnavailableError("the store is closed"),
        )
        self._transactions = 0
        self._inserted = 0
        self._duplicates = 0
        self._failed = 0
        self._closed = False

    @classmethod
    async def open(
        cls,
        dsn: str,
        *,
        min_connections: int = 1,
        max_connections: int = 10,
        commit_max_batch: int = 256,
        commit_max_delay_ms: float = 2.0,
        command_timeout_s: float = 10.0,
    ) -> PostgresStore:
        """Connect to ``dsn``, apply pending migrations, start the verdict writer.

        ``dsn`` is a ``postgresql://`` URL (a unix socket folder goes in ``?host=``).
        ``command_timeout_s`` bounds every statement and also connecting. Raises
        :class:`StoreUnavailableError` when the database cannot be reached.
        """
        if not 0 < min_connections <= max_connections:
            raise ValueError("need 0 < min_connections <= max_connections")
        with unavailable("cannot open the database"):
            pool: _Pool = await asyncpg.create_pool(
                dsn,
                min_size=min_connections,
                max_size=max_connections,
                command_timeout=command_timeout_s,
                timeout=command_timeout_s,
                server_settings={"application_name": "botsift-server"},
            )
        try:
            with unavailable("cannot migrate the database"):
                async with pool.acquire(timeout=command_timeout_s) as connection:
                    await apply_migrations(connection)
            return cls(pool, commit_max_batch=commit_max_batch, commit_max_delay_ms=commit_max_delay_ms)
        except BaseException:
            pool.terminate()
            raise

    @property
    def stats(self) -> StoreStats:
        """A snapshot of the write counters."""
        return StoreStats(
            transactions=self._transactions,
            batches=self._commits.batches,
            largest_batch=self._commits.largest_batch,
            inserted=self._inserted,
            duplicates=self._duplicates,
            failed=self._failed,
        )

    async def ping(self) -> None:
        """Raise :class:`StoreUnavailableError` unless the database answers."""
        with self._guard("database ping failed"):
            await self._pool.fetchval("SELECT 1")

    async def find_key(self, key_hash: bytes) -> KeyRecord | None:
        """The key whose SHA-256 is ``key_hash`` (active or revoked), or ``None``."""
        with self._guard("cannot read keys"):
            row = await self._pool.fetchrow(
                "SELECT key_id, tenant_id, kind, mode, display_prefix, name, create_time, revoke_time "
                "FROM api_keys WHERE key_hash = $1",
                key_hash,
            )
        return None if row is None else decode_key(row)

    async def save_verdict(self, record: VerdictRecord, *, event_count: int) -> bool:
        """Persist a final verdict and its usage through group commit.

        Returns ``False`` (storing nothing) when the tenant already has a verdict for that
        session id, also when the other one is in the same batch (the first queued wins).
        Raises :class:`ValueError` at once for values the database would refuse,
        :class:`StoreUnavailableError` when the database cannot be reached.
        """
        return await self._commits.submit(encode_verdict(record, event_count))

    async def get_verdict(self, tenant_id: uuid.UUID, session_id: str) -> VerdictRecord | None:
        """The stored final verdict of a tenant's session, or ``None``."""
        with self._guard("cannot read verdicts"):
            row = await self._pool.fetchrow(_SELECT_VERDICT, tenant_id, session_id)
        return None if row is None else decode_verdict(row)

    async def ensure_tenant(self, name: str) -> tuple[Tenant, bool]:
        """The tenant called ``name``, created if missing; the flag says whether this call
        created it. Exactly one of several racing callers gets ``True``."""
        with self._guard("cannot write tenants"):
            row = await self._pool.fetchrow(
                "INSERT INTO tenants (name) VALUES ($1) ON CONFLICT (name) DO NOTHING "
                "RETURNING tenant_id, name, create_time",
                name,
            )
            if row is not None:
                return decode_tenant(row), True
            # A racing insert blocks ours until it commits, so this new snapshot sees it.
            row = await self._pool.fetchrow(
                "SELECT tenant_id, name, create_time FROM tenants WHERE name = $1", name
            )
        if row is None:
            raise RuntimeError(f"tenant {name!r} vanished while being ensured")
        return decode_tenant(row), False

    async def create_key(
        self,
        tenant_id: uuid.UUID,
        kind: KeyKind,
        mode: KeyMode,
        name: str,
        key_hash: bytes,
        display_prefix: str,
    ) -> KeyRecord:
        """Store a new key of a tenant (its SHA-256 only, 32 bytes).

        An unknown tenant or an existing hash raises asyncpg's ``ForeignKeyViolationError`` /
        ``UniqueViolationError``: both are bugs of the caller.
        """
        if len(key_hash) != 32:
            raise ValueError(f"key_hash must be a SHA-256 (32 bytes), got {len(key_hash)} bytes")
        with self._guard("cannot write keys"):
            row = await self._pool.fetchrow(
                "INSERT INTO api_keys (tenant_id, key_hash, kind, mode, display_prefix, name) "
                "VALUES ($1, $2, $3, $4, $5, $6) "
                "RETURNING key_id, tenant_id, kind, mode, display_prefix, name, create_time, revoke_time",
                tenant_id,
                key_hash,
                kind.value,
                mode.value,
                display_prefix,
                name,
            )
        if row is None:
            raise RuntimeError("INSERT ... RETURNING returned no row")
        return decode_key(row)

    async def list_keys(
        self,
        tenant_id: uuid.UUID,
        *,
        limit: int,
        offset: int,
        include_revoked: bool,
    ) -> list[KeyRecord]:
        """A tenant's keys, newest first, ``limit`` of them after skipping ``offset``."""
        if limit < 0 or offset < 0:
            raise ValueError("limit and offset must be >= 0")
        with self._guard("cannot read keys"):
            rows = await self._pool.fetch(
                "SELECT key_id, tenant_id, kind, mode, display_prefix, name, create_time, revoke_time "
                "FROM api_keys "
                "WHERE tenant_id = $1 AND ($2 OR revoke_time IS NULL) "
                "ORDER BY create_time DESC, key_id DESC LIMIT $3 OFFSET $4",
                tenant_id,
                include_revoked,
                limit,
                offset,
            )
        return [decode_key(row) for row in rows]

    async def revoke_key(self, tenant_id: uuid.UUID, key_id: uuid.UUID) -> KeyRecord | None:
        """Revoke a tenant's key; revoking again keeps the first ``revoke_time``.
        ``None`` when the tenant has no such key (also when another tenant has it)."""
        with self._guard("cannot write keys"):
            row = await self._pool.fetchrow(
                "UPDATE api_keys SET revoke_time = coalesce(revoke_time, clock_timestamp()) "
                "WHERE tenant_id = $1 AND key_id = $2 "
                "RETURNING key_id, tenant_id, kind, mode, display_prefix, name, create_time, revoke_time",
                tenant_id,
                key_id,
            )
        return None if row is None else decode_key(row)

    async def get_engine_overrides(self, tenant_id: uuid.UUID) -> dict[str, object] | None:
        """A tenant's overrides of the engine's scoring settings, or ``None``."""
        with self._guard("cannot read tenant settings"):
            text = await self._pool.fetchval(
                "SELECT overrides::text FROM tenant_engine_settings WHERE tenant_id = $1", tenant_id
            )
        return None if text is None else decode_overrides(str(text))

    async def set_engine_overrides(
        self, tenant_id: uuid.UUID, overrides: Mapping[str, object] | None
    ) -> None:
        """Replace a tenant's engine overrides (``None`` removes them)."""
        with self._guard("cannot write tenant settings"):
            if overrides is None:
                await self._pool.execute("DELETE FROM tenant_engine_settings WHERE tenant_id = $1", tenant_id)
                return
            await self._pool.execute(
                "INSERT INTO tenant_engine_settings (tenant_id, overrides) VALUES ($1, $2::jsonb) "
                "ON CONFLICT (tenant_id) DO UPDATE SET overrides = EXCLUDED.overrides, "
                "update_time = clock_timestamp()",
                tenant_id,
                encode_overrides(overrides),
            )

    async def close(self) -> None:
        """Write the verdicts already queued, then close the pool. Idempotent; afterwards
        every call raises :class:`StoreUnavailableError`."""
        if self._closed:
            return
        self._closed = True
        await self._commits.close()
        try:
            await asyncio.wait_for(self._pool.close(), timeout=10.0)
        except TimeoutError:
            self._pool.terminate()

    def _guard(self, what: str) -> contextlib.AbstractContextManager[None]:
        if self._closed:
            raise StoreUnavailableError("the store is closed")
        return unavailable(what)

    async def _write_verdicts(self, rows: Sequence[VerdictRow]) -> list[bool | BaseException]:
        """Group commit's writer: one statement for the batch, per-row retry if it fails."""
        outcomes: list[bool | BaseException] = [False] * len(rows)
        first_of: dict[tuple[uuid.UUID, str], int] = {}
        later: dict[int, int] = {}  # index of a duplicate within the batch → index of the first
        for index, row in enumerate(rows):
            if row.key in first_of:
                later[index] = first_of[row.key]
            else:
                first_of[row.key] = index
        unique = sorted(first_of.items())
        try:
            inserted = await self._insert([rows[index] for _, index in unique])
            for key, index in unique:
                outcomes[index] = key in inserted
        except UNAVAILABLE as exc:
            for _, index in unique:
                outcomes[index] = as_unavailable(exc, "cannot store verdicts")
        except Exception:  # a row the database refuses: find it, store the others
            for key, index in unique:
                try:
                    outcomes[index] = key in await self._insert([rows[index]])
                except UNAVAILABLE as exc:
                    outcomes[index] = as_unavailable(exc, "cannot store verdicts")
                except Exception as exc:
                    outcomes[index] = exc
        for index, first in later.items():
            # The first queued wins: a later one is a duplicate, unless the first could not be
            # stored either, and then it shares the first one's error.
            failure = outcomes[first]
            outcomes[index] = failure if isinstance(failure, BaseException) else False
        for result in outcomes:
            if isinstance(result, BaseException):
                self._failed += 1
            elif result:
                self._inserted += 1
            else:
                self._duplicates += 1
        return outcomes

    async def _insert(self, rows: Sequence[VerdictRow]) -> set[tuple[uuid.UUID, str]]:
        """Run the batch statement (its own transaction); the keys it inserted."""
        self._transactions += 1
        returned = await self._pool.fetch(
            _SAVE_VERDICTS,
            [r.tenant_id for r in rows],
            [r.session_id for r in rows],
            [r.action for r in rows],
            [r.mode for r in rows],
            [r.score for r in rows],
            [r.risk_level for r in rows],
            [r.confidence for r in rows],
            [r.reasons for r in rows],
            [r.contributions for r in rows],
            [r.event_counts for r in rows],
            [r.engine_version for r in rows],
            [r.decide_time for r in rows],
            [r.processing_time_us for r in rows],
            [r.event_count for r in rows],
        )
        return {inserted_key(row) for row in returned}
