"""What the store keeps: tenants, API keys (hashes only) and final verdicts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from botsift_server.engine import Assessment


class KeyKind(Enum):
    """Publishable keys (``pk_``) stream and score; secret keys (``sk_``) may do everything."""

    PUBLISHABLE = "pk"
    SECRET = "sk"  # noqa: S105 - a key kind, not a secret


class KeyMode(Enum):
    """``test`` keys are the free sandbox; ``live`` keys are metered and billed."""

    TEST = "test"
    LIVE = "live"


@dataclass(frozen=True, slots=True)
class Tenant:
    """A customer of BotSift: everything else belongs to exactly one tenant."""

    tenant_id: uuid.UUID
    name: str
    create_time: datetime


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """An API key as stored: its SHA-256 hash, never its value."""

    key_id: uuid.UUID
    tenant_id: uuid.UUID
    kind: KeyKind
    mode: KeyMode
    display_prefix: str
    name: str
    create_time: datetime
    revoke_time: datetime | None

    @property
    def active(self) -> bool:
        """Whether calls with this key are accepted."""
        return self.revoke_time is None


@dataclass(frozen=True, slots=True)
class VerdictRecord:
    """A final verdict of a session, as persisted and served by ``GetVerdict``."""

    tenant_id: uuid.UUID
    session_id: str
    action: str
    mode: KeyMode
    assessment: Assessment
    decide_time: datetime
    processing_time_us: int
