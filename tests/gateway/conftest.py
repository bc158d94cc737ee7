"""Fixtures of the gateway tests: the shared real server of tests/integration behind a real Envoy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from botsift_server import App
from tests.integration.conftest import app, integration_database_url, other_tenant, tenant

from .envoy import Envoy

__all__ = ["app", "envoy", "http", "integration_database_url", "other_tenant", "shared_envoy", "tenant"]


@pytest.fixture(scope="session")
async def shared_envoy(app: App) -> AsyncIterator[Envoy]:
    """Envoy with the default settings in front of the shared server, for the whole run."""
    gateway = Envoy([f"127.0.0.1:{app.port}"])
    try:
        await gateway.wait_ready()
        yield gateway
    finally:
        gateway.stop()


@pytest.fixture
async def envoy(shared_envoy: Envoy) -> Envoy:
    """The shared Envoy, once it sees the server healthy. The server runs on the tests' event
    loop, so a test that blocked the loop can make Envoy miss health checks and mark it down
    for a moment; each test starts from a routed state."""
    await shared_envoy.wait_ready()
    return shared_envoy


@pytest.fixture
def app_port(app: App) -> int:
    """The gRPC port of the shared server."""
    return app.port


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def envoys() -> Iterator[list[Envoy]]:
    """Envoys a test starts itself (own options); stopped after the test."""
    started: list[Envoy] = []
    yield started
    for gateway in started:
        gateway.stop()
