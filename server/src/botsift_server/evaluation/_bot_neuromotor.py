"""Held out: PyPI ``nothingtoseehere`` 1.2.0 (Apache-2.0), "human-like mouse and keyboard input
simulation based on neuromotor research", run unchanged on a virtual clock.

It drives the desktop through pyautogui. Here its own code runs with pyautogui replaced by a
recorder of what the OS would deliver to the page, and its ``asyncio.sleep`` by the virtual clock.
Each event it injects takes 0.05-0.2 ms (a move) or 0.1-1 ms (a key), as for the other desktop
libraries. The screen is taken to be the page's viewport (no window offset).

- **A login** is the library's own form calls with their defaults, in order: ``fill_input`` on
  the user name and the password, ``click_element`` on the button.
  - ``fill_input`` clicks the field, waits a reaction time (ex-Gaussian, 180 ms + 50 ms tail),
    clears the field with Ctrl+A and Backspace, and types.
  - ``click_element`` moves to a point drawn around the element's centre (sd a quarter of its
    size), waits 100-800 ms (log-normal, median 250 ms), presses for 50-350 ms (log-normal,
    median 100 ms) and waits 50-120 ms.
- **A move** takes Fitts' law's time (300 ms + 100 ms a bit, both drawn per move). It is a
  primary submovement covering 70-115% of the way with a sideways error, then up to three
  corrections.
  - Each submovement's path is a bow of 5-25% of its length, sampled at 60 points a second of
    its duration, evenly along the path.
  - Its speed comes only from the waits between those points: longer where its asymmetric
    minimum-jerk profile is slow.
  - Each point gets noise of 2% of the speed, plus a 10 Hz tremor of 0.15 px, and is cut to
    whole pixels.
- **A key** is pressed, held 40-150 ms (N(80, 20)), released, and then the interval slept.
  - The interval: N(100, 30) ms, at least 30 ms. Next to a space, three times in ten, N(200,
    100) ms more; three times in a hundred, a "thinking" pause of N(500, 200) ms.
  - 2% of letters are typed as a neighbouring key first, then Backspace after 200-300 ms.
  - pyautogui presses a shifted character inside a Shift press it releases at once.
- ``nothingtoseehere-typist`` types a sentence with the same keyboard (``type_text``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from botsift_server.engine import EventColumns, EventKind, KeyClass
from botsift_server.evaluation._bot_autotyper import _Named, _Recorder
from botsift_server.evaluation._bot_browser_libs import _Asyncio, _run
from botsift_server.evaluation._bot_desktop import INJECT_MS, _stub
from botsift_server.evaluation._bot_page import SELECTORS, LoginForm, received
from botsift_server.evaluation._bot_paths import (
    _Clock,
    _load_file,
    _package_dir,
    _replaced,
    _seeded_globals,
    _stand_ins,
)
from botsift_server.evaluation._bot_typing import Key, _characters

_SHIFTED = set('~!@#$%^&*()_+{}|:"<>?')
"""The characters pyautogui types with Shift (``isShiftCharacter``), besides capitals."""


class _PyAutoGui:
    """The pyautogui calls the library makes, delivered to the page as the OS would deliver them."""

    FAILSAFE = False
    PAUSE = 0

    def __init__(self, clock: _Clock, rng: np.random.Generator, start: tuple[int, int]) -> None:
        self.clock, self.rng = clock, rng
        self.at = start
        self.pointer: list[tuple[float, int, float, float]] = []
        self.keys = _Recorder(clock, rng, {})

    def _inject(self, kind: EventKind | None = None) -> None:
        """One injected pointer event, recorded where the pointer is unless ``kind`` is None."""
        if kind is not None:
            self.pointer.append(
                (1000.0 * self.clock.seconds, int(kind), float(self.at[0]), float(self.at[1]))
            )
        self.clock.seconds += float(self.rng.uniform(*INJECT_MS)) / 1000.0

    def position(self) -> tuple[int, int]:
        return self.at

    def moveTo(self, x: float, y: float, duration: float = 0.0, **_: Any) -> None:  # noqa: N802  # pyautogui's name
        """An instant move, cut to whole pixels; the OS makes no motion event for where it already is."""
        if duration:
            raise NotImplementedError("pyautogui's tweened moves are not needed")
        xy = (int(x), int(y))
        moved, self.at = xy != self.at, xy
        self._inject(EventKind.MOVE if moved else None)

    def mouseDown(self, button: str = "left", **_: Any) -> None:  # noqa: N802  # pyautogui's name
        if button != "left":
            raise RuntimeError("the form needs left clicks")
        self._inject(EventKind.DOWN)

    def mouseUp(self, button: str = "left", **_: Any) -> None:  # noqa: N802  # pyautogui's name
        self._inject(EventKind.UP)

    def keyDown(self, key: str) -> None:  # noqa: N802  # pyautogui's name
        if len(key) > 1:
            self.keys.press(_Named(key.lower()))
        elif key.isupper() or key in _SHIFTED:
            # pyautogui (X11 and Windows alike): Shift down, the key down, Shift up, in one go.
            self.keys.press(_Named("shift"))
            self.keys.press(key)
            self.keys.release(_Named("shift"))
        else:
            self.keys.press(key)

    def keyUp(self, key: str) -> None:  # noqa: N802  # pyautogui's name
        self.keys.release(_Named(key.lower()) if len(key) > 1 else key)

    def scroll(self, *_: Any, **__: Any) -> None:
        raise RuntimeError("the login form fits the viewport: nothing should scroll it")

    def events(self) -> EventColumns:
        """The pointer and key events the page received, from the first."""
        return received(self.pointer, self.keys.result())


@cache
def _library() -> Any:
    # The module imports pyautogui (a display) and sets its FAILSAFE and PAUSE; each session
    # replaces its ``pyautogui`` and ``asyncio`` with the recorder and the clock.
    with _stand_ins({"pyautogui": _stub("pyautogui")}):
        return _load_file(
            "_botsift_nothingtoseehere", _package_dir("nothingtoseehere") / "neuromotor_input.py"
        )


def _bounds(form: LoginForm, selector: str) -> tuple[int, int, int, int]:
    """The element's ``(x, y, width, height)`` in whole pixels, as the script passes it."""
    box = form.box(selector)
    return round(box["x"]), round(box["y"]), round(box["width"]), round(box["height"])


async def _login(module: Any, form: LoginForm, texts: Sequence[str]) -> None:
    human = module.NeuromotorInput()
    for selector, text in zip(SELECTORS[:2], texts, strict=True):
        await human.fill_input(_bounds(form, selector), text)
    await human.click_element(_bounds(form, SELECTORS[2]))


def nothingtoseehere(rng: np.random.Generator, form: LoginForm) -> EventColumns:
    """``fill_input`` the user name and password, ``click_element`` the button (see the module
    docstring), the pointer resting anywhere on the screen at first."""
    module = _library()
    texts = [_characters(rng, form.user_keys), _characters(rng, form.password_keys)]
    clock = _Clock()
    width, height = form.viewport
    gui = _PyAutoGui(clock, rng, (int(rng.uniform(0, width)), int(rng.uniform(0, height))))
    # It draws from the global generators of random and numpy (scipy's log-normal too).
    with _seeded_globals(int(rng.integers(2**31))), _replaced(module, pyautogui=gui, asyncio=_Asyncio(clock)):
        _run(_login(module, form, texts))
    return gui.events()


def nothingtoseehere_typist(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """``NeuromotorKeyboard().type_text(text)`` (typos on, its defaults)."""
    module = _library()
    text = _characters(rng, classes)
    if not text:
        return []
    clock = _Clock()
    gui = _PyAutoGui(clock, rng, (0, 0))
    with _seeded_globals(int(rng.integers(2**31))), _replaced(module, pyautogui=gui, asyncio=_Asyncio(clock)):
        _run(module.NeuromotorKeyboard().type_text(text))
    return gui.keys.result()
