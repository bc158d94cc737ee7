"""Held-out browser libraries that fill in a login form through Playwright, run unchanged on a
virtual clock against a stand-in page (:mod:`botsift_server.evaluation._bot_page`): PyPI
``cloakbrowser-human`` and ``cursor-humanizer``.

Each session is a plain login script of the library's page-level calls, in order: one field,
its text, the other field, its text, the button. Every Playwright call the library awaits is a
DevTools round trip of 0.3-3 ms, as for the other browser generators, so where a library does
not sleep its events are as dense as those round trips.

- ``cloakbrowser-human`` 0.1.0 (MIT in its metadata; the package ships no LICENSE file), with its
  default preset. It patches the page (``_patch_page``, what its ``launch`` does to every page,
  run here on the stand-in) and the script calls ``page.type`` on the two fields, then
  ``page.click`` on the button. Its first action on a page sets the pointer below the address
  bar (x 400-700, y 45-60). ``page.type`` waits 800-1500 ms, clicks the field, waits 100-250 ms
  and types; ``page.click`` clicks at once. A click moves (``human_move``) to a whole-pixel
  point at 5-30% of a field's width, waits 60-140 ms and holds the click 40-100 ms (on a button:
  35-65% of its width, 80-200 ms, 60-150 ms). ``human_move`` walks a cubic Bezier whose control
  points sit at a quarter and three quarters of the line, pushed aside by up to 30% of its
  length: distance / 8 steps (25-80), eased in and out (cubic), ±1.5 px of wobble at mid-path,
  rounded to whole pixels, one ``mouse.move`` each, sent in bursts of 3-5 with no wait inside a
  burst and 8-18 ms between bursts; 15% of moves overshoot by 3-6 px, wait 30-70 ms and come
  back within 2 px of the target. ``human_type`` presses each key, holds it 15-35 ms and
  releases it, then waits 30-110 ms (uniform), or 400-1000 ms one time in ten; a capital is
  typed inside a Shift press (Shift, 30-70 ms, the key, 20-50 ms, Shift up). A shifted symbol
  (``_!@#``...) is inserted as text and its keydown and keyup dispatched by a page script, which
  the collector does not record (not trusted): the page sees a Shift press with no key in it.
  (Its ``page.goto`` also fakes ``PointerEvent.getCoalescedEvents``, which the collector does
  not read.)
- ``cursor-humanizer`` 0.1.0 (ISC in its metadata; no LICENSE file shipped), imported as
  ``human_cursor``, a Playwright (async) port of HumanCursor, used as its README shows:
  ``create_cursor(page)`` starts at (0, 0) and moves there; ``cursor.click(selector)`` picks a
  point at 20-79% of the element on each axis and walks a Bezier curve with 2-10 random control
  points in a box around the start and target (widened 20-99 px, at least 30 px and 15% of the
  distance), its y nudged by Gaussian noise (mean 0.8-1.09 px, sd 0.85-1.09 px) on 25-69% of the
  points, resampled by one of 13 easing functions to 35-79 points, negative coordinates clamped
  to 0. Each point is one
  ``page.mouse.move`` with no sleep at all, so the stroke's timing is the round trips alone.
  The click itself is Playwright's ``ElementHandle.click(delay=40-60 ms)``: Playwright waits
  for the element to keep its box over two animation frames, moves straight to the element's
  centre (one move), presses, waits 40-60 ms and releases; the cursor then waits 50-150 ms. It
  never learns that Playwright moved the pointer, so its next stroke starts back at the point it
  picked. It types with human-typer's Playwright mode
  (:func:`botsift_server.evaluation._bot_typing_libs.type_with_human_typer`).
"""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from functools import cache
from typing import Any

import numpy as np

from botsift_server.engine import EventColumns, KeyClass
from botsift_server.evaluation._bot_desktop import _stub
from botsift_server.evaluation._bot_page import SELECTORS, LoginForm, Page
from botsift_server.evaluation._bot_paths import _Clock, _package_dir, _replaced, _seeded_globals, _stand_ins
from botsift_server.evaluation._bot_typing import Key, _characters
from botsift_server.evaluation._bot_typing_libs import type_with_human_typer

ACTIONABILITY_MS = (33.3, 50.0)
"""Time Playwright's ``ElementHandle.click`` spends before it moves to the element: it waits for
the element's box to stay put over two animation frames (2-3 frames at 60 Hz; 40-50 ms in
headless Chromium 156)."""


# ---------------------------------------------------------------- cloakbrowser-human


@cache
def _cloakbrowser() -> tuple[Any, Any, Any]:
    # Its __init__ imports the browser (cloakbrowser) only inside launch(): the package loads as is.
    _package_dir("cloakbrowser_human")  # the same "not installed" message as the other libraries
    import cloakbrowser_human  # type: ignore[import-untyped, import-not-found, unused-ignore]  # ships no types
    from cloakbrowser_human import config, keyboard  # type: ignore[import-untyped, import-not-found, unused-ignore]

    return cloakbrowser_human, config, keyboard


class _CloakPage(Page):
    """The page as cloakbrowser-human patches and drives it."""

    def _playwright_own(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the library replaces Playwright's page.goto, page.click and page.type")

    goto = click = type = _playwright_own

    def evaluate(self, script: str, arg: Any = None) -> Any:
        self.call()
        if "KeyboardEvent" in script:  # its shifted symbols: script-built keys, untrusted
            return None
        if "tagName" in script and self.form is not None:  # _is_input_element(selector)
            return self.form.is_input(str(arg))
        raise RuntimeError(f"cloakbrowser-human asked the page something new: {script[:60]!r}")


def cloakbrowser_human(rng: np.random.Generator, form: LoginForm) -> EventColumns:
    """``page.type`` the user name and password, ``page.click`` the button (see the module docstring)."""
    package, config, _ = _cloakbrowser()
    clock = _Clock()
    page = _CloakPage(clock, rng, form)
    with _seeded_globals(int(rng.integers(2**31))), _replaced(config, time=clock):
        package._patch_page(page, config.resolve_config("default"), package._CursorState())
        page.type(SELECTORS[0], _characters(rng, form.user_keys))
        page.type(SELECTORS[1], _characters(rng, form.password_keys))
        page.click(SELECTORS[2])
    return page.events()


def cloakbrowser_typist(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """cloakbrowser-human's ``human_type`` (default preset) on Playwright's keyboard."""
    _, config, keyboard = _cloakbrowser()
    text = _characters(rng, classes)
    clock = _Clock()
    page = _CloakPage(clock, rng)
    with _seeded_globals(int(rng.integers(2**31))), _replaced(config, time=clock):
        keyboard.human_type(page, page.keyboard, text, config.resolve_config("default"))
    return page.keyboard.pressed()


# ---------------------------------------------------------------- cursor-humanizer


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """The result of a coroutine that never suspends: every call it awaits answers at once."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("cursor-humanizer awaited something the stand-in page does not answer")


class _Asyncio:
    """``asyncio`` as human_cursor.cursor sees it: sleeps advance the clock, and a task runs at
    once (the script's next await would start it before anything else is sent)."""

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock

    async def sleep(self, seconds: float, result: Any = None) -> Any:
        self.clock.sleep(seconds)
        return result

    def create_task(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        _run(coroutine)


class _AsyncMouse:
    def __init__(self, page: Page) -> None:
        self.page = page

    async def move(self, x: float, y: float, steps: int = 1) -> None:
        self.page.mouse.move(x, y, steps)

    async def down(self, **_: Any) -> None:
        self.page.mouse.down()

    async def up(self, **_: Any) -> None:
        self.page.mouse.up()


class _ElementHandle:
    """An element of the form, as the async API hands it out."""

    def __init__(self, page: Page, selector: str) -> None:
        self.page, self.selector = page, selector

    async def bounding_box(self) -> dict[str, float]:
        return self.page.locator(self.selector).bounding_box()

    async def click(self, button: str = "left", click_count: int = 1, delay: float = 0.0) -> None:
        """Playwright's click: actionability checks, a move to the centre, press, ``delay``, release."""
        if button != "left" or click_count != 1:
            raise RuntimeError("the form needs single left clicks")
        box = await self.bounding_box()
        self.page.clock.sleep(float(self.page.rng.uniform(*ACTIONABILITY_MS)) / 1000.0)
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, delay=delay)


class _AsyncPage:
    """The async Playwright ``Page`` surface GhostCursor uses."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.mouse = _AsyncMouse(page)
        self.viewport_size = page.viewport_size

    def is_closed(self) -> bool:
        return False

    async def query_selector(self, selector: str) -> _ElementHandle:
        self.page.call()
        return _ElementHandle(self.page, selector)

    async def evaluate(self, script: str) -> dict[str, float]:
        """The document and viewport metrics ``scroll_into_view`` asks for: nothing to scroll."""
        self.page.call()
        if "viewportHeight" not in script:
            raise RuntimeError(f"cursor-humanizer asked the page something new: {script[:60]!r}")
        width, height = self.viewport_size["width"], self.viewport_size["height"]
        return {
            "docHeight": height,
            "docWidth": width,
            "viewportHeight": height,
            "viewportWidth": width,
            "scrollPositionTop": 0,
            "scrollPositionLeft": 0,
        }


@cache
def _cursor_humanizer() -> Any:
    # human_cursor imports Playwright's async API for its type names only.
    api = _stub(
        "playwright.async_api", **{name: type(name, (), {}) for name in ("Page", "ElementHandle", "Locator")}
    )
    playwright = _stub("playwright", async_api=api)
    _package_dir("human_cursor")  # the same "not installed" message as the other libraries
    with _stand_ins({"playwright": playwright, "playwright.async_api": api}):
        import human_cursor.cursor  # type: ignore[import-untyped, import-not-found, unused-ignore]  # ships no types

    return human_cursor.cursor


async def _cursor_session(cursor_module: Any, page: Page, texts: list[str]) -> None:
    cursor = cursor_module.create_cursor(_AsyncPage(page))
    for selector, text in zip(SELECTORS, [*texts, ""], strict=True):
        await cursor.click(selector)
        if text:
            type_with_human_typer(page.locator(selector), text)


def cursor_humanizer(rng: np.random.Generator, form: LoginForm) -> EventColumns:
    """``cursor.click`` each field and type into it with human-typer, then ``cursor.click`` the
    button (see the module docstring)."""
    module = _cursor_humanizer()
    texts = [_characters(rng, form.user_keys), _characters(rng, form.password_keys)]
    clock = _Clock()
    page = Page(clock, rng, form)
    with _seeded_globals(int(rng.integers(2**31))), _replaced(module, time=clock, asyncio=_Asyncio(clock)):
        _run(_cursor_session(module, page, texts))
    return page.events()
