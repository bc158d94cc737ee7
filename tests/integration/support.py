"""Builders and small helpers shared by the integration tests."""

from __future__ import annotations

import itertools
import math
import uuid
from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from botsift.v1 import detection_pb2, detection_pb2_grpc, events_pb2

HUMAN_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36"
)


@dataclass(frozen=True)
class TenantKeys:
    """A tenant made for one test, with a key of each kind."""

    tenant_id: uuid.UUID
    publishable: str
    secret: str


def auth(key: str) -> tuple[tuple[str, str], ...]:
    """Call metadata carrying ``key``."""
    return (("authorization", f"Bearer {key}"),)


def new_session_id() -> str:
    """A session id no other test uses."""
    return f"s-{uuid.uuid4().hex}"


def human_device() -> events_pb2.DeviceSignals:
    """Signals of an ordinary desktop Chrome."""
    return events_pb2.DeviceSignals(
        user_agent=HUMAN_UA,
        platform="Win32",
        languages=["en-US", "en"],
        webdriver=False,
        plugins_count=5,
        plugins_is_plugin_array=True,
        screen_width=1920,
        screen_height=1080,
        outer_width=1920,
        outer_height=1040,
        inner_width=1920,
        inner_height=940,
        device_pixel_ratio=1.0,
        max_touch_points=0,
        webgl_renderer="ANGLE (NVIDIA GeForce GTX 1060 Direct3D11 vs_5_0 ps_5_0)",
        has_chrome_object=True,
    )


def bot_device() -> events_pb2.DeviceSignals:
    """Signals of a WebDriver-controlled headless Chrome."""
    return events_pb2.DeviceSignals(
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36",
        webdriver=True,
        languages=[],
        plugins_count=0,
        outer_width=0,
        outer_height=0,
        webgl_renderer="Google SwiftShader",
    )


def start(
    session_id: str, device: events_pb2.DeviceSignals | None = None, action: str = "login"
) -> events_pb2.SessionStart:
    """A ``SessionStart``."""
    return events_pb2.SessionStart(session_id=session_id, action=action, device=device or human_device())


def curve_events(n: int, t0: float = 0.0, seed: int = 0) -> events_pb2.Events:
    """``n`` pointer moves along a gently curved path with uneven timing, then a click."""
    moves = max(n - 2, 0)
    t, x, y = [], [], []
    now = t0
    for i in range(moves):
        now += 8.0 + 9.0 * abs(math.sin(i * 1.7 + seed))
        t.append(round(now, 3))
        progress = i / max(moves - 1, 1)
        x.append(100 + 400 * progress + 30 * math.sin(progress * 3.1))
        y.append(200 + 120 * progress**2 + 5 * math.cos(i + seed))
    kinds = [events_pb2.EVENT_KIND_MOVE] * moves
    buttons = [0] * moves
    if n >= 2:
        end_x, end_y = (x[-1], y[-1]) if x else (100.0, 100.0)
        for kind in (events_pb2.EVENT_KIND_DOWN, events_pb2.EVENT_KIND_UP):
            now += 90.0
            t.append(now)
            x.append(end_x)
            y.append(end_y)
            kinds.append(kind)
            buttons.append(0)
    return events_pb2.Events(t_ms=t, kinds=kinds, x=x, y=y, buttons=buttons)


def split(events: events_pb2.Events, parts: int) -> list[events_pb2.Events]:
    """The same events cut into ``parts`` consecutive batches."""
    n = len(events.t_ms)
    bounds = [round(i * n / parts) for i in range(parts + 1)]
    out = []
    for a, b in itertools.pairwise(bounds):
        out.append(
            events_pb2.Events(
                t_ms=events.t_ms[a:b],
                kinds=events.kinds[a:b],
                x=events.x[a:b],
                y=events.y[a:b],
                buttons=events.buttons[a:b] if events.buttons else [],
                key_classes=events.key_classes[a:b] if events.key_classes else [],
            )
        )
    return out


def batch(session_id: str, events: events_pb2.Events, sequence: int = 0) -> detection_pb2.AnalyzeRequest:
    """An ``AnalyzeRequest`` carrying events."""
    return detection_pb2.AnalyzeRequest(
        events=detection_pb2.EventBatch(session_id=session_id, sequence=sequence, events=events)
    )


def begin(session_id: str, device: events_pb2.DeviceSignals | None = None) -> detection_pb2.AnalyzeRequest:
    """An ``AnalyzeRequest`` opening a session."""
    return detection_pb2.AnalyzeRequest(start=start(session_id, device))


def end(session_id: str) -> detection_pb2.AnalyzeRequest:
    """An ``AnalyzeRequest`` ending a session."""
    return detection_pb2.AnalyzeRequest(end=detection_pb2.SessionEnd(session_id=session_id))


def ask(session_id: str) -> detection_pb2.AnalyzeRequest:
    """An ``AnalyzeRequest`` asking for an interim verdict."""
    return detection_pb2.AnalyzeRequest(verdict_request=detection_pb2.VerdictRequest(session_id=session_id))


def field_violations(status: status_pb2.Status) -> dict[str, str]:
    """Field -> description of the ``BadRequest`` details of a status."""
    out: dict[str, str] = {}
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            out.update({v.field: v.description for v in bad.field_violations})
    return out


def error_violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    """Field violations in the rich status of a failed call."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None, "the error carries no rich status"
    return field_violations(status)


AnalyzeCall = grpc.aio.StreamStreamCall[detection_pb2.AnalyzeRequest, detection_pb2.AnalyzeResponse]


def open_stream(stub: detection_pb2_grpc.DetectionServiceAsyncStub, key: str) -> AnalyzeCall:
    """An ``Analyze`` call to feed with ``write()`` and read with ``read()``."""
    call: AnalyzeCall = stub.Analyze(metadata=auth(key))  # type: ignore[call-arg]  # stubs predate write()
    return call


async def next_response(call: AnalyzeCall) -> detection_pb2.AnalyzeResponse:
    """The next message of a stream; fails the test at its end."""
    response = await call.read()
    assert isinstance(response, detection_pb2.AnalyzeResponse), "the stream ended"
    return response
