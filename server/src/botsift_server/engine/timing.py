"""Timing across all events: a session's overall tempo, whatever the kind of event.

A person produces a mix of moves, keys and scrolls at uneven intervals; a replayer or a script
often emits everything on one timer (low variation, or a handful of distinct intervals: low
entropy), or thousands of events in a few milliseconds. A person also needs time to see a page
before acting on it: a first click or key press within :data:`MIN_REACTION_MS` of the session
start is faster than human. Event times count from the session start, except in recordings
re-based so that their first event is at 0 ms: there the reaction time is unknown and not judged.

For a streamed session the server also knows when each batch arrived. A live session's clock
cannot run ahead of real time: between two batches, its events may cover less time than passed
on the server (idle tabs, buffering, a reconnect) but not more, beyond network and flush delays.
A script that fabricates a session and streams it faster than it claims to have happened is
caught here: "30 s of careful typing" that arrived within one second.
"""

from __future__ import annotations

import numpy as np

from botsift_server.engine._evidence import Evidence, Finding, clock_step_ms, cv, ramp, reads_shared_ticks
from botsift_server.engine._state import SessionState
from botsift_server.engine._types import EventColumns

DETECTOR = "timing"

# Intervals longer than this are pauses, not tempo.
MAX_INTERVAL_MS = 1000.0
# Sustained rates above this (events per second, whole session) exceed any input device.
IMPOSSIBLE_EVENTS_PER_S = 2000.0
# Seeing a page and acting on it takes a person well over this (visual reaction alone is ~150 ms).
MIN_REACTION_MS = 100.0
# Entropy (bits) of intervals rounded to 1 ms: people's spread over dozens of values; a timer's
# over one or two (a 60 Hz loop alternates 16 and 17 ms: 1 bit).
LOW_ENTROPY_BITS = 1.5
# On a clock this coarse (a privacy browser's 100 ms), every interval is one of a few of its steps
# whoever acts, so their entropy is not judged; a script sleeping 10 or 30 ms still is.
ENTROPY_MAX_CLOCK_MS = 50.0
# A lead this far past the tolerance is full evidence of a session streamed faster than it happened.
CLOCK_LEAD_FULL_MS = 7000.0


def update(state: SessionState, columns: EventColumns) -> None:
    """Append the times of one batch to the session's timing window."""
    state.timing_window.extend(columns.t_ms)


def update_arrival(state: SessionState, last_t_ms: float, arrived_ms: float) -> None:
    """Record that a batch whose last event is at ``last_t_ms`` (session clock) arrived at
    ``arrived_ms`` (server clock): the lead of its events over the earliest-running batch."""
    offset = last_t_ms - arrived_ms
    if state.arrival_offset_ms is None:
        state.arrival_offset_ms = offset
        return
    state.clock_lead_ms = max(state.clock_lead_ms, offset - state.arrival_offset_ms)
    state.arrival_offset_ms = min(state.arrival_offset_ms, offset)


def assess(state: SessionState, clock_lead_tolerance_ms: float = 0.0) -> Evidence:
    """Judge the session's tempo (whole-session rate plus regularity in the latest window) and,
    when ``clock_lead_tolerance_ms`` > 0, whether its clock ran ahead of its batches' arrival."""
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
        gaps = t[1:] - t[:-1]
        dt = gaps[(gaps > 0.0) & (gaps <= MAX_INTERVAL_MS)]
        interval_cv = cv(dt)
    # (On a coarse clock that events share readings of, the gaps are its steps: not judged.)
    if dt.shape[0] >= 30 and not reads_shared_ticks(gaps):
        regular = ramp(interval_cv, 0.05, 0.01) * ramp(dt.shape[0], 20, 100)
        if regular > 0.0:
            findings.append(
                Finding(
                    "TIMING_REGULAR_INTERVALS",
                    f"All events, of every kind, follow one clock (interval variation {interval_cv:.3f}).",
                    1.0 * regular,
                )
            )
        elif dt.shape[0] >= 100 and clock_step_ms(t) < ENTROPY_MAX_CLOCK_MS:
            bits = _entropy_bits(dt)
            few = ramp(bits, LOW_ENTROPY_BITS, 0.5 * LOW_ENTROPY_BITS) * ramp(dt.shape[0], 100, 200)
            if few > 0.0:
                findings.append(
                    Finding(
                        "TIMING_LOW_INTERVAL_ENTROPY",
                        f"Intervals between events take only a few distinct values ({bits:.2f} bits).",
                        1.0 * few,
                    )
                )
    reaction = state.first_input_t_ms
    if reaction is not None and state.first_t_ms is not None and state.first_t_ms > 0.0:
        quick = ramp(reaction, MIN_REACTION_MS, 0.3 * MIN_REACTION_MS)
        if quick > 0.0:
            findings.append(
                Finding(
                    "TIMING_INSTANT_REACTION",
                    f"The first click or key press came {reaction:.0f} ms after the page started, "
                    "faster than a person can see it and act.",
                    1.5 * quick,
                )
            )
    lead = state.clock_lead_ms
    if state.context.recorded:
        findings.append(
            Finding(
                "TIMING_RECORDED_SESSION",
                "The client declared these events a recording sent after the fact, so they were not "
                "checked against real time.",
                0.0,
            )
        )
    elif clock_lead_tolerance_ms > 0.0 and lead > clock_lead_tolerance_ms:
        ahead = ramp(lead, clock_lead_tolerance_ms, clock_lead_tolerance_ms + CLOCK_LEAD_FULL_MS)
        findings.append(
            Finding(
                "TIMING_EVENTS_AHEAD_OF_ARRIVAL",
                f"The session's events ran {lead / 1000.0:.1f} s ahead of the time that passed between "
                "their batches' arrivals; a live session cannot happen faster than real time.",
                2.5 * ahead,
            )
        )
    return Evidence(DETECTOR, tuple(findings), ramp(count, 0, 200))


def _entropy_bits(dt: np.ndarray) -> float:
    """Shannon entropy (bits) of the intervals rounded to whole milliseconds."""
    per_ms = np.bincount(np.rint(dt).astype(np.intp))
    counts = per_ms[per_ms > 0]
    p = counts / np.add.reduce(counts)
    return float(-np.add.reduce(p * np.log2(p)))
