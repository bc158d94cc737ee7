"""The shared stream drops mid-session (server crash, graceful restart, network cut) and the
session helper recovers, with a child-process server that the tests stop and start again."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator

import pytest

import botsift
from tests.integration.support import TenantKeys, curve_events, human_device, new_session_id

from .conftest import ServerProcess

FAST = botsift.RetryPolicy(initial_backoff_s=0.05, max_backoff_s=0.3, reconnect_timeout_s=20)


async def wait_until_done(session: botsift.Session) -> None:
    """Wait (10 s at most) until the session has its final verdict or error."""
    for _ in range(1000):
        if session.done:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the session did not finish")


def client_for(target: str, key: str) -> botsift.AsyncClient:
    """A client that re-dials quickly."""
    return botsift.AsyncClient(config=botsift.ClientConfig(api_key=key, target=target, retry=FAST))


async def test_a_server_crash_mid_session_loses_and_duplicates_no_event(
    server_process: ServerProcess, process_keys: TenantKeys
) -> None:
    events = curve_events(400, seed=5)
    first = botsift.Events(
        t_ms=events.t_ms[:200], kinds=events.kinds[:200], x=events.x[:200], y=events.y[:200]
    )
    rest = botsift.Events(
        t_ms=events.t_ms[200:], kinds=events.kinds[200:], x=events.x[200:], y=events.y[200:]
    )
    async with client_for(server_process.target, process_keys.publishable) as client:
        whole = await client.score_session(events, session_id=new_session_id(), device=human_device())
        async with client.session(action="default", device=human_device()) as s:
            s.add(first)
            interim = await s.interim_verdict()  # the server has the first half
            server_process.stop(signal.SIGKILL)
            await server_process.start()
            s.add(rest)
            final = await s.verdict()
        assert client.stream_reconnects == 1
    assert interim.event_counts.total == 200
    assert final.event_counts.total == 400
    assert final.score == pytest.approx(whole.score, abs=1e-9)
    assert [r.code for r in final.reasons] == [r.code for r in whole.reasons]


async def test_a_graceful_restart_hands_open_sessions_their_stored_verdict_and_new_sessions_go_on(
    server_process: ServerProcess, process_keys: TenantKeys
) -> None:
    async with client_for(server_process.target, process_keys.publishable) as client:
        s = client.session(action="login", device=human_device())
        async with s:
            s.add(curve_events(30))
            await s.interim_verdict()
            server_process.stop(signal.SIGTERM)  # drains: open sessions are finished and stored
            await wait_until_done(s)
            s.pointer(1, 1)  # the server finished the session: not sent
            verdict = await s.verdict()
        assert verdict.final
        assert verdict.event_counts.total == 30
        assert s.events_dropped == 1
        await server_process.start()
        async with client.session(action="login", device=human_device()) as after:
            after.add(curve_events(10))
            assert (await after.verdict()).event_counts.total == 10


class TcpProxy:
    """A loopback TCP forwarder whose connections a test can cut, like a network failure."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        """Listen on a free port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self) -> None:
        """Break every open connection."""
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()

    async def stop(self) -> None:
        """Stop listening and break connections."""
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@pytest.fixture
async def proxy(server_process: ServerProcess) -> AsyncIterator[TcpProxy]:
    """A proxy in front of the child server."""
    p = TcpProxy(server_process.port)
    await p.start()
    yield p
    await p.stop()


async def test_a_network_cut_while_the_server_lives_resumes_the_session_with_every_event(
    proxy: TcpProxy, process_keys: TenantKeys
) -> None:
    # The server parks the open sessions of a dropped stream; the helper reconnects, starts
    # the session again and resends its batches, of which the server skips those it has.
    async with client_for(f"127.0.0.1:{proxy.port}", process_keys.publishable) as client:
        s = client.session(action="login", device=human_device())
        async with s:
            s.add(curve_events(30))
            await s.interim_verdict()
            proxy.cut()
            s.add(curve_events(10, t0=5000.0))
            verdict = await s.verdict()
        assert client.stream_reconnects == 1
    assert verdict.final
    assert verdict.event_counts.total == 40
    async with client_for(f"127.0.0.1:{proxy.port}", process_keys.secret) as backend:
        stored = await backend.get_verdict(s.session_id)
    assert stored.event_counts.total == 40
