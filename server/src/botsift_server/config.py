"""Settings: frozen dataclasses, loaded in one place from an optional TOML file and
``BOTSIFT_*`` environment variables (environment wins).

Every field of a section ``S`` can be set as ``[S] field = ...`` in TOML or as
``BOTSIFT_S_FIELD`` in the environment, for example ``BOTSIFT_SERVER_PORT=50052``.
``DATABASE_URL`` is honoured as an alias of ``BOTSIFT_DATABASE_URL``.

>>> settings = Settings.load(environ={"BOTSIFT_SERVER_PORT": "6000"})
>>> settings.server.port
6000
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botsift_server.engine import EngineConfig
from botsift_server.errors import ConfigError

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """The gRPC listener."""

    host: str = "127.0.0.1"
    """Address to bind; ``0.0.0.0`` or ``[::]`` to accept connections from other hosts."""
    port: int = 50051
    """gRPC port; 0 picks a free port (tests)."""
    grace_period_s: float = 10.0
    """On SIGTERM/SIGINT, how long in-flight RPCs get to finish before they are cancelled."""
    max_message_bytes: int = 4 * 1024 * 1024
    """Largest message accepted or sent; larger ones fail with RESOURCE_EXHAUSTED."""
    max_concurrent_streams: int = 1000
    """HTTP/2 streams per connection."""
    reflection: bool = True
    """Serve gRPC server reflection (grpcurl works without proto files)."""


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """API key checks."""

    key_cache_ttl_s: float = 5.0
    """How long a key lookup is cached. A key revoked through another replica stops working
    here at most this long after; 0 looks every key up on every call."""


@dataclass(frozen=True, slots=True)
class LimitSettings:
    """Bounds that keep memory finite whatever clients send."""

    max_sessions_per_stream: int = 1000
    """Open sessions on one ``Analyze`` stream; one more is refused with RESOURCE_EXHAUSTED."""
    max_open_sessions: int = 100_000
    """Open sessions in the whole process, across streams."""
    max_events_per_session: int = 100_000
    """Events one session may carry; the batch that would exceed it is refused."""
    max_events_per_batch: int = 10_000
    """Events in one ``EventBatch`` or ``ScoreSession`` request."""
    session_idle_timeout_s: float = 1800.0
    """An open session with no message for this long is closed without a verdict."""
    resume_grace_s: float = 30.0
    """When a stream drops, its open sessions wait this long for the client to reconnect and
    start them again (resuming with their events); then they are judged and stored. 0 stores
    them at once."""


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """PostgreSQL. With no ``url``, an embedded PostgreSQL runs in ``embedded_data_dir``."""

    url: str = ""
    """``postgresql://`` URL of the database; empty starts the embedded PostgreSQL."""
    embedded_data_dir: Path = Path(".botsift/pgdata")
    """Data folder of the embedded PostgreSQL (created when missing)."""
    min_connections: int = 1
    """Connections the pool keeps open."""
    max_connections: int = 10
    """Connections the pool may open."""
    commit_max_batch: int = 256
    """Most final verdicts written in one transaction (group commit)."""
    commit_max_delay_ms: float = 2.0
    """How long the writer waits for more verdicts to join a transaction."""
    command_timeout_s: float = 10.0
    """A statement that takes longer fails and the RPC answers UNAVAILABLE."""


@dataclass(frozen=True, slots=True)
class LogSettings:
    """Structured JSON logs on standard error, one line per event."""

    level: str = "INFO"
    """DEBUG, INFO, WARNING or ERROR."""


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    """Prometheus metrics over HTTP."""

    host: str = "127.0.0.1"
    """Address to bind the metrics endpoint."""
    port: int = 9464
    """Port of ``/metrics``; 0 picks a free port, -1 disables the endpoint."""


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """The local sandbox tenant ``botsift-server run`` creates once for a newcomer."""

    tenant_name: str = "sandbox"
    """Name of the sandbox tenant."""
    keys_file: Path = Path(".botsift/sandbox-keys.env")
    """Where the sandbox keys are written (mode 0600) when they are created, since the
    database keeps only their hashes."""


@dataclass(frozen=True, slots=True)
class ModelSettings:
    """The learned model the engine adds to its rules."""

    file: Path | None = None
    """A model file written by ``botsift-server train`` to use instead of the model that ships
    with the package; empty: the shipped model. It must come from this version's ``train``: the
    server refuses to start with one trained on other features. Verdicts then name it after
    the engine version (``engine-0.14.0+<model version>``)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server is configured with. Build it with :meth:`load`."""

    server: ServerSettings = field(default_factory=ServerSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    log: LogSettings = field(default_factory=LogSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    engine: EngineConfig = field(default_factory=EngineConfig)

    @classmethod
    def load(cls, path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults, then the TOML file (``path`` or ``$BOTSIFT_CONFIG``), then the environment.

        Raises :class:`ConfigError` naming the first bad setting.
        """
        env = dict(os.environ if environ is None else environ)
        if "DATABASE_URL" in env and "BOTSIFT_DATABASE_URL" not in env:
            env["BOTSIFT_DATABASE_URL"] = env["DATABASE_URL"]
        if path is None and env.get("BOTSIFT_CONFIG"):
            path = Path(env["BOTSIFT_CONFIG"])
        table: dict[str, Any] = {}
        if path is not None:
            try:
                table = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"cannot read configuration file {path}: {exc}") from exc

        unknown = set(table) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ConfigError(f"unknown section(s) in {path}: {', '.join(sorted(unknown))}")
        sections: dict[str, Any] = {}
        for section in dataclasses.fields(cls):
            raw = table.get(section.name, {})
            if not isinstance(raw, dict):
                raise ConfigError(f"[{section.name}] must be a table")
            if section.name == "engine":
                try:
                    sections["engine"] = EngineConfig.from_mapping(raw)
                except ValueError as exc:
                    raise ConfigError(f"[engine] {exc}") from exc
                continue
            section_type = _section_type(cls, section.name)
            sections[section.name] = _load_section(section.name, section_type, raw, env)
        settings = cls(**sections)
        settings._validate()
        return settings

    def _validate(self) -> None:
        if self.log.level.upper() not in _LOG_LEVELS:
            raise ConfigError(f"log.level must be one of {', '.join(_LOG_LEVELS)}, not {self.log.level!r}")
        checks = [
            ("server.port", 0 <= self.server.port <= 65535),
            ("metrics.port", -1 <= self.metrics.port <= 65535),
            ("server.grace_period_s", self.server.grace_period_s >= 0),
            ("server.max_message_bytes", self.server.max_message_bytes >= 1024),
            ("auth.key_cache_ttl_s", self.auth.key_cache_ttl_s >= 0),
            ("limits.max_sessions_per_stream", self.limits.max_sessions_per_stream >= 1),
            ("limits.max_open_sessions", self.limits.max_open_sessions >= 1),
            ("limits.max_events_per_session", self.limits.max_events_per_session >= 1),
            ("limits.max_events_per_batch", self.limits.max_events_per_batch >= 1),
            ("limits.session_idle_timeout_s", self.limits.session_idle_timeout_s > 0),
            ("limits.resume_grace_s", self.limits.resume_grace_s >= 0),
            ("database.min_connections", self.database.min_connections >= 1),
            ("database.max_connections", self.database.max_connections >= self.database.min_connections),
            ("database.commit_max_batch", self.database.commit_max_batch >= 1),
            ("database.commit_max_delay_ms", self.database.commit_max_delay_ms >= 0),
            ("database.command_timeout_s", self.database.command_timeout_s > 0),
        ]
        for name, ok in checks:
            if not ok:
                raise ConfigError(f"{name} is out of range")


def _section_type(cls: type[Settings], name: str) -> type[Any]:
    hints = typing.get_type_hints(cls)
    section_type: type[Any] = hints[name]
    return section_type


def _load_section(name: str, section_type: type[Any], raw: Mapping[str, Any], env: Mapping[str, str]) -> Any:
    hints = typing.get_type_hints(section_type)
    known = {f.name for f in dataclasses.fields(section_type)}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"unknown setting(s) in [{name}]: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for f in dataclasses.fields(section_type):
        env_name = f"BOTSIFT_{name}_{f.name}".upper()
        if env_name in env:
            values[f.name] = _coerce(f"{env_name}", hints[f.name], env[env_name])
        elif f.name in raw:
            values[f.name] = _coerce(f"{name}.{f.name}", hints[f.name], raw[f.name])
    return section_type(**values)


def _coerce(where: str, target: Any, value: object) -> object:
    if isinstance(target, types.UnionType):
        if value == "" and type(None) in typing.get_args(target):
            return None  # an empty value clears an optional setting
        target = next(t for t in typing.get_args(target) if t is not type(None))
    try:
        if target is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"expected a boolean, got {value!r}")
        if target is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(f"expected an integer, got {value!r}")
            return int(str(value).replace("_", "")) if isinstance(value, str) else int(value)  # type: ignore[call-overload]
        if target is float:
            if isinstance(value, bool):
                raise ValueError(f"expected a number, got {value!r}")
            return float(value)  # type: ignore[arg-type]
        if target is Path:
            return Path(str(value)).expanduser()
        if target is str:
            if not isinstance(value, str):
                raise ValueError(f"expected a string, got {value!r}")
            return value
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    raise ConfigError(f"{where}: unsupported setting type {target!r}")


def describe() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) of every setting, for ``--help`` and docs."""
    rows: list[tuple[str, str, str]] = []
    for section in dataclasses.fields(Settings):
        if section.name == "engine":
            continue
        section_type = _section_type(Settings, section.name)
        docs = _field_docs(section_type)
        for f in dataclasses.fields(section_type):
            default = f.default if f.default not in (dataclasses.MISSING, None) else ""
            rows.append((f"BOTSIFT_{section.name}_{f.name}".upper(), str(default), docs.get(f.name, "")))
    return rows


def _field_docs(section_type: type[Any]) -> dict[str, str]:
    """Attribute docstrings (the string literal under each field) by field name."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(section_type))
    body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, after in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = " ".join(after.value.value.split())
    return docs
