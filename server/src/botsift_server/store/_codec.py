"""Rows ↔ records: how the store's dataclasses are written to and read from PostgreSQL.

asyncpg returns untyped rows; every value is checked here on the way in, so the rest of the
store handles typed records only. Engine values (reasons, contributions, counts) are stored
as JSON and read back into the same dataclasses, equal to what was written.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from botsift_server.engine._types import Assessment, Contribution, EventCounts, Reason, RiskLevel
from botsift_server.store._records import KeyKind, KeyMode, KeyRecord, Tenant, VerdictRecord

_T = TypeVar("_T")

_INT32_MAX = 2**31 - 1

Row = Mapping[str, object]
"""A database row as asyncpg returns it (``asyncpg.Record`` is a mapping)."""


@dataclass(frozen=True, slots=True)
class VerdictRow:
    """A verdict ready for the ``INSERT``: every value in its column's Python type."""

    tenant_id: uuid.UUID
    session_id: str
    action: str
    mode: str
    score: float
    risk_level: int
    confidence: float
    reasons: str
    contributions: str
    event_counts: str
    engine_version: str
    decide_time: datetime
    processing_time_us: int
    event_count: int

    @property
    def key(self) -> tuple[uuid.UUID, str]:
        """The primary key of the verdict."""
        return (self.tenant_id, self.session_id)


def encode_verdict(record: VerdictRecord, event_count: int) -> VerdictRow:
    """Check ``record`` and turn it into column values.

    Raises :class:`ValueError` for values PostgreSQL would refuse (a naive ``decide_time``, a
    score outside [0, 1], NaN, a NUL character, ...): checked here, before the verdict joins
    a group commit, so one bad record is the caller's error and never fails a batch.
    """
    assessment = record.assessment
    if record.decide_time.tzinfo is None or record.decide_time.utcoffset() is None:
        raise ValueError("decide_time must be timezone-aware")
    if not 0.0 <= assessment.score <= 1.0:
        raise ValueError(f"score must be within [0, 1], got {assessment.score!r}")
    if not math.isfinite(assessment.confidence):
        raise ValueError(f"confidence must be finite, got {assessment.confidence!r}")
    if not 0 <= record.processing_time_us <= _INT32_MAX:
        raise ValueError(f"processing_time_us out of range: {record.processing_time_us}")
    if event_count < 0:
        raise ValueError(f"event_count must be >= 0, got {event_count}")
    texts = [record.session_id, record.action, assessment.engine_version]
    texts += [t for r in assessment.reasons for t in (r.code, r.message, r.detector)]
    texts += [c.detector for c in assessment.contributions]
    for text in texts:
        if "\x00" in text:
            raise ValueError("text values must not contain NUL characters")
    reasons = [
        {"code": r.code, "message": r.message, "weight": r.weight, "detector": r.detector}
        for r in assessment.reasons
    ]
    contributions = [
        {"detector": c.detector, "log_odds": c.log_odds, "confidence": c.confidence}
        for c in assessment.contributions
    ]
    c = assessment.counts
    counts = {
        "total": c.total,
        "pointer": c.pointer,
        "keys": c.keys,
        "touches": c.touches,
        "scrolls": c.scrolls,
        "focus": c.focus,
    }
    return VerdictRow(
        tenant_id=record.tenant_id,
        session_id=record.session_id,
        action=record.action,
        mode=record.mode.value,
        score=float(assessment.score),
        risk_level=int(assessment.risk_level),
        confidence=float(assessment.confidence),
        reasons=_dumps(reasons),
        contributions=_dumps(contributions),
        event_counts=_dumps(counts),
        engine_version=assessment.engine_version,
        decide_time=record.decide_time,
        processing_time_us=record.processing_time_us,
        event_count=event_count,
    )


def decode_verdict(row: Row) -> VerdictRecord:
    """A ``verdicts`` row (JSON columns selected as text) as a :class:`VerdictRecord`."""
    reasons = tuple(
        Reason(
            code=_get(item, "code", str),
            message=_get(item, "message", str),
            weight=_number(item, "weight"),
            detector=_get(item, "detector", str),
        )
        for item in _json_list(row, "reasons")
    )
    contributions = tuple(
        Contribution(
            detector=_get(item, "detector", str),
            log_odds=_number(item, "log_odds"),
            confidence=_number(item, "confidence"),
        )
        for item in _json_list(row, "contributions")
    )
    counts_json = json.loads(_get(row, "event_counts", str))
    if not isinstance(counts_json, dict):
        raise TypeError("event_counts is not a JSON object")
    counts = EventCounts(**{name: _get(counts_json, name, int) for name in counts_json})
    assessment = Assessment(
        score=_get(row, "score", float),
        risk_level=RiskLevel(_get(row, "risk_level", int)),
        reasons=reasons,
        contributions=contributions,
        counts=counts,
        confidence=_get(row, "confidence", float),
        engine_version=_get(row, "engine_version", str),
    )
    return VerdictRecord(
        tenant_id=_uuid(row, "tenant_id"),
        session_id=_get(row, "session_id", str),
        action=_get(row, "action", str),
        mode=KeyMode(_get(row, "mode", str)),
        assessment=assessment,
        decide_time=_get(row, "decide_time", datetime),
        processing_time_us=_get(row, "processing_time_us", int),
    )


def inserted_key(row: Row) -> tuple[uuid.UUID, str]:
    """The (tenant_id, session_id) a ``RETURNING`` clause gave back."""
    return (_uuid(row, "tenant_id"), _get(row, "session_id", str))


def decode_tenant(row: Row) -> Tenant:
    """A ``tenants`` row as a :class:`Tenant`."""
    return Tenant(
        tenant_id=_uuid(row, "tenant_id"),
        name=_get(row, "name", str),
        create_time=_get(row, "create_time", datetime),
    )


def decode_key(row: Row) -> KeyRecord:
    """An ``api_keys`` row as a :class:`KeyRecord`."""
    revoke_time = row["revoke_time"]
    if revoke_time is not None and not isinstance(revoke_time, datetime):
        raise TypeError(f"revoke_time: expected a datetime, got {revoke_time!r}")
    return KeyRecord(
        key_id=_uuid(row, "key_id"),
        tenant_id=_uuid(row, "tenant_id"),
        kind=KeyKind(_get(row, "kind", str)),
        mode=KeyMode(_get(row, "mode", str)),
        display_prefix=_get(row, "display_prefix", str),
        name=_get(row, "name", str),
        create_time=_get(row, "create_time", datetime),
        revoke_time=revoke_time,
    )


def _dumps(value: object) -> str:
    # allow_nan=False: PostgreSQL's JSON has no NaN/Infinity, so refuse them here (ValueError).
    return json.dumps(value, allow_nan=False, separators=(",", ":"), ensure_ascii=False)


def _get(row: Mapping[str, object], name: str, kind: type[_T]) -> _T:
    value = row[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{name}: expected {kind.__name__}, got {value!r}")
    return value


def _uuid(row: Row, name: str) -> uuid.UUID:
    # asyncpg returns its own UUID subclass; hand out the standard type.
    return uuid.UUID(int=_get(row, name, uuid.UUID).int)


def _number(item: Mapping[str, object], name: str) -> float:
    return _get(item, name, float)


def _json_list(row: Row, column: str) -> list[Mapping[str, object]]:
    value = json.loads(_get(row, column, str))
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise TypeError(f"{column} is not a JSON list of objects")
    return value


def encode_overrides(overrides: Mapping[str, object]) -> str:
    """A tenant's engine overrides as JSON text for a ``jsonb`` parameter."""
    return _dumps(dict(overrides))


def decode_overrides(text: str) -> dict[str, object]:
    """The inverse of :func:`encode_overrides`; raises :class:`ValueError` unless an object."""
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("tenant engine overrides must be a JSON object")
    return value
