"""Schema migrations: versioned SQL files in ``migrations/``, applied in order at start.

A migration file is named ``NNNN_what.sql``; ``NNNN`` is its version. Every replica runs
:func:`apply_migrations` when it starts. All pending files are applied in ONE transaction that
first takes a transaction-scoped advisory lock, so replicas starting together queue up: the
first applies, the others then find nothing pending. ``schema_migrations`` records what ran.

A database with versions this build does not know (a newer replica migrated it during a
rolling deploy) is accepted as is: migrations only add, so older code keeps working.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

__all__ = ["MIGRATION_LOCK_KEY", "Connection", "Migration", "apply_migrations", "load_migrations"]

_logger = logging.getLogger(__name__)

MIGRATION_LOCK_KEY = 0x426F_7453_6966_7401
"""Key of the ``pg_advisory_xact_lock`` held while migrating ("BotSift" plus a 1)."""

_FILE_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

_CREATE_HISTORY = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    """One SQL file of ``migrations/``."""

    version: int
    name: str
    sql: str


class Connection(Protocol):
    """The part of ``asyncpg.Connection`` migrations use (asyncpg ships no type hints)."""

    def transaction(self) -> _Transaction: ...

    async def execute(self, query: str, *args: object) -> str: ...

    async def fetch(self, query: str, *args: object) -> list[_Row]: ...


class _Transaction(Protocol):
    async def __aenter__(self) -> object: ...

    async def __aexit__(self, *exc: object) -> bool | None: ...


class _Row(Protocol):
    def __getitem__(self, key: str) -> object: ...


def load_migrations() -> list[Migration]:
    """The migrations shipped in the package, in version order.

    Raises :class:`ValueError` on a misnamed file or two files with one version: that is a
    packaging bug and must not reach a database.
    """
    folder = resources.files(__package__).joinpath("migrations")
    found: dict[int, Migration] = {}
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _FILE_NAME.match(entry.name)
        if match is None:
            raise ValueError(f"migration file {entry.name!r} is not named NNNN_what.sql")
        version = int(match.group(1))
        if version in found:
            raise ValueError(f"two migration files have version {version}")
        found[version] = Migration(version, entry.name, entry.read_text(encoding="utf-8"))
    return [found[version] for version in sorted(found)]


async def apply_migrations(connection: Connection) -> list[int]:
    """Apply the pending migrations; returns the versions this call applied (often none).

    ``connection`` is an ``asyncpg.Connection`` outside any transaction. Safe to run from
    several processes at once (see the module docstring).
    """
    migrations = load_migrations()
    applied_now: list[int] = []
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)
        await connection.execute(_CREATE_HISTORY)
        rows = await connection.fetch("SELECT version FROM schema_migrations")
        done = {_as_int(row["version"]) for row in rows}
        for migration in migrations:
            if migration.version in done:
                continue
            _logger.info("applying migration %s", migration.name)
            await connection.execute(migration.sql)
            await connection.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                migration.version,
                migration.name,
            )
            applied_now.append(migration.version)
    unknown = done - {migration.version for migration in migrations}
    if unknown:
        _logger.warning("database has migrations this build does not know: %s", sorted(unknown))
    return applied_now


def _as_int(value: object) -> int:
    if not isinstance(value, int):
        raise TypeError(f"expected an integer version, got {value!r}")
    return value
