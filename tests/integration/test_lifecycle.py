"""The server as a process: start, graceful shutdown with open streams, restart, the CLI."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from botsift.v1 import detection_pb2, detection_pb2_grpc

from .conftest import _with_database
from .support import ask, auth, batch, begin, curve_events, new_session_id, next_response, open_stream
from .test_operations import tool

SERVER = str(Path(sys.executable).parent / "botsift-server")
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def database(database_url: str) -> str:
    """A database of this test's own."""
    name = f"lifecycle_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(database_url)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return _with_database(database_url, name)


class ServerProcess:
    """``botsift-server`` in a child process."""

    def __init__(self, env: dict[str, str], command: str = "serve") -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "BOTSIFT_SERVER_PORT": str(self.port),
            "BOTSIFT_METRICS_PORT": "-1",
            "BOTSIFT_SERVER_GRACE_PERIOD_S": "3",
            "BOTSIFT_LOG_LEVEL": "INFO",
            **env,
        }
        # The log goes to a file: a pipe nobody reads would stall a chatty server.
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed by kill()
        self.proc = subprocess.Popen(
            [SERVER, command], env=self.env, stdout=subprocess.PIPE, stderr=self.log, text=True
        )

    def logs(self) -> str:
        self.log.seek(0)
        return self.log.read()

    async def wait_serving(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        async with grpc.aio.insecure_channel(f"127.0.0.1:{self.port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    pytest.fail(f"server exited with {self.proc.returncode}: {self.logs()}")
                try:
                    reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.aio.AioRpcError:
                    pass
                await asyncio.sleep(0.1)
        pytest.fail("server did not become SERVING in time")

    def terminate(self, timeout_s: float = 20.0) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout_s)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.log.close()


@pytest.fixture
def processes() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for p in started:
        p.kill()


async def create_tenant(env: dict[str, str]) -> tuple[str, str]:
    result = await asyncio.to_thread(
        subprocess.run,
        [SERVER, "create-tenant", f"t-{uuid.uuid4().hex[:8]}"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    pk = re.search(r"pk_test_\w+", result.stdout)
    sk = re.search(r"sk_test_\w+", result.stdout)
    assert pk, result.stdout
    assert sk, result.stdout
    return pk.group(0), sk.group(0)


async def test_sigterm_finishes_open_sessions_then_a_restarted_server_still_has_the_verdict(
    database: str, processes: list[ServerProcess]
) -> None:
    env = {"DATABASE_URL": database}
    pk, sk = await create_tenant(env)
    server = ServerProcess(env)
    processes.append(server)
    await server.wait_serving()

    session_id = new_session_id()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = detection_pb2_grpc.DetectionServiceStub(channel)
        call = open_stream(stub, pk)
        for item in (begin(session_id), batch(session_id, curve_events(30)), ask(session_id)):
            await call.write(item)
        interim = await next_response(call)
        assert not interim.verdict.final
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest())
        assert (await watch.read()).status == health_pb2.HealthCheckResponse.SERVING

        started = time.monotonic()
        await asyncio.to_thread(server.proc.send_signal, signal.SIGTERM)
        assert (await watch.read()).status == health_pb2.HealthCheckResponse.NOT_SERVING
        final = await next_response(call)
        assert final.session_id == session_id
        assert final.verdict.final
        with pytest.raises(grpc.aio.AioRpcError) as ended:
            await call.read()
        assert ended.value.code() == grpc.StatusCode.UNAVAILABLE
    assert await asyncio.to_thread(server.proc.wait, 20) == 0
    assert time.monotonic() - started < 10

    restarted = ServerProcess(env)
    processes.append(restarted)
    await restarted.wait_serving()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{restarted.port}") as channel:
        stub = detection_pb2_grpc.DetectionServiceStub(channel)
        stored = await stub.GetVerdict(
            detection_pb2.GetVerdictRequest(session_id=session_id), metadata=auth(sk)
        )
    assert stored.final
    assert stored.score == final.verdict.score
    assert stored.event_counts.total == 30
    assert await asyncio.to_thread(restarted.terminate) == 0


async def test_run_starts_on_embedded_postgres_and_prints_working_sandbox_keys(
    tmp_path: Path, processes: list[ServerProcess]
) -> None:
    env = {
        "BOTSIFT_DATABASE_URL": "",
        "DATABASE_URL": "",
        "BOTSIFT_DATABASE_EMBEDDED_DATA_DIR": str(tmp_path / "pgdata"),
        "BOTSIFT_SANDBOX_KEYS_FILE": str(tmp_path / "keys.env"),
        "BOTSIFT_LOG_LEVEL": "WARNING",
    }
    first = ServerProcess(env, command="run")
    processes.append(first)
    await first.wait_serving()
    banner = await asyncio.to_thread(read_until, first, "Stop with Ctrl-C.")
    pk = re.search(r"publishable\s+(pk_test_\w+)", banner)
    assert pk, banner
    commands = banner.split("Try it:\n", 1)[1].split("\n\n", 1)[0]
    score_command = commands[commands.index(".tools/bin/grpcurl -plaintext -H") :]
    shell = score_command.replace(".tools/bin/grpcurl", tool("grpcurl"))
    result = await asyncio.to_thread(
        subprocess.run, ["bash", "-c", shell], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert '"AUTOMATION_WEBDRIVER"' in result.stdout
    assert oct((tmp_path / "keys.env").stat().st_mode & 0o777) == "0o600"
    assert await asyncio.to_thread(first.terminate) == 0

    second = ServerProcess(env, command="run")
    processes.append(second)
    await second.wait_serving()
    again = await asyncio.to_thread(read_until, second, "Stop with Ctrl-C.")
    assert pk.group(1) in again, "the sandbox keys are created once and shown again"
    assert await asyncio.to_thread(second.terminate) == 0


def read_until(server: ServerProcess, marker: str, timeout_s: float = 30.0) -> str:
    assert server.proc.stdout is not None
    deadline = time.monotonic() + timeout_s
    text = ""
    while marker not in text and time.monotonic() < deadline:
        line = server.proc.stdout.readline()
        if not line:
            break
        text += line
    return text


def test_help_documents_every_subcommand_and_setting() -> None:
    result = subprocess.run([SERVER, "--help"], capture_output=True, text=True, timeout=30, check=True)
    for word in (
        "serve",
        "run",
        "migrate",
        "create-tenant",
        "settings",
        "BOTSIFT_SERVER_PORT",
        "BOTSIFT_DATABASE_URL",
    ):
        assert word in result.stdout


def test_a_bad_setting_stops_the_server_with_a_clear_message() -> None:
    result = subprocess.run(
        [SERVER, "settings"],
        env={**os.environ, "BOTSIFT_SERVER_PORT": "eighty"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "BOTSIFT_SERVER_PORT" in result.stderr
