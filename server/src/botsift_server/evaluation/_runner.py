"""Scoring traces: offline with the engine in this process, or through a running server's
``Analyze`` stream, so the same report measures both."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import grpc

from botsift.v1 import detection_pb2, detection_pb2_grpc, events_pb2
from botsift_server.engine import Assessment, Engine, EngineConfig, ModelBundle, ReplayIndex, RiskLevel
from botsift_server.evaluation._traces import Label, Trace

Progress = Callable[[int], None]
"""Called with the number of traces just finished."""


@dataclass(frozen=True, slots=True)
class Scored:
    """One trace's verdict, with what the report groups and times it by."""

    session_id: str
    label: Label | None
    source: str
    person: str
    score: float
    risk_level: RiskLevel
    reasons: tuple[str, ...]
    events: int
    engine_seconds: float
    """Time spent in the engine (offline) or the round trip of the session (remote)."""
    bot_reasons: tuple[str, ...] = ()
    """Codes of the reasons that pointed to a bot (positive weight), the strongest first."""
    engine_version: str = ""
    """The engine (and model, when not the shipped one) that made the verdict, as it names itself."""


class _Weighed(Protocol):
    """A reason as the engine and the protocol both give it."""

    @property
    def code(self) -> str: ...

    @property
    def weight(self) -> float: ...


def _bot_leaning(reasons: Iterable[_Weighed]) -> tuple[str, ...]:
    """The codes of ``reasons`` that point to a bot, the strongest first."""
    leaning = sorted((r for r in reasons if r.weight > 0.0), key=lambda r: -r.weight)
    return tuple(r.code for r in leaning)


def _scored(trace: Trace, assessment: Assessment, seconds: float) -> Scored:
    return Scored(
        session_id=trace.session_id,
        label=trace.label,
        source=trace.source,
        person=trace.person,
        score=float(assessment.score),
        risk_level=assessment.risk_level,
        reasons=tuple(r.code for r in assessment.reasons),
        bot_reasons=_bot_leaning(assessment.reasons),
        events=len(trace.events),
        engine_seconds=seconds,
        engine_version=assessment.engine_version,
    )


def score_offline(
    traces: Iterable[Trace],
    config: EngineConfig | None = None,
    progress: Progress | None = None,
    *,
    replay: ReplayIndex | None = None,
    warmup: Iterable[Trace] = (),
    model: ModelBundle | None = None,
) -> list[Scored]:
    """Assess every trace with an in-process engine, one batch per trace.

    Without ``replay`` every trace is scored on its own. With ``replay`` the run is one server
    tenant: the ``warmup`` traces are remembered first without being scored (sessions the
    tenant saw before), then each trace, in order, gets its final verdict against the index
    and is remembered, so a later trace that replays an earlier one is flagged as it would be
    on a server.

    Each trace is judged with its action's settings (``EngineConfig.for_action``: a login's
    lower thresholds), as a server judges it, and with ``model`` (the shipped model when None).
    """
    base = Engine(config, model)
    engines: dict[str, Engine] = {}

    def engine_for(action: str) -> Engine:
        found = engines.get(action)
        if found is None:
            found = engines[action] = Engine(base.config.for_action(action), base.model)
        return found

    if replay is not None:
        for trace in warmup:
            state = base.start(trace.context)
            base.add(state, trace.events)
            base.remember(state, replay, session_id=trace.session_id)
    out: list[Scored] = []
    for trace in traces:
        began = time.perf_counter()
        engine = engine_for(trace.action)
        state = engine.start(trace.context)
        engine.add(state, trace.events)
        # The same calls, in the same order, as the server's final verdict.
        assessment = engine.assess(state, replay=replay, session_id=trace.session_id, remember=True)
        out.append(_scored(trace, assessment, time.perf_counter() - began))
        if progress is not None:
            progress(1)
    return out


class RemoteError(RuntimeError):
    """The server refused a session; the message carries its status."""


async def score_remote(
    traces: Sequence[Trace],
    target: str,
    key: str,
    *,
    streams: int = 4,
    sessions_per_stream: int = 200,
    batch_events: int = 1000,
    progress: Progress | None = None,
) -> list[Scored]:
    """Send every trace through ``Analyze`` on ``target`` (host:port) and collect final verdicts.

    Session ids get a per-run prefix: a server stores one final verdict per session id, so a
    second run over the same file must not collide with the first.
    """
    run = uuid.uuid4().hex[:12]
    results: list[Scored | None] = [None] * len(traces)
    chunks = [
        list(range(i, min(i + sessions_per_stream, len(traces))))
        for i in range(0, len(traces), sessions_per_stream)
    ]
    queue: asyncio.Queue[list[int]] = asyncio.Queue()
    for chunk in chunks:
        queue.put_nowait(chunk)

    async with grpc.aio.insecure_channel(target) as channel:
        stub = detection_pb2_grpc.DetectionServiceStub(channel)

        async def worker() -> None:
            while not queue.empty():
                chunk = queue.get_nowait()
                call: AnalyzeCall = stub.Analyze(metadata=(("authorization", f"Bearer {key}"),))  # type: ignore[call-arg]  # stubs predate write()
                try:
                    for index in chunk:
                        results[index] = await _one_session(
                            call, traces[index], f"eval-{run}-{index}", batch_events
                        )
                        if progress is not None:
                            progress(1)
                    await call.done_writing()
                    # Drain, so the stream ends cleanly. (grpc-stubs lacks aio.EOF.)
                    while await call.read() is not grpc.aio.EOF:  # type: ignore[attr-defined]
                        pass
                except BaseException:
                    call.cancel()
                    raise

        try:
            await asyncio.gather(*(worker() for _ in range(max(1, min(streams, len(chunks))))))
        except grpc.aio.AioRpcError as exc:
            raise RemoteError(f"{target}: {exc.code().name}: {exc.details()}") from None
    return [r for r in results if r is not None]


AnalyzeCall = grpc.aio.StreamStreamCall[detection_pb2.AnalyzeRequest, detection_pb2.AnalyzeResponse]


async def _one_session(stream: AnalyzeCall, trace: Trace, session_id: str, batch_events: int) -> Scored:
    began = time.perf_counter()
    await stream.write(detection_pb2.AnalyzeRequest(start=_start(trace, session_id)))
    n = len(trace.events)
    for number, lo in enumerate(range(0, n, batch_events), 1):
        batch = detection_pb2.EventBatch(
            session_id=session_id, sequence=number, events=_events(trace, lo, min(lo + batch_events, n))
        )
        await stream.write(detection_pb2.AnalyzeRequest(events=batch))
    await stream.write(detection_pb2.AnalyzeRequest(end=detection_pb2.SessionEnd(session_id=session_id)))
    while True:
        response = await stream.read()
        if not isinstance(response, detection_pb2.AnalyzeResponse):
            raise RemoteError(f"{trace.session_id}: the stream ended before a final verdict")
        if response.session_id != session_id:
            continue
        if response.HasField("error"):
            raise RemoteError(f"{trace.session_id}: code {response.error.code}: {response.error.message}")
        verdict = response.verdict
        if verdict.final:
            break
    seconds = time.perf_counter() - began
    return Scored(
        session_id=trace.session_id,
        label=trace.label,
        source=trace.source,
        person=trace.person,
        score=float(verdict.score),
        risk_level=RiskLevel(int(verdict.risk_level)),
        reasons=tuple(r.code for r in verdict.reasons),
        bot_reasons=_bot_leaning(verdict.reasons),
        events=n,
        engine_seconds=seconds,
        engine_version=verdict.engine_version,
    )


def _start(trace: Trace, session_id: str) -> events_pb2.SessionStart:
    device = events_pb2.DeviceSignals()
    for field in dataclasses.fields(trace.device):
        value = getattr(trace.device, field.name)
        if value is None or value in ("", ()):
            continue
        if isinstance(value, tuple):
            getattr(device, field.name).extend(value)
        else:
            setattr(device, field.name, value)
    # Recordings are streamed as fast as the server takes them, not in real time.
    return events_pb2.SessionStart(session_id=session_id, action=trace.action, device=device, recorded=True)


def _events(trace: Trace, lo: int, hi: int) -> events_pb2.Events:
    ev = trace.events
    return events_pb2.Events(
        t_ms=ev.t_ms[lo:hi].tolist(),
        kinds=ev.kind[lo:hi].tolist(),
        x=ev.x[lo:hi].tolist(),
        y=ev.y[lo:hi].tolist(),
        buttons=ev.button[lo:hi].tolist(),
        key_classes=ev.key_class[lo:hi].tolist(),
    )
