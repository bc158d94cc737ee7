"""Behavioural consistency: whether what a session did adds up, within itself and across sessions.

* **replay** — a pointer trajectory or typing rhythm that repeats an earlier session of the same
  tenant (see :mod:`botsift_server.engine.replay`);
* **input while away** — clicks, key presses or touches while the page had reported that it lost
  focus or was hidden: a person's input goes to the window they look at, a script's goes to the
  page it drives (``dispatchEvent``, CDP input) whether it is in front or not;
* **clicks without any movement** — a desktop session that clicks several times but never moves
  the mouse: a real mouse moves to reach a target, a script posts clicks at coordinates. So do
  screen readers and voice control when they activate an element for a person (in an instant,
  with no approach), so this is the only finding such a session gets for its clicks: not also
  instant clicks or clicks without approach, which would count the same fact three times;
* **instant clicks** — a mouse button released within a few milliseconds of its press. A finger
  holds a button 60-150 ms (median 109 ms over Balabit's 75,000 clicks; under 1% below 8 ms,
  recorder artefacts), while ``element.click()``, WebDriver and CDP clicks send press and
  release in the same instant. Only on desktop: browsers synthesise mouse presses and releases
  together after a tap. Laptop touchpads report a tap-to-click the same way, which is why this
  stays soft.
* **constant click holds** — every click held for the same time: a script's fixed delay between
  press and release (see :data:`CONSTANT_HOLD_MS`).
* **instant taps** — a touch that ends within a few milliseconds of its start: a fingertip's
  tap lasts tens of milliseconds (about 100 ms), an emulated tap (``page.tap()``, CDP
  ``Input.dispatchTouchEvent``) starts and ends in the same instant.
* **constant touch holds** — every touch lasting the same time: mobile automation's fixed pause
  between touch down and up (Appium's W3C actions ``pointerDown``, ``pause(100)``,
  ``pointerUp``; a script's sleep), judged as constant click holds are. Voice control draws its
  swipes for a person with one duration too, so beside interpolated swipes (their other
  finding) the two count as the stronger.
* **touches without a touch screen** — touch events from a browser that reported no touch
  points and no touch events (``navigator.maxTouchPoints`` 0, no ``ontouchstart``): without a
  touch screen a browser makes no touches, but CDP's ``Input.dispatchTouchEvent`` reaches the
  page anyway (measured in headless Chromium). Judged only when the device reported both.
* **scrolling** — a page that scrolls with no input to move it, and a wheel turned on a timer
  (see :mod:`botsift_server.engine.scrolling`).

Each is soft on its own except replay (see the weights): a person who types into a page while a
browser extension's pop-up has focus, or who clicks twice without nudging the mouse, exists.
"""

from __future__ import annotations

import numpy as np

from botsift_server.engine import scrolling, touch
from botsift_server.engine._config import EngineConfig
from botsift_server.engine._evidence import Evidence, Finding, clock_step_ms, latest, ramp
from botsift_server.engine._state import SessionState
from botsift_server.engine._types import EventColumns, EventKind
from botsift_server.engine.replay import Fingerprint, ReplayIndex
from botsift_server.engine.replay import findings as replay_findings

DETECTOR = "behaviour"

_DOWN, _KEY_DOWN, _TOUCH_START = int(EventKind.DOWN), int(EventKind.KEY_DOWN), int(EventKind.TOUCH_START)
_UP, _TOUCH_END = int(EventKind.UP), int(EventKind.TOUCH_END)
INSTANT_CLICK_MS = 8.0
"""A mouse button released sooner than this after its press was not held by a finger."""
# A finger holds a mouse button for 60-150 ms, differently each time; a script that presses,
# waits a fixed delay and releases (`mouse.click(x, y, {delay: 50})`) holds every click alike.
# Every click of a session held within CONSTANT_HOLD_MS (or CONSTANT_HOLD_SHARE of the shortest
# hold) of each other, none instant (that is BEHAVIOUR_INSTANT_CLICKS): eval-part Balabit
# windows with 3 clicks or more 9 of 1,449, with 4 or more 2 of 1,297, with 6 or more 0 of
# 1,080; log-odds CONSTANT_HOLD_LOG_ODDS at CONSTANT_HOLD_CLICKS clicks. Not judged on a coarse
# clock (holds round to one tick) nor with touches (taps' synthesised clicks).
CONSTANT_HOLD_MS = 3.0
CONSTANT_HOLD_SHARE = 0.05
CONSTANT_HOLD_CLICKS = (3.0, 4.0, 6.0)
CONSTANT_HOLD_LOG_ODDS = (1.0, 1.5, 2.0)
_FOCUS, _BLUR, _VISIBILITY = int(EventKind.FOCUS), int(EventKind.BLUR), int(EventKind.VISIBILITY)
TOUCH_WITHOUT_SCREEN_LOG_ODDS = 2.5
"""Strong, but below HIGH alone: no browser measured here makes touches without reporting a
touch screen, but not every browser and touch set-up (touch monitors, remote desktops that forward
touch) was measured."""


def update(state: SessionState, columns: EventColumns) -> None:
    """Track the first input and the page's focus and visibility across one batch."""
    kind = columns.kind
    inputs = (kind == _DOWN) | (kind == _KEY_DOWN) | (kind == _TOUCH_START)
    if state.first_input_t_ms is None and inputs.any():
        state.first_input_t_ms = float(columns.t_ms[int(np.argmax(inputs))])
    # State after each event: the latest change at or before it, else the state before the batch.
    blur = np.where(kind == _BLUR, 1, np.where(kind == _FOCUS, 0, -1))
    away = latest(blur, blur >= 0, int(state.blurred))
    hide = np.where(kind == _VISIBILITY, (columns.button == 0).astype(np.int64), -1)
    hidden = latest(hide, hide >= 0, int(state.hidden))
    state.inputs_blurred += int(np.count_nonzero(inputs & (away == 1)))
    state.inputs_hidden += int(np.count_nonzero(inputs & (hidden == 1)))
    state.blurred = bool(away[-1] == 1)
    state.hidden = bool(hidden[-1] == 1)


def update_clicks(state: SessionState, columns: EventColumns) -> None:
    """Pair the mouse presses and releases of one batch and count the instant clicks (call only
    for batches with some)."""
    held, state.button_down_t_ms = _held(columns, _DOWN, _UP, state.button_down_t_ms)
    state.clicks_released += len(held)
    state.clicks_instant += sum(ms < INSTANT_CLICK_MS for ms in held)
    if held:
        state.click_hold_min_ms = min(state.click_hold_min_ms, *held)
        state.click_hold_max_ms = max(state.click_hold_max_ms, *held)


def _constant_hold_log_odds(state: SessionState, holds: int, low: float, high: float) -> float:
    """The evidence that ``holds`` presses, held ``low`` to ``high`` ms, were all held alike by a
    fixed delay (see :data:`CONSTANT_HOLD_MS`); 0 when they were not, or when the clock cannot
    tell."""
    if (
        holds < CONSTANT_HOLD_CLICKS[0]
        or low < INSTANT_CLICK_MS
        or high - low > max(CONSTANT_HOLD_MS, CONSTANT_HOLD_SHARE * low)
    ):
        return 0.0
    if not _holds_timed(state):
        return 0.0
    return float(np.interp(holds, CONSTANT_HOLD_CLICKS, CONSTANT_HOLD_LOG_ODDS))


def _holds_timed(state: SessionState) -> bool:
    """Whether the session's clock tells how long a button or touch was held: enough distinct
    times, and no coarse clock (a privacy browser's 100 ms reads a press and its release in one
    tick, or both holds of a pair as the same)."""
    (t,) = state.timing_window.columns()
    return int(np.count_nonzero(t[1:] > t[:-1])) >= 5 and clock_step_ms(t) == 0.0


def _constant_holds(state: SessionState, assistive_log_odds: float) -> list[Finding]:
    """Every click of the session held for the same time, or every touch. Voice control clicks
    for a person with one fixed hold too: with clicks without movement (their other finding,
    ``assistive_log_odds``), the two count as the stronger. So it swipes, with interpolated
    swipes: with those, touches held alike count as the stronger. Clicks are not judged in a
    session with touches (a tap's synthesised clicks)."""
    findings = []
    low, high, clicks = state.click_hold_min_ms, state.click_hold_max_ms, state.clicks_released
    if not state.family_counts[2]:
        log_odds = _constant_hold_log_odds(state, clicks, low, high) - max(assistive_log_odds, 0.0)
        if log_odds > 0.0:
            findings.append(
                Finding(
                    "BEHAVIOUR_CONSTANT_CLICK_HOLD",
                    f"All {clicks} mouse clicks were held for {low:.0f}-{high:.0f} ms, as a script's "
                    "fixed delay between press and release holds them; a finger's holds vary by tens of ms.",
                    log_odds,
                )
            )
    low, high, taps = state.tap_hold_min_ms, state.tap_hold_max_ms, state.taps_ended
    log_odds = _constant_hold_log_odds(state, taps, low, high) - touch.interpolated_log_odds(state)
    if log_odds > 0.0:
        findings.append(
            Finding(
                "BEHAVIOUR_CONSTANT_TOUCH_HOLD",
                f"All {taps} touches lasted {low:.0f}-{high:.0f} ms, as an automation's fixed pause "
                "between touch down and up holds them; a fingertip's touches vary by tens of ms.",
                log_odds,
            )
        )
    return findings


def update_taps(state: SessionState, columns: EventColumns) -> None:
    """Pair the touch starts and ends of one batch and count the instant taps (call only for
    batches with some). With several fingers down, an end pairs with the latest start: a
    gesture's fingers land tens of milliseconds apart, so it never looks instant."""
    held, state.touch_start_t_ms = _held(columns, _TOUCH_START, _TOUCH_END, state.touch_start_t_ms)
    state.taps_ended += len(held)
    state.taps_instant += sum(ms < INSTANT_CLICK_MS for ms in held)
    if held:
        state.tap_hold_min_ms = min(state.tap_hold_min_ms, *held)
        state.tap_hold_max_ms = max(state.tap_hold_max_ms, *held)


def _held(
    columns: EventColumns, press: int, release: int, pressed_at: float | None
) -> tuple[list[float], float | None]:
    """How long each press of one batch was held (a release pairs with the latest press not yet
    released, ``pressed_at`` carried from the batch before), and the press left open after it.
    Presses are few, so a plain loop."""
    rows = ((columns.kind == press) | (columns.kind == release)).nonzero()[0]
    held: list[float] = []
    for k, t in zip(columns.kind[rows].tolist(), columns.t_ms[rows].tolist(), strict=True):
        if k == press:
            pressed_at = t
        elif pressed_at is not None:
            held.append(t - pressed_at)
            pressed_at = None
    return held, pressed_at


def assess(
    state: SessionState, config: EngineConfig, replay: ReplayIndex | None, fp: Fingerprint | None = None
) -> Evidence:
    """Judge the session's behavioural consistency (and, given an index and the session's
    fingerprint ``fp``, replay of earlier sessions)."""
    findings: list[Finding] = []
    if replay is not None and fp is not None and len(replay):
        findings.extend(replay_findings(fp, replay))
    if state.inputs_hidden:
        findings.append(
            Finding(
                "BEHAVIOUR_INPUT_WHILE_HIDDEN",
                f"{state.inputs_hidden} clicks or key presses arrived while the page reported being "
                "hidden; people act on the page they can see.",
                1.5 * ramp(state.inputs_hidden, 0, 3),
            )
        )
    elif state.inputs_blurred:
        findings.append(
            Finding(
                "BEHAVIOUR_INPUT_WHILE_BLURRED",
                f"{state.inputs_blurred} clicks or key presses arrived while the page reported having "
                "lost focus.",
                1.2 * ramp(state.inputs_blurred, 0, 4),
            )
        )
    totals = state.pointer_totals
    assistive = 0.0
    if (
        totals.clicks >= 2
        and totals.moves == 0
        and state.family_counts[2] == 0
        and state.context.device.is_desktop
    ):
        assistive = 1.5 * ramp(totals.clicks, 1, 4)
        findings.append(
            Finding(
                "BEHAVIOUR_CLICKS_WITHOUT_MOVEMENT",
                f"{totals.clicks} clicks on a desktop device without a single pointer movement.",
                assistive,
            )
        )
    findings.extend(scrolling.findings(state, assistive))
    if (
        state.clicks_instant >= 2
        and state.clicks_instant * 2 >= state.clicks_released
        and totals.moves > 0
        and state.family_counts[2] == 0
        and state.context.device.is_desktop
        and _holds_timed(state)
    ):
        findings.append(
            Finding(
                "BEHAVIOUR_INSTANT_CLICKS",
                f"{state.clicks_instant} of {state.clicks_released} mouse clicks were released within "
                f"{INSTANT_CLICK_MS:.0f} ms of the press; a finger holds a button for about 100 ms.",
                1.5 * ramp(state.clicks_instant, 1, 3),
            )
        )
    findings.extend(_constant_holds(state, assistive))
    if state.taps_instant >= 2 and state.taps_instant * 2 >= state.taps_ended and _holds_timed(state):
        findings.append(
            Finding(
                "BEHAVIOUR_INSTANT_TAPS",
                f"{state.taps_instant} of {state.taps_ended} touches ended within {INSTANT_CLICK_MS:.0f} ms "
                "of their start; a fingertip's tap lasts about 100 ms.",
                1.5 * ramp(state.taps_instant, 1, 3),
            )
        )
    device = state.context.device
    if state.family_counts[2] >= 2 and device.max_touch_points == 0 and device.touch_support is False:
        findings.append(
            Finding(
                "BEHAVIOUR_TOUCH_WITHOUT_TOUCH_SCREEN",
                f"{state.family_counts[2]} touch events came from a browser that reports no touch "
                "screen (no touch points, no touch events); only injected input (CDP's "
                "Input.dispatchTouchEvent) reaches such a page as touches.",
                TOUCH_WITHOUT_SCREEN_LOG_ODDS,
            )
        )
    # Confidence says how much this detector saw: only what it found counts, nothing else.
    return Evidence(DETECTOR, tuple(findings), 1.0 if findings else 0.0)
