"""Held-out bots: generators the shipped model is never trained on, to measure generalisation.

The engine is judged on bot generators nobody tuned it for. These stand for families the
training bots do not cover, each written the way its tool drives a browser:

- ``eased-line``: pyautogui's ``moveTo(x, y, duration, tween)``: a straight line eased by a
  pytweening function, one step per sleep of at least 50 ms (pyautogui's ``MINIMUM_SLEEP``),
  integer pixels; ``click()`` and ``write()`` press and release at once.
- ``cdp-steps``: Puppeteer/Playwright ``mouse.move(x, y, {steps})``: a straight line dispatched
  step after step as fast as the DevTools protocol answers (0.3-3 ms apart), fractional pixels;
  ``keyboard.type(text, {delay})`` holds each key for ``delay`` and presses the next at once.
- ``min-jerk``: a careful hand-made bot: curved minimum-jerk strokes with an overshoot and a
  correction, 0.6 px tremor, events on display frames; clicks held ~100 ms; typing with a tempo
  that drifts (AR(1) on log intervals) and a longer pause after a space; ``drifting-typist``
  types sentences with that rhythm alone.

- ``oxymouse-bezier`` and ``oxymouse-gaussian``: PyPI ``oxymouse`` (MIT, Oxylabs), paths of 60
  integer points per movement (a random Bezier curve; a smoothed random walk laid on a curve) that
  its README has a browser driver send one by one: a session sends each point when the last
  ``page.mouse.move`` returns (0.3-3 ms apart), or one per display frame as the library assumes.

- ``cursory``: PyPI ``cursory`` (LGPL-3.0), which picks one of 2,356 recorded human
  movements near the wanted direction and length, resamples it at 60 Hz with the recording's
  own rhythm of intervals, and bends, knots and jitters it onto the target; a script sleeps
  each interval before the next ``page.mouse.move``. It types with ``drifting-typist``'s rhythm.
  No rule was drawn from it.

``make data`` writes them beside the other bots; ``make train-data`` never does.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import pytweening  # type: ignore[import-untyped]  # ships no types

from botsift_server.engine import KeyClass
from botsift_server.evaluation._bot_paths import (
    Move,
    Path3,
    PathModel,
    _bare_package,
    _load_file,
    _package_dir,
    _seeded_globals,
    _stand_ins,
)
from botsift_server.evaluation._bot_typing import Key

DEVTOOLS_CALL_MS = (0.3, 3.0)
"""Time one awaited Playwright or Puppeteer call takes, a DevTools round trip (uniform range, ms): a
script that awaits each ``page.mouse.move`` sends the next point when the last one returns."""

_TWEENS = (pytweening.linear, pytweening.easeInOutQuad, pytweening.easeOutQuad, pytweening.easeInOutSine)
_PYAUTOGUI_MINIMUM_SLEEP_MS = 50.0


def eased_line(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """pyautogui ``moveTo`` with a random tween and a 0.3-1.0 s duration."""
    out = []
    for x0, y0, x1, y1 in moves:
        tween = _TWEENS[int(rng.integers(len(_TWEENS)))]
        duration = float(rng.uniform(300.0, 1000.0))
        steps = max(abs(x1 - x0), abs(y1 - y0))
        if steps == 0 or duration / steps < _PYAUTOGUI_MINIMUM_SLEEP_MS:
            steps = max(1, int(duration / _PYAUTOGUI_MINIMUM_SLEEP_MS))
        n = int(steps)
        points = [pytweening.getPointOnLine(x0, y0, x1, y1, tween(i / n)) for i in range(n + 1)]
        xy = np.round(np.array(points, np.float64))
        # Each step sleeps duration / n, plus the time the move itself takes (0.1-2 ms).
        gaps = duration / n + rng.uniform(0.1, 2.0, n)
        t = np.concatenate(([0.0], np.cumsum(gaps)))
        out.append(np.column_stack((t, xy)))
    return out


def cdp_steps(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """``mouse.move(x, y, {steps})`` with 5-40 steps, each dispatched after the previous returns."""
    out = []
    for x0, y0, x1, y1 in moves:
        n = int(rng.integers(5, 41))
        f = np.linspace(0.0, 1.0, n + 1)
        t = np.concatenate(([0.0], np.cumsum(rng.uniform(*DEVTOOLS_CALL_MS, n))))
        out.append(np.column_stack((t, x0 + (x1 - x0) * f, y0 + (y1 - y0) * f)))
    return out


def min_jerk(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """Curved minimum-jerk strokes with overshoot, tremor and frame-timed events."""
    out = []
    for x0, y0, x1, y1 in moves:
        length = float(np.hypot(x1 - x0, y1 - y0))
        duration = 200.0 + 150.0 * np.log2(1.0 + length / 20.0) * rng.lognormal(0.0, 0.2)
        frames = rng.choice([16.7, 16.7, 16.7, 8.3, 33.3], int(duration / 8.0) + 8)
        t = np.concatenate(([0.0], np.cumsum(frames + rng.normal(0.0, 0.8, len(frames)))))
        t = t[t <= duration]
        tau = t / t[-1] if t[-1] > 0 else t
        progress = 10 * tau**3 - 15 * tau**4 + 6 * tau**5
        overshoot = float(rng.uniform(1.02, 1.08))
        progress = progress * overshoot - (overshoot - 1.0) * np.clip((tau - 0.8) / 0.2, 0.0, 1.0) ** 2
        bow = rng.normal(0.0, 0.08) * length * np.sin(np.pi * np.clip(progress, 0.0, 1.0))
        ux, uy = ((x1 - x0) / length, (y1 - y0) / length) if length else (0.0, 0.0)
        x = x0 + (x1 - x0) * progress - uy * bow + rng.normal(0.0, 0.6, len(t))
        y = y0 + (y1 - y0) * progress + ux * bow + rng.normal(0.0, 0.6, len(t))
        x[0], y[0], x[-1], y[-1] = x0, y0, x1, y1
        out.append(np.column_stack((t, np.round(x), np.round(y))))
    return out


@cache
def _oxymouse() -> tuple[Any, Any]:
    # oxymouse's __init__ imports its Perlin module (a C extension, ``noise``) and matplotlib;
    # the Bezier and Gaussian modules need numpy and scipy only: load them under bare packages.
    directory = _package_dir("oxymouse") / "algorithms"
    with _stand_ins(
        {
            "oxymouse": _bare_package("oxymouse", directory.parent),
            "oxymouse.algorithms": _bare_package("oxymouse.algorithms", directory),
        }
    ):
        _load_file("oxymouse.algorithms.base", directory / "base.py")
        bezier = _load_file(
            "oxymouse.algorithms.bezier_mouse.bezier_mouse", directory / "bezier_mouse" / "bezier_mouse.py"
        )
        gaussian = _load_file(
            "oxymouse.algorithms.gaussian_mouse.gaussian_mouse",
            directory / "gaussian_mouse" / "gaussian_mouse.py",
        )
    return bezier.BezierMouse, gaussian.GaussianMouse


_FRAME_MS = 1000.0 / 60.0


def _oxymouse_model(algorithm: int) -> PathModel:
    def model(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
        mouse = _oxymouse()[algorithm]
        out = []
        framed = False
        with _seeded_globals(int(rng.integers(2**31))):
            for i, (x0, y0, x1, y1) in enumerate(moves):
                if i % 3 == 0:  # each login session (three moves) paces its own way
                    framed = bool(rng.random() < 0.5)
                points = np.asarray(
                    mouse.generate_coordinates(int(x0), int(y0), int(x1), int(y1)), np.float64
                )
                # Each point is sent once the last page.mouse.move returns (a DevTools round trip),
                # or that plus a sleep of one display frame.
                gaps = rng.uniform(*DEVTOOLS_CALL_MS, points.shape[0] - 1) + (_FRAME_MS if framed else 0.0)
                out.append(np.column_stack((np.concatenate(([0.0], np.cumsum(gaps))), points)))
        return out

    return model


oxymouse_bezier = _oxymouse_model(0)
oxymouse_bezier.__doc__ = "oxymouse's ``bezier`` paths, sent point by point (see the module docstring)."
oxymouse_gaussian = _oxymouse_model(1)
oxymouse_gaussian.__doc__ = "oxymouse's ``gaussian`` paths, sent point by point (see the module docstring)."


def cursory(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """cursory's ``generate_trajectory`` (60 Hz), each point sent after sleeping its interval."""
    from cursory import generate_trajectory  # type: ignore[import-not-found, unused-ignore]  # (typed; installed by make generators)

    out = []
    for x0, y0, x1, y1 in moves:
        points, timings = generate_trajectory((x0, y0), (x1, y1), seed=int(rng.integers(2**31)))
        xy = np.asarray(points, np.float64).reshape(-1, 2)
        # Each sleep, then the DevTools round trip of the move (0.3-3 ms).
        gaps = np.diff(np.asarray(timings, np.float64)) + rng.uniform(*DEVTOOLS_CALL_MS, xy.shape[0] - 1)
        out.append(np.column_stack((np.concatenate(([0.0], np.cumsum(gaps))), xy)))
    return out


def pyautogui_write(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """``pyautogui.write(text, interval)``: down and up at once; a fixed interval, or (half the
    sessions) a script's ``sleep(random.uniform(0.05, 0.2))`` between presses."""
    fixed = rng.random() < 0.5
    interval = float(rng.choice([50.0, 100.0, 150.0]))
    keys: list[Key] = []
    t = 0.0
    for c in classes:
        keys.append((t, t + float(rng.uniform(0.1, 1.5)), int(c)))
        t += (interval if fixed else float(rng.uniform(50.0, 200.0))) + float(rng.uniform(0.1, 2.0))
    return keys


def cdp_type(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """``keyboard.type(text, {delay})``: each key held for ``delay``, the next pressed on release."""
    delay = float(rng.choice([0.0, 20.0, 50.0, 100.0]))
    keys: list[Key] = []
    t = 0.0
    for c in classes:
        up = t + delay + float(rng.uniform(0.3, 2.0))
        keys.append((t, up, int(c)))
        t = up + float(rng.uniform(0.3, 2.0))
    return keys


def drifting_tempo(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """Log-normal intervals whose tempo drifts (AR(1), 0.7) and lengthen 1.5x after a space;
    log-normal holds (median 95 ms)."""
    keys: list[Key] = []
    t, tempo = 0.0, 0.0
    for c in classes:
        tempo = 0.7 * tempo + float(rng.normal(0.0, 0.25))
        keys.append((t, t + float(rng.lognormal(np.log(95.0), 0.2)), int(c)))
        gap = float(rng.lognormal(np.log(170.0) + tempo, 0.3))
        t += 1.5 * gap if c is KeyClass.SPACE else gap
    return keys
