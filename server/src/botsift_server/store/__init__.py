"""Durable state: tenants, API keys (hashes only), final verdicts and usage, on PostgreSQL.

Servicers depend on :class:`Store`; :class:`PostgresStore` implements it with asyncpg and
group commit; :class:`EmbeddedPostgres` runs a local PostgreSQL when no database URL is set.
"""

from botsift_server.store._embedded import EmbeddedPostgres
from botsift_server.store._interface import Store
from botsift_server.store._postgres import PostgresStore, StoreStats
from botsift_server.store._records import KeyKind, KeyMode, KeyRecord, Tenant, VerdictRecord

__all__ = [
    "EmbeddedPostgres",
    "KeyKind",
    "KeyMode",
    "KeyRecord",
    "PostgresStore",
    "Store",
    "StoreStats",
    "Tenant",
    "VerdictRecord",
]
