"""The SDK against a real server: the shared in-process server of the integration tests (its
fixtures are imported here), and, for restart tests, ``botsift-server serve`` as a child process
that a test can kill and start again on the same port."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

import botsift
from botsift_server import App
from tests.integration.conftest import (  # noqa: F401 - fixtures, used by name
    app,
    integration_database_url,
    make_tenant,
    tenant,
)
from tests.integration.support import TenantKeys

SERVER_BIN = Path(sys.executable).parent / "botsift-server"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def target(app: App) -> str:  # noqa: F811
    """``host:port`` of the shared server."""
    return f"127.0.0.1:{app.port}"


@pytest.fixture
async def client(target: str, tenant: TenantKeys) -> AsyncIterator[botsift.AsyncClient]:  # noqa: F811
    """An async client with the tenant's publishable key."""
    async with botsift.AsyncClient(api_key=tenant.publishable, target=target) as c:
        yield c


@pytest.fixture
async def secret_client(target: str, tenant: TenantKeys) -> AsyncIterator[botsift.AsyncClient]:  # noqa: F811
    """An async client with the tenant's secret key."""
    async with botsift.AsyncClient(api_key=tenant.secret, target=target) as c:
        yield c


class ServerProcess:
    """``botsift-server serve`` in a child process on a fixed (free) port."""

    def __init__(self, database_url: str, port: int) -> None:
        self.database_url = database_url
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def target(self) -> str:
        """``host:port`` of the server."""
        return f"127.0.0.1:{self.port}"

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "BOTSIFT_DATABASE_URL": self.database_url,
            "BOTSIFT_SERVER_PORT": str(self.port),
            "BOTSIFT_METRICS_PORT": "-1",
            "BOTSIFT_SERVER_GRACE_PERIOD_S": "2",
            "BOTSIFT_LOG_LEVEL": "WARNING",
        }
        return subprocess.Popen([str(SERVER_BIN), "serve"], env=env)

    async def start(self) -> None:
        """Start it and wait until it answers."""
        self.process = self._spawn()
        for _ in range(200):
            if self.process.poll() is not None:
                raise RuntimeError(f"botsift-server exited with {self.process.returncode}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return
        raise RuntimeError("botsift-server did not start listening within 10 s")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stop it with ``sig`` (SIGKILL: a crash) and wait for it to exit."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=15)
        self.process = None


@pytest.fixture
async def server_process(database_url: str) -> AsyncIterator[ServerProcess]:
    """A child-process server on its own database; stopped after the test."""
    name = f"sdk_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(database_url)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    server = ServerProcess(url, free_port())
    await server.start()
    try:
        yield server
    finally:
        server.stop(signal.SIGKILL)


@pytest.fixture
def process_keys(server_process: ServerProcess) -> TenantKeys:
    """Keys of a tenant made with ``botsift-server create-tenant`` on the child server's database."""
    out = subprocess.run(
        [str(SERVER_BIN), "create-tenant", f"t-{uuid.uuid4().hex[:8]}"],
        env={
            **os.environ,
            "BOTSIFT_DATABASE_URL": server_process.database_url,
            "BOTSIFT_LOG_LEVEL": "WARNING",
        },
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    words = out.split()
    tenant_id = uuid.UUID(next(w.strip("()") for w in words if w.startswith("(")))
    pk = next(w for w in words if w.startswith("pk_"))
    sk = next(w for w in words if w.startswith("sk_"))
    return TenantKeys(tenant_id, pk, sk)
