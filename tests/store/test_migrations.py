"""Migrations: applied once, at open, safely when replicas start together."""

from __future__ import annotations

import asyncio

import asyncpg

from botsift_server.store import PostgresStore
from botsift_server.store._migrate import apply_migrations, load_migrations

TABLES = {"schema_migrations", "tenants", "api_keys", "verdicts", "usage", "tenant_engine_settings"}


async def _tables(dsn: str) -> set[str]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()
    return {str(row["tablename"]) for row in rows}


async def _applied_versions(dsn: str) -> list[int]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch("SELECT version FROM schema_migrations ORDER BY version")
    finally:
        await connection.close()
    return [int(row["version"]) for row in rows]


def test_shipped_migrations_are_numbered_from_one_without_gaps() -> None:
    versions = [migration.version for migration in load_migrations()]
    assert versions == list(range(1, len(versions) + 1))


async def test_open_applies_every_migration_once(fresh_database_url: str) -> None:
    store = await PostgresStore.open(fresh_database_url)
    await store.close()
    store = await PostgresStore.open(fresh_database_url)
    await store.close()

    assert _tables_expected(await _tables(fresh_database_url))
    assert await _applied_versions(fresh_database_url) == [m.version for m in load_migrations()]


async def test_applying_again_finds_nothing_pending(fresh_database_url: str) -> None:
    connection = await asyncpg.connect(fresh_database_url)
    try:
        first = await apply_migrations(connection)
        second = await apply_migrations(connection)
    finally:
        await connection.close()

    assert first == [m.version for m in load_migrations()]
    assert second == []


async def test_stores_opening_together_on_an_empty_database_all_succeed(fresh_database_url: str) -> None:
    stores = await asyncio.gather(*(PostgresStore.open(fresh_database_url) for _ in range(4)))
    for store in stores:
        await store.ping()
        await store.close()

    assert _tables_expected(await _tables(fresh_database_url))
    assert await _applied_versions(fresh_database_url) == [m.version for m in load_migrations()]


def _tables_expected(found: set[str]) -> bool:
    return found == TABLES
