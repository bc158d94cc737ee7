"""Bot sessions for evaluation and training: a login form filled in by a scripted or library bot.

Every session: the pointer rests somewhere, moves to the user name field, clicks, types a user
name, moves to the password field, clicks, types a password, moves to the submit button and
clicks. Typing-only generators type a sentence instead, like the Aalto typing test. A browser
library that fills in the whole form itself (:class:`FormBot`) makes the same session through its
own page-level calls, with its own waits. The same generator name, count and seed always give the
same traces.

The device is an ordinary desktop Chrome, as the stealth set-ups these libraries are used with
report: what is judged is behaviour. Every session is its own bot "person" (its ``person`` is its
session id, ``generated/<name>/seed<seed>/<i>``): each session draws its own parameters, so the
person split spreads every generator over both parts, and the seed keeps the sessions the model
is trained on (seed 2) apart from those it is evaluated on (seed 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from botsift_server.engine import Device, EventColumns, EventKind, KeyClass
from botsift_server.evaluation import _bot_autotyper as autotyper
from botsift_server.evaluation import _bot_browser_libs as browser_libs
from botsift_server.evaluation import _bot_desktop as desktop
from botsift_server.evaluation import _bot_heldout as heldout
from botsift_server.evaluation import _bot_naturalmouse as java_libs
from botsift_server.evaluation import _bot_neuromotor as neuromotor
from botsift_server.evaluation import _bot_paths as paths
from botsift_server.evaluation import _bot_typing as typing_models
from botsift_server.evaluation import _bot_typing_libs as typing_libs
from botsift_server.evaluation._archive import columns
from botsift_server.evaluation._bot_page import Box, LoginForm
from botsift_server.evaluation._bot_paths import Move, Path3, PathModel
from botsift_server.evaluation._bot_typing import Key, TypingModel
from botsift_server.evaluation._composite import COMPOSITE_HUMAN, compose_humans
from botsift_server.evaluation._traces import Trace

Dwell = Callable[[np.random.Generator], float]
FormModel = Callable[[np.random.Generator, LoginForm], EventColumns]


@dataclass(frozen=True, slots=True)
class Bot:
    """How one generator moves, clicks and types."""

    pointer: PathModel | None
    """``None`` for typing-only sessions."""
    typing: TypingModel
    dwell: Dwell
    """Milliseconds between a click's down and up."""
    pause: tuple[float, float] = (150.0, 600.0)
    """Uniform range of the pauses between steps (ms)."""
    aim: tuple[float, float] = (20.0, 120.0)
    """Uniform range of the wait between the last move and the press (ms); none when ``pause`` is
    one fixed value (a script's fixed rhythm)."""


@dataclass(frozen=True, slots=True)
class FormBot:
    """A browser library that fills in the whole login form itself through its page-level calls:
    its own moves, clicks, waits and typing, in the order a script calls them (see
    :mod:`botsift_server.evaluation._bot_browser_libs`)."""

    form: FormModel


def _const(ms: float) -> Dwell:
    return lambda rng: ms


def _uniform(lo: float, hi: float) -> Dwell:
    return lambda rng: float(rng.uniform(lo, hi))


def _lognormal(median: float) -> Dwell:
    return lambda rng: float(rng.lognormal(np.log(median), 0.3))


GENERATORS: dict[str, Bot | FormBot] = {
    "linear": Bot(paths.linear, typing_models.constant, _const(10.0), (100.0, 100.0)),
    "teleport": Bot(paths.teleport, typing_models.constant, _const(1.0), (50.0, 50.0)),
    "constant-interval": Bot(paths.constant_interval, typing_models.constant, _const(50.0)),
    "uniform-jitter": Bot(paths.uniform_jitter, typing_models.uniform, _uniform(20.0, 120.0)),
    "lognormal": Bot(paths.lognormal, typing_models.lognormal, _lognormal(95.0), (300.0, 1500.0)),
    "ghost-cursor": Bot(paths.ghost_cursor, typing_models.humantyping, _uniform(0.5, 3.0)),
    "windmouse": Bot(paths.windmouse, typing_models.uniform, _uniform(20.0, 120.0)),
    "humancursor": Bot(paths.humancursor, typing_models.humantyping, _uniform(0.5, 3.0)),
    "pyclick": Bot(paths.pyclick, typing_models.uniform, _uniform(0.5, 3.0)),
    "humantyping": Bot(None, typing_models.humantyping, _const(0.0)),
    "typing-constant": Bot(None, typing_models.constant, _const(0.0)),
    "typing-uniform": Bot(None, typing_models.uniform, _const(0.0)),
    "typing-lognormal": Bot(None, typing_models.lognormal, _const(0.0)),
    # Held out: never in the training bots (see HELD_OUT).
    "eased-line": Bot(heldout.eased_line, heldout.pyautogui_write, _uniform(0.1, 1.5), (100.0, 400.0)),
    "cdp-steps": Bot(heldout.cdp_steps, heldout.cdp_type, _uniform(0.3, 2.0), (50.0, 300.0)),
    "min-jerk": Bot(heldout.min_jerk, heldout.drifting_tempo, _lognormal(100.0), (300.0, 1500.0)),
    "oxymouse-bezier": Bot(heldout.oxymouse_bezier, heldout.cdp_type, _uniform(0.3, 2.0), (50.0, 300.0)),
    "oxymouse-gaussian": Bot(heldout.oxymouse_gaussian, heldout.cdp_type, _uniform(0.3, 2.0), (50.0, 300.0)),
    "cursory": Bot(heldout.cursory, heldout.drifting_tempo, _lognormal(100.0), (300.0, 1500.0)),
    "mousehumanizer": Bot(desktop.mousehumanizer, heldout.drifting_tempo, _uniform(0.1, 1.0)),
    "pyhm": Bot(desktop.pyhm, heldout.pyautogui_write, _uniform(0.1, 1.5), (100.0, 400.0)),
    "smart-mouse": Bot(desktop.smart_mouse, heldout.drifting_tempo, _uniform(0.1, 1.0), (300.0, 800.0)),
    "drifting-typist": Bot(None, heldout.drifting_tempo, _const(0.0)),
    "humanized-autotyper": Bot(None, autotyper.humanized_autotyper, _const(0.0)),
    "puppeteer-humanize": Bot(None, typing_models.puppeteer_humanize, _const(0.0)),
    # Their own clicks, waits and typing (cursor-humanizer types with human-typer's Playwright mode).
    "cloakbrowser-human": FormBot(browser_libs.cloakbrowser_human),
    "cursor-humanizer": FormBot(browser_libs.cursor_humanizer),
    # click_at's own 50-150 ms before pyautogui's click, released at once (0.1-1 ms, as for
    # mousehumanizer and smart-mouse); neither library pauses between steps: the default pauses.
    "humanmovemouse": Bot(
        desktop.humanmovemouse, typing_libs.human_keyboard, _uniform(0.1, 1.0), aim=(50.0, 150.0)
    ),
    # A Java desktop script: Robot's press and release around a sleep of its own, Robot's keys.
    "naturalmouse": Bot(java_libs.naturalmouse, heldout.drifting_tempo, _lognormal(100.0), (300.0, 1500.0)),
    # A desktop script of the library's own form calls: its moves, clicks, waits and typing.
    "nothingtoseehere": FormBot(neuromotor.nothingtoseehere),
    "cloakbrowser-typist": Bot(None, browser_libs.cloakbrowser_typist, _const(0.0)),
    "human-keyboard": Bot(None, typing_libs.human_keyboard, _const(0.0)),
    "keyboardhumanizer": Bot(None, typing_libs.keyboardhumanizer, _const(0.0)),
    "human-typer": Bot(None, typing_libs.human_typer, _const(0.0)),
    "nothingtoseehere-typist": Bot(None, neuromotor.nothingtoseehere_typist, _const(0.0)),
}
"""Generator name -> bot. ``replay`` (replayed human movements) is added by :func:`generate`."""

HELD_OUT = (
    "eased-line",
    "cdp-steps",
    "min-jerk",
    "oxymouse-bezier",
    "oxymouse-gaussian",
    "cursory",
    "mousehumanizer",
    "pyhm",
    "smart-mouse",
    "drifting-typist",
    "puppeteer-humanize",
    "humanized-autotyper",
    "cloakbrowser-human",
    "cursor-humanizer",
    "humanmovemouse",
    "naturalmouse",
    "nothingtoseehere",
    "cloakbrowser-typist",
    "human-keyboard",
    "keyboardhumanizer",
    "human-typer",
    "nothingtoseehere-typist",
)
"""Generators kept out of the shipped model's training bots: they measure how the engine does
on bots it was not fitted to (``make data`` writes them, ``make train-data`` never does)."""

REPLAY = "replay"
GENERATOR_NAMES = (*sorted(GENERATORS), REPLAY)
"""The bot generators (``generate`` also makes ``composite-human`` sessions of real people)."""


@dataclass(frozen=True, slots=True)
class _Plan:
    viewport: tuple[int, int]
    start: tuple[float, float]
    targets: list[Box]
    user_keys: list[KeyClass]
    password_keys: list[KeyClass]


def _plan(rng: np.random.Generator) -> _Plan:
    width, height = (
        int(rng.choice([1280, 1366, 1440, 1536, 1920])),
        int(rng.choice([720, 768, 864, 900, 1080])),
    )
    cx = width / 2 + rng.uniform(-150, 150)
    top = height * rng.uniform(0.25, 0.4)
    targets = [
        (cx - 140, top, 280.0, 36.0),
        (cx - 140, top + 60, 280.0, 36.0),
        (cx - 60, top + 130, 120.0, 40.0),
    ]
    user = [KeyClass.LETTER] * int(rng.integers(5, 10)) + [KeyClass.DIGIT] * int(rng.integers(0, 4))
    password = list(
        rng.choice(
            [KeyClass.LETTER, KeyClass.LETTER, KeyClass.DIGIT, KeyClass.PUNCTUATION], int(rng.integers(8, 15))
        )
    )
    start = (float(rng.uniform(0, width)), float(rng.uniform(0, height)))
    return _Plan((width, height), start, targets, user, [KeyClass(int(k)) for k in password])


def _point_in(rng: np.random.Generator, box: Box) -> tuple[float, float]:
    x, y, w, h = box
    return float(x + w * rng.uniform(0.2, 0.8)), float(y + h * rng.uniform(0.25, 0.75))


def desktop_device(viewport: tuple[int, int]) -> Device:
    """The ordinary desktop Chrome every generated session reports (screen ``viewport``)."""
    width, height = viewport
    return Device(
        user_agent=(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36"
        ),
        platform="Win32",
        languages=("en-US", "en"),
        webdriver=False,
        plugins_count=5,
        plugins_is_plugin_array=True,
        hardware_concurrency=8,
        screen_width=width,
        screen_height=height,
        outer_width=width,
        outer_height=height - 40,
        inner_width=width,
        inner_height=height - 140,
        device_pixel_ratio=1.0,
        color_depth=24,
        max_touch_points=0,
        has_chrome_object=True,
        vendor="Google Inc.",
    )


class _Recorder:
    def __init__(self) -> None:
        self.t: list[float] = []
        self.kind: list[int] = []
        self.x: list[float] = []
        self.y: list[float] = []
        self.button: list[int] = []
        self.key_class: list[int] = []
        self.now = 0.0

    def add(self, t: float, kind: EventKind, x: float = 0.0, y: float = 0.0, key: int = 0) -> None:
        self.t.append(t)
        self.kind.append(kind)
        self.x.append(x)
        self.y.append(y)
        self.button.append(0)
        self.key_class.append(key)

    def keys(self, keys: Sequence[Key]) -> None:
        for down, up, cls in keys:
            self.add(self.now + down, EventKind.KEY_DOWN, key=cls)
            self.add(self.now + up, EventKind.KEY_UP, key=cls)
        if keys:
            self.now += max(up for _, up, _ in keys)

    def columns(self) -> EventColumns:
        return columns(self.t, self.kind, self.x, self.y, self.button, self.key_class)


def _login(rng: np.random.Generator, bot: Bot, plan: _Plan, moves: list[Path3]) -> EventColumns:
    rec = _Recorder()
    rec.now = float(rng.uniform(*bot.pause))
    for index, path in enumerate(moves):
        for t, x, y in path[1:] if index or len(path) < 2 else path:
            rec.add(rec.now + float(t), EventKind.MOVE, float(x), float(y))
        rec.now += float(path[-1, 0]) + float(rng.uniform(*bot.aim) if bot.pause[0] != bot.pause[1] else 0.0)
        end_x, end_y = float(path[-1, 1]), float(path[-1, 2])
        rec.add(rec.now, EventKind.DOWN, end_x, end_y)
        rec.now += bot.dwell(rng)
        rec.add(rec.now, EventKind.UP, end_x, end_y)
        rec.now += float(rng.uniform(*bot.pause))
        if index < 2:
            rec.keys(bot.typing(rng, plan.user_keys if index == 0 else plan.password_keys))
            rec.now += float(rng.uniform(*bot.pause))
    return rec.columns()


def _sentence(rng: np.random.Generator) -> list[KeyClass]:
    out: list[KeyClass] = []
    for _ in range(int(rng.integers(5, 10))):
        out.extend([KeyClass.LETTER] * int(rng.integers(2, 9)))
        out.append(KeyClass.SPACE)
    out[-1] = KeyClass.PUNCTUATION
    return out


def generate(name: str, count: int, seed: int, human: Sequence[Trace] = ()) -> Iterator[Trace]:
    """``count`` bot sessions of generator ``name``; ``replay`` needs ``human`` traces with clicks.

    ``composite-human`` is the exception: human sessions composed of the real pointer and typing
    recordings in ``human`` (see :mod:`botsift_server.evaluation._composite`).
    """
    if name == COMPOSITE_HUMAN:
        yield from compose_humans(human, count, seed)
        return
    rng = np.random.default_rng([seed, sum(map(ord, name))])
    bot: Bot | FormBot
    if name == REPLAY:
        from botsift_server.evaluation._bot_replay import replay_model

        bot = Bot(replay_model(human), typing_models.lognormal, _lognormal(95.0), (300.0, 1500.0))
    elif name in GENERATORS:
        bot = GENERATORS[name]
    else:
        raise ValueError(f"unknown generator {name!r} (known: {', '.join(GENERATOR_NAMES)})")
    run = f"generated/{name}/seed{seed}"
    common = {"label": "bot", "source": f"generated/{name}"}
    if isinstance(bot, FormBot):
        for i in range(count):
            plan = _plan(rng)
            device = desktop_device(plan.viewport)
            viewport = (device.inner_width or plan.viewport[0], device.inner_height or plan.viewport[1])
            form = LoginForm(viewport, tuple(plan.targets), tuple(plan.user_keys), tuple(plan.password_keys))
            events = bot.form(rng, form)
            sid = f"{run}/{i}"
            yield Trace(session_id=sid, person=sid, events=events, device=device, action="login", **common)  # type: ignore[arg-type]
        return
    if bot.pointer is None:
        for i in range(count):
            rec = _Recorder()
            rec.keys(bot.typing(rng, _sentence(rng)))
            sid = f"{run}/{i}"
            yield Trace(session_id=sid, person=sid, events=rec.columns(), action="typing", **common)  # type: ignore[arg-type]
        return
    plans = [_plan(rng) for _ in range(count)]
    wanted: list[Move] = []
    for plan in plans:
        position = plan.start
        for box in plan.targets:
            target = _point_in(rng, box)
            wanted.append((*position, *target))
            position = target
    all_paths = bot.pointer(rng, wanted) if wanted else []
    for i, plan in enumerate(plans):
        moves = all_paths[3 * i : 3 * i + 3]
        yield Trace(
            session_id=f"{run}/{i}",
            person=f"{run}/{i}",
            events=_login(rng, bot, plan, moves),
            device=desktop_device(plan.viewport),
            action="login",
            **common,  # type: ignore[arg-type]
        )
