"""Wires the server together and runs it: database, engine, servicers, health, metrics, and
a graceful shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from botsift.v1 import detection_pb2, detection_pb2_grpc, keys_pb2, keys_pb2_grpc
from botsift_server.auth import Authenticator
from botsift_server.config import Settings
from botsift_server.engine import Engine
from botsift_server.errors import StoreUnavailableError
from botsift_server.interceptor import ServerInterceptor
from botsift_server.metrics import Metrics
from botsift_server.model_file import load_model
from botsift_server.servicers.detection import DetectionServicer
from botsift_server.servicers.keys import KeyServicer
from botsift_server.sessions import SessionManager
from botsift_server.store import EmbeddedPostgres, PostgresStore
from botsift_server.tenant_engines import TenantEngines

_log = logging.getLogger("botsift.server")
SERVICE_NAMES = (
    detection_pb2.DESCRIPTOR.services_by_name["DetectionService"].full_name,
    keys_pb2.DESCRIPTOR.services_by_name["KeyService"].full_name,
)
_HEALTH_PROBE_INTERVAL_S = 5.0


async def open_store(
    settings: Settings, *, max_connections: int | None = None
) -> tuple[PostgresStore, EmbeddedPostgres | None]:
    """The store on ``database.url``, or on an embedded PostgreSQL started for it (returned too,
    to stop after the store is closed). Migrations are applied."""
    embedded: EmbeddedPostgres | None = None
    dsn = settings.database.url
    if not dsn:
        embedded = await EmbeddedPostgres.start(settings.database.embedded_data_dir)
        dsn = embedded.dsn
    try:
        store = await PostgresStore.open(
            dsn,
            min_connections=min(
                settings.database.min_connections, max_connections or settings.database.max_connections
            ),
            max_connections=max_connections or settings.database.max_connections,
            commit_max_batch=settings.database.commit_max_batch,
            commit_max_delay_ms=settings.database.commit_max_delay_ms,
            command_timeout_s=settings.database.command_timeout_s,
        )
    except BaseException:
        if embedded is not None:
            await embedded.stop()
        raise
    return store, embedded


@dataclass
class App:
    """A running BotSift server. Start with :meth:`start`, stop with :meth:`stop`."""

    settings: Settings
    store: PostgresStore
    server: grpc.aio.Server
    port: int
    metrics: Metrics
    metrics_port: int
    health: HealthServicer
    detection: DetectionServicer
    embedded: EmbeddedPostgres | None = None
    _watchdog: asyncio.Task[None] | None = field(default=None, repr=False)
    _stopped: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @classmethod
    async def start(cls, settings: Settings) -> App:
        """Connect to (or start) PostgreSQL, apply migrations, and serve gRPC.

        Raises :class:`ConfigError` before touching the database when ``model.file`` is set to a
        file that is not a model this engine can use."""
        engine = Engine(settings.engine, load_model(settings.model.file))
        store, embedded = await open_store(settings)
        metrics = Metrics()
        metrics.engine.info({"engine_version": engine.version})
        authenticator = Authenticator(store, cache_ttl_s=settings.auth.key_cache_ttl_s)
        sessions = SessionManager(
            engine=engine,
            store=store,
            limits=settings.limits,
            metrics=metrics,
            tenants=TenantEngines(engine, store),
        )
        detection = DetectionServicer(sessions)
        health = HealthServicer()
        for name in ("", *SERVICE_NAMES):
            await health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)

        limit = settings.server.max_message_bytes
        server = grpc.aio.server(
            interceptors=[ServerInterceptor(authenticator, metrics)],
            options=[
                ("grpc.max_receive_message_length", limit),
                ("grpc.max_send_message_length", limit),
                ("grpc.max_concurrent_streams", settings.server.max_concurrent_streams),
                ("grpc.keepalive_time_ms", 60_000),
                ("grpc.keepalive_timeout_ms", 20_000),
                ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
                ("grpc.keepalive_permit_without_calls", 1),
                ("grpc.so_reuseport", 0),
            ],
        )
        detection_pb2_grpc.add_DetectionServiceServicer_to_server(detection, server)
        keys_pb2_grpc.add_KeyServiceServicer_to_server(KeyServicer(store, authenticator), server)
        health_pb2_grpc.add_HealthServicer_to_server(health, server)
        if settings.server.reflection:
            reflection.enable_server_reflection(
                (
                    *SERVICE_NAMES,
                    health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                    reflection.SERVICE_NAME,
                ),
                server,
            )
        try:
            port = server.add_insecure_port(f"{settings.server.host}:{settings.server.port}")
        except RuntimeError as exc:
            await store.close()
            if embedded is not None:
                await embedded.stop()
            raise OSError(f"cannot listen on {settings.server.host}:{settings.server.port}: {exc}") from exc
        await server.start()
        metrics_port = -1
        if settings.metrics.port >= 0:
            metrics_port = metrics.serve(settings.metrics.host, settings.metrics.port)
        app = cls(
            settings=settings,
            store=store,
            server=server,
            port=port,
            metrics=metrics,
            metrics_port=metrics_port,
            health=health,
            detection=detection,
            embedded=embedded,
        )
        await app._set_health(serving=True)
        app._watchdog = asyncio.create_task(app._watch_database())
        _log.info(
            "serving",
            extra={
                "grpc_port": port,
                "metrics_port": metrics_port,
                "embedded_postgres": embedded is not None,
                "engine_version": engine.version,
            },
        )
        return app

    async def stop(self) -> None:
        """Graceful shutdown: report NOT_SERVING, refuse new streams, finish open sessions
        (stored, final verdicts sent), let in-flight RPCs end within the grace period, then
        close the database."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        grace = self.settings.server.grace_period_s
        _log.info("shutting down", extra={"grace_period_s": grace})
        if self._watchdog is not None:
            self._watchdog.cancel()
        await self.health.enter_graceful_shutdown()
        try:
            await asyncio.wait_for(self.detection.drain(), timeout=grace)
        except TimeoutError:
            _log.warning("open sessions were not all finished within the grace period")
        await self.server.stop(grace)
        await self.store.close()
        self.metrics.stop()
        if self.embedded is not None:
            await self.embedded.stop()
        _log.info("stopped")

    async def _set_health(self, *, serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in ("", *SERVICE_NAMES):
            await self.health.set(name, status)

    async def _watch_database(self) -> None:
        serving = True
        while True:
            await asyncio.sleep(_HEALTH_PROBE_INTERVAL_S)
            try:
                await self.store.ping()
                healthy = True
            except StoreUnavailableError:
                healthy = False
            if healthy != serving:
                serving = healthy
                _log.warning("database %s", "reachable again" if healthy else "unreachable: NOT_SERVING")
                with contextlib.suppress(Exception):
                    await self._set_health(serving=healthy)
