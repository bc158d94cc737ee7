"""The detection engine: pure functions of (session state, events, config) → assessment.

::

    from botsift_server.engine import Engine, EngineConfig, SessionContext, Device

    engine = Engine(EngineConfig())
    state = engine.start(SessionContext(action="login", device=Device(user_agent="...")))
    engine.add(state, columns)          # any number of EventColumns batches
    assessment = engine.assess(state)   # interim or final

No I/O, no clock reads, no randomness, no module-level mutable state: the same events and
configuration always give the same assessment, in the server and in offline evaluation alike.
"""

from botsift_server.engine._config import DETECTORS, EngineConfig
from botsift_server.engine._engine import ENGINE_VERSION, Engine, check_model
from botsift_server.engine._evidence import INSUFFICIENT_EVIDENCE
from botsift_server.engine._reasons import REASON_CODES
from botsift_server.engine._state import SessionState
from botsift_server.engine._types import (
    KEY_FLAG_CAPITAL_WITHOUT_SHIFT,
    Assessment,
    Contribution,
    Device,
    EventColumns,
    EventCounts,
    EventKind,
    KeyClass,
    Reason,
    RiskLevel,
    SessionContext,
)
from botsift_server.engine.learned import ModelBundle
from botsift_server.engine.replay import Fingerprint, ReplayIndex

__all__ = [
    "DETECTORS",
    "ENGINE_VERSION",
    "INSUFFICIENT_EVIDENCE",
    "KEY_FLAG_CAPITAL_WITHOUT_SHIFT",
    "REASON_CODES",
    "Assessment",
    "Contribution",
    "Device",
    "Engine",
    "EngineConfig",
    "EventColumns",
    "EventCounts",
    "EventKind",
    "Fingerprint",
    "KeyClass",
    "ModelBundle",
    "Reason",
    "ReplayIndex",
    "RiskLevel",
    "SessionContext",
    "SessionState",
    "check_model",
]
