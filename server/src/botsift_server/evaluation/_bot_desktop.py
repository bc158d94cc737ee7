"""Held-out desktop mouse libraries, run unchanged on a virtual clock: PyPI ``mousehumanizer``,
``pyHM``, ``smart-mouse`` and ``HumanMoveMouse`` (all MIT).

All move the system pointer (pynput, pyautogui), so a page gets their moves as it gets a
mouse's. Here each library's own movement code runs with the pointer replaced by a recorder and
its waits by a virtual clock; each move it injects takes 0.05-0.2 ms, as an OS injection does.

- ``mousehumanizer`` 0.1.3, ``HumanMouseController.move`` (its ``pynput`` controller): a
  quadratic Bezier with a random bow, 30-60 points with ±1 px of noise cut to whole pixels, one
  per sleep of 2-8 ms, and a 30-90 ms rest at the end; 5% of moves overshoot 20-60 px right and
  down and come back, 10% fidget around the target afterwards. (Its Linux controller draws
  another small curve between every two of those points; the simpler controller is used.)
- ``pyHM`` 0.0.7, ``Mouse.move``: a spline through 2-15 points on the line, each nudged by up to
  7-12 px, sampled at as many points as the screen is wide (1920) and cut to whole pixels; each
  point is warped to (pyautogui's X11 ``_moveTo``), then a busy loop of ``duration`` iterations
  waits (about 25 ns each in CPython); repeated positions make no event. When SciPy refuses
  the spline (nudged points that coincide), the move is tried again, as a script would.
- ``smart-mouse`` 1.0.5, ``SmartMouse.move_to``: replays a person. It picks one of the human
  strokes it ships (``mousedata.json``: per distance band and one of eight directions, each a
  stroke's whole-pixel steps off its straight line and the milliseconds between them), lays
  those steps along the straight line from start to target and sets each point, then sleeps
  the recorded interval (at least 1 ms); a last move lands on the target exactly. Clicks are
  pynput's, released at once.
- ``HumanMoveMouse`` 1.2.0 (imports as ``humanmouse``), ``HumanMouseController().move_to``
  (defaults: 100 points, 0.3 px jitter, speed 1): a model fitted to human recordings and
  bundled as a pickle (a scikit-learn PCA of the strokes' shapes, and Gaussian mixtures of shape
  and of length and duration) draws the stroke's sideways bow and its duration, scaled by the
  move's length over the drawn one (a 600 px move: 0.45-1.4 s, median 0.74 s). The 100 points
  are spaced along the line and in time by the same minimum-jerk profile, so the pointer keeps
  about one speed from start to end: points under 1 ms apart at both ends, 15-20 ms apart
  mid-way. Gaussian jitter (sd 0.3 px) grows from none at the start. Each point goes to
  pyautogui's ``moveTo`` (cut to whole pixels; a repeated position makes no event, so 93-100
  moves) and then its interval is slept. Its ``click_at`` waits 50-150 ms after the move and
  clicks with pyautogui, released at once.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import types
import warnings
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any, NamedTuple

import numpy as np
from scipy import interpolate  # type: ignore[import-untyped]  # ships no types

from botsift_server.evaluation._bot_paths import (
    Move,
    Path3,
    _bare_package,
    _Clock,
    _load_file,
    _package_dir,
    _replaced,
    _seeded_globals,
    _stand_ins,
)

INJECT_MS = (0.05, 0.2)
"""Time one injected pointer move takes (uniform range, ms)."""
BUSY_LOOP_NS = 25.0
"""Time one iteration of pyHM's ``for i in range(duration): pass`` takes (CPython 3.11)."""
SCREEN = (1920, 1080)


class _Pointer:
    """The system pointer as the libraries see it: every position set is recorded on the clock."""

    def __init__(self, clock: _Clock, rng: np.random.Generator, start: tuple[int, int]) -> None:
        self.clock, self.rng = clock, rng
        self.rows: list[tuple[float, float, float]] = [(0.0, float(start[0]), float(start[1]))]
        self.at = start

    @property
    def position(self) -> tuple[int, int]:
        return self.at

    @position.setter
    def position(self, xy: tuple[int, int]) -> None:
        xy = (int(xy[0]), int(xy[1]))
        if xy != self.at:  # the OS makes no motion event for the position it already has
            self.rows.append((1000.0 * self.clock.seconds, float(xy[0]), float(xy[1])))
            self.at = xy
        self.clock.seconds += float(self.rng.uniform(*INJECT_MS)) / 1000.0

    def path(self) -> Path3:
        """The moves recorded, from the start; the click lands where the last one left the pointer."""
        rows = np.array(self.rows, np.float64)
        rows[:, 0] -= rows[0, 0]
        return rows


def _stub(name: str, **members: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(members)
    return module


def _bare_pynput() -> contextlib.AbstractContextManager[None]:
    """``pynput.mouse`` with bare ``Controller`` and ``Button`` names, for modules that import them
    (the real one needs an X server or Windows)."""
    mouse = _stub("pynput.mouse", Controller=object, Button=types.SimpleNamespace(left="left", right="right"))
    return _stand_ins({"pynput": _stub("pynput", mouse=mouse), "pynput.mouse": mouse})


@cache
def _mousehumanizer() -> Any:
    # The package's __init__ picks a controller by platform and imports pynput; the controller
    # module needs only ``pynput.mouse``'s names.
    with _bare_pynput():
        return _load_file(
            "_botsift_mousehumanizer_controller", _package_dir("mousehumanizer") / "windows_controller.py"
        )


def mousehumanizer(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """``HumanMouseController.move`` of mousehumanizer for each move (see the module docstring)."""
    module = _mousehumanizer()
    out = []
    with _seeded_globals(int(rng.integers(2**31))), contextlib.redirect_stdout(io.StringIO()):
        for x0, y0, x1, y1 in moves:
            clock = _Clock()
            module.time = clock  # the module's own ``time``: sleeps advance the virtual clock
            controller = module.HumanMouseController.__new__(module.HumanMouseController)
            controller.screen_width, controller.screen_height = SCREEN
            controller.tolerance = 8
            controller.mouse = pointer = _Pointer(clock, rng, (int(x0), int(y0)))
            controller.move((round(x1), round(y1)))
            out.append(pointer.path())
    return out


@cache
def _pyhm() -> Any:
    # pyHM's __init__ imports pyautogui (a display); its Mouse takes its dependencies as arguments.
    return _load_file("_botsift_pyhm_mouse", _package_dir("pyHM") / "mouse.py").Mouse


class _Point(NamedTuple):
    x: int
    y: int


class _PyAutoGui:
    """The part of pyautogui pyHM's ``Mouse`` and HumanMoveMouse's controller use, moving the
    recorder."""

    def __init__(self, pointer: _Pointer) -> None:
        self.pointer = pointer
        self.platformModule = types.SimpleNamespace(_moveTo=self._move_to)

    def _move_to(self, x: int, y: int) -> None:
        self.pointer.position = (x, y)

    def moveTo(self, x: float, y: float, duration: float = 0.0, **_: Any) -> None:  # noqa: N802  # pyautogui's name
        """An instant move (``duration`` 0): pyautogui cuts the position to whole pixels."""
        if duration:
            raise NotImplementedError("pyautogui's tweened moves are not needed")
        self._move_to(int(x), int(y))

    def position(self) -> _Point:
        return _Point(*self.pointer.position)

    def size(self) -> tuple[int, int]:
        return SCREEN


def pyhm(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """``Mouse.move`` of pyHM for each move (see the module docstring)."""
    import random  # pyHM draws from the module it is given: the global one, seeded below

    mouse_class = _pyhm()
    out = []
    with _seeded_globals(int(rng.integers(2**31))):
        for x0, y0, x1, y1 in moves:
            clock = _Clock()
            pointer = _Pointer(clock, rng, (int(x0), int(y0)))
            mouse = mouse_class(
                {"interpolate": interpolate, "pyautogui": _PyAutoGui(pointer), "numpy": np, "random": random}
            )
            mouse.wait = lambda duration, clock=clock: clock.sleep(duration * BUSY_LOOP_NS * 1e-9)
            for _ in range(10):
                try:
                    mouse.move(round(x1), round(y1))
                    break
                except ValueError:
                    # SciPy refuses a spline through nudged points that coincide; the script tries again.
                    continue
            out.append(pointer.path())
    return out


@cache
def _smart_mouse() -> Any:
    # The module imports pynput.mouse's ``Button`` (and ``Controller`` when it can), and reads the
    # strokes it replays from its own folder.
    with _bare_pynput():
        module = _load_file("_botsift_smart_mouse_core", _package_dir("smart_mouse") / "core.py")
    return module.SmartMouse(enable_mouse_control=False), module


def smart_mouse(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """``SmartMouse.move_to`` of smart-mouse for each move (see the module docstring)."""
    mover, module = _smart_mouse()
    out = []
    with _seeded_globals(int(rng.integers(2**31))):  # it picks a recorded stroke with ``random``
        for x0, y0, x1, y1 in moves:
            clock = _Clock()
            module.time = clock  # the module's own ``time``: sleeps advance the virtual clock
            mover.mouse = pointer = _Pointer(clock, rng, (int(x0), int(y0)))
            mover.move_to(round(x1), round(y1))
            out.append(pointer.path())
    return out


@cache
def _humanmovemouse() -> Any:
    # The package's __init__ imports its pynput recorder; its model module imports pandas, used
    # only to train from CSV files. Its import silences two scikit-learn warnings for the whole
    # process: kept to the calls below instead.
    directory = _package_dir("humanmouse")
    with (
        _stand_ins(
            {
                "humanmouse": _bare_package("humanmouse", directory),
                "pyautogui": _stub("pyautogui"),
                "pandas": _stub("pandas"),
            }
        ),
        warnings.catch_warnings(),
    ):
        return importlib.import_module("humanmouse.controllers.mouse_controller")


@contextlib.contextmanager
def _model_warnings_ignored() -> Iterator[None]:
    """The warnings HumanMoveMouse silences itself: its pickle is of scikit-learn 1.7.1, and its
    mixtures' covariances are not all positive semi-definite."""
    from sklearn.exceptions import InconsistentVersionWarning  # type: ignore[import-untyped, unused-ignore]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InconsistentVersionWarning)
        warnings.filterwarnings(
            "ignore", "covariance is not symmetric positive-semidefinite", category=RuntimeWarning
        )
        yield


def humanmovemouse(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """``HumanMouseController().move_to`` of HumanMoveMouse for each move (see the module docstring)."""
    module = _humanmovemouse()
    out = []
    # It seeds each stroke with random.randint of the global generator.
    with _seeded_globals(int(rng.integers(2**31))), _model_warnings_ignored():
        for x0, y0, x1, y1 in moves:
            clock = _Clock()
            pointer = _Pointer(clock, rng, (int(x0), int(y0)))
            # (The module is imported under its own name: put its globals back afterwards.)
            with _replaced(module, time=clock, pyautogui=_PyAutoGui(pointer)):
                module.HumanMouseController().move_to((round(x1), round(y1)))
            out.append(pointer.path())
    return out
