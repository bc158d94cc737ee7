"""Pointer paths of bots: scripted ones of our own and those of public bot libraries.

A path model takes a seeded generator and a list of moves ``(x0, y0, x1, y1)`` and returns one
array per move, of rows ``(t_ms from the move's start, x, y)`` starting at the start point and
ending at the end point. Library paths are used as their drivers would emit them; where a
library gives no times (HumanCursor, pyclick), points are spaced evenly over a duration, the way
pyautogui and Selenium action chains replay them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import random
import subprocess
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Move = tuple[float, float, float, float]
Path3 = npt.NDArray[np.float64]
PathModel = Callable[[np.random.Generator, Sequence[Move]], list[Path3]]

NODE_GENERATORS = Path(__file__).resolve().parents[4] / "tools" / "generators"
"""The Node package holding the npm bot libraries (installed by ``make generators``)."""


def _line(move: Move, n: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    x0, y0, x1, y1 = move
    f = np.linspace(0.0, 1.0, max(n, 2))
    return x0 + (x1 - x0) * f, y0 + (y1 - y0) * f


def _steps(move: Move, pixels_per_step: float) -> int:
    return max(2, int(np.hypot(move[2] - move[0], move[3] - move[1]) / pixels_per_step) + 1)


def linear(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """Straight lines at constant speed, one point every 10 ms (the classic script)."""
    out = []
    for move in moves:
        x, y = _line(move, _steps(move, 20.0))
        out.append(np.column_stack((np.arange(len(x)) * 10.0, x, y)))
    return out


def teleport(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """No path: the pointer appears on the target (``element.click()`` in a driver)."""
    return [np.array([[0.0, m[0], m[1]], [1.0, m[2], m[3]]]) for m in moves]


def _curve(rng: np.random.Generator, move: Move, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A quadratic Bezier with a random control point beside the straight line."""
    x0, y0, x1, y1 = move
    length = float(np.hypot(x1 - x0, y1 - y0))
    bend = rng.normal(0.0, 0.15) * length
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    nx, ny = (-(y1 - y0) / length, (x1 - x0) / length) if length else (0.0, 0.0)
    cx, cy = mx + bend * nx, my + bend * ny
    f = np.linspace(0.0, 1.0, n)
    x = (1 - f) ** 2 * x0 + 2 * (1 - f) * f * cx + f**2 * x1
    y = (1 - f) ** 2 * y0 + 2 * (1 - f) * f * cy + f**2 * y1
    return x, y


def constant_interval(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """Smooth curves sampled at exactly 16 ms with an eased (not constant) speed."""
    out = []
    for move in moves:
        n = _steps(move, 12.0)
        x, y = _curve(rng, move, n)
        ease = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n))
        idx = ease * (n - 1)
        xi = np.interp(idx, np.arange(n), x)
        yi = np.interp(idx, np.arange(n), y)
        out.append(np.column_stack((np.arange(n) * 16.0, xi, yi)))
    return out


def uniform_jitter(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """Straight lines with uniform ±3 px noise on points and uniform 5-25 ms intervals."""
    out = []
    for move in moves:
        x, y = _line(move, _steps(move, 15.0))
        x[1:-1] += rng.uniform(-3, 3, len(x) - 2)
        y[1:-1] += rng.uniform(-3, 3, len(y) - 2)
        t = np.concatenate(([0.0], np.cumsum(rng.uniform(5.0, 25.0, len(x) - 1))))
        out.append(np.column_stack((t, x, y)))
    return out


def lognormal(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """A careful bot: curved paths, minimum-jerk speed, lognormal event intervals (median 12 ms)."""
    out = []
    for move in moves:
        length = float(np.hypot(move[2] - move[0], move[3] - move[1]))
        duration = 250.0 + 110.0 * np.log2(1.0 + length / 20.0) * rng.lognormal(0.0, 0.2)  # Fitts-like
        gaps = rng.lognormal(np.log(12.0), 0.35, int(duration / 8) + 4)
        t = np.concatenate(([0.0], np.cumsum(gaps)))
        t = t[t <= duration]
        tau = t / t[-1] if t[-1] > 0 else t
        progress = 10 * tau**3 - 15 * tau**4 + 6 * tau**5
        n = 200
        cx, cy = _curve(rng, move, n)
        x = np.interp(progress * (n - 1), np.arange(n), cx) + rng.normal(0, 0.4, len(t))
        y = np.interp(progress * (n - 1), np.arange(n), cy) + rng.normal(0, 0.4, len(t))
        x[0], y[0], x[-1], y[-1] = move
        out.append(np.column_stack((t, x, y)))
    return out


@contextlib.contextmanager
def _seeded_globals(seed: int) -> Iterator[None]:
    """Seed the global generators the libraries draw from, and put them back afterwards."""
    py_state, np_state = random.getstate(), np.random.get_state()
    random.seed(seed)
    np.random.seed(seed)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


class _Clock:
    """The ``time`` module as the library sees it: ``sleep`` advances a virtual clock."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def time(self) -> float:
        return 1_000_000.0 + self.seconds

    monotonic = perf_counter = time

    def sleep(self, seconds: float) -> None:
        self.seconds += max(0.0, float(seconds))


def _load_file(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def _stand_ins(modules: dict[str, types.ModuleType]) -> Iterator[None]:
    """``sys.modules`` with ``modules`` (by dotted name) in place while a library's file loads:
    bare packages, so that its ``__init__`` (which imports a browser, a display or a C extension)
    never runs, or stand-ins for what it imports. Put back afterwards."""
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


@contextlib.contextmanager
def _replaced(module: Any, **names: Any) -> Iterator[None]:
    """``module``'s globals ``names`` (a library's ``time``, its keyboard) in place while in use,
    put back afterwards."""
    saved = {name: getattr(module, name) for name in names}
    for name, value in names.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


def _bare_package(name: str, directory: Path) -> types.ModuleType:
    """A package ``name`` whose submodules load from ``directory``, without its ``__init__``."""
    bare = types.ModuleType(name)
    bare.__path__ = [str(directory)]
    return bare


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)  # finds without running the package's __init__
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{package} is not installed (run `make generators`)")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def _humancursor() -> Any:
    # The package's __init__ imports Selenium and pyautogui (a display); the curve module needs neither.
    return _load_file(
        "_botsift_humancursor_curve", _package_dir("humancursor") / "utilities" / "human_curve_generator.py"
    )


@cache
def _pyclick() -> Any:
    # pyclick/__init__ imports pyautogui; load its curve modules under a bare package instead.
    directory = _package_dir("pyclick")
    with _stand_ins({"pyclick": _bare_package("pyclick", directory)}):
        _load_file("pyclick._utils", directory / "_utils.py")
        _load_file("pyclick._beziercurve", directory / "_beziercurve.py")
        return _load_file("pyclick.humancurve", directory / "humancurve.py")


def _evenly_timed(points: np.ndarray, duration_ms: float) -> Path3:
    t = np.linspace(0.0, duration_ms, len(points))
    return np.column_stack((t, points[:, 0], points[:, 1]))


def humancursor(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """HumanCursor's ``HumanizeMouseTrajectory`` (web cursor settings), evenly timed over 0.3-1 s."""
    module = _humancursor()
    out = []
    with _seeded_globals(int(rng.integers(2**31))):
        for x0, y0, x1, y1 in moves:
            start, end = (int(x0), int(y0)), (int(x1), int(y1))
            curve = module.HumanizeMouseTrajectory(start, end, target_points=int(rng.integers(30, 80)))
            points = np.asarray(curve.points, dtype=np.float64)
            out.append(_evenly_timed(points, float(rng.uniform(300, 1000))))
    return out


def pyclick(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """pyclick's ``HumanCurve``, evenly timed over 0.3-1 s as ``HumanClicker.move`` does."""
    module = _pyclick()
    out = []
    with _seeded_globals(int(rng.integers(2**31))):
        for x0, y0, x1, y1 in moves:
            curve = module.HumanCurve((int(x0), int(y0)), (int(x1), int(y1)))
            points = np.asarray(curve.points, dtype=np.float64)
            out.append(_evenly_timed(points, float(rng.uniform(300, 1000))))
    return out


def run_node(script: str, request: dict[str, Any]) -> Any:
    """The JSON answer of Node driver ``script`` (in tools/generators) to ``request``."""
    result = subprocess.run(
        ["node", str(NODE_GENERATORS / script)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        failure = result.stderr.strip()
        raise RuntimeError(f"{request.get('generator')}: node failed: {failure} (run `make generators`)")
    return json.loads(result.stdout)


def _node(generator: str) -> PathModel:
    def model(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
        request = {
            "generator": generator,
            "seed": int(rng.integers(2**31)),
            "moves": [list(m) for m in moves],
        }
        return [np.asarray(p, dtype=np.float64).reshape(-1, 3) for p in run_node("paths.mjs", request)]

    model.__doc__ = f"npm ``{generator}`` paths, driven through Node (tools/generators/paths.mjs)."
    return model


ghost_cursor = _node("ghost-cursor")
windmouse = _node("windmouse")
