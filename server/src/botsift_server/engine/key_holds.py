"""Hold times (press to release) of key presses, and whether they behave as a typist's do.

We do not know which key an event is, only its class, so releases are paired with presses in
order within a class (first pressed, first released: a typist's fingers lift in the order they
went down), auto-repeats left out (:func:`holds_in_order`).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from botsift_server.engine._evidence import Finding, mean
from botsift_server.engine._types import EventKind, KeyClass

_KEY_DOWN, _KEY_UP = int(EventKind.KEY_DOWN), int(EventKind.KEY_UP)
_MODIFIER = int(KeyClass.MODIFIER)

# A typist's holds carry the state of their hands: they drift from key to key (the lag-1
# correlation of log holds is positive: median 0.10 over Aalto sentences) and a key pressed after
# a longer pause is released sooner (hold against the log of the interval before its press:
# median -0.13). A script that draws each hold on its own, however human its spread, has neither:
# both correlations are 0 but for noise. Each is turned into a z-score (r * sqrt(pairs), about
# standard normal for independent holds), both combined into z (their sum over sqrt(2), signed so
# that a typist's is positive): mean 0.95, spread 1.29 over the sentences of Aalto's train-part
# typists; -0.05 over the log-normal typing bot's. The finding's log-odds are those of a shift
# of HOLD_DRIFT_SHIFT in z (half the typists' mean: conservative), -SHIFT * z + SHIFT**2 / 2,
# clamped to +-HOLD_DRIFT_LOG_ODDS: weak evidence either way on one sentence, firmer over many
# keys. Only holds in HOLD_RANGE_MS count (a key held on purpose is not typing) and only
# correlations over HOLD_DRIFT_MIN_PAIRS pairs or more; modifiers are left out (a Shift is held
# across its letter).
HOLD_DRIFT_SHIFT = 0.5
HOLD_DRIFT_LOG_ODDS = 1.0
HOLD_DRIFT_MIN_PAIRS = 6
HOLD_RANGE_MS = (5.0, 1000.0)
# Intervals before a press longer than this are a pause between fields, not typing.
HOLD_MAX_PAUSE_MS = 1500.0
# A press of a class that follows unreleased presses of its class this long after the first of
# them is that key's auto-repeat (see :func:`repeats_by_class`).
AUTO_REPEAT_MS = 250.0
# Values that vary less than this (standard deviation of their logs) have nothing to correlate: a
# script's constant holds differ only by rounding, whose "correlation" is noise.
MIN_LOG_SPREAD = 0.02

# A typist's hold also depends on the key: the thumb on the space bar, the little finger on
# Backspace or Enter, a reach to the digit row. How, differs from typist to typist (over Aalto's
# sentences the space bar is held longer than letters as often as shorter), but each one's kinds
# of key differ: the difference of mean log hold between a kind of key and letters, as a z-score,
# spreads with a scale of HOLD_CLASS_SPREAD over 14,963 such comparisons in the sentences of
# Aalto's train-part typists (1.78 from their median |z|), and of 1 for holds drawn alike for every
# key. Each kind of HOLD_CLASSES pressed twice or more, against HOLD_CLASS_MIN_LETTERS letters or
# more, adds the log-likelihood ratio of those two normal scales (z squared capped at
# HOLD_CLASS_Z2_CAP: a held-down Backspace is one finding, not a verdict); the sum is weighted by
# HOLD_CLASS_WEIGHT and clamped to +-HOLD_DRIFT_LOG_ODDS, as the drift of holds is.
HOLD_CLASSES = (
    int(KeyClass.DIGIT),
    int(KeyClass.SPACE),
    int(KeyClass.PUNCTUATION),
    int(KeyClass.BACKSPACE),
    int(KeyClass.ENTER),
)
HOLD_CLASS_SPREAD = 1.7
HOLD_CLASS_WEIGHT = 0.5
HOLD_CLASS_Z2_CAP = 9.0
HOLD_CLASS_MIN_LETTERS = 8

_LETTER = int(KeyClass.LETTER)
_NO_HOLDS: npt.NDArray[np.float64] = np.zeros(0, np.float64)
_NO_CLASSES: npt.NDArray[np.uint8] = np.zeros(0, np.uint8)


def hold_drift(
    press_t: npt.NDArray[np.float64], press_class: npt.NDArray[np.uint8], held: npt.NDArray[np.float64]
) -> list[Finding]:
    """Whether hold times drift and follow pauses as a typist's do (see :data:`HOLD_DRIFT_SHIFT`);
    the presses and holds are those of :func:`holds_in_order`."""
    typing = press_class != _MODIFIER
    press_t, held = press_t[typing], held[typing]
    usable = (held >= HOLD_RANGE_MS[0]) & (held <= HOLD_RANGE_MS[1])
    log_hold = np.where(usable, np.log(np.where(usable, held, 1.0)), np.nan)
    if press_t.shape[0] < HOLD_DRIFT_MIN_PAIRS + 1:
        return []
    before = press_t[1:] - press_t[:-1]
    after_pause = (before > 0.0) & (before <= HOLD_MAX_PAUSE_MS)
    drift = _correlation(log_hold[:-1], log_hold[1:], np.ones(before.shape[0], np.bool_))
    pause = _correlation(log_hold[1:], np.log(np.maximum(before, 1e-9)), after_pause)
    zs = [z for z in (drift[1], -pause[1]) if math.isfinite(z)]
    if not zs:
        return []
    z = math.fsum(zs) / math.sqrt(len(zs))
    shift, cap = HOLD_DRIFT_SHIFT, HOLD_DRIFT_LOG_ODDS
    log_odds = min(cap, max(-cap, shift * (shift / 2 - z)))
    said = f"from key to key {drift[0]:+.2f}, against the pause before the key {pause[0]:+.2f}"
    if log_odds > 0.0:
        return [
            Finding(
                "KEYS_HOLDS_INDEPENDENT",
                f"How long each key is held is unrelated to the keys around it (correlation {said}), "
                "as if each hold were drawn on its own; a typist's holds drift, and shorten after a pause.",
                log_odds,
            )
        ]
    return [
        Finding(
            "KEYS_HOLDS_FOLLOW_TYPIST",
            f"How long each key is held drifts from key to key and shortens after a pause "
            f"(correlation {said}), as a typist's holds do.",
            log_odds,
        )
    ]


def hold_by_class(press_class: npt.NDArray[np.uint8], held: npt.NDArray[np.float64]) -> list[Finding]:
    """Whether keys of other kinds are held for other lengths than letters, as a typist's are
    (see :data:`HOLD_CLASS_SPREAD`); the classes and holds are those of :func:`holds_in_order`."""
    usable = (held >= HOLD_RANGE_MS[0]) & (held <= HOLD_RANGE_MS[1])
    log_hold = np.log(np.where(usable, held, 1.0))
    letters = log_hold[usable & (press_class == _LETTER)]
    if letters.shape[0] < HOLD_CLASS_MIN_LETTERS:
        return []
    spread = float(letters.std(ddof=1))
    if spread < MIN_LOG_SPREAD:
        return []
    scale = HOLD_CLASS_SPREAD
    per_z2 = 0.5 * (1.0 - 1.0 / scale**2)
    total, said = 0.0, []
    for cls in HOLD_CLASSES:
        other = log_hold[usable & (press_class == cls)]
        if other.shape[0] < 2:
            continue
        z = (mean(other) - mean(letters)) / (
            spread * math.sqrt(1.0 / letters.shape[0] + 1.0 / other.shape[0])
        )
        total += math.log(scale) - per_z2 * min(z * z, HOLD_CLASS_Z2_CAP)
        said.append(f"{KeyClass(cls).name.lower()} {math.exp(mean(other) - mean(letters)):.2f}x")
    if not said:
        return []
    cap = HOLD_DRIFT_LOG_ODDS
    log_odds = min(cap, max(-cap, HOLD_CLASS_WEIGHT * total))
    ratios = ", ".join(said)
    if log_odds > 0.0:
        return [
            Finding(
                "KEYS_HOLDS_IGNORE_KEYS",
                f"Keys of every kind are held about as long as letters ({ratios} the letters' hold), as "
                "if each hold were drawn alike; a typist's thumb, little finger and reaches hold "
                "their keys differently.",
                log_odds,
            )
        ]
    return [
        Finding(
            "KEYS_HOLDS_FOLLOW_KEYS",
            f"Keys of different kinds are held for different lengths ({ratios} the letters' hold), "
            "as a typist's fingers hold them.",
            log_odds,
        )
    ]


def holds_in_order(
    t: npt.NDArray[np.float64], kind: npt.NDArray[np.uint8], key_class: npt.NDArray[np.uint8]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8], npt.NDArray[np.float64]]:
    """The times and classes of key presses (auto-repeats left out), in order, and each one's
    hold in ms (NaN where it has no release).

    Releases are paired in order within a class (first pressed, first released), so a typist's
    letter pressed before the previous letter is released gets its own hold. Auto-repeats
    (:func:`repeats_by_class`) are left out when the collector sends releases at all, and so is
    a release with no press of its class open (its press came before the window).

    All classes at once, vectorised: events are grouped by class (stable, so in time order within
    a class); running counts restart per class, and a running minimum never reaches across
    classes because each class's counts are offset below every earlier class's.
    """
    ups = kind == _KEY_UP
    keys = ((kind == _KEY_DOWN) | ups).nonzero()[0]
    order = keys[key_class[keys].argsort(kind="stable")]
    cls, down, when = key_class[order], kind[order] == _KEY_DOWN, t[order]
    if np.count_nonzero(ups):
        # Auto-repeats out (grouped by class already; what is left stays grouped and in order).
        kept = ~repeats_by_class(cls, down, when)
        order, cls, down, when = order[kept], cls[kept], down[kept], when[kept]
    if order.shape[0] == 0:
        return _NO_HOLDS, _NO_CLASSES, _NO_HOLDS
    first = np.ones(order.shape[0], np.bool_)
    first[1:] = cls[1:] != cls[:-1]
    # Open presses per class (+1 a press, -1 a release), each class offset below the earlier ones
    # by more than any count: a release that takes the count to a new low had no open press.
    group = first.cumsum() - 1
    offset = -(2 * cls.shape[0] + 2) * group
    step = np.where(down, 1, -1)
    count = step.cumsum()
    count = count - (count - step)[first][group] + offset
    low = np.empty_like(count)
    low[:1] = 0
    low[1:] = np.minimum.accumulate(count)[:-1]
    released = ~down & (count >= np.minimum(low, offset))
    down_at = down.nonzero()[0]
    up_at = released.nonzero()[0]
    # The k-th release of a class pairs with the k-th press of that class.
    downs_before = down.cumsum() - down
    ups_before = released.cumsum() - released
    rank = ups_before[up_at] - ups_before[first][group][up_at]
    partner = down_at[downs_before[first][group][up_at] + rank]
    held = np.full(order.shape[0], np.nan)
    held[partner] = when[up_at] - when[partner]
    # Back to time order, presses only.
    presses = down_at[order[down_at].argsort(kind="stable")]
    return when[presses], cls[presses], held[presses]


def repeats_by_class(
    cls: npt.NDArray[np.uint8], pressed: npt.NDArray[np.bool_], when: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """Which key events are a held key's auto-repeated presses, of events already grouped by
    class (stable, so in time order within a class): their classes, whether each is a press, and
    their times.

    A press that follows presses of its class with no release of that class between, at least
    AUTO_REPEAT_MS after the first of them. A typist's second letter pressed before the first is
    released follows it by less; an operating system starts repeating a held key after 250 ms or
    more, then every 30-50 ms. (A press after a lost release reads as a repeat too: it has no
    release of its own to pair with.)
    """
    run_start = pressed.copy()
    run_start[1:] &= (cls[1:] != cls[:-1]) | ~pressed[:-1]
    first = np.maximum.accumulate(np.where(run_start, np.arange(cls.shape[0]), 0))
    repeat: npt.NDArray[np.bool_] = pressed & ~run_start & (when - when[first] >= AUTO_REPEAT_MS)
    return repeat


def _correlation(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64], where: npt.NDArray[np.bool_]
) -> tuple[float, float]:
    """The correlation of ``a`` and ``b`` where both are finite and ``where`` holds, and its
    z-score (r * sqrt(pairs)); NaNs for fewer than HOLD_DRIFT_MIN_PAIRS pairs or either side
    spread less than MIN_LOG_SPREAD."""
    both = where & np.isfinite(a) & np.isfinite(b)
    n = int(np.count_nonzero(both))
    if n < HOLD_DRIFT_MIN_PAIRS:
        return math.nan, math.nan
    a, b = a[both], b[both]
    x, y = a - mean(a), b - mean(b)
    xx, yy = float(np.dot(x, x)), float(np.dot(y, y))
    if min(xx, yy) < n * MIN_LOG_SPREAD**2:
        return math.nan, math.nan
    scale = math.sqrt(xx * yy)
    r = float(np.dot(x, y)) / scale
    return r, r * math.sqrt(n)
