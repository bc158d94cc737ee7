"""Hold times paired in order, and whether they drift and follow pauses as a typist's do."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from botsift_server.engine import Device, Engine, EventColumns, EventKind, KeyClass, SessionContext
from botsift_server.engine.key_holds import AUTO_REPEAT_MS, hold_by_class, hold_drift, holds_in_order
from botsift_server.evaluation import import_dataset

from .traces import CLEAN_CHROME, columns

DOWN, UP = int(EventKind.KEY_DOWN), int(EventKind.KEY_UP)
LETTER, SPACE, MODIFIER = int(KeyClass.LETTER), int(KeyClass.SPACE), int(KeyClass.MODIFIER)
DIGIT = int(KeyClass.DIGIT)


def _reference(t: list[float], kind: list[int], cls: list[int]) -> tuple[list[float], list[float]]:
    """The pairing :func:`holds_in_order` documents (without modifiers), one event at a time."""
    queues: dict[int, list[int]] = {}
    run_first: dict[int, float] = {}
    last_was_press: dict[int, bool] = {}
    press_t: list[float] = []
    hold: list[float] = []
    releases = UP in kind  # (with none sent at all, every press is a press)
    for when, what, c in zip(t, kind, cls, strict=True):
        if c == MODIFIER:
            continue
        queue = queues.setdefault(c, [])
        if what == DOWN:
            if releases and last_was_press.get(c):
                if when - run_first[c] >= AUTO_REPEAT_MS:
                    continue  # an auto-repeat
            else:
                run_first[c] = when
            last_was_press[c] = True
            queue.append(len(press_t))
            press_t.append(when)
            hold.append(math.nan)
        else:
            last_was_press[c] = False
            if queue:
                at = queue.pop(0)
                hold[at] = when - press_t[at]
    return press_t, hold


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0.0, 400.0),
            st.sampled_from([DOWN, UP]),
            st.sampled_from([LETTER, SPACE, MODIFIER, int(KeyClass.BACKSPACE)]),
        ),
        max_size=60,
    )
)
def test_pairing_in_order_matches_the_one_event_at_a_time_reading(
    steps: list[tuple[float, int, int]],
) -> None:
    # Any stream: overlapping presses, lost releases, releases before any press, auto-repeats.
    t = np.cumsum([gap for gap, _, _ in steps]).astype(np.float64)
    kind = np.array([k for _, k, _ in steps], np.uint8)
    cls = np.array([c for _, _, c in steps], np.uint8)
    press_t, press_class, held = holds_in_order(t, kind, cls)
    typing = press_class != MODIFIER
    want_t, want_hold = _reference(t.tolist(), kind.tolist(), cls.tolist())
    assert press_t[typing].tolist() == want_t
    assert np.allclose(held[typing], want_hold, equal_nan=True)


def test_a_letter_pressed_before_the_previous_is_released_gets_its_own_hold() -> None:
    # a down, b down, a up, b up: two letters rolled over, 100 and 90 ms held.
    t, _, held = holds_in_order(
        np.array([0.0, 60.0, 100.0, 150.0]),
        np.array([DOWN, DOWN, UP, UP], np.uint8),
        np.full(4, LETTER, np.uint8),
    )
    assert t.tolist() == [0.0, 60.0]
    assert held.tolist() == [100.0, 90.0]


def test_a_held_backspace_repeating_does_not_shift_the_pairs_after_it() -> None:
    # Backspace held 1.2 s (repeats every 33 ms from 500 ms), then two taps.
    repeats = [0.0, *np.arange(500.0, 1200.0, 33.0).tolist()]
    t = [*repeats, 1200.0, 1400.0, 1480.0, 1600.0, 1690.0]
    kind = [DOWN] * len(repeats) + [UP, DOWN, UP, DOWN, UP]
    press_t, _, held = holds_in_order(
        np.array(t), np.array(kind, np.uint8), np.full(len(t), int(KeyClass.BACKSPACE), np.uint8)
    )
    assert press_t.tolist() == [0.0, 1400.0, 1600.0]
    assert held.tolist() == [1200.0, 80.0, 90.0]  # the held key once, then each tap


def _typing(hold_ms: npt.NDArray[np.float64], gaps_ms: npt.NDArray[np.float64]) -> EventColumns:
    """Letters pressed ``gaps_ms`` apart, each held ``hold_ms``."""
    down = np.concatenate(([0.0], np.cumsum(gaps_ms)))
    t = np.concatenate((down, down + hold_ms))
    kind = np.concatenate((np.full(down.shape[0], DOWN), np.full(down.shape[0], UP)))
    order = np.argsort(t, kind="stable")
    return columns(t[order], kind[order], key_class=np.full(t.shape[0], LETTER))


def _codes(cols: EventColumns, device: Device = CLEAN_CHROME) -> dict[str, float]:
    engine = Engine()
    state = engine.start(SessionContext(device=device))
    engine.add(state, cols)
    return {r.code: r.weight for r in engine.assess(state).reasons if r.code.startswith("KEYS_HOLDS")}


def _weight(found: dict[str, float]) -> float:
    return sum(found.values())


def test_holds_that_drift_and_shorten_after_pauses_are_a_typists_and_independent_ones_are_not() -> None:
    typists, scripts = [], []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        n = 120
        gaps = rng.lognormal(np.log(170.0), 0.45, n - 1)
        # A typist: a slowly drifting hold, shorter after a longer pause.
        drift = np.zeros(n)
        for i in range(1, n):
            drift[i] = 0.8 * drift[i - 1] + rng.normal(0.0, 0.12)
        after = np.concatenate(([0.0], np.log(gaps / 170.0)))
        typist = 95.0 * np.exp(drift - 0.15 * after + rng.normal(0.0, 0.1, n))
        # A script drawing each hold on its own, with the same spread.
        script = rng.lognormal(np.log(95.0), float(np.log(typist).std()), n)
        typists.append(_weight(_codes(_typing(typist, gaps))))
        scripts.append(_weight(_codes(_typing(script, gaps))))
    # Independent holds read as a typist's only by chance; a typist's nearly never read otherwise.
    _assert_weakly_apart(scripts, typists, script_mean=0.05, typist_mean=-0.8)


def _assert_weakly_apart(
    scripts: list[float], typists: list[float], script_mean: float, typist_mean: float
) -> None:
    """The weights given to scripts lean to "bot" (mean above ``script_mean``) and the typists'
    to "human" (below ``typist_mean``), scripts taken for bots far more often than typists, and
    either way weak evidence on one sentence: at most 1 log-odds."""
    assert np.mean(scripts) > script_mean
    assert np.mean(typists) < typist_mean
    assert sum(w > 0.0 for w in scripts) > sum(w > 0.0 for w in typists) + 10
    assert max(abs(w) for w in typists + scripts) <= 1.0


def test_hold_drift_is_not_judged_where_holds_say_nothing() -> None:
    rng = np.random.default_rng(6)
    gaps = rng.lognormal(np.log(170.0), 0.45, 59)
    # Constant holds differ only by rounding: nothing to correlate.
    assert hold_drift(*holds_in_order(*_columns3(_typing(np.full(60, 80.0), gaps)))) == []
    script = _typing(rng.lognormal(np.log(95.0), 0.3, 60), gaps)
    assert _codes(script)  # judged on a desktop...
    phone = Device(
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 7) Mobile Safari/537.36", max_touch_points=5
    )
    assert _codes(script, device=phone) == {}  # ...not on an on-screen keyboard
    coarse = EventColumns(
        t_ms=np.round(script.t_ms / 100.0) * 100.0,
        kind=script.kind,
        x=script.x,
        y=script.y,
        button=script.button,
        key_class=script.key_class,
    )
    assert _codes(coarse) == {}  # nor on a 100 ms clock


def _columns3(
    cols: EventColumns,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    return cols.t_ms, cols.kind, cols.key_class


def _sentence(
    rng: np.random.Generator, share: dict[int, float], n: int = 60
) -> tuple[EventColumns, npt.NDArray[np.int64]]:
    """Words of 2-8 letters between spaces and a few digits, held log-normally (median 95 ms)
    times ``share`` of their kind, pressed log-normal intervals apart; also the classes pressed."""
    classes: list[int] = []
    while len(classes) < n:
        classes += [LETTER] * int(rng.integers(2, 9)) + [SPACE]
        if rng.random() < 0.2:
            classes += [DIGIT, DIGIT]
    cls = np.array(classes[:n])
    gaps = rng.lognormal(np.log(170.0), 0.45, n - 1)
    hold = rng.lognormal(np.log(95.0), 0.25, n) * np.array([share.get(c, 1.0) for c in cls.tolist()])
    down = np.concatenate(([0.0], np.cumsum(gaps)))
    t = np.concatenate((down, down + hold))
    kind = np.concatenate((np.full(n, DOWN), np.full(n, UP)))
    order = np.argsort(t, kind="stable")
    return columns(t[order], kind[order], key_class=np.concatenate((cls, cls))[order]), cls


def _kinds(found: dict[str, float]) -> float:
    return found.get("KEYS_HOLDS_IGNORE_KEYS", 0.0) + found.get("KEYS_HOLDS_FOLLOW_KEYS", 0.0)


def test_keys_of_every_kind_held_alike_read_as_drawn_alike_and_a_typists_thumb_does_not() -> None:
    typists, scripts = [], []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        # This typist's thumb holds the space bar 30% longer than a letter, and reaches to the digits
        # are held 20% shorter (another typist's may go the other way).
        typists.append(_kinds(_codes(_sentence(rng, {SPACE: 1.3, DIGIT: 0.8})[0])))
        scripts.append(_kinds(_codes(_sentence(rng, {})[0])))
    _assert_weakly_apart(scripts, typists, script_mean=0.1, typist_mean=-0.5)


def test_holds_by_kind_of_key_are_not_judged_without_letters_to_compare_or_on_constant_holds() -> None:
    rng = np.random.default_rng(3)
    cls = _sentence(rng, {})[1]
    # Constant holds: the kinds differ only by rounding.
    held = np.full(cls.shape[0], 80.0)
    assert hold_by_class(cls.astype(np.uint8), held) == []
    # Fewer than 8 letters, or no other kind pressed twice.
    few = np.array([LETTER] * 7 + [SPACE] * 5, np.uint8)
    assert hold_by_class(few, rng.lognormal(np.log(95.0), 0.3, 12)) == []
    letters = np.array([LETTER] * 20 + [SPACE], np.uint8)
    assert hold_by_class(letters, rng.lognormal(np.log(95.0), 0.3, 21)) == []
    # Real typists of the Aalto cut committed to the tests hold their keys by kind.
    cut = Path(__file__).parents[1] / "evaluation" / "data" / "aalto-keystrokes-dev.tar.xz"
    for trace in import_dataset("aalto", cut):
        found = hold_by_class(*holds_in_order(*_columns3(trace.events))[1:])
        assert all(f.code == "KEYS_HOLDS_FOLLOW_KEYS" for f in found)
