"""Client configuration: small frozen value classes, and the one place the environment is read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from botsift._errors import ConfigurationError

DEFAULT_TARGET = "localhost:50051"
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How idempotent calls are retried when the server is UNAVAILABLE, and how a dropped
    ``Analyze`` stream is re-opened.

    Example: ``RetryPolicy(max_attempts=5, initial_backoff_s=0.1)``.
    """

    max_attempts: int = 4
    """Attempts of an idempotent unary call, the first one included (1 disables retries)."""
    initial_backoff_s: float = 0.05
    """Upper bound of the first wait; each wait is drawn uniformly in [0, bound] (full jitter)."""
    max_backoff_s: float = 2.0
    """The bound never grows past this."""
    multiplier: float = 2.0
    """Growth of the bound from one attempt to the next."""
    reconnect_timeout_s: float = 30.0
    """How long a dropped ``Analyze`` stream is re-opened for before its sessions fail with
    :class:`~botsift.ConnectionError`."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.initial_backoff_s < 0 or self.max_backoff_s < 0:
            raise ConfigurationError(f"invalid retry policy: {self}")


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """How sessions on the shared ``Analyze`` stream batch, buffer and push back.

    Example: ``SessionOptions(max_batch_events=100, max_batch_delay_ms=20)``.
    """

    max_batch_events: int = 256
    """A batch is sent once it holds this many events..."""
    max_batch_delay_ms: float = 50.0
    """...or this long after its first event, whichever comes first."""
    high_water_events: int = 4096
    """``await session.drain()`` waits while more events than this are recorded but unsent."""
    max_unsent_events: int = 65536
    """Recording more unsent events than this raises :class:`~botsift.SessionBufferFullError`
    (a producer that never awaits ``drain()``)."""
    resume_buffer_events: int = 20000
    """Events of a session kept to resend it after the stream drops (the server forgets the
    sessions of a dropped stream). A session that recorded more can no longer be resumed: if the
    stream drops after that, the session fails with :class:`~botsift.ConnectionError`."""
    max_sessions_per_stream: int = 200
    """Open sessions on the shared stream; opening one more waits for a slot (the server's
    own limit, 1000 by default, answers RESOURCE_EXHAUSTED beyond it)."""


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything a client needs. Build it with arguments, or :meth:`from_env`.

    Example::

        config = ClientConfig(api_key="pk_test_...", target="botsift.example.com:443")
    """

    api_key: str
    """``pk_...`` (stream and score) or ``sk_...`` (also verdicts and keys)."""
    target: str = DEFAULT_TARGET
    """``host:port`` of the server or gateway."""
    tls: bool | None = None
    """``True`` TLS, ``False`` plaintext, ``None`` plaintext for loopback hosts, TLS otherwise."""
    root_certificates: bytes | None = None
    """PEM roots to trust instead of the system's (private CAs, tests)."""
    timeout_s: float = 10.0
    """Deadline of unary calls unless a call passes its own ``timeout_s``."""
    keepalive_time_s: float = 300.0
    """Interval of HTTP/2 keepalive pings while calls are open. Servers refuse pings more often
    than every 5 minutes unless configured otherwise, so lower it only with the server's consent."""
    keepalive_timeout_s: float = 20.0
    """A ping unanswered for this long marks the connection dead (streams then reconnect)."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    """Retries of idempotent calls and reconnection of the stream."""
    session: SessionOptions = field(default_factory=SessionOptions)
    """Batching, buffering and back-pressure of sessions."""
    user_agent: str = ""
    """Appended to the gRPC user agent (``botsift-python/<version>``)."""

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ConfigurationError("no API key: pass api_key=... or set BOTSIFT_API_KEY")
        if not self.api_key.isprintable() or " " in self.api_key:
            raise ConfigurationError("the API key contains spaces or control characters")
        host, sep, port = self.target.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ConfigurationError(f"target must be host:port, not {self.target!r}")

    @property
    def use_tls(self) -> bool:
        """Whether the channel is TLS (see :attr:`tls`)."""
        if self.tls is not None:
            return self.tls
        host = self.target.rpartition(":")[0]
        return host not in _LOCAL_HOSTS

    @classmethod
    def from_env(
        cls,
        *,
        api_key: str | None = None,
        target: str | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides: object,
    ) -> ClientConfig:
        """A config from arguments, falling back to ``BOTSIFT_API_KEY``, ``BOTSIFT_TARGET`` and
        ``BOTSIFT_TLS`` (``true``/``false``) in the environment."""
        env = os.environ if environ is None else environ
        tls_env = env.get("BOTSIFT_TLS", "").strip().lower()
        if "tls" not in overrides and tls_env:
            if tls_env not in ("true", "false", "1", "0"):
                raise ConfigurationError(f"BOTSIFT_TLS must be true or false, not {tls_env!r}")
            overrides["tls"] = tls_env in ("true", "1")
        return cls(
            api_key=api_key if api_key is not None else env.get("BOTSIFT_API_KEY", ""),
            target=target or env.get("BOTSIFT_TARGET", "") or DEFAULT_TARGET,
            **overrides,  # type: ignore[arg-type]
        )
