"""API keys: stored as hashes, listed newest first, revoked once, never across tenants."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from botsift_server.store import KeyKind, KeyMode, KeyRecord, PostgresStore, Tenant


def _hash(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


async def _new_key(store: PostgresStore, tenant: Tenant, name: str) -> KeyRecord:
    value = f"sk_test_{uuid.uuid4().hex}"
    return await store.create_key(
        tenant.tenant_id, KeyKind.SECRET, KeyMode.TEST, name, _hash(value), value[:12]
    )


async def test_created_key_is_found_by_its_hash(store: PostgresStore, tenant: Tenant) -> None:
    value = f"pk_live_{uuid.uuid4().hex}"

    created = await store.create_key(
        tenant.tenant_id, KeyKind.PUBLISHABLE, KeyMode.LIVE, "web", _hash(value), value[:12]
    )
    found = await store.find_key(_hash(value))

    assert found == created
    assert (found.kind, found.mode, found.name, found.display_prefix) == (
        KeyKind.PUBLISHABLE,
        KeyMode.LIVE,
        "web",
        value[:12],
    )
    assert found.active
    assert await store.find_key(_hash("unknown")) is None


async def test_a_key_hash_must_be_a_sha256(store: PostgresStore, tenant: Tenant) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        await store.create_key(tenant.tenant_id, KeyKind.SECRET, KeyMode.TEST, "x", b"short", "sk_test_x")


async def test_keys_list_newest_first_with_limit_and_offset(store: PostgresStore, tenant: Tenant) -> None:
    keys = [await _new_key(store, tenant, f"key{i}") for i in range(5)]
    newest_first = [key.key_id for key in reversed(keys)]

    everything = await store.list_keys(tenant.tenant_id, limit=10, offset=0, include_revoked=True)
    page = await store.list_keys(tenant.tenant_id, limit=2, offset=1, include_revoked=True)

    assert [key.key_id for key in everything] == newest_first
    assert [key.key_id for key in page] == newest_first[1:3]


async def test_revoked_keys_are_listed_only_when_asked(store: PostgresStore, tenant: Tenant) -> None:
    kept = await _new_key(store, tenant, "kept")
    revoked = await _new_key(store, tenant, "revoked")
    await store.revoke_key(tenant.tenant_id, revoked.key_id)

    active = await store.list_keys(tenant.tenant_id, limit=10, offset=0, include_revoked=False)
    every = await store.list_keys(tenant.tenant_id, limit=10, offset=0, include_revoked=True)

    assert [key.key_id for key in active] == [kept.key_id]
    assert [key.key_id for key in every] == [revoked.key_id, kept.key_id]


async def test_revoking_twice_keeps_the_first_revoke_time(store: PostgresStore, tenant: Tenant) -> None:
    key = await _new_key(store, tenant, "old")

    first = await store.revoke_key(tenant.tenant_id, key.key_id)
    second = await store.revoke_key(tenant.tenant_id, key.key_id)

    assert first is not None
    assert second is not None
    assert first.revoke_time is not None
    assert not first.active
    assert second.revoke_time == first.revoke_time


async def test_revoking_an_unknown_key_returns_none(store: PostgresStore, tenant: Tenant) -> None:
    assert await store.revoke_key(tenant.tenant_id, uuid.uuid4()) is None


async def test_a_tenant_cannot_list_or_revoke_another_tenants_keys(
    store: PostgresStore, tenant: Tenant
) -> None:
    other, _ = await store.ensure_tenant(f"other-{uuid.uuid4().hex}")
    key = await _new_key(store, tenant, "mine")

    listed = await store.list_keys(other.tenant_id, limit=10, offset=0, include_revoked=True)
    revoked = await store.revoke_key(other.tenant_id, key.key_id)

    assert listed == []
    assert revoked is None
    mine = await store.list_keys(tenant.tenant_id, limit=10, offset=0, include_revoked=False)
    assert [k.key_id for k in mine] == [key.key_id]
