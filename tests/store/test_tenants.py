"""Tenants: found or created by name, once, even when callers race."""

from __future__ import annotations

import asyncio
import uuid

from botsift_server.store import PostgresStore


async def test_ensure_tenant_creates_once_then_finds(store: PostgresStore) -> None:
    name = f"acme-{uuid.uuid4().hex}"

    first, first_created = await store.ensure_tenant(name)
    again, again_created = await store.ensure_tenant(name)

    assert (first_created, again_created) == (True, False)
    assert again == first
    assert first.name == name


async def test_racing_ensure_tenant_calls_make_one_tenant_and_one_creator(store: PostgresStore) -> None:
    name = f"race-{uuid.uuid4().hex}"

    results = await asyncio.gather(*(store.ensure_tenant(name) for _ in range(10)))

    assert len({tenant.tenant_id for tenant, _ in results}) == 1
    assert sum(created for _, created in results) == 1
