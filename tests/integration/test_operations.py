"""What operators and debuggers use: health checks, reflection with grpcurl, metrics."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import urllib.request
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from botsift.v1 import detection_pb2_grpc
from botsift_server import App
from botsift_server.engine import ENGINE_VERSION

from .support import TenantKeys, curve_events, new_session_id

ROOT = Path(__file__).resolve().parents[2]


def tool(name: str) -> str:
    """Path of a tool `make tools` installs; fails (not skips) when it is missing."""
    found = shutil.which(name) or str(ROOT / ".tools" / "bin" / name)
    if not Path(found).exists():
        pytest.fail(f"{name} is not installed; `make tools` installs it")
    return found


async def run(*args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(subprocess.run, list(args), capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("service", ["", "botsift.v1.DetectionService", "botsift.v1.KeyService"])
async def test_health_check_reports_serving_for_the_server_and_each_service(
    service: str, channel: grpc.aio.Channel
) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    response = await health.Check(health_pb2.HealthCheckRequest(service=service))
    assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_health_check_of_an_unknown_service_is_not_found(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await health.Check(health_pb2.HealthCheckRequest(service="nope.v1.Nothing"))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


async def test_health_watch_streams_the_current_status(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    call = health.Watch(health_pb2.HealthCheckRequest(service="botsift.v1.DetectionService"))
    first = await call.read()
    call.cancel()
    assert first.status == health_pb2.HealthCheckResponse.SERVING


async def test_grpc_health_probe_passes(app: App) -> None:
    probe = tool("grpc-health-probe")
    result = await run(probe, f"-addr=127.0.0.1:{app.port}", "-service=botsift.v1.DetectionService")
    assert result.returncode == 0, result.stderr
    assert "status: SERVING" in result.stdout + result.stderr


async def test_grpcurl_lists_and_describes_services_through_reflection(app: App) -> None:
    grpcurl = tool("grpcurl")
    target = f"127.0.0.1:{app.port}"
    listed = await run(grpcurl, "-plaintext", target, "list")
    assert listed.returncode == 0, listed.stderr
    services = set(listed.stdout.split())
    assert {"botsift.v1.DetectionService", "botsift.v1.KeyService", "grpc.health.v1.Health"} <= services

    described = await run(grpcurl, "-plaintext", target, "describe", "botsift.v1.Verdict")
    assert described.returncode == 0, described.stderr
    assert "risk_level" in described.stdout


async def test_grpcurl_scores_a_session_from_json(app: App, tenant: TenantKeys) -> None:
    grpcurl = tool("grpcurl")
    body = {
        "start": {"session_id": new_session_id(), "action": "login", "device": {"webdriver": True}},
        "events": {
            "t_ms": [0, 16, 32],
            "kinds": ["EVENT_KIND_MOVE", "EVENT_KIND_MOVE", "EVENT_KIND_DOWN"],
            "x": [1, 2, 3],
            "y": [1, 2, 3],
        },
    }
    result = await run(
        grpcurl,
        "-plaintext",
        "-H",
        f"authorization: Bearer {tenant.publishable}",
        "-d",
        json.dumps(body),
        f"127.0.0.1:{app.port}",
        "botsift.v1.DetectionService/ScoreSession",
    )
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["final"] is True
    assert verdict["risk_level"] in ("RISK_LEVEL_HIGH", "RISK_LEVEL_CRITICAL")
    assert any(r["code"] == "AUTOMATION_WEBDRIVER" for r in verdict["reasons"])


async def test_metrics_count_rpcs_by_status_and_events_ingested(
    app: App, detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    from botsift.v1 import detection_pb2

    from .support import auth, start

    await detection.ScoreSession(
        detection_pb2.ScoreSessionRequest(start=start(new_session_id()), events=curve_events(12)),
        metadata=auth(tenant.publishable),
    )
    with pytest.raises(grpc.aio.AioRpcError):
        await detection.ScoreSession(
            detection_pb2.ScoreSessionRequest(start=start("")), metadata=auth(tenant.publishable)
        )

    url = f"http://127.0.0.1:{app.metrics_port}/metrics"
    text = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read().decode())
    assert 'botsift_rpcs_total{code="OK",method="ScoreSession"}' in text
    assert 'botsift_rpcs_total{code="INVALID_ARGUMENT",method="ScoreSession"}' in text
    assert "botsift_rpc_duration_seconds_bucket" in text
    assert "botsift_events_ingested_total" in text
    assert "botsift_sessions_open" in text
    assert f'botsift_engine_info{{engine_version="{ENGINE_VERSION}"}} 1.0' in text


async def test_the_readme_stream_example_runs_through_grpcurl(app: App, tenant: TenantKeys) -> None:
    grpcurl = tool("grpcurl")
    example = (ROOT / "examples" / "analyze-stream.json").read_text()
    # Session ids are per tenant and stored once; the fresh tenant makes the example repeatable.
    result = await asyncio.to_thread(
        subprocess.run,
        [
            grpcurl,
            "-plaintext",
            "-H",
            f"authorization: Bearer {tenant.publishable}",
            "-d",
            "@",
            f"127.0.0.1:{app.port}",
            "botsift.v1.DetectionService/Analyze",
        ],
        input=example,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    decoder = json.JSONDecoder()
    text, responses = result.stdout.strip(), []
    while text:
        obj, end = decoder.raw_decode(text)
        responses.append(obj)
        text = text[end:].strip()
    finals = {r["session_id"]: r["verdict"] for r in responses if r["verdict"].get("final")}
    assert set(finals) == {"example-human-1", "example-bot-1"}
    assert finals["example-bot-1"]["score"] > finals["example-human-1"]["score"]


def test_the_readme_documents_every_setting() -> None:
    from botsift_server.config import describe

    readme = (ROOT / "README.md").read_text()
    missing = [name for name, _, _ in describe() if f"`{name}`" not in readme]
    assert missing == []
