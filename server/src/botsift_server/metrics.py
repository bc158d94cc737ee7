"""Prometheus metrics, kept in a registry of their own (no process globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from threading import Thread
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, start_http_server

_LATENCY_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Metrics:
    """The server's metrics. Create one per server; :meth:`serve` exposes them over HTTP."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.rpcs = Counter(
            "botsift_rpcs", "Finished RPCs by method and gRPC status code.", ["method", "code"], registry=r
        )
        self.rpc_latency = Histogram(
            "botsift_rpc_duration_seconds",
            "Time from the start to the end of an RPC (streams: their whole life).",
            ["method"],
            buckets=_LATENCY_BUCKETS_S,
            registry=r,
        )
        self.sessions_open = Gauge("botsift_sessions_open", "Sessions open on Analyze streams.", registry=r)
        self.streams_open = Gauge("botsift_streams_open", "Analyze streams open.", registry=r)
        self.events = Counter("botsift_events_ingested", "Events accepted into sessions.", registry=r)
        self.verdicts = Counter(
            "botsift_verdicts",
            "Verdicts sent, by kind (interim/final) and risk level.",
            ["kind", "risk"],
            registry=r,
        )
        self.session_errors = Counter(
            "botsift_session_errors",
            "Per-session errors sent on Analyze streams, by code.",
            ["code"],
            registry=r,
        )
        self.engine = Info(
            "botsift_engine",
            "The engine judging sessions: its version, and the model's after a + when not the shipped one.",
            registry=r,
        )
        self._http: WSGIServer | None = None
        self._thread: Thread | None = None

    def serve(self, host: str, port: int) -> int:
        """Serve ``/metrics`` on ``host:port`` in a daemon thread; returns the bound port."""
        self._http, self._thread = start_http_server(port, addr=host, registry=self.registry)
        return int(self._http.server_port)

    def stop(self) -> None:
        """Stop the HTTP endpoint, if it runs."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
