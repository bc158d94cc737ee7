"""Timing across all events: a session's overall tempo, whatever the kind of event.

A person produces a mix of moves, keys and scrolls at uneven intervals; a replayer or a script
often emits everything on one timer, or thousands of events in a few milliseconds.
"""

from __future__ import annotations

import numpy as np

from botsift_server.engine._evidence import Evidence, Finding, cv, ramp
from botsift_server.engine._state import SessionState
from botsift_server.engine._types import EventColumns

DETECTOR = "timing"

# Intervals longer than this are pauses, not tempo.
MAX_INTERVAL_MS = 1000.0
# Sustained rates above this (events per second, whole session) exceed any input device.
IMPOSSIBLE_EVENTS_PER_S = 2000.0


def update(state: SessionState, columns: EventColumns) -> None:
    """Append the times of one batch to the session's timing window."""
    state.timing_window.extend(columns.t_ms)


def assess(state: SessionState) -> Evidence:
    """Judge the session's tempo (whole-session rate plus regularity in the latest window)."""
    count = state.event_count
    if count == 0:
        return Evidence(
            DETECTOR,
            (Finding("TIMING_NO_EVENTS", "No events were received, so behaviour cannot be judged.", 0.0),),
            0.0,
        )
    findings: list[Finding] = []
    first = state.first_t_ms if state.first_t_ms is not None else state.last_t_ms
    span_ms = state.last_t_ms - first
    if count >= 50:
        # One millisecond of slack keeps a burst of same-time events from dividing by zero.
        rate = count / ((span_ms + 1.0) / 1000.0)
        burst = ramp(rate, IMPOSSIBLE_EVENTS_PER_S, 5 * IMPOSSIBLE_EVENTS_PER_S) * ramp(count, 50, 200)
        if burst > 0.0:
            findings.append(
                Finding(
                    "TIMING_IMPOSSIBLY_FAST",
                    f"{count} events arrived within {span_ms:.1f} ms, faster than any input device.",
                    2.5 * burst,
                )
            )
    (t,) = state.timing_window.columns()
    with np.errstate(all="ignore"):
        dt = np.diff(t)
        dt = dt[(dt > 0.0) & (dt <= MAX_INTERVAL_MS)]
        interval_cv = cv(dt)
    if dt.shape[0] >= 30:
        regular = ramp(interval_cv, 0.05, 0.01) * ramp(dt.shape[0], 20, 100)
        if regular > 0.0:
            findings.append(
                Finding(
                    "TIMING_REGULAR_INTERVALS",
                    f"All events, of every kind, follow one clock (interval variation {interval_cv:.3f}).",
                    1.0 * regular,
                )
            )
    return Evidence(DETECTOR, tuple(findings), ramp(count, 0, 200))
