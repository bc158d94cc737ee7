"""A real BotSift server on a loopback port, on a real PostgreSQL, shared by the tests of a
run; every test gets its own tenant, so tests never see each other's data."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
import pytest

from botsift.v1 import detection_pb2_grpc, keys_pb2_grpc
from botsift_server import App, Settings
from botsift_server.keys import generate_key
from botsift_server.store import KeyKind, KeyMode

from .support import TenantKeys

SERVER_ENV = {
    "BOTSIFT_SERVER_PORT": "0",
    "BOTSIFT_METRICS_PORT": "0",
    "BOTSIFT_AUTH_KEY_CACHE_TTL_S": "0",
    "BOTSIFT_SERVER_GRACE_PERIOD_S": "2",
    "BOTSIFT_LIMITS_MAX_SESSIONS_PER_STREAM": "250",
    "BOTSIFT_LIMITS_RESUME_GRACE_S": "1",
    "BOTSIFT_LIMITS_MAX_EVENTS_PER_SESSION": "5000",
    "BOTSIFT_LIMITS_MAX_EVENTS_PER_BATCH": "2000",
    "BOTSIFT_SERVER_MAX_MESSAGE_BYTES": str(256 * 1024),
    "BOTSIFT_LOG_LEVEL": "WARNING",
}


@pytest.fixture(scope="session")
async def app(integration_database_url: str) -> AsyncIterator[App]:
    """The server under test."""
    settings = Settings.load(environ={**SERVER_ENV, "BOTSIFT_DATABASE_URL": integration_database_url})
    running = await App.start(settings)
    yield running
    await running.stop()


@pytest.fixture(scope="session")
async def integration_database_url(database_url: str) -> str:
    """A database of its own on the test PostgreSQL, for the shared server."""
    import asyncpg

    name = f"integration_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return _with_database(database_url, name)


def _with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@pytest.fixture
async def channel(app: App) -> AsyncIterator[grpc.aio.Channel]:
    """A plaintext channel to the server."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as ch:
        yield ch


@pytest.fixture
def detection(channel: grpc.aio.Channel) -> detection_pb2_grpc.DetectionServiceAsyncStub:
    """A DetectionService client."""
    return detection_pb2_grpc.DetectionServiceStub(channel)


@pytest.fixture
def keys_client(channel: grpc.aio.Channel) -> keys_pb2_grpc.KeyServiceAsyncStub:
    """A KeyService client."""
    return keys_pb2_grpc.KeyServiceStub(channel)


async def make_tenant(app: App, mode: KeyMode = KeyMode.TEST) -> TenantKeys:
    """A new tenant with a publishable and a secret key of ``mode``."""
    tenant, _ = await app.store.ensure_tenant(f"t-{uuid.uuid4().hex}")
    values = {}
    for kind in (KeyKind.PUBLISHABLE, KeyKind.SECRET):
        new = generate_key(kind, mode)
        await app.store.create_key(tenant.tenant_id, kind, mode, "test", new.key_hash, new.display_prefix)
        values[kind] = new.value
    return TenantKeys(tenant.tenant_id, values[KeyKind.PUBLISHABLE], values[KeyKind.SECRET])


@pytest.fixture
async def tenant(app: App) -> TenantKeys:
    """A fresh tenant with test keys."""
    return await make_tenant(app)


@pytest.fixture
async def other_tenant(app: App) -> TenantKeys:
    """A second fresh tenant, to check isolation."""
    return await make_tenant(app)
