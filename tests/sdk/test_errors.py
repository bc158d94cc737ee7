"""Every SDK error type is raised where a user meets it, against the real server."""

from __future__ import annotations

import asyncio

import grpc
import pytest

import botsift
from tests.integration.support import TenantKeys, curve_events, human_device, new_session_id

from .conftest import free_port


async def test_an_unknown_key_raises_authentication_error_on_calls_and_sessions(target: str) -> None:
    async with botsift.AsyncClient(api_key="pk_test_doesnotexist", target=target) as client:
        with pytest.raises(botsift.AuthenticationError) as caught:
            await client.score_session(curve_events(5))
        assert caught.value.status is grpc.StatusCode.UNAUTHENTICATED
        assert caught.value.request_id
        session = client.session(action="login")
        with pytest.raises(botsift.AuthenticationError):
            async with session:
                session.pointer(1, 1)


async def test_a_publishable_key_reading_verdicts_raises_permission_denied(
    client: botsift.AsyncClient,
) -> None:
    with pytest.raises(botsift.PermissionDeniedError):
        await client.get_verdict(new_session_id())


async def test_a_session_without_final_verdict_raises_not_found(secret_client: botsift.AsyncClient) -> None:
    with pytest.raises(botsift.NotFoundError) as caught:
        await secret_client.get_verdict(new_session_id())
    assert caught.value.request_id


async def test_scoring_a_session_id_twice_raises_already_exists(client: botsift.AsyncClient) -> None:
    session_id = new_session_id()
    await client.score_session(curve_events(10), session_id=session_id)
    with pytest.raises(botsift.AlreadyExistsError):
        await client.score_session(curve_events(10), session_id=session_id)
    with pytest.raises(botsift.AlreadyExistsError) as caught:
        async with client.session(session_id=session_id) as s:
            s.pointer(1, 2)
    assert caught.value.session_id == session_id


async def test_an_invalid_session_raises_invalid_argument_with_field_violations_and_others_go_on(
    client: botsift.AsyncClient,
) -> None:
    bad = client.session(session_id="no spaces allowed", action="login")
    good = client.session(action="login", device=human_device())
    async with good:
        with pytest.raises(botsift.InvalidArgumentError) as caught:
            async with bad:
                bad.pointer(1, 1)
        good.add(curve_events(20))
        verdict = await good.verdict()
    assert "start.session_id" in caught.value.field_violations
    assert verdict.event_counts.total == 20


async def test_too_many_events_raise_resource_exhausted(client: botsift.AsyncClient) -> None:
    # The test server allows 5000 events per session.
    with pytest.raises(botsift.ResourceExhaustedError):
        await client.score_session(curve_events(5001))


async def test_a_deadline_that_passes_raises_timeout_error(tenant: TenantKeys) -> None:
    # A gRPC peer that takes the call and never answers, so only the deadline can end it.
    # (Against the real server a fast host answered even 1 µs deadlines in time.)
    answered = asyncio.Event()

    async def never(_: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        await answered.wait()
        return b""

    slow = grpc.aio.server()
    slow.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                "botsift.v1.DetectionService", {"GetVerdict": grpc.unary_unary_rpc_method_handler(never)}
            )
        ]
    )
    port = slow.add_insecure_port("127.0.0.1:0")
    await slow.start()
    config = botsift.ClientConfig(api_key=tenant.secret, target=f"127.0.0.1:{port}")
    try:
        async with botsift.AsyncClient(config=config) as client:
            with pytest.raises(botsift.TimeoutError) as caught:
                await client.get_verdict(new_session_id(), timeout_s=0.2)
    finally:
        answered.set()
        await slow.stop(None)
    assert isinstance(caught.value, TimeoutError)


async def test_an_unreachable_server_raises_connection_error_after_retries(tenant: TenantKeys) -> None:
    retry = botsift.RetryPolicy(max_attempts=3, initial_backoff_s=0.01, reconnect_timeout_s=0.3)
    config = botsift.ClientConfig(api_key=tenant.secret, target=f"127.0.0.1:{free_port()}", retry=retry)
    async with botsift.AsyncClient(config=config) as client:
        with pytest.raises(botsift.ConnectionError):
            await client.get_verdict(new_session_id())
        with pytest.raises(botsift.ConnectionError):
            async with client.session(action="login") as s:
                s.pointer(1, 1)


def test_no_api_key_anywhere_raises_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOTSIFT_API_KEY", raising=False)
    with pytest.raises(botsift.ConfigurationError):
        botsift.AsyncClient()
    with pytest.raises(botsift.ConfigurationError):
        botsift.AsyncClient(api_key="pk_test_x", target="no-port")


def test_the_environment_configures_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOTSIFT_API_KEY", "pk_test_fromenv")
    monkeypatch.setenv("BOTSIFT_TARGET", "bots.example.com:443")
    client = botsift.AsyncClient()
    assert client.config.api_key == "pk_test_fromenv"
    assert client.config.use_tls
    assert not botsift.AsyncClient(target="localhost:50051").config.use_tls


async def test_events_after_the_end_raise_session_closed(client: botsift.AsyncClient) -> None:
    async with client.session(action="login") as s:
        s.add(curve_events(5))
        await s.verdict()
        with pytest.raises(botsift.SessionClosedError):
            s.pointer(1, 1)


async def test_a_producer_that_never_drains_gets_session_buffer_full(tenant: TenantKeys, target: str) -> None:
    options = botsift.SessionOptions(max_unsent_events=100, max_batch_events=1000, max_batch_delay_ms=10_000)
    config = botsift.ClientConfig(api_key=tenant.publishable, target=target, session=options)
    async with botsift.AsyncClient(config=config) as client, client.session(action="login") as s:
        for i in range(100):
            s.pointer(i, i, t_ms=float(i))
        with pytest.raises(botsift.SessionBufferFullError):
            s.pointer(1, 1, t_ms=1000.0)
        await s.drain()
