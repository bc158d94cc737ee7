"""An unreachable database is StoreUnavailableError, quickly, for every call."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from botsift_server.errors import StoreUnavailableError
from botsift_server.store import EmbeddedPostgres, PostgresStore

from .support import make_verdict, with_database


async def test_open_without_a_server_raises_store_unavailable_fast(tmp_path: Path) -> None:
    started = time.monotonic()

    with pytest.raises(StoreUnavailableError, match="cannot open the database"):
        await PostgresStore.open(
            f"postgresql://postgres@/botsift?host={tmp_path / 'nowhere'}", command_timeout_s=1
        )

    assert time.monotonic() - started < 2


async def test_open_of_a_missing_database_raises_store_unavailable(database_url: str) -> None:
    with pytest.raises(StoreUnavailableError, match="does not exist"):
        await PostgresStore.open(with_database(database_url, "no_such_database"), command_timeout_s=2)


async def test_calls_after_the_server_stopped_raise_store_unavailable(tmp_path: Path) -> None:
    embedded = await EmbeddedPostgres.start(tmp_path / "pg")
    store = await PostgresStore.open(embedded.dsn, command_timeout_s=2)
    try:
        tenant, _ = await store.ensure_tenant("gone")
        await embedded.stop()

        with pytest.raises(StoreUnavailableError):
            await store.ping()
        with pytest.raises(StoreUnavailableError):
            await store.save_verdict(make_verdict(tenant.tenant_id), event_count=1)
        with pytest.raises(StoreUnavailableError):
            await store.get_verdict(tenant.tenant_id, "s1")
        with pytest.raises(StoreUnavailableError):
            await store.ensure_tenant(f"t-{uuid.uuid4().hex}")
    finally:
        await store.close()
        await embedded.stop()
