"""Builders and direct SQL reads for the store tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from botsift_server.engine._types import Assessment, Contribution, EventCounts, Reason, RiskLevel
from botsift_server.store import KeyMode, VerdictRecord

DECIDED = datetime(2025, 3, 1, 10, 15, 30, 123456, tzinfo=UTC)


def make_verdict(
    tenant_id: uuid.UUID,
    session_id: str = "s1",
    *,
    mode: KeyMode = KeyMode.TEST,
    score: float = 0.93,
    decide_time: datetime = DECIDED,
    action: str = "login",
) -> VerdictRecord:
    """A realistic final verdict; vary only what a test is about."""
    assessment = Assessment(
        score=score,
        risk_level=RiskLevel.CRITICAL,
        reasons=(
            Reason("AUTOMATION_WEBDRIVER", "navigator.webdriver is true", 4.2, "fingerprint"),
            Reason("POINTER_LINEAR_PATH", "Pointer moved in straight lines — “too” perfect", 0.1, "pointer"),
        ),
        contributions=(
            Contribution("fingerprint", 4.2, 0.95),
            Contribution("pointer", -1.2345678901234567, 1e-300),
        ),
        counts=EventCounts(total=120, pointer=100, keys=15, touches=0, scrolls=4, focus=1),
        confidence=0.875,
        engine_version="2025.03.1",
    )
    return VerdictRecord(
        tenant_id=tenant_id,
        session_id=session_id,
        action=action,
        mode=mode,
        assessment=assessment,
        decide_time=decide_time,
        processing_time_us=1834,
    )


async def fetch_usage(dsn: str, tenant_id: uuid.UUID) -> dict[tuple[str, datetime], tuple[int, int]]:
    """The tenant's usage rows: (mode, hour) → (sessions, events)."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT mode, hour, sessions, events FROM usage WHERE tenant_id = $1", tenant_id
        )
    finally:
        await connection.close()
    return {(str(r["mode"]), r["hour"]): (int(r["sessions"]), int(r["events"])) for r in rows}


async def fetch_value(dsn: str, query: str, *args: object) -> object:
    """The first column of the first row of ``query``."""
    connection = await asyncpg.connect(dsn)
    try:
        value: object = await connection.fetchval(query, *args)
    finally:
        await connection.close()
    return value


def with_database(url: str, database: str) -> str:
    """``url`` with its database replaced by ``database``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))
