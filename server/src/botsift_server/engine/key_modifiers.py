"""Modifier keys and what they say: a modifier pressed together with its key (a program's key
combination), and capitals typed with no modifier at all (a program's text).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from botsift_server.engine._evidence import Finding, ramp, share_log_odds
from botsift_server.engine._types import EventKind, KeyClass

_KEY_DOWN = int(EventKind.KEY_DOWN)
_MODIFIER = int(KeyClass.MODIFIER)

# A capital letter typed with neither Shift nor Caps Lock on (the client flags the press): a
# physical keyboard types capitals only with one of them, while Puppeteer's and Playwright's
# `keyboard.type` send "A" bare (checked in headless chromium and Firefox). People whose text
# reaches the page as bare keys (some remote-desktop clients, text expanders, dictation) can do
# it too, so it is strong evidence, not proof: CAPITAL_LOG_ODDS[0] for the first, up to [1] more
# from CAPITAL_FULL_COUNT; alone it keeps a session below HIGH. Not judged on a device with a
# touch screen, whose on-screen keyboard (a phone's, a Windows tablet's) capitalises on its own.
CAPITAL_LOG_ODDS = (2.0, 0.5)
CAPITAL_FULL_COUNT = 3
# How much the keystroke detector has seen when a flagged press is all it has.
CAPITAL_CONFIDENCE = 0.25

# A person presses a modifier (Shift, Ctrl, Alt) with one finger and the key it modifies with
# another, tens of milliseconds later; a program sending a key combination (pynput's or
# ``keyboard``'s shift+key, pyautogui's hotkey, xdotool) presses the two within a millisecond.
# Judged where a modifier press that is not an auto-repeat (nor a second modifier joining one
# already down) is followed directly by the press of a key: it counts from CHORD_MS[0] between
# the two presses, fully from CHORD_MS[1]. Of the 21,434 such presses in Aalto's 14,625 sentences,
# 7 come within 10 ms (4 sentences carry the finding); two typing libraries never trained on
# (humanized-autotyper, human_keyboard) press every one within 1 ms. The finding needs such
# chords to be a share of the modifier presses (from CHORD_MIN_SHARE[0], fully from [1]).
# Log-odds: CHORD_LOG_ODDS[0] for one chord, up to [1] more for a second. Not judged on a rounded
# clock (both presses read one time) or an on-screen keyboard.
CHORD_MS = (15.0, 5.0)
CHORD_MIN_SHARE = (0.2, 0.5)
CHORD_LOG_ODDS = (2.0, 1.0)


NO_PRESSES: npt.NDArray[np.intp] = np.zeros(0, np.intp)


def modifier_presses(kind: npt.NDArray[np.uint8], key_class: npt.NDArray[np.uint8]) -> npt.NDArray[np.intp]:
    """Where a modifier is pressed right before the key it modifies: a modifier press that does
    not follow another modifier press (an auto-repeat, or a second modifier joining one held,
    does), followed directly by the press of a key that is not a modifier."""
    is_mod = key_class == _MODIFIER
    if not is_mod.any():
        return NO_PRESSES
    down = kind == _KEY_DOWN
    mod_down = down & is_mod
    start = mod_down[:-1].copy()
    start[1:] &= ~mod_down[:-2]
    start &= down[1:] & ~is_mod[1:]
    at: npt.NDArray[np.intp] = start.nonzero()[0]
    return at


def modifier_chords(latency: npt.NDArray[np.float64]) -> list[Finding]:
    """Modifiers pressed together with their key, as a program sends a key combination
    (``latency``: from each modifier press of :func:`modifier_presses` to its key's press)."""
    n = latency.shape[0]
    if n == 0:
        return []
    zero_at = CHORD_MS[0]
    log_odds = share_log_odds(latency, CHORD_MS, CHORD_MIN_SHARE, CHORD_LOG_ODDS)
    if log_odds <= 0.0:
        return []
    chords = int(np.count_nonzero(latency < zero_at))
    return [
        Finding(
            "KEYS_MODIFIER_CHORD",
            f"{chords} of {n} modifier keys (Shift, Ctrl, Alt) were pressed within {zero_at:.0f} ms of the "
            f"key they modify (fastest {float(latency.min()):.1f} ms), as a program sends a key combination; "
            "a person's second finger follows tens of milliseconds later.",
            log_odds,
        )
    ]


def capitals_without_shift(count: int, touch_screen: bool) -> list[Finding]:
    """Capital letters typed with neither Shift nor Caps Lock on (see :data:`CAPITAL_LOG_ODDS`);
    not counted on a device with a touch screen (``touch_screen``)."""
    if count == 0:
        return []
    if touch_screen:
        return [
            Finding(
                "KEYS_CAPITAL_WITHOUT_SHIFT",
                f"{count} capital letter(s) came without Shift or Caps Lock, as an on-screen keyboard "
                "capitalises on its own; not counted on this device.",
                0.0,
            )
        ]
    more = CAPITAL_LOG_ODDS[1] * ramp(count, 1, CAPITAL_FULL_COUNT)
    return [
        Finding(
            "KEYS_CAPITAL_WITHOUT_SHIFT",
            f"{count} capital letter(s) were typed with neither Shift nor Caps Lock on, as a program "
            "sends text key by key; a physical keyboard types capitals with one of them.",
            CAPITAL_LOG_ODDS[0] + more,
        )
    ]
