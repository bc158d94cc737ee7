"""gRPC, grpc-web and browsers through Envoy: streams, framing, CORS, and the rate limit."""

from __future__ import annotations

import asyncio
import base64
import struct

import aiohttp
import grpc
import pytest

from botsift.v1 import detection_pb2, detection_pb2_grpc, verdict_pb2
from tests.integration.support import (
    TenantKeys,
    auth,
    batch,
    begin,
    bot_device,
    curve_events,
    end,
    new_session_id,
    next_response,
    open_stream,
    start,
)

from .envoy import Envoy

SCORE_PATH = "/botsift.v1.DetectionService/ScoreSession"


def frame(message: bytes) -> bytes:
    """One gRPC(-web) data frame."""
    return b"\x00" + struct.pack(">I", len(message)) + message


def unframe(body: bytes) -> tuple[list[bytes], dict[str, str]]:
    """Data frames and trailers of a grpc-web response body."""
    messages, trailers = [], {}
    while body:
        flag, length = body[0], struct.unpack(">I", body[1:5])[0]
        payload, body = body[5 : 5 + length], body[5 + length :]
        if flag & 0x80:
            for line in payload.decode().split("\r\n"):
                if line:
                    name, _, value = line.partition(":")
                    trailers[name.strip().lower()] = value.strip()
        else:
            messages.append(payload)
    return messages, trailers


def b64decode_chunks(text: bytes) -> bytes:
    """grpc-web-text bodies are base64 chunks, each padded on its own."""
    out, chunk = b"", b""
    for i in range(0, len(text), 4):
        chunk += text[i : i + 4]
        if b"=" in text[i : i + 4]:
            out, chunk = out + base64.b64decode(chunk), b""
    return out + (base64.b64decode(chunk) if chunk else b"")


def score_request(session_id: str) -> detection_pb2.ScoreSessionRequest:
    """A WebDriver session to score."""
    return detection_pb2.ScoreSessionRequest(start=start(session_id, bot_device()), events=curve_events(20))


@pytest.mark.parametrize("text", [False, True], ids=["binary", "text"])
async def test_a_browser_scores_a_session_over_grpc_web(envoy: Envoy, tenant: TenantKeys, text: bool) -> None:
    session_id = new_session_id()
    body = frame(score_request(session_id).SerializeToString())
    content_type = "application/grpc-web-text" if text else "application/grpc-web+proto"
    headers = {
        "content-type": content_type,
        "accept": content_type,
        "x-grpc-web": "1",
        "authorization": f"Bearer {tenant.publishable}",
        "origin": "http://localhost:3000",
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            envoy.url + SCORE_PATH, data=base64.b64encode(body) if text else body, headers=headers
        ) as reply,
    ):
        assert reply.status == 200
        assert reply.headers["content-type"].startswith(content_type)
        assert reply.headers["access-control-allow-origin"] == "http://localhost:3000"
        raw = await reply.read()
    messages, trailers = unframe(b64decode_chunks(raw) if text else raw)
    assert trailers["grpc-status"] == "0"
    verdict = verdict_pb2.Verdict.FromString(messages[0])
    assert verdict.session_id == session_id
    assert verdict.final


async def test_grpc_web_errors_carry_the_grpc_status(envoy: Envoy) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            envoy.url + SCORE_PATH,
            data=frame(score_request(new_session_id()).SerializeToString()),
            headers={"content-type": "application/grpc-web+proto", "x-grpc-web": "1"},
        ) as reply,
    ):
        status = reply.headers.get("grpc-status")
        if status is None:
            status = unframe(await reply.read())[1]["grpc-status"]
    assert status == str(grpc.StatusCode.UNAUTHENTICATED.value[0])


async def test_the_bidi_analyze_stream_passes_through_envoy(envoy: Envoy, tenant: TenantKeys) -> None:
    ids = [new_session_id(), new_session_id()]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{envoy.port}") as channel:
        call = open_stream(detection_pb2_grpc.DetectionServiceStub(channel), tenant.publishable)
        for session_id in ids:
            await call.write(begin(session_id))
        for seq in (1, 2):
            for session_id in ids:
                await call.write(batch(session_id, curve_events(10, t0=seq * 1000.0), sequence=seq))
        for session_id in ids:
            await call.write(end(session_id))
        finals = {(await next_response(call)).session_id for _ in ids}
        await call.done_writing()
        assert await call.read() == grpc.aio.EOF  # type: ignore[attr-defined]  # grpc-stubs lacks EOF
    assert finals == set(ids)


async def test_cors_allows_configured_origins_only(envoy: Envoy) -> None:
    preflight = {"access-control-request-method": "POST", "access-control-request-headers": "authorization"}
    async with aiohttp.ClientSession() as http:
        async with http.options(
            envoy.url + "/v1/sessions:score", headers={"origin": "http://localhost:5173", **preflight}
        ) as reply:
            assert reply.status == 200
            assert reply.headers["access-control-allow-origin"] == "http://localhost:5173"
            assert "authorization" in reply.headers["access-control-allow-headers"]
        async with http.options(
            envoy.url + "/v1/sessions:score", headers={"origin": "https://elsewhere.example", **preflight}
        ) as reply:
            assert "access-control-allow-origin" not in reply.headers


async def test_rate_limit_answers_429_and_resource_exhausted_then_recovers(
    app_port: int, envoys: list[Envoy], tenant: TenantKeys
) -> None:
    gateway = Envoy([f"127.0.0.1:{app_port}"], ["--rate-limit-burst", "3", "--rate-limit-per-second", "1"])
    envoys.append(gateway)
    await gateway.wait_ready()
    keys_url = gateway.url + "/v1/keys"
    async with (
        aiohttp.ClientSession() as http,
        grpc.aio.insecure_channel(f"127.0.0.1:{gateway.port}") as channel,
    ):
        stub = detection_pb2_grpc.DetectionServiceStub(channel)
        codes = []
        for _ in range(4):
            async with http.get(keys_url, headers=auth_header(tenant.secret)) as reply:
                codes.append(reply.status)
                body = await reply.json()
        assert 429 in codes, codes
        assert body == {"code": 8, "message": "local_rate_limited"}
        with pytest.raises(grpc.aio.AioRpcError) as limited:
            await stub.ScoreSession(score_request(new_session_id()), metadata=auth(tenant.publishable))
        assert limited.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        async with http.get(gateway.url + "/docs/") as reply:
            assert reply.status == 200, "the docs are not rate limited"

        await asyncio.sleep(1.3)
        async with http.get(keys_url, headers=auth_header(tenant.secret)) as reply:
            assert reply.status == 200


def auth_header(key: str) -> dict[str, str]:
    """An authorization header."""
    return {"authorization": f"Bearer {key}"}
