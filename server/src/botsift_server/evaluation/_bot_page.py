"""A Playwright page as the browser-driving bot libraries see it, recording what the page receives.

A library drives the page through Playwright calls (``page.mouse.move``, ``page.keyboard.down``,
``locator.type``, ...). The script awaits each call, a DevTools round trip of
:data:`~botsift_server.evaluation._bot_heldout.DEVTOOLS_CALL_MS`, as the other browser generators
model it, before it makes the next: events are as far apart as those round trips and the
library's own sleeps (on a virtual clock) make them. The stand-in records the trusted input
events the page receives, as the web collector does, each at the time its call is sent, in CSS
pixels of the viewport:

- every ``mouse.move`` is a pointer move, fractions kept, even to where the pointer already is
  (Chromium dispatches a ``pointermove`` for each);
- ``keyboard.insert_text`` types without a key event, and events a script builds and dispatches
  (``page.evaluate``) are not trusted, so the collector does not record them either;
- Playwright's ``mouse.move(x, y, steps=n)`` sends ``n`` moves along the straight line.

The form fits the viewport: a library that tries to scroll it is a bug here, not a behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from botsift_server.engine import EventColumns, EventKind, KeyClass
from botsift_server.evaluation._archive import columns
from botsift_server.evaluation._bot_autotyper import _Named, _Recorder
from botsift_server.evaluation._bot_heldout import DEVTOOLS_CALL_MS
from botsift_server.evaluation._bot_paths import _Clock
from botsift_server.evaluation._bot_typing import Key

Box = tuple[float, float, float, float]  # x, y, width, height

SELECTORS = ("#username", "#password", "#submit")
"""The selectors of the form's user name field, password field and submit button."""


@dataclass(frozen=True, slots=True)
class LoginForm:
    """The login page a form-filling session sees, in CSS pixels."""

    viewport: tuple[int, int]
    """Width and height of the page's viewport."""
    boxes: tuple[Box, ...]
    """Where the elements of :data:`SELECTORS` are (x, y, width, height), in that order."""
    user_keys: tuple[KeyClass, ...]
    password_keys: tuple[KeyClass, ...]

    def box(self, selector: str) -> dict[str, float]:
        """``locator.bounding_box()`` of ``selector``."""
        x, y, width, height = self.boxes[SELECTORS.index(selector)]
        return {"x": x, "y": y, "width": width, "height": height}

    def is_input(self, selector: str) -> bool:
        """Whether ``selector`` is a text field (the fields are; the submit button is not)."""
        return SELECTORS.index(selector) < 2


def received(pointer: list[tuple[float, int, float, float]], keys: list[Key]) -> EventColumns:
    """The events a page received: ``pointer`` rows ``(t_ms, kind, x, y)`` and ``keys`` pressed
    ``(down_ms, up_ms, key_class)``, in time order from the first."""
    rows: list[tuple[float, int, float, float, int]] = [(t, k, x, y, 0) for t, k, x, y in pointer]
    for down, up, cls in keys:
        rows += [(down, int(EventKind.KEY_DOWN), 0.0, 0.0, cls), (up, int(EventKind.KEY_UP), 0.0, 0.0, cls)]
    t, kind, x, y, key = zip(*rows, strict=True) if rows else ((), (), (), (), ())
    return columns(t, kind, x, y, None, key)


class Page:
    """The sync Playwright ``Page`` surface the libraries use (``mouse``, ``keyboard``,
    ``locator``, ``viewport_size``), recording on ``clock``."""

    def __init__(self, clock: _Clock, rng: np.random.Generator, form: LoginForm | None = None) -> None:
        self.clock, self.rng, self.form = clock, rng, form
        width, height = form.viewport if form else (1920, 940)  # a typing test's page: nothing to point at
        self.viewport_size = {"width": width, "height": height}
        self.pointer_rows: list[tuple[float, int, float, float]] = []
        self.mouse = Mouse(self)
        self.keyboard = Keyboard(self)

    def call(self) -> float:
        """One awaited call: the time it is sent (ms), the clock then past its round trip."""
        sent = 1000.0 * self.clock.seconds
        self.clock.seconds += float(self.rng.uniform(*DEVTOOLS_CALL_MS)) / 1000.0
        return sent

    def locator(self, selector: str) -> Locator:
        """``page.locator(selector)``."""
        return Locator(self, selector)

    def events(self) -> EventColumns:
        """The pointer and key events the page received, from the first."""
        return received(self.pointer_rows, self.keyboard.pressed())


class Mouse:
    """``page.mouse``: Playwright keeps the pointer's position; each call is a round trip."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.x = self.y = 0.0  # where Playwright's mouse starts on a new page

    def move(self, x: float, y: float, steps: int = 1, **_: Any) -> None:
        """Playwright's ``mouse.move``: ``steps`` moves along the line from where the pointer is."""
        n = max(1, int(steps))
        x0, y0 = self.x, self.y
        for i in range(1, n + 1):
            self.x, self.y = x0 + (x - x0) * i / n, y0 + (y - y0) * i / n
            self.page.pointer_rows.append((self.page.call(), int(EventKind.MOVE), self.x, self.y))

    def down(self, **_: Any) -> None:
        self.page.pointer_rows.append((self.page.call(), int(EventKind.DOWN), self.x, self.y))

    def up(self, **_: Any) -> None:
        self.page.pointer_rows.append((self.page.call(), int(EventKind.UP), self.x, self.y))

    def click(self, x: float, y: float, delay: float = 0.0, **_: Any) -> None:
        """Playwright's ``mouse.click``: move, press, wait ``delay`` ms, release."""
        self.move(x, y)
        self.down()
        self.page.clock.sleep(delay / 1000.0)
        self.up()

    def wheel(self, delta_x: float, delta_y: float) -> None:
        raise RuntimeError("the login form fits the viewport: nothing should scroll it")


class Keyboard:
    """``page.keyboard``: Playwright key names (``"Shift"``, ``"Backspace"``, ``"a"``)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self._keys = _Recorder(page.clock, page.rng, {}, DEVTOOLS_CALL_MS)

    @staticmethod
    def _key(key: str) -> str | _Named:
        return key if len(key) == 1 else _Named(key.lower())

    def down(self, key: str) -> None:
        self._keys.press(self._key(key))

    def up(self, key: str) -> None:
        self._keys.release(self._key(key))

    def press(self, key: str, delay: float = 0.0) -> None:
        """Down, wait ``delay`` ms, up."""
        self.down(key)
        self.page.clock.sleep(delay / 1000.0)
        self.up(key)

    def type(self, text: str, delay: float = 0.0) -> None:
        """``keyboard.type``: each character pressed, then ``delay`` ms."""
        for char in text:
            self.press(char)
            self.page.clock.sleep(delay / 1000.0)

    def insert_text(self, text: str) -> None:
        """Text inserted without key events (an ``input`` event only)."""
        self.page.call()

    def pressed(self) -> list[Key]:
        """Every key pressed, ``(down_ms, up_ms, key_class)``."""
        return self._keys.result()


class Locator:
    """``page.locator(selector)``: each action first finds and focuses its element (a round trip)."""

    def __init__(self, page: Page, selector: str) -> None:
        self.page, self.selector = page, selector

    @property
    def first(self) -> Locator:
        return self

    def bounding_box(self, **_: Any) -> dict[str, float]:
        if self.page.form is None:
            raise RuntimeError("a page without a form has no elements")
        self.page.call()
        return self.page.form.box(self.selector)

    def type(self, text: str, delay: float = 0.0, **_: Any) -> None:
        self.page.call()
        self.page.keyboard.type(text, delay)

    def press(self, key: str, delay: float = 0.0, **_: Any) -> None:
        self.page.call()
        self.page.keyboard.press(key, delay)
