"""Keystroke dynamics: timer-driven, superhuman or zero-hold typing is bot-like; log-normal is not."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from botsift_server.engine import (
    KEY_FLAG_CAPITAL_WITHOUT_SHIFT,
    Assessment,
    Device,
    Engine,
    EngineConfig,
    EventColumns,
    EventKind,
    KeyClass,
    RiskLevel,
    SessionContext,
)
from botsift_server.engine.key_kinds import key_kind_share
from botsift_server.engine.keystrokes import flights_and_holds
from botsift_server.evaluation import import_dataset

from .traces import CLEAN_CHROME, bot_typing, columns, human_typing, merge

ENGINE = Engine()
ANDROID = dataclasses.replace(
    CLEAN_CHROME,
    user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36",
    platform="Linux armv81",
    max_touch_points=5,
)
DOWN, UP = int(EventKind.KEY_DOWN), int(EventKind.KEY_UP)
LETTER, SPACE = int(KeyClass.LETTER), int(KeyClass.SPACE)


def _assess(cols: EventColumns) -> Assessment:
    state = ENGINE.start(SessionContext(device=CLEAN_CHROME))
    ENGINE.add(state, cols)
    return ENGINE.assess(state)


def _codes(a: Assessment) -> set[str]:
    return {r.code for r in a.reasons}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_constant_interval_typing_is_bot_like_and_lognormal_typing_is_not(seed: int) -> None:
    bot = _assess(bot_typing(keys=60, interval_ms=120.0, hold_ms=80.0))
    human = _assess(human_typing(np.random.default_rng(seed), keys=60))
    assert bot.score > human.score
    assert "KEYS_CONSTANT_INTERVAL" in _codes(bot)
    assert "KEYS_HUMAN_RHYTHM" in _codes(human)
    assert human.risk_level is RiskLevel.LOW
    assert bot.risk_level >= RiskLevel.MEDIUM


def test_a_typing_timer_is_found_across_the_pause_between_two_fields() -> None:
    # A user name and a password, each typed by send_keys on a 50 ms timer with 20 ms holds; the
    # move to the next field leaves one longer interval, which must not hide the timer.
    user = bot_typing(keys=9, interval_ms=50.0, hold_ms=20.0)
    password = bot_typing(keys=12, interval_ms=50.0, hold_ms=20.0, t0_ms=9 * 50.0 + 130.0)
    a = _assess(merge(user, password))
    reasons = {r.code: r.weight for r in a.reasons}
    assert reasons["KEYS_CONSTANT_INTERVAL"] > 1.5
    # Holds of 20 ms are shorter than a finger's, which says more than that they are all alike.
    assert reasons["KEYS_ZERO_HOLD"] > 1.5
    assert a.risk_level >= RiskLevel.HIGH


def _on_screen_typing(rng: np.random.Generator, keys: int = 40) -> EventColumns:
    """A phone's on-screen keyboard: human intervals, each key's press and release sent together
    (Android reports them as unidentified keys, class OTHER)."""
    down = np.cumsum(rng.lognormal(np.log(280.0), 0.5, keys))
    other = np.full(keys, int(KeyClass.OTHER))
    return merge(
        columns(down, np.full(keys, DOWN), key_class=other),
        columns(down + rng.uniform(0.5, 4.0, keys), np.full(keys, UP), key_class=other),
    )


def test_zero_holds_count_on_a_desktop_keyboard_but_not_on_a_phone_screen() -> None:
    typing = _on_screen_typing(np.random.default_rng(4))
    desktop = _assess(typing)
    assert next(r for r in desktop.reasons if r.code == "KEYS_ZERO_HOLD").weight > 1.5
    state = ENGINE.start(SessionContext(device=ANDROID))
    ENGINE.add(state, typing)
    phone = ENGINE.assess(state)
    # Said, but not counted; and one key at a time is no evidence on a touch screen either.
    assert {r.code: r.weight for r in phone.reasons}.get("KEYS_ZERO_HOLD") == 0.0
    assert "KEYS_NO_ROLLOVER" not in _codes(phone)
    assert phone.risk_level is RiskLevel.LOW


def _rounded(cols: EventColumns, step_ms: float) -> EventColumns:
    return dataclasses.replace(cols, t_ms=np.floor(cols.t_ms / step_ms) * step_ms)


@pytest.mark.parametrize("step_ms", [16.67, 100.0])
def test_a_privacy_browsers_rounded_clock_is_not_taken_for_a_timer(step_ms: float) -> None:
    # Privacy browsers round event times: most intervals then read one or two values and holds
    # read 0 or one step. Neither says anything about the typist.
    for seed in (1, 2, 3):
        a = _assess(_rounded(human_typing(np.random.default_rng(seed), keys=60), step_ms))
        codes = _codes(a)
        assert "KEYS_COARSE_CLOCK" in codes
        assert not codes & {
            "KEYS_CONSTANT_INTERVAL",
            "KEYS_ZERO_HOLD",
            "KEYS_CONSTANT_HOLD",
            "KEYS_SUPERHUMAN_SPEED",
        }
        assert a.risk_level is RiskLevel.LOW
    # A timer is still a timer on a rounded clock: its intervals do not vary at all.
    timer = _assess(_rounded(bot_typing(keys=60, interval_ms=100.0, hold_ms=0.0), step_ms))
    assert "KEYS_CONSTANT_INTERVAL" in _codes(timer)


def _typed_words(rng: np.random.Generator, words: int, letter_ms: float) -> EventColumns:
    """A fast typist: words of 4-7 letters ``letter_ms`` apart, a space, a pause before the next."""
    t: list[float] = []
    cls: list[int] = []
    now = 0.0
    for _ in range(words):
        for _ in range(int(rng.integers(4, 8))):
            t.append(now)
            cls.append(LETTER)
            now += letter_ms * rng.uniform(0.8, 1.3)
        t.append(now)
        cls.append(SPACE)
        now += rng.uniform(200.0, 350.0)
    down = np.array(t)
    n = down.shape[0]
    return merge(
        columns(down, np.full(n, DOWN), key_class=np.array(cls)),
        columns(down + rng.uniform(60.0, 110.0, n), np.full(n, UP), key_class=np.array(cls)),
    )


def test_a_fast_typist_on_a_100_ms_clock_is_judged_without_error() -> None:
    # Most letters of a word fall in one 100 ms tick: the typical interval between letters reads
    # 0 ms. That once divided by zero (the word-pause rule) and failed the verdict.
    for seed in range(5):
        a = _assess(_rounded(_typed_words(np.random.default_rng(seed), 12, 35.0), 100.0))
        assert "KEYS_COARSE_CLOCK" in _codes(a)
        assert a.risk_level is RiskLevel.LOW


def test_a_clock_as_coarse_as_the_intervals_leaves_the_rhythms_shape_unjudged() -> None:
    # On a 100 ms clock a typist's intervals read as one or two values: not skewed, within a
    # narrow band, no slower after a space, whatever the kind of key. People read like a flat
    # random delay there, so those rules say nothing either way; on a 16 ms clock they still judge.
    shape = {
        "KEYS_UNSKEWED_INTERVALS",
        "KEYS_BOUNDED_INTERVALS",
        "KEYS_NO_WORD_PAUSE",
        "KEYS_WORD_PAUSE",
        "KEYS_RHYTHM_IGNORES_KEYS",
        "KEYS_RHYTHM_FOLLOWS_KEYS",
        "KEYS_HUMAN_RHYTHM",
        "TIMING_LOW_INTERVAL_ENTROPY",  # every interval is one of a few steps of the clock
    }
    for seed in range(5):
        rng = np.random.default_rng(seed)
        coarse = _assess(_rounded(_typed_words(rng, 12, 120.0), 100.0))
        assert "KEYS_COARSE_CLOCK" in _codes(coarse)
        assert not {r.code for r in coarse.reasons if r.weight != 0.0} & shape
        flat = _rounded(_delays(rng, rng.uniform(60.0, 180.0, size=59)), 16.0)
        assert "KEYS_UNSKEWED_INTERVALS" in _codes(_assess(flat))


def test_superhuman_typing_speed_is_reported() -> None:
    rng = np.random.default_rng(3)
    down = np.cumsum(rng.uniform(5.0, 15.0, size=50))
    cols = merge(
        columns(down, np.full(50, DOWN), key_class=np.full(50, LETTER)),
        columns(down + 3.0, np.full(50, UP), key_class=np.full(50, LETTER)),
    )
    assert "KEYS_SUPERHUMAN_SPEED" in _codes(_assess(cols))


@pytest.mark.parametrize(("lo", "hi"), [(0.0, 0.0), (5.0, 15.0)])
def test_keys_released_sooner_than_a_finger_can_are_reported(lo: float, hi: float) -> None:
    # Press and release sent together (CDP, WebDriver), or a library holding each key for its
    # few-millisecond "delay": a finger on a key holds it for tens of milliseconds.
    rng = np.random.default_rng(4)
    down = np.cumsum(rng.lognormal(np.log(150.0), 0.5, size=40))
    cols = merge(
        columns(down, np.full(40, DOWN), key_class=np.full(40, LETTER)),
        columns(down + rng.uniform(lo, hi, size=40), np.full(40, UP), key_class=np.full(40, LETTER)),
    )
    a = _assess(cols)
    assert next(r for r in a.reasons if r.code == "KEYS_ZERO_HOLD").weight > 1.5
    # Keys released that soon cannot overlap: that is the same fact, said once.
    assert "KEYS_NO_ROLLOVER" not in _codes(a)


def test_keys_held_a_script_s_fixed_15_to_35_ms_are_shorter_than_a_finger_holds_them() -> None:
    # A library holding each key down for a uniform 15-35 ms between human-looking waits; people's
    # median hold over a sentence is 55 ms or more in 999 of 1,000 (Aalto), 103 ms at the median.
    rng = np.random.default_rng(8)
    down = np.cumsum(rng.lognormal(np.log(150.0), 0.5, size=40))
    cols = merge(
        columns(down, np.full(40, DOWN), key_class=np.full(40, LETTER)),
        columns(down + rng.uniform(15.0, 35.0, size=40), np.full(40, UP), key_class=np.full(40, LETTER)),
    )
    assert next(r for r in _assess(cols).reasons if r.code == "KEYS_ZERO_HOLD").weight > 1.0


def test_keys_held_as_briefly_as_the_briefest_typists_hold_them_are_not_too_short() -> None:
    # Holds of 60 ms at the median, about the 0.1th percentile of Aalto's sentences (55 ms): a
    # quick typist, not a script's press and release.
    rng = np.random.default_rng(8)
    down = np.cumsum(rng.lognormal(np.log(150.0), 0.5, size=40))
    cols = merge(
        columns(down, np.full(40, DOWN), key_class=np.full(40, LETTER)),
        columns(
            down + rng.lognormal(np.log(60.0), 0.2, size=40), np.full(40, UP), key_class=np.full(40, LETTER)
        ),
    )
    assert "KEYS_ZERO_HOLD" not in _codes(_assess(cols))


def test_keys_picked_about_a_second_apart_on_an_on_screen_keyboard_are_not_held_against_a_person() -> None:
    # The Windows On-Screen Keyboard (for people who cannot use a physical one) sends each key's
    # press and release together, at the pace of pointing at keys: about one a second.
    rng = np.random.default_rng(6)
    down = 2000.0 + np.cumsum(rng.lognormal(np.log(900.0), 0.4, size=24))
    classes = np.full(24, LETTER)
    classes[[5, 11, 17]] = SPACE
    cols = merge(
        columns(down, np.full(24, DOWN), key_class=classes),
        columns(down + rng.uniform(0.0, 2.0, size=24), np.full(24, UP), key_class=classes),
    )
    state = ENGINE.start(SessionContext(action="login", device=CLEAN_CHROME))
    ENGINE.add(state, cols)
    a = ENGINE.assess(state)
    assert {r.code: r.weight for r in a.reasons}.get("KEYS_ZERO_HOLD") == pytest.approx(0.0, abs=0.1)
    assert a.score < EngineConfig().for_action("login").medium_score


def test_a_real_typists_holds_are_not_too_short() -> None:
    # Sentences of one Aalto typist (the committed cut the importer tests read): real holds.
    cut = Path(__file__).parents[1] / "evaluation" / "data" / "aalto-keystrokes-dev.tar.xz"
    sentences = list(import_dataset("aalto", cut))
    assert sentences
    for trace in sentences:
        assert "KEYS_ZERO_HOLD" not in _codes(_assess(trace.events))


def _delays(rng: np.random.Generator, gaps: np.ndarray) -> EventColumns:
    down = np.concatenate(([0.0], np.cumsum(gaps)))
    holds = rng.uniform(60.0, 90.0, size=down.shape[0])
    n = down.shape[0]
    return merge(
        columns(down, np.full(n, DOWN), key_class=np.full(n, LETTER)),
        columns(down + holds, np.full(n, UP), key_class=np.full(n, LETTER)),
    )


@pytest.mark.parametrize("keys", [40, 200])
def test_uniform_random_delays_are_reported_as_unskewed_even_over_one_sentence(keys: int) -> None:
    for seed in range(5):
        rng = np.random.default_rng(seed)
        reasons = {r.code: r for r in _assess(_delays(rng, rng.uniform(60.0, 180.0, size=keys - 1))).reasons}
        assert reasons["KEYS_UNSKEWED_INTERVALS"].weight > 0.0
        # All within a factor of 3: no fast letter pairs, no slow word starts.
        assert reasons["KEYS_BOUNDED_INTERVALS"].weight > 0.0


def test_right_skewed_human_like_delays_are_not_reported_as_unskewed_or_bounded() -> None:
    for seed in range(5):
        rng = np.random.default_rng(seed)
        # A floor near 60 ms and a long right tail (pauses), as in people's typing.
        gaps = 60.0 + rng.lognormal(np.log(90.0), 0.8, size=59)
        codes = _codes(_assess(_delays(rng, gaps)))
        assert "KEYS_UNSKEWED_INTERVALS" not in codes
        assert "KEYS_BOUNDED_INTERVALS" not in codes


def test_holding_a_key_down_with_auto_repeat_is_not_constant_typing() -> None:
    rng = np.random.default_rng(6)
    typed = human_typing(rng, keys=30)
    start = float(typed.t_ms[-1]) + 500.0
    repeats = start + 33.3 * np.arange(25)
    held = columns(
        [*repeats, repeats[-1] + 20.0],
        [DOWN] * 25 + [UP],
        key_class=[int(KeyClass.BACKSPACE)] * 26,
    )
    a = _assess(merge(typed, held))
    assert "KEYS_CONSTANT_INTERVAL" not in _codes(a)
    assert a.risk_level is RiskLevel.LOW


def test_releases_pair_with_presses_of_their_class_in_order_and_auto_repeats_are_no_presses() -> None:
    # letter down, space down, letter up, space up, then a letter held 300 ms, the operating
    # system repeating it from 260 ms, before its release
    t = np.array([0.0, 50.0, 90.0, 130.0, 300.0, 560.0, 593.0, 600.0])
    kind = np.array([DOWN, DOWN, UP, UP, DOWN, DOWN, DOWN, UP], np.uint8)
    key_class = np.array([LETTER, SPACE, LETTER, SPACE, LETTER, LETTER, LETTER, LETTER], np.uint8)
    flights, holds = flights_and_holds(t, kind, key_class)
    assert sorted(holds.tolist()) == [80.0, 90.0, 300.0]
    assert flights.tolist() == [50.0, 250.0]


def _words(rng: np.random.Generator, word_pause: float) -> EventColumns:
    """Sixteen words of five letters, intervals log-normal around 150 ms, each new word's first
    letter ``word_pause`` times slower."""
    classes = ([int(KeyClass.LETTER)] * 5 + [int(KeyClass.SPACE)]) * 16
    gaps = rng.lognormal(np.log(150.0), 0.2, len(classes) - 1)
    starts_word = np.array(classes[:-1]) == int(KeyClass.SPACE)
    gaps[starts_word] *= word_pause
    down = np.concatenate(([500.0], 500.0 + np.cumsum(gaps)))
    holds = rng.lognormal(np.log(95.0), 0.25, len(classes))
    return merge(
        columns(down, np.full(len(classes), int(EventKind.KEY_DOWN)), key_class=classes),
        columns(down + holds, np.full(len(classes), int(EventKind.KEY_UP)), key_class=classes),
    )


def test_typing_without_a_pause_before_new_words_is_bot_evidence_and_with_one_human_evidence() -> None:
    engine = Engine()
    for (pause, code, sign), seed in itertools.product(
        ((1.0, "KEYS_NO_WORD_PAUSE", 1.0), (1.8, "KEYS_WORD_PAUSE", -1.0)), range(5)
    ):
        state = engine.start(SessionContext())
        engine.add(state, _words(np.random.default_rng(seed), pause))
        reasons = {r.code: r for r in engine.assess(state).reasons}
        assert code in reasons
        assert reasons[code].weight * sign > 0.0


def test_intervals_that_ignore_the_kind_of_key_are_bot_evidence_and_word_pauses_human_evidence() -> None:
    engine = Engine()
    for pause, seed in itertools.product((1.0, 1.8), range(5)):
        state = engine.start(SessionContext())
        engine.add(state, _words(np.random.default_rng(seed), pause))
        reasons = {r.code: r for r in engine.assess(state).reasons}
        if pause == 1.0:
            assert reasons["KEYS_RHYTHM_IGNORES_KEYS"].weight > 0.0
            assert "word and shift boundaries" in reasons["KEYS_RHYTHM_IGNORES_KEYS"].message
            assert "KEYS_RHYTHM_FOLLOWS_KEYS" not in reasons
        else:
            assert "KEYS_RHYTHM_IGNORES_KEYS" not in reasons
            assert reasons["KEYS_RHYTHM_FOLLOWS_KEYS"].weight < 0.0


def test_a_constant_timer_is_not_credited_with_a_rhythm_that_follows_the_keys() -> None:
    # Every interval 50 ms up to float rounding: nothing for the kind of key to explain.
    classes = ([int(KeyClass.LETTER)] * 5 + [int(KeyClass.SPACE)]) * 8
    down = 0.1 * np.round(
        np.arange(len(classes)) * 500.0 + np.random.default_rng(1).uniform(-0.4, 0.4, len(classes))
    )
    cols = merge(
        columns(down, np.full(len(classes), DOWN), key_class=classes),
        columns(down + 20.0, np.full(len(classes), UP), key_class=classes),
    )
    assert np.isnan(key_kind_share(*_key_columns(cols))[0])
    codes = _codes(_assess(cols))
    assert "KEYS_RHYTHM_FOLLOWS_KEYS" not in codes
    assert "KEYS_CONSTANT_INTERVAL" in codes


def test_the_key_kind_share_is_near_zero_for_independent_draws_and_large_with_word_pauses() -> None:
    iid = [key_kind_share(*_key_columns(_words(np.random.default_rng(s), 1.0))) for s in range(20)]
    paused = [key_kind_share(*_key_columns(_words(np.random.default_rng(s), 1.8))) for s in range(20)]
    assert abs(float(np.mean([share for share, _ in iid]))) < 0.03
    assert min(share for share, _ in paused) > 0.3
    # Rolled-over presses of one class read as auto-repeat and drop out; the rest all count.
    assert all(80 <= n <= 95 for _, n in iid)


def test_too_few_key_presses_have_no_key_kind_share() -> None:
    share, _ = key_kind_share(*_key_columns(bot_typing(keys=6)))
    assert np.isnan(share)


def _key_columns(
    cols: EventColumns,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    return cols.t_ms, cols.kind, cols.key_class


def test_a_few_typos_fixed_with_backspace_are_weak_human_evidence_and_a_deleted_field_is_not() -> None:
    rng = np.random.default_rng(9)
    typed = human_typing(rng, keys=40)
    cls = typed.key_class.copy()
    presses = np.flatnonzero(typed.kind == DOWN)
    # Two presses (and their releases, paired by class) become corrections.
    for p in presses[[12, 27]]:
        ups = np.flatnonzero((typed.kind == UP) & (typed.key_class == cls[p]) & (typed.t_ms > typed.t_ms[p]))
        cls[p] = cls[ups[0]] = int(KeyClass.BACKSPACE)
    fixed = {r.code: r for r in _assess(dataclasses.replace(typed, key_class=cls)).reasons}
    assert -0.5 < fixed["KEYS_CORRECTIONS"].weight < 0.0
    assert "KEYS_CORRECTIONS" not in _codes(_assess(typed))
    # Backspace on every other key is clearing a field, not fixing typos.
    cleared = typed.key_class.copy()
    cleared[::2] = int(KeyClass.BACKSPACE)
    assert "KEYS_CORRECTIONS" not in _codes(_assess(dataclasses.replace(typed, key_class=cleared)))


def _with_shift(cols: EventColumns, lead_ms: float, repeat_ms: float = 0.0) -> EventColumns:
    """``cols`` with Shift held over every 8th key press, pressed ``lead_ms`` before it and
    released 5 ms after the key (with ``repeat_ms``, Shift is pressed just after the key event
    before and auto-repeats its press that often until ``lead_ms`` before the key)."""
    presses = np.flatnonzero(cols.kind == DOWN)[::8]
    t, kind = [], []
    for p in presses:
        release = cols.t_ms[
            (cols.kind == UP) & (cols.key_class == cols.key_class[p]) & (cols.t_ms > cols.t_ms[p])
        ][0]
        if repeat_ms:
            before = cols.t_ms[p - 1] if p else cols.t_ms[p] - 400.0
            downs = np.arange(cols.t_ms[p] - lead_ms, before + 1.0, -repeat_ms)[::-1].tolist()
        else:
            downs = [cols.t_ms[p] - lead_ms]
        t += [*downs, release + 5.0]
        kind += [DOWN] * len(downs) + [UP]
    shift = columns(t, kind, key_class=np.full(len(t), int(KeyClass.MODIFIER)))
    return merge(cols, shift)


def _chord_weight(cols: EventColumns, device: Device = CLEAN_CHROME) -> float:
    state = ENGINE.start(SessionContext(device=device))
    ENGINE.add(state, cols)
    found = [r for r in ENGINE.assess(state).reasons if r.code == "KEYS_MODIFIER_CHORD"]
    return found[0].weight if found else 0.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shift_pressed_together_with_its_key_is_reported_as_a_programs_key_combination(seed: int) -> None:
    typed = human_typing(np.random.default_rng(seed), keys=40)
    # pynput, `keyboard` or xdotool send shift+key: the two presses within a millisecond.
    assert _chord_weight(_with_shift(typed, lead_ms=0.4)) >= 2.0
    # A finger on Shift, another on the key, tens of milliseconds later; a fast typist's 20 ms
    # too (of Aalto's 21,434 shifted presses, 7 come within 10 ms).
    assert _chord_weight(_with_shift(typed, lead_ms=60.0)) == 0.0
    assert _chord_weight(_with_shift(typed, lead_ms=20.0)) == 0.0
    # Shift held long enough to auto-repeat: the key follows the last repeat by a few ms, which
    # is not a chord (the first press of Shift was 400 ms before).
    assert _chord_weight(_with_shift(typed, lead_ms=3.0, repeat_ms=33.0)) == 0.0


def test_keys_a_program_nests_in_shift_do_not_pass_for_a_typists_rollover() -> None:
    # A script typing press-release pairs overlaps no key, except the capitals it wraps in Shift.
    script = bot_typing(keys=60, interval_ms=120.0, hold_ms=80.0)
    chorded = _codes(_assess(_with_shift(script, lead_ms=0.4)))
    assert "KEYS_ROLLOVER" not in chorded
    assert "KEYS_NO_ROLLOVER" in chorded
    # A person's Shift, pressed 30 ms before the key (after the last key's release), overlaps
    # it as rolled-over keys do.
    assert "KEYS_ROLLOVER" in _codes(_assess(_with_shift(script, lead_ms=30.0)))


def test_key_combinations_are_not_judged_on_a_rounded_clock_or_an_on_screen_keyboard() -> None:
    chorded = _with_shift(human_typing(np.random.default_rng(4), keys=40), lead_ms=0.4)
    assert _chord_weight(chorded) >= 2.0
    # Privacy browsers round event times to 100 ms: a person's Shift and key then read one time.
    person = _with_shift(human_typing(np.random.default_rng(4), keys=40), lead_ms=60.0)
    assert _chord_weight(_rounded(person, 100.0)) == 0.0
    assert _chord_weight(_rounded(chorded, 100.0)) == 0.0
    assert _chord_weight(chorded, device=ANDROID) == 0.0


def test_real_typists_press_shift_before_their_key() -> None:
    cut = Path(__file__).parents[1] / "evaluation" / "data" / "aalto-keystrokes-dev.tar.xz"
    sentences = [trace.events for trace in import_dataset("aalto", cut)]
    assert any(np.any(s.key_class == int(KeyClass.MODIFIER)) for s in sentences)
    assert all(_chord_weight(s) == 0.0 for s in sentences)


def _with_flagged_capitals(
    cols: EventColumns, every: int, flags: int = KEY_FLAG_CAPITAL_WITHOUT_SHIFT
) -> EventColumns:
    """``cols`` with ``flags`` on every ``every``-th letter press (``every`` 0: none)."""
    button = cols.button.copy()
    if every:
        letters = np.flatnonzero((cols.kind == DOWN) & (cols.key_class == LETTER))
        button[letters[::every]] = flags
    return dataclasses.replace(cols, button=button)


def _capital_weight(cols: EventColumns, device: Device = CLEAN_CHROME) -> tuple[float, Assessment]:
    state = ENGINE.start(SessionContext(device=device))
    ENGINE.add(state, cols)
    assessment = ENGINE.assess(state)
    found = [r.weight for r in assessment.reasons if r.code == "KEYS_CAPITAL_WITHOUT_SHIFT"]
    return (found[0] if found else -1.0), assessment


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_capitals_typed_without_shift_or_caps_lock_are_a_programs_text_but_alone_stay_below_high(
    seed: int,
) -> None:
    typed = human_typing(np.random.default_rng(seed), keys=40)
    clean, person = _capital_weight(typed)
    assert clean == -1.0
    one, _ = _capital_weight(_with_flagged_capitals(typed, every=1000))
    assert one >= 2.0
    several, script = _capital_weight(_with_flagged_capitals(typed, every=5))
    assert several > one
    # Human timing with bare capitals: far more suspicious, not HIGH on that alone.
    assert person.risk_level is RiskLevel.LOW
    assert script.score > 4 * person.score
    assert script.risk_level < RiskLevel.HIGH
    # A phone's keyboard capitalises on its own: said, not counted.
    on_phone, phone = _capital_weight(_with_flagged_capitals(typed, every=5), device=ANDROID)
    assert on_phone == 0.0
    assert phone.risk_level is RiskLevel.LOW
    # Nor on a Windows tablet's touch keyboard (a desktop's user agent, touch points).
    surface = dataclasses.replace(CLEAN_CHROME, max_touch_points=10)
    assert _capital_weight(_with_flagged_capitals(typed, every=5), device=surface)[0] == 0.0
    # Flag bits other than this one are reserved and ignored; key releases carry no flag.
    assert _capital_weight(_with_flagged_capitals(typed, every=5, flags=2))[0] == -1.0
    released = dataclasses.replace(typed, button=np.where(typed.kind == UP, 1, 0).astype(np.uint8))
    assert _capital_weight(released)[0] == -1.0


def test_a_capital_typed_without_shift_counts_before_a_rhythm_can_be_judged_and_alone_is_not_high() -> None:
    presses = columns([0.0, 90.0, 300.0, 380.0], [DOWN, UP, DOWN, UP], key_class=[LETTER] * 4)
    flagged = _with_flagged_capitals(presses, every=1)
    weight, assessment = _capital_weight(flagged)
    assert weight >= 2.0
    assert assessment.risk_level is RiskLevel.MEDIUM
    # Not even on a login, whose thresholds are lower.
    login = Engine(EngineConfig().for_action("login"))
    state = login.start(SessionContext(action="login", device=CLEAN_CHROME))
    login.add(state, flagged)
    assert login.assess(state).risk_level < RiskLevel.HIGH
