"""Fixtures of the store tests: a store on the run's database and a tenant of its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from botsift_server.store import PostgresStore, Tenant


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[PostgresStore]:
    """A store on the run's shared database (migrated on first open)."""
    opened = await PostgresStore.open(database_url, max_connections=4)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def tenant(store: PostgresStore) -> Tenant:
    """A tenant no other test uses, so its keys, verdicts and usage start empty."""
    created, _ = await store.ensure_tenant(f"tenant-{uuid.uuid4().hex}")
    return created
