"""Key timing of held-out typing libraries, run unchanged on a virtual clock: PyPI
``human-keyboard``, ``keyboardhumanizer`` and ``human-typer`` (all MIT, each with its LICENSE file).

Each library's own typing code runs with its keyboard replaced by a recorder (its ``time`` or
``sleep`` by the virtual clock); it types random characters of the wanted classes, as
:func:`botsift_server.evaluation._bot_typing.humantyping` does, and the keys it presses
(typos, Backspace and Shift included) are classified. All three press and release each key at
once: a key is held only as long as its key-down takes to send.

- ``human-keyboard`` 0.1.0, ``HumanKeyboard().type_text`` (defaults), through the ``keyboard``
  package: a typist of N(70, 7) words a minute (about 170 ms a character) with a thinking
  delay of N(150, 15) ms at each word's start, 0.8x on 15 common bigrams, plus 15 ms per key of
  distance on the keyboard, 1.2x before punctuation, 1.1x before digits, 0.6x before a space,
  70 ms more before a shifted character, times N(1, 0.1), at least 10 ms, and log-normal noise
  (median 0.95x) when slept. Each character is typed and then its delay slept. About 4% of
  characters go wrong (a neighbouring key, a doubled or skipped letter, a swap), put right after
  a wait of about 250 ms (with Backspace, 50 ms apart, but for a skipped letter).
  ``keyboard.write`` presses and releases each key; capitals and shifted symbols go through
  ``keyboard.send("shift+x")`` (Shift, key, key up, Shift up). Each injected key event takes
  0.1-1 ms, as an OS injection does.
- ``keyboardhumanizer`` 0.2.0, ``KeyboardHumanizer().type_text`` (its default "casual"
  profile, 90 words a minute), through pynput: before each character it sleeps 133 ms ±30%
  (uniform), 1.3x for a capital, 1.8x for a shifted symbol, 1.2x for a digit or other
  punctuation, 1.4x for 28 awkward neighbouring pairs, at least 20 ms. Before a word, one time
  in ten (more as it tires), it pauses 0.2-0.8 s (60%), 0.8-2 s (30%) or 2-5 s (10%). 2.5% of
  characters (3.75% of shifted ones) go wrong (a neighbouring key, an extra letter, a skipped
  one, a swap), three in four corrected after 0.1-0.5 s with Backspaces 50-150 ms apart. It
  types each sentence (cut after . ! ?) as its words joined by single spaces, so no space
  follows a sentence's end. pynput's ``Controller.type`` presses and releases each character
  (no Shift key event); each injected event takes 0.1-1 ms.
- ``human-typer`` 1.1.1, ``Human_typer(element_type="playwright").type_in_element`` (its
  defaults: 190 characters a minute, 2% errors): after each character it sleeps 99-395 ms
  (uniform). round(length x 2% x 1-10) positions go wrong: 70% a neighbouring key typed, 400-500
  ms, Backspace, 400-450 ms, the right key; 30% the right key, then a neighbouring one, 400-500
  ms, Backspace. Each character is one ``locator.type`` (Playwright finds and focuses the field,
  then presses and releases the key: three DevTools round trips of 0.3-3 ms). Its Playwright
  mode is used because its keyboard mode presses Backspace with ``keyboard.press`` and never
  releases it. (Either mode crashes when a typo lands on a character outside its layouts, a
  newline: the texts here have none.)
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from botsift_server.engine import KeyClass
from botsift_server.evaluation._bot_autotyper import _KeyCode, _KeyNames, _Named, _Recorder
from botsift_server.evaluation._bot_desktop import _stub
from botsift_server.evaluation._bot_page import Page
from botsift_server.evaluation._bot_paths import (
    _Clock,
    _load_file,
    _package_dir,
    _replaced,
    _seeded_globals,
    _stand_ins,
)
from botsift_server.evaluation._bot_typing import Key, _characters


def _key(name: str) -> str | _Named:
    """A character, or the named key (``shift``, ``backspace``) the libraries spell out."""
    return name if len(name) == 1 else _Named(name.lower())


class _KeyboardPackage:
    """The ``keyboard`` package's typing calls, pressing keys on a recorder. (The library never
    writes a shifted character: it sends those as ``shift+key``.)"""

    def __init__(self, keys: _Recorder) -> None:
        self.keys = keys

    def write(self, text: str, *args: Any, **kwargs: Any) -> None:
        for char in text:
            self.keys.press(char)
            self.keys.release(char)

    def send(self, hotkey: str, do_press: bool = True, do_release: bool = True) -> None:
        names = [_key(name) for name in (hotkey.split("+") if hotkey != "+" else ["+"])]
        for name in names if do_press else ():
            self.keys.press(name)
        for name in reversed(names) if do_release else ():
            self.keys.release(name)

    def press_and_release(self, hotkey: str) -> None:
        self.send(hotkey)


@cache
def _human_keyboard() -> Any:
    # The package imports the ``keyboard`` package, which needs root on Linux; the module's own
    # ``keyboard`` is replaced for each sentence.
    with _stand_ins({"keyboard": _stub("keyboard")}):
        return _load_file("_botsift_human_keyboard", _package_dir("human_keyboard") / "human_keyboard.py")


def human_keyboard(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """``HumanKeyboard().type_text(text)`` of human-keyboard (see the module docstring)."""
    module = _human_keyboard()
    text = _characters(rng, classes)
    if not text:
        return []
    clock = _Clock()
    keys = _Recorder(clock, rng, {})
    # It draws from the global generators of random and numpy.
    with (
        _seeded_globals(int(rng.integers(2**31))),
        _replaced(module, time=clock, keyboard=_KeyboardPackage(keys)),
    ):
        module.HumanKeyboard().type_text(text)
    return keys.result()


class _PynputKeyboard(_Recorder):
    """pynput's keyboard ``Controller``: ``type`` presses and releases each character in turn."""

    def type(self, string: str) -> None:
        for char in string:
            self.press(char)
            self.release(char)


@cache
def _keyboardhumanizer() -> tuple[Any, Any]:
    # Its engine imports pynput's keyboard (an X server or Windows) and, without it, types
    # nothing; the stand-in's names are enough, its controller is replaced for each sentence.
    keyboard = _stub("pynput.keyboard", Controller=object, Key=_KeyNames(), KeyCode=_KeyCode)
    pynput = _stub("pynput", keyboard=keyboard)
    _package_dir("keyboardhumanizer")  # the same "not installed" message as the other libraries
    with (
        _stand_ins({"pynput": pynput, "pynput.keyboard": keyboard}),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        from keyboardhumanizer import humanizer, typing_engine  # type: ignore[import-untyped, import-not-found, unused-ignore]  # ships no types
    if not typing_engine.PYNPUT_AVAILABLE:
        raise ImportError("keyboardhumanizer was imported before without its stand-in keyboard")
    return humanizer, typing_engine


def keyboardhumanizer(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """``KeyboardHumanizer().type_text(text)`` of keyboardhumanizer (see the module docstring)."""
    humanizer, engine = _keyboardhumanizer()
    text = _characters(rng, classes)
    if not text.strip():
        return []
    clock = _Clock()
    keys = _PynputKeyboard(clock, rng, {})
    with (
        _seeded_globals(int(rng.integers(2**31))),
        _replaced(humanizer, time=clock),
        _replaced(engine, time=clock),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        typist = humanizer.KeyboardHumanizer()
        typist.engine.controller = keys
        if not typist.type_text(text):
            raise RuntimeError("keyboardhumanizer failed to type its text")
    return keys.result()


def _keyboard_mode(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("human-typer's keyboard mode is not used (it never releases Backspace)")


@cache
def _human_typer() -> Any:
    # It imports the keyboard package (for its keyboard mode), Selenium's names, Playwright's
    # Locator (to type-check the element) and its own helper module by an absolute name.
    directory = _package_dir("human_typer")
    names = (
        "selenium",
        "selenium.webdriver",
        "selenium.webdriver.common",
        "selenium.webdriver.common.keys",
        "selenium.webdriver.remote",
        "selenium.webdriver.remote.webelement",
        "playwright",
        "playwright.sync_api",
        "keyboard",
    )
    members: dict[str, dict[str, Any]] = {
        "selenium.webdriver.common.keys": {"Keys": type("Keys", (), {"BACKSPACE": "\ue003"})},
        "selenium.webdriver.remote.webelement": {"WebElement": type("WebElement", (), {})},
        "playwright.sync_api": {"Locator": type("Locator", (), {})},
        "keyboard": {"press": _keyboard_mode, "write": _keyboard_mode},
    }
    stand_ins = {name: _stub(name, **members.get(name, {})) for name in names}
    stand_ins["keyboard_helper"] = _load_file(
        "_botsift_human_typer_keyboard_helper", directory / "keyboard_helper.py"
    )
    with _stand_ins(stand_ins):
        return _load_file("_botsift_human_typer", directory / "human_typer.py")


def type_with_human_typer(locator: Any, text: str) -> None:
    """human-typer's Playwright mode, ``type_in_element(text, locator)``, sleeping on the clock
    of the stand-in ``locator``'s page; it draws from the global ``random``, which the caller
    seeds."""
    module = _human_typer()
    with _replaced(module, sleep=locator.page.clock.sleep):
        module.Human_typer(element_type="playwright").type_in_element(text, locator)


def human_typer(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """human-typer typing into a field through Playwright (see the module docstring)."""
    text = _characters(rng, classes)
    if not text:
        return []
    page = Page(_Clock(), rng)
    with _seeded_globals(int(rng.integers(2**31))):
        type_with_human_typer(page.locator("#field"), text)
    return page.keyboard.pressed()
