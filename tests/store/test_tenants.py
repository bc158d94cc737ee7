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


async def test_engine_overrides_are_stored_replaced_and_cleared_per_tenant(store: PostgresStore) -> None:
    tenant, _ = await store.ensure_tenant(f"t-{uuid.uuid4().hex}")
    other, _ = await store.ensure_tenant(f"t-{uuid.uuid4().hex}")
    assert await store.get_engine_overrides(tenant.tenant_id) is None
    await store.set_engine_overrides(tenant.tenant_id, {"high_score": 0.7})
    await store.set_engine_overrides(tenant.tenant_id, {"actions": {"login": {"high_score": 0.6}}})
    assert await store.get_engine_overrides(tenant.tenant_id) == {"actions": {"login": {"high_score": 0.6}}}
    assert await store.get_engine_overrides(other.tenant_id) is None
    await store.set_engine_overrides(tenant.tenant_id, None)
    assert await store.get_engine_overrides(tenant.tenant_id) is None
