"""Engine and store values to protobuf messages."""

from __future__ import annotations

from datetime import datetime

from google.protobuf import timestamp_pb2

from botsift.v1 import keys_pb2, verdict_pb2
from botsift_server.engine import Assessment
from botsift_server.store import KeyKind, KeyMode, KeyRecord, VerdictRecord

_KEY_KINDS = {KeyKind.PUBLISHABLE: keys_pb2.KEY_KIND_PUBLISHABLE, KeyKind.SECRET: keys_pb2.KEY_KIND_SECRET}
_KEY_MODES = {KeyMode.TEST: keys_pb2.KEY_MODE_TEST, KeyMode.LIVE: keys_pb2.KEY_MODE_LIVE}


def timestamp(moment: datetime) -> timestamp_pb2.Timestamp:
    """A protobuf timestamp of an aware datetime."""
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(moment)
    return ts


def verdict(
    session_id: str,
    action: str,
    assessment: Assessment,
    *,
    final: bool,
    decide_time: datetime,
    processing_time_us: int,
) -> verdict_pb2.Verdict:
    """The ``Verdict`` message of an assessment."""
    counts = assessment.counts
    return verdict_pb2.Verdict(
        session_id=session_id,
        score=assessment.score,
        risk_level=int(assessment.risk_level),  # type: ignore[arg-type]
        reasons=[
            verdict_pb2.Reason(code=r.code, message=r.message, weight=r.weight, detector=r.detector)
            for r in assessment.reasons
        ],
        contributions=[
            verdict_pb2.DetectorContribution(
                detector=c.detector, log_odds=c.log_odds, confidence=c.confidence
            )
            for c in assessment.contributions
        ],
        event_counts=verdict_pb2.EventCounts(
            total=counts.total,
            pointer=counts.pointer,
            keys=counts.keys,
            touches=counts.touches,
            scrolls=counts.scrolls,
            focus=counts.focus,
        ),
        engine_version=assessment.engine_version,
        final=final,
        processing_time_us=min(processing_time_us, 2**32 - 1),
        decide_time=timestamp(decide_time),
        action=action,
        confidence=assessment.confidence,
    )


def stored_verdict(record: VerdictRecord) -> verdict_pb2.Verdict:
    """The ``Verdict`` message of a stored final verdict."""
    return verdict(
        record.session_id,
        record.action,
        record.assessment,
        final=True,
        decide_time=record.decide_time,
        processing_time_us=record.processing_time_us,
    )


def api_key(record: KeyRecord) -> keys_pb2.ApiKey:
    """The ``ApiKey`` message of a stored key (never its value)."""
    msg = keys_pb2.ApiKey(
        key_id=str(record.key_id),
        kind=_KEY_KINDS[record.kind],
        mode=_KEY_MODES[record.mode],
        display_prefix=record.display_prefix,
        name=record.name,
        create_time=timestamp(record.create_time),
    )
    if record.revoke_time is not None:
        msg.revoke_time.CopyFrom(timestamp(record.revoke_time))
    return msg


def key_kind(value: int) -> KeyKind | None:
    """The store's key kind of a ``KeyKind`` enum value, ``None`` when unset or unknown."""
    return next((k for k, v in _KEY_KINDS.items() if v == value), None)


def key_mode(value: int) -> KeyMode | None:
    """The store's key mode of a ``KeyMode`` enum value, ``None`` when unset or unknown."""
    return next((m for m, v in _KEY_MODES.items() if v == value), None)
