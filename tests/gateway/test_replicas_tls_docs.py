"""Envoy in front of several replicas, over TLS, and the API docs it serves."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import grpc
import pytest
import yaml
from google.api import annotations_pb2, http_pb2
from grpc_health.v1 import health_pb2

from botsift.v1 import detection_pb2, detection_pb2_grpc, keys_pb2
from botsift_server import App, Settings
from tests.integration.conftest import SERVER_ENV
from tests.integration.support import TenantKeys, auth, bot_device, new_session_id, start

from .envoy import ROOT, Envoy


@pytest.fixture
async def replicas(integration_database_url: str) -> AsyncIterator[list[App]]:
    """Two more servers on the shared database."""
    settings = Settings.load(environ={**SERVER_ENV, "BOTSIFT_DATABASE_URL": integration_database_url})
    started = [await App.start(settings), await App.start(settings)]
    yield started
    for replica in started:
        await replica.stop()


async def set_serving(replica: App, serving: bool) -> None:
    """What the server reports while its database is down or while it drains."""
    status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
    for name in ("", "botsift.v1.DetectionService", "botsift.v1.KeyService"):
        await replica.health.set(name, status)


async def test_envoy_routes_around_a_replica_that_says_not_serving(
    replicas: list[App], envoys: list[Envoy], tenant: TenantKeys
) -> None:
    first, second = replicas
    gateway = Envoy([f"127.0.0.1:{first.port}", f"127.0.0.1:{second.port}"])
    envoys.append(gateway)
    await gateway.wait_ready(healthy=2)

    await set_serving(first, False)
    deadline = asyncio.get_running_loop().time() + 10
    while f"127.0.0.1:{first.port}" in gateway.healthy_hosts():
        assert asyncio.get_running_loop().time() < deadline, "envoy kept the NOT_SERVING replica"
        await asyncio.sleep(0.05)
    served_before = requests_per_host(gateway)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{gateway.port}") as channel:
        stub = detection_pb2_grpc.DetectionServiceStub(channel)
        for _ in range(10):
            request = detection_pb2.ScoreSessionRequest(start=start(new_session_id(), bot_device()))
            await stub.ScoreSession(request, metadata=auth(tenant.publishable))
    served = requests_per_host(gateway)
    assert served[f"127.0.0.1:{first.port}"] == served_before[f"127.0.0.1:{first.port}"]
    assert served[f"127.0.0.1:{second.port}"] == served_before[f"127.0.0.1:{second.port}"] + 10

    await set_serving(first, True)
    await gateway.wait_ready(healthy=2)


def requests_per_host(gateway: Envoy) -> dict[str, int]:
    """Requests Envoy has sent to each replica."""
    counts = {}
    for line in gateway.admin("/clusters").splitlines():
        parts = line.split("::")
        if len(parts) == 4 and parts[0] == "botsift" and parts[2] == "rq_total":
            counts[parts[1]] = int(parts[3])
    return counts


def make_ca_and_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA, and a certificate it signed for 127.0.0.1 and localhost."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder, timeout=60)

    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "1",
        "-subj",
        "/CN=BotSift test CA",
    )
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    )
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "1",
        "-extfile",
        "san.ext",
    )
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


async def test_clients_reach_the_tls_listener_with_the_certificate_of_a_test_ca(
    app_port: int, envoys: list[Envoy], tenant: TenantKeys, tmp_path: Path
) -> None:
    # openssl runs in a thread: the shared server lives on this event loop and must keep
    # answering Envoy's health checks meanwhile.
    ca, cert, key = await asyncio.to_thread(make_ca_and_certificate, tmp_path)
    gateway = Envoy([f"127.0.0.1:{app_port}"], ["--tls-cert", str(cert), "--tls-key", str(key)])
    envoys.append(gateway)
    await gateway.wait_ready()

    context = ssl.create_default_context(cafile=str(ca))
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"https://127.0.0.1:{gateway.port}/v1/keys",
            headers={"authorization": f"Bearer {tenant.secret}"},
            ssl=context,
        ) as reply:
            assert reply.status == 200
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await http.get(f"https://127.0.0.1:{gateway.port}/v1/keys")  # not our CA: refused

    credentials = grpc.ssl_channel_credentials(root_certificates=ca.read_bytes())
    async with grpc.aio.secure_channel(f"localhost:{gateway.port}", credentials) as channel:
        stub = detection_pb2_grpc.DetectionServiceStub(channel)
        request = detection_pb2.ScoreSessionRequest(start=start(new_session_id(), bot_device()))
        verdict = await stub.ScoreSession(request, metadata=auth(tenant.publishable))
    assert verdict.final


def http_routes() -> set[tuple[str, str]]:
    """(method, path) of every google.api.http rule in the contract."""
    routes = set()
    for module in (detection_pb2, keys_pb2):
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                options = method.GetOptions()
                if options.HasExtension(annotations_pb2.http):
                    rule: http_pb2.HttpRule = options.Extensions[annotations_pb2.http]
                    kind = rule.WhichOneof("pattern")
                    routes.add((str(kind), str(getattr(rule, kind))))
    return routes


async def test_swagger_ui_and_an_openapi_document_listing_every_route_are_served_at_docs(
    envoy: Envoy,
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{envoy.url}/docs", allow_redirects=False) as reply:
            assert reply.status == 301
        async with http.get(f"{envoy.url}/docs/") as page:
            html = await page.text()
            assert 'src="swagger-ui-bundle.js"' in html
        for asset, kind in (
            ("swagger-ui-bundle.js", "application/javascript"),
            ("swagger-ui.css", "text/css"),
        ):
            async with http.get(f"{envoy.url}/docs/{asset}") as reply:
                assert reply.status == 200
                assert reply.content_type == kind
                assert len(await reply.read()) > 10_000
        async with http.get(f"{envoy.url}/docs/openapi.yaml") as reply:
            document = yaml.safe_load(await reply.text())
    served = {(method, path) for path, item in document["paths"].items() for method in item}
    assert served == http_routes()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_default_gateway_config_passes_envoy_validation() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gateway.py"), "validate"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout
