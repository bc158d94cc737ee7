"""Fixtures shared by every test folder: one real PostgreSQL for the whole run.

``database_url``
    Session-wide. The DSN of a PostgreSQL server for the run: ``BOTSIFT_TEST_DATABASE_URL``
    when set (a ``postgresql://`` URL of a role that may create databases), otherwise an
    embedded PostgreSQL started once in a temporary folder and stopped at the end. Tests that
    share it must not assume an empty database: give each test its own tenant.

``fresh_database_url``
    Per test. The DSN of a brand-new, empty database (``test_<hex>``) on that server, dropped
    after the test (``WITH (FORCE)``, so a leaked connection cannot keep it alive). Use it for
    tests that need an empty schema, such as migrations, or exact counts over whole tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from botsift_server.store import EmbeddedPostgres


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The DSN of the test run's PostgreSQL (see the module docstring)."""
    external = os.environ.get("BOTSIFT_TEST_DATABASE_URL")
    if external:
        yield external
        return
    embedded = await EmbeddedPostgres.start(tmp_path_factory.mktemp("postgres") / "data")
    try:
        yield embedded.dsn
    finally:
        await embedded.stop()


@pytest.fixture
async def fresh_database_url(database_url: str) -> AsyncIterator[str]:
    """The DSN of an empty database made for this test alone (see the module docstring)."""
    name = f"test_{uuid.uuid4().hex}"
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield _with_database(database_url, name)
    finally:
        admin = await asyncpg.connect(database_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def _with_database(url: str, database: str) -> str:
    """``url`` with its database replaced by ``database`` (``postgresql://`` URLs only)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))
