"""Keystroke dynamics: the rhythm of typing, never the keys.

People type with uneven, right-skewed (roughly log-normal) intervals between key presses and
hold each key for tens of milliseconds. Scripts type on a timer (constant intervals), faster
than fingers, with zero hold times, or with intervals drawn from a flat random range.

Holds are paired with their presses by :mod:`botsift_server.engine.key_holds`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt

from botsift_server.engine._evidence import (
    Evidence,
    Finding,
    clock_step_ms,
    cv,
    median,
    ramp,
    skew_kurtosis,
)
from botsift_server.engine._state import SessionState
from botsift_server.engine._types import KEY_FLAG_CAPITAL_WITHOUT_SHIFT, EventColumns, EventKind, KeyClass
from botsift_server.engine.features import KEYSTROKE_MODEL_INDEX
from botsift_server.engine.key_holds import hold_by_class, hold_drift, holds_in_order
from botsift_server.engine.key_kinds import key_kind_rhythm
from botsift_server.engine.key_modifiers import (
    CAPITAL_CONFIDENCE,
    CHORD_MS,
    NO_PRESSES,
    capitals_without_shift,
    modifier_chords,
    modifier_presses,
)
from botsift_server.engine.keystroke_features import MAX_FLIGHT_MS, keystroke_features, press_times
from botsift_server.engine.learned import TreeModel
from botsift_server.engine.model_evidence import model_findings

DETECTOR = "keystrokes"
UNLIKE_PEOPLE = "KEYS_UNLIKE_PEOPLE"

_KEY_DOWN, _KEY_UP = int(EventKind.KEY_DOWN), int(EventKind.KEY_UP)
_LETTER, _SPACE = int(KeyClass.LETTER), int(KeyClass.SPACE)
_BACKSPACE = int(KeyClass.BACKSPACE)
# Holds longer than this are a key held on purpose (or a lost release), not typing.
MAX_HOLD_MS = 2000.0
# A finger on a physical key holds it for tens of milliseconds: of 14,625 sentences typed by
# Aalto's 975 people, one has a median hold under 45 ms (21 ms), the 0.1th percentile is 55 ms
# and the median 103 ms. A median hold under SHORT_HOLD_MS counts, fully from FULL_SHORT_HOLD_MS:
# press and release sent together (CDP, WebDriver), held for a library's few-millisecond "delay",
# or for a script's fixed 15-35 ms. (From 20 ms, fully from 10, until engine-0.17.0.)
SHORT_HOLD_MS = 40.0
FULL_SHORT_HOLD_MS = 15.0
# Keys released as soon as they are pressed also never overlap: this one finding says both (a
# separate KEYS_NO_ROLLOVER would count the same fact twice), with their former joint weight.
ZERO_HOLD_LOG_ODDS = 2.5
# On-screen keyboards send press and release together. On phones and tablets they are known from
# the device; on a desktop, people who pick keys on the screen with a mouse, their eyes or a
# switch (Windows On-Screen Keyboard, for people who cannot use a physical one) are known by
# their pace: about a key a second, where scripts, with or without human-looking waits, press
# several (humantyping's slowest 1% at 450 ms). From HUNTING_MS between keys (median) such holds
# count less, and not at all from FULL_HUNTING_MS.
HUNTING_MS = 500.0
FULL_HUNTING_MS = 800.0
# The shape of a rhythm (its skew, its span, the pause before a word, what the kind of key
# explains) needs a clock finer than the intervals: a privacy browser's 100 ms steps put most of
# a 150 ms typist's intervals on one or two values, and a person reads like a flat random delay.
# Those rules judge fully while the clock step is at most RHYTHM_CLOCK_SHARE[1] of the median
# interval, and not at all from RHYTHM_CLOCK_SHARE[0].
RHYTHM_CLOCK_SHARE = (0.5, 0.2)
# The learned model judges from this many intervals, fully from MODEL_FULL_FLIGHTS.
MODEL_MIN_FLIGHTS = 4
MODEL_FULL_FLIGHTS = 7


def update(state: SessionState, columns: EventColumns) -> None:
    """Append the key events of one batch to the session's key window (call only when it has some)."""
    kind = columns.kind
    down = kind == _KEY_DOWN
    keys = down | (kind == _KEY_UP)
    state.key_window.extend(columns.t_ms[keys], kind[keys], columns.key_class[keys])
    button = columns.button
    if np.count_nonzero(button):  # (most batches: main-button clicks only, all 0)
        flagged = down & ((button & KEY_FLAG_CAPITAL_WITHOUT_SHIFT) != 0)
        state.capitals_without_shift += int(np.count_nonzero(flagged))


def flights_and_holds(
    t: npt.NDArray[np.float64], kind: npt.NDArray[np.uint8], key_class: npt.NDArray[np.uint8]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Press-to-press intervals and press-to-release durations (ms) of a run of key events.

    Auto-repeat presses are left out of the intervals when the collector sends releases at all
    (holding backspace is not a rhythm; see :func:`press_times`), and of the holds, whose
    releases pair with presses in order within a class (:func:`holds_in_order`).
    """
    return _flights(press_times(t, kind, key_class)[0]), _typing_holds(t, kind, key_class)


def _flights(pt: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Intervals between the press times ``pt``, pauses longer than typing left out."""
    flights = pt[1:] - pt[:-1]
    return flights[flights <= MAX_FLIGHT_MS].astype(np.float64)


def _typing_holds(
    t: npt.NDArray[np.float64], kind: npt.NDArray[np.uint8], key_class: npt.NDArray[np.uint8]
) -> npt.NDArray[np.float64]:
    """Hold times, keys held on purpose (or a lost release) left out; none without releases."""
    return _typing(holds_in_order(t, kind, key_class)[2])


def _typing(held: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The holds of :func:`holds_in_order` that are typing: released, and not held on purpose."""
    return held[held <= MAX_HOLD_MS].astype(np.float64)


def assess(state: SessionState, model: TreeModel | None = None) -> Evidence:
    """Judge the typing rhythm in the session's key window (rules, plus the learned ``model``).

    On phones and tablets, on-screen keyboards send each key's press and release together, so
    hold times say nothing there (nor on a desktop at the pace of keys picked on its on-screen
    keyboard); nor do they, or fine timing, on a clock rounded to a coarse step.
    """
    t, kind, key_class = state.key_window.columns()
    on_screen = state.context.device.types_on_screen
    capitals = capitals_without_shift(state.capitals_without_shift, state.context.device.has_touch_screen)
    if t.shape[0] < 3:
        return Evidence(DETECTOR, tuple(capitals), CAPITAL_CONFIDENCE if capitals else 0.0)
    with np.errstate(all="ignore"):
        # Presses (auto-repeat left out) once: the rules below share them.
        pt, pc = press_times(t, kind, key_class)
        # Each press's hold once: the hold rules and the drift of holds share them.
        pressed = holds_in_order(t, kind, key_class)
        flights, holds = _flights(pt), _typing(pressed[2])
        clock_ms = clock_step_ms(t)
        # (Holds are not measured on a coarse clock: a press and release in one tick read as 0 ms.)
        median_hold = median(holds) if holds.shape[0] >= 5 else math.nan
        zero = _short_holds(holds.shape[0], median_hold) if clock_ms == 0.0 else 0.0
        resolved = _rhythm_resolved(flights, clock_ms)
        findings = _judge(
            flights, holds, median_hold, zero, on_screen=on_screen, clock_ms=clock_ms, resolved=resolved
        )
        # Modifier presses and how soon their key follows (not measured on a rounded clock).
        chords = modifier_presses(kind, key_class) if not on_screen and clock_ms == 0.0 else NO_PRESSES
        latency = t[chords + 1] - t[chords]
        # One key at a time on a touch screen; and keys released as soon as pressed cannot
        # overlap, which KEYS_ZERO_HOLD has already said. A key sent together with its modifier
        # overlaps it, but is no typist's rollover.
        if not on_screen and zero == 0.0:
            findings.extend(_rollover(kind, chords[latency < CHORD_MS[0]] + 1))
            if clock_ms == 0.0:
                findings.extend(hold_drift(*pressed))
                findings.extend(hold_by_class(pressed[1], pressed[2]))
        findings.extend(modifier_chords(latency))
        if resolved > 0.0:
            findings.extend(_scaled(_word_rhythm(t, kind, key_class), resolved))
            findings.extend(_scaled(key_kind_rhythm(pt, pc), resolved))
        findings.extend(_corrections(pc))
        findings.extend(capitals)
    if model is not None and flights.shape[0] >= MODEL_MIN_FLIGHTS:
        strength = ramp(flights.shape[0], MODEL_MIN_FLIGHTS - 1, MODEL_FULL_FLIGHTS)
        findings.extend(
            model_findings(
                model,
                keystroke_features(t, kind, key_class, (pt, pc))[KEYSTROKE_MODEL_INDEX],
                strength,
                UNLIKE_PEOPLE,
            )
        )
    confidence = max(ramp(flights.shape[0], 0, 40), 0.5 * ramp(holds.shape[0], 0, 20))
    if capitals:
        confidence = max(confidence, CAPITAL_CONFIDENCE)
    return Evidence(DETECTOR, tuple(findings), confidence)


def _rhythm_resolved(flights: npt.NDArray[np.float64], clock_ms: float) -> float:
    """How fully (0-1) the clock resolves the rhythm's shape (see :data:`RHYTHM_CLOCK_SHARE`)."""
    if clock_ms == 0.0:
        return 1.0
    if flights.shape[0] == 0:
        return 0.0
    return ramp(clock_ms / max(median(flights), 1e-9), *RHYTHM_CLOCK_SHARE)


def _scaled(findings: list[Finding], factor: float) -> list[Finding]:
    """``findings`` with their log-odds times ``factor`` (the same when it is 1)."""
    if factor >= 1.0:
        return findings
    return [dataclasses.replace(f, log_odds=f.log_odds * factor) for f in findings]


def _short_holds(n_holds: int, median_hold: float) -> float:
    """How surely (0-1) keys are released sooner than a finger can (see :data:`SHORT_HOLD_MS`),
    from the number of holds and their median."""
    if n_holds < 5:
        return 0.0
    return ramp(median_hold, SHORT_HOLD_MS, FULL_SHORT_HOLD_MS) * ramp(n_holds, 2, 10)


def _judge(
    flights: npt.NDArray[np.float64],
    holds: npt.NDArray[np.float64],
    median_hold: float,
    zero: float,
    on_screen: bool = False,
    clock_ms: float = 0.0,
    resolved: float = 1.0,
) -> list[Finding]:
    """The rules on intervals and holds; ``median_hold`` is the median of ``holds`` (NaN for fewer
    than 5), ``zero`` their :func:`_short_holds` (0 on a coarse clock), ``resolved`` how fully the
    clock resolves the rhythm's shape (:func:`_rhythm_resolved`)."""
    findings: list[Finding] = []
    if clock_ms > 0.0:
        findings.append(
            Finding(
                "KEYS_COARSE_CLOCK",
                f"Key times are rounded to {clock_ms:.1f} ms, as privacy browsers round them; hold "
                "times and fine differences between intervals are not judged, nor the rhythm's shape "
                "where the steps are a good share of the intervals.",
                0.0,
            )
        )
    n_f, n_h = int(flights.shape[0]), int(holds.shape[0])
    flight_cv = cv(flights)
    median_flight = median(flights) if n_f else float("nan")
    # A timer: intervals that hardly vary, or (robust to the pause between two fields) most of
    # them within a percent or two of their median. People: median deviation 11% of the median
    # or more in 99.9% of Aalto sentences.
    spread = (
        median(np.abs(flights - median_flight)) / median_flight
        if n_f and median_flight > 0.0
        else float("nan")
    )
    # (On a rounded clock most intervals read the same few values: only their variation counts.)
    timer = max(ramp(flight_cv, 0.12, 0.03), ramp(spread, 0.03, 0.01) if clock_ms == 0.0 else 0.0)
    if n_f >= 8:
        constant = timer * ramp(n_f, 4, 20)
        if constant > 0.0:
            findings.append(
                Finding(
                    "KEYS_CONSTANT_INTERVAL",
                    f"Keys are pressed at near-constant intervals (half within {spread:.1%} of "
                    f"{median_flight:.0f} ms, variation {flight_cv:.3f} over {n_f}); people type unevenly.",
                    2.0 * constant,
                )
            )
    if n_f >= 10 and clock_ms < 15.0:
        fast = ramp(median_flight, 30.0, 15.0) * ramp(n_f, 5, 20)
        if fast > 0.0:
            findings.append(
                Finding(
                    "KEYS_SUPERHUMAN_SPEED",
                    f"The median time between key presses is {median_flight:.1f} ms over {n_f} keys, "
                    "faster than anyone types.",
                    2.5 * fast,
                )
            )
    if n_h >= 5 and clock_ms == 0.0:
        hunting = ramp(median_flight, HUNTING_MS, FULL_HUNTING_MS)
        if zero > 0.0 and on_screen:
            findings.append(
                Finding(
                    "KEYS_ZERO_HOLD",
                    f"Keys are released {median_hold:.1f} ms (median) after being pressed, as on-screen "
                    "keyboards of phones and tablets send them; not counted on this device.",
                    0.0,
                )
            )
        elif zero > 0.0 and hunting > 0.0:
            findings.append(
                Finding(
                    "KEYS_ZERO_HOLD",
                    f"Keys are released {median_hold:.1f} ms (median) after being pressed, "
                    f"{median_flight:.0f} ms apart: the pace of keys picked on an on-screen keyboard, "
                    f"which sends them so; counted {'less' if hunting < 1.0 else 'not at all'}.",
                    ZERO_HOLD_LOG_ODDS * zero * (1.0 - hunting),
                )
            )
        elif zero > 0.0:
            findings.append(
                Finding(
                    "KEYS_ZERO_HOLD",
                    f"Keys are released {median_hold:.1f} ms (median) after being pressed; "
                    "fingers hold keys for tens of milliseconds (people: 55 ms or more in 999 sentences "
                    "of 1,000).",
                    ZERO_HOLD_LOG_ODDS * zero,
                )
            )
        hold_cv = cv(holds)
        steady = ramp(hold_cv, 0.08, 0.02) * ramp(n_h, 4, 16) * (1.0 - zero)
        if steady > 0.0:
            findings.append(
                Finding(
                    "KEYS_CONSTANT_HOLD",
                    f"Every key is held for nearly the same time (variation {hold_cv:.3f}); "
                    "people's holds vary by 12% or more.",
                    2.0 * steady,
                )
            )
    skew, _ = skew_kurtosis(flights)
    # Constant intervals are judged above; the shape rules below leave a timer to that rule, and
    # judge only as far as the clock resolves the shape.
    not_timer = (1.0 - timer) * resolved
    if n_f >= 12:
        # Human intervals are right-skewed (sample skewness ~1.7 over a sentence: a floor near
        # 40 ms, long pauses to think); a flat or symmetric random delay has skewness ~0.
        flat = 2.0 * ramp(skew, 0.9, -0.3) * ramp(n_f, 12, 30) * not_timer
        if flat > 0.0:
            findings.append(
                Finding(
                    "KEYS_UNSKEWED_INTERVALS",
                    f"Intervals between key presses are not right-skewed (skewness {skew:.2f} over {n_f}), "
                    "like a random delay drawn from a flat or symmetric range; people type with a fast "
                    "floor and long pauses.",
                    0.8 * flat,
                )
            )
    if n_f >= 15:
        # A person's sentence spans fast digraphs and slow word starts or pauses: intervals over a
        # factor of 4 or more (log range 1.5+; 99% of Aalto sentences above 1.2). A random delay
        # drawn from a fixed band, or a jittered timer, stays inside a factor of 2-3.
        log_range = float(np.log(flights.max() / max(float(flights.min()), 1.0)))
        band = 2.0 * ramp(log_range, 1.5, 1.0) * ramp(n_f, 15, 30) * not_timer
        if band > 0.0:
            findings.append(
                Finding(
                    "KEYS_BOUNDED_INTERVALS",
                    f"Every interval between key presses lies within a factor of {np.exp(log_range):.1f} "
                    f"over {n_f} keys, like a delay drawn from a fixed range; people's span fast "
                    "letter pairs and slow word starts.",
                    0.6 * band,
                )
            )
        human = ramp(flight_cv, 0.15, 0.3) * ramp(skew, 0.0, 0.5) * ramp(median_flight, 30.0, 50.0)
        if n_h >= 5 and clock_ms == 0.0:
            human *= ramp(median_hold, 10.0, 30.0)
        human *= ramp(n_f, 10, 30) * resolved
        if human > 0.0:
            findings.append(
                Finding(
                    "KEYS_HUMAN_RHYTHM",
                    "Typing rhythm is uneven and skewed, with human hold times.",
                    -0.8 * human,
                )
            )
    return findings


def _rollover(kind: npt.NDArray[np.uint8], chorded: npt.NDArray[np.intp]) -> list[Finding]:
    """Overlapping keys: fluent typists press the next key before releasing the last one.

    A script that sends press-release pairs never overlaps; over a long, fast run with releases
    that is (weak) evidence, and overlaps are (weak) evidence of a person. The presses at
    ``chorded`` came together with their modifier, as a program nests a key in Shift: they do
    not count as overlaps.
    """
    is_down = kind == _KEY_DOWN
    ups = int(np.count_nonzero(kind == _KEY_UP))
    downs = int(np.count_nonzero(is_down))
    if ups < 20 or downs < 20:
        return []
    # Open keys after each event: a press that comes while another key is held overlaps it.
    held = np.where(is_down, 1, -1).cumsum()
    overlapping = is_down[1:] & (held[:-1] > 0)
    overlapping[chorded - 1] = False
    overlaps = int(np.count_nonzero(overlapping))
    share = overlaps / downs
    if share == 0.0:
        return [
            Finding(
                "KEYS_NO_ROLLOVER",
                f"None of {downs} key presses overlaps the previous key; fluent typists roll over keys.",
                0.5,
            )
        ]
    if share >= 0.05:
        return [
            Finding(
                "KEYS_ROLLOVER",
                f"{share:.0%} of key presses overlap the previous key, as in fluent typing.",
                -0.4,
            )
        ]
    return []


def _word_rhythm(
    t: npt.NDArray[np.float64], kind: npt.NDArray[np.uint8], key_class: npt.NDArray[np.uint8]
) -> list[Finding]:
    """The pause before a new word, relative to the typist's own letter-to-letter tempo.

    People slow down at word boundaries: the first letter after a space comes later than the
    typist's median between two letters (about 1.45x, median over Aalto typists). A script that
    draws every interval from one distribution (however human its shape) has no such pause:
    the ratio is 1. Only the ratio to the same typist's own median counts, so fast and slow
    typists are judged alike.
    """
    press = kind == _KEY_DOWN
    pt, pc = t[press], key_class[press]
    if pt.shape[0] < 15:
        return []
    flights = pt[1:] - pt[:-1]
    typing = flights <= MAX_FLIGHT_MS
    after_space = flights[typing & (pc[:-1] == _SPACE) & (pc[1:] == _LETTER)]
    letters = flights[typing & (pc[:-1] == _LETTER) & (pc[1:] == _LETTER)]
    if after_space.shape[0] < 4 or letters.shape[0] < 10:
        return []
    new_word, letter = median(after_space), median(letters)
    if new_word <= 0.0 or letter <= 0.0:
        # Most presses read at one time (a coarse clock, or keys sent together): no tempo to compare.
        return []
    ratio = float(np.log(new_word / letter))
    # Evidence grows linearly as the ratio leaves 1.28x (log 0.25), half-way between a script
    # (1.0x) and the median typist (1.45x): positive below it, negative above.
    lean = min(1.5, max(-1.0, (0.25 - ratio) / 0.25)) * ramp(after_space.shape[0], 3, 8)
    if lean > 0.0:
        return [
            Finding(
                "KEYS_NO_WORD_PAUSE",
                f"New words start about as fast as letters follow letters ({np.exp(ratio):.2f}x the "
                "typist's median); people pause at word boundaries.",
                0.9 * lean,
            )
        ]
    if lean < 0.0:
        return [
            Finding(
                "KEYS_WORD_PAUSE",
                f"New words start {np.exp(ratio):.2f}x slower than letters follow letters, as people type.",
                0.9 * lean,
            )
        ]
    return []


def _corrections(pc: npt.NDArray[np.uint8]) -> list[Finding]:
    """Typos fixed with backspace: people mistype a few keys in a hundred and correct most of
    them (two thirds of Aalto sentences have a correction), while a script types its text
    clean. Weak human evidence only: a bot can add backspaces, and many people type cleanly.
    ``pc``: the classes of the key presses (see :func:`press_times`).
    """
    if pc.shape[0] < 15:
        return []
    fixes = int(np.count_nonzero(pc == _BACKSPACE))
    if fixes == 0 or fixes * 4 > pc.shape[0]:
        # None, or so many that it is not typing (deleting a field, a stuck key).
        return []
    return [
        Finding(
            "KEYS_CORRECTIONS",
            f"{fixes} of {pc.shape[0]} key presses are corrections (backspace), as people fix typos.",
            -0.4 * ramp(fixes, 0, 2),
        )
    ]
