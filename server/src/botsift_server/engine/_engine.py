"""The engine: start a session, add event batches, assess at any time."""

from __future__ import annotations

import numpy as np

from botsift_server.engine import (
    behaviour,
    device,
    keystrokes,
    pointer,
    sampling,
    scoring,
    scrolling,
    timing,
    touch,
)
from botsift_server.engine._config import EngineConfig
from botsift_server.engine._evidence import Evidence
from botsift_server.engine._state import Ring, SessionState
from botsift_server.engine._types import Assessment, EventColumns, EventKind, SessionContext
from botsift_server.engine.features import MODALITY_FEATURES
from botsift_server.engine.learned import ModelBundle, shipped_model
from botsift_server.engine.pointer_steps import PointerWindow
from botsift_server.engine.replay import ReplayIndex, fingerprint

ENGINE_VERSION = "engine-0.19.0"
"""Version of the detection logic, recorded in every :class:`Assessment` (with the model's
version after a ``+`` when the engine runs on a model other than the shipped one)."""

_MOVE, _DOWN, _UP, _WHEEL = EventKind.MOVE, EventKind.DOWN, EventKind.UP, EventKind.WHEEL
_KEY_DOWN, _KEY_UP, _SCROLL = EventKind.KEY_DOWN, EventKind.KEY_UP, EventKind.SCROLL
_TOUCH_START, _TOUCH_MOVE, _TOUCH_END = EventKind.TOUCH_START, EventKind.TOUCH_MOVE, EventKind.TOUCH_END
_FOCUS, _BLUR, _VISIBILITY = EventKind.FOCUS, EventKind.BLUR, EventKind.VISIBILITY


class Engine:
    """Pure bot detection over per-session state: no I/O, no clock, no randomness.

    The engine holds only its configuration; everything about a session lives in the
    :class:`SessionState` it returns from :meth:`start`, so one engine serves any number of
    sessions, and the same events always give the same assessment::

        engine = Engine(EngineConfig())
        state = engine.start(SessionContext(action="login", device=Device(webdriver=True)))
        engine.add(state, columns)
        assessment = engine.assess(state)
    """

    __slots__ = ("config", "model", "version")

    def __init__(self, config: EngineConfig | None = None, model: ModelBundle | None = None) -> None:
        """Raises :class:`ValueError` when ``model`` holds a model this engine cannot feed: one for
        a modality it does not know, or trained on other features (another version's)."""
        self.config = config if config is not None else EngineConfig()
        """The configuration every assessment uses."""
        shipped = shipped_model()
        self.model = model if model is not None else shipped
        """The learned models (the shipped ones unless given; :data:`EMPTY_BUNDLE` for rules only)."""
        check_model(self.model)
        self.version = ENGINE_VERSION if self.model is shipped else f"{ENGINE_VERSION}+{self.model.version}"
        """What every assessment names as its engine: :data:`ENGINE_VERSION`, followed by the
        model's version (``engine-0.14.0+trees-seed7-n5000``) unless the model is the shipped one."""

    def start(self, context: SessionContext) -> SessionState:
        """A fresh state for a session with this context (no events yet)."""
        cfg = self.config
        return SessionState(
            context=context,
            pointer_window=Ring(cfg.pointer_window_events, (np.float64, np.float32, np.float32, np.uint8)),
            key_window=Ring(cfg.key_window_events, (np.float64, np.uint8, np.uint8)),
            timing_window=Ring(cfg.timing_window_events, (np.float64,)),
        )

    def add(self, state: SessionState, columns: EventColumns, arrived_ms: float | None = None) -> None:
        """Fold a batch of events into ``state``.

        ``columns`` must already be valid (see :class:`EventColumns`): equal lengths, finite
        values, and times not before ``state.last_t_ms``. The result does not depend on how a
        session's events are split into batches. Memory stays bounded however many are added.
        Mouse moves denser than any delivery the detectors were calibrated on are thinned
        before they see them (:mod:`botsift_server.engine.sampling`); counts keep every event.

        ``arrived_ms`` is when a streamed batch reached the server, on any steady clock in ms
        (the engine keeps none): it lets the timing detector check that the session's own clock
        does not run ahead of real time (never for a context marked ``recorded``). Leave it out when
        there is no live arrival to report (one-shot requests, offline scoring).
        """
        n = len(columns)
        if n == 0:
            return
        if arrived_ms is not None:
            timing.update_arrival(state, float(columns.t_ms[-1]), arrived_ms)
        received: list[int] = np.bincount(columns.kind, minlength=16).tolist()
        # Detectors judge moves at the rate they were calibrated on; the counts keep every event.
        judged = sampling.thin_moves(state, columns, received[_MOVE])
        if judged is columns:
            self._detect(state, columns, received)
        elif len(judged):
            per_kind = list(received)
            per_kind[_MOVE] += len(judged) - n  # only moves are dropped (or one put back)
            self._detect(state, judged, per_kind)
        fam = state.family_counts
        fam[0] += received[_MOVE] + received[_DOWN] + received[_UP]
        fam[1] += received[_KEY_DOWN] + received[_KEY_UP]
        fam[2] += received[_TOUCH_START] + received[_TOUCH_MOVE] + received[_TOUCH_END]
        fam[3] += received[_WHEEL] + received[_SCROLL]
        fam[4] += received[_FOCUS] + received[_BLUR] + received[_VISIBILITY]
        if state.first_t_ms is None:
            state.first_t_ms = float(columns.t_ms[0])
        state.last_t_ms = float(columns.t_ms[-1])
        state.event_count += n

    @staticmethod
    def _detect(state: SessionState, columns: EventColumns, per_kind: list[int]) -> None:
        """Fold ``columns`` (``per_kind`` events of each kind) into the detectors' state."""
        mouse = per_kind[_MOVE] + per_kind[_DOWN] + per_kind[_UP]
        keys = per_kind[_KEY_DOWN] + per_kind[_KEY_UP]
        touches = per_kind[_TOUCH_START] + per_kind[_TOUCH_MOVE] + per_kind[_TOUCH_END]
        # Scrolling reads where the pointer was, and whether a button or finger was down, before
        # this batch: it goes before the pointer's and the clicks' updates.
        scroll_or_input = (
            per_kind[_SCROLL] + per_kind[_WHEEL] + per_kind[_KEY_DOWN] + per_kind[_DOWN] + per_kind[_UP]
        )
        if scroll_or_input or touches:
            scrolling.update(state, columns, per_kind)
        # Pointer totals read the touch count from before this batch, so counts are updated last.
        if mouse:
            pointer.update(state, columns, moves=per_kind[_MOVE], downs=per_kind[_DOWN], touches=touches)
        if keys:
            keystrokes.update(state, columns)
        timing.update(state, columns)
        focus = per_kind[_FOCUS] + per_kind[_BLUR] + per_kind[_VISIBILITY]
        if focus or state.blurred or state.hidden or state.first_input_t_ms is None:
            behaviour.update(state, columns)
        if per_kind[_DOWN] or per_kind[_UP]:
            behaviour.update_clicks(state, columns)
        if per_kind[_TOUCH_START] or per_kind[_TOUCH_END]:
            behaviour.update_taps(state, columns)
        if touches:
            touch.update(state, columns)

    def assess(
        self,
        state: SessionState,
        replay: ReplayIndex | None = None,
        *,
        session_id: str = "",
        remember: bool = False,
    ) -> Assessment:
        """The assessment of the session so far; call it for interim and final verdicts alike.

        With ``replay`` (the tenant's index of finished sessions), a session that repeats an
        earlier one's trajectory or typing rhythm is flagged; an identical copy counts as a
        resend only under the same ``session_id``. Pass the index for the final verdict only
        (interim verdicts skip the lookup, which is the costly part of a final verdict). With
        ``remember``, the session is then added to the index (as :meth:`remember` does, from the
        fingerprint the lookup already made); otherwise the index is only read.
        """
        cfg = self.config
        evidence: list[Evidence] = []
        # The pointer window's steps and runs, computed once for the pointer rules and the fingerprint.
        window = PointerWindow.of(state, cfg.segment_gap_ms)
        if cfg.enabled(device.DETECTOR):
            evidence.append(device.assess(state.context.device))
        if cfg.enabled(pointer.DETECTOR):
            model = self.model.get("pointer") if cfg.use_model else None
            evidence.append(pointer.assess(state, cfg, model, window))
        fp = None
        if replay is not None and (remember or len(replay)):
            fp = fingerprint(state, cfg.segment_gap_ms, session_id, window=window)
        if cfg.enabled(keystrokes.DETECTOR):
            evidence.append(keystrokes.assess(state, self.model.get("keystrokes") if cfg.use_model else None))
        if cfg.enabled(timing.DETECTOR):
            evidence.append(timing.assess(state, cfg.clock_lead_tolerance_ms))
        if cfg.enabled(behaviour.DETECTOR):
            evidence.append(behaviour.assess(state, cfg, replay, fp))
        assessment = scoring.fuse(evidence, state.counts, cfg, self.version)
        if remember and replay is not None and fp is not None:
            replay.add(fp)
        return assessment

    def remember(self, state: SessionState, replay: ReplayIndex, *, session_id: str = "") -> None:
        """Add a finished session's trajectory and rhythm to ``replay`` (the tenant's index),
        keyed by a hash of its ``session_id``."""
        replay.add(fingerprint(state, self.config.segment_gap_ms, session_id))


def check_model(bundle: ModelBundle) -> None:
    """Raise :class:`ValueError` when a model of ``bundle`` would read this engine's feature
    vectors wrongly: it is for a modality the engine does not know, or was trained on other
    features (another version's)."""
    for modality, model in sorted(bundle.models.items()):
        expected = MODALITY_FEATURES.get(modality)
        if expected is None:
            known = ", ".join(sorted(MODALITY_FEATURES))
            raise ValueError(f"model: no modality {modality!r} in this engine (it knows {known})")
        if model.features != expected:
            missing = [f for f in expected if f not in model.features]
            unknown = [f for f in model.features if f not in expected]
            differences = []
            if missing:
                differences.append(f"lacks {', '.join(missing)}")
            if unknown:
                differences.append(f"has {', '.join(unknown)}, which this engine does not compute")
            what = "; ".join(differences) or "has them in another order"
            raise ValueError(
                f"model: the {modality} model was trained on other features than {ENGINE_VERSION} computes "
                f"({what}); train it again with this version's `botsift-server train`"
            )
