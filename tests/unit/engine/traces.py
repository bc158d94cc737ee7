"""Synthetic sessions for the engine tests: people and simple bots, built from a seeded generator."""

from __future__ import annotations

import dataclasses
import functools
import itertools
from pathlib import Path

import numpy as np
import numpy.typing as npt

from botsift_server.engine import (
    Assessment,
    Device,
    Engine,
    EventColumns,
    EventKind,
    KeyClass,
    SessionContext,
)
from botsift_server.evaluation import Trace, read_traces

CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)

CLEAN_CHROME = Device(
    user_agent=CHROME_UA,
    platform="Win32",
    languages=("en-GB", "en"),
    webdriver=False,
    plugins_count=5,
    plugins_is_plugin_array=True,
    hardware_concurrency=8,
    screen_width=1920,
    screen_height=1080,
    outer_width=1920,
    outer_height=1040,
    inner_width=1920,
    inner_height=937,
    device_pixel_ratio=1.0,
    max_touch_points=0,
    webgl_vendor="Google Inc. (NVIDIA)",
    webgl_renderer="ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)",
    notification_permission="default",
    notification_permission_query="prompt",
    document_focused=True,
    eval_length=33,
    product_sub="20030107",
    vendor="Google Inc.",
    pdf_viewer_enabled=True,
    cookies_enabled=True,
    has_chrome_object=True,
)

CLEAN_PHONE = dataclasses.replace(
    CLEAN_CHROME,
    user_agent=(
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36"
    ),
    platform="Linux armv8l",
    plugins_count=0,
    screen_width=412,
    screen_height=915,
    outer_width=412,
    outer_height=915,
    inner_width=412,
    inner_height=839,
    device_pixel_ratio=2.625,
    max_touch_points=5,
    touch_support=True,
    pdf_viewer_enabled=False,
)
"""An Android phone in Chrome whose signals agree with each other (a touch screen, no plugins)."""


def columns(
    t_ms: npt.ArrayLike,
    kind: npt.ArrayLike,
    x: npt.ArrayLike | None = None,
    y: npt.ArrayLike | None = None,
    key_class: npt.ArrayLike | None = None,
) -> EventColumns:
    """An :class:`EventColumns` from plain sequences (missing columns are zeros)."""
    t = np.asarray(t_ms, np.float64)
    n = t.shape[0]
    return EventColumns(
        t_ms=t,
        kind=np.asarray(kind, np.uint8),
        x=np.asarray(x if x is not None else np.zeros(n), np.float32),
        y=np.asarray(y if y is not None else np.zeros(n), np.float32),
        button=np.zeros(n, np.uint8),
        key_class=np.asarray(key_class if key_class is not None else np.zeros(n), np.uint8),
    )


def merge(*parts: EventColumns) -> EventColumns:
    """One time-ordered batch from several (stable: ties keep argument order)."""
    t = np.concatenate([p.t_ms for p in parts])
    order = np.argsort(t, kind="stable")
    return EventColumns(
        t_ms=t[order],
        kind=np.concatenate([p.kind for p in parts])[order],
        x=np.concatenate([p.x for p in parts])[order],
        y=np.concatenate([p.y for p in parts])[order],
        button=np.concatenate([p.button for p in parts])[order],
        key_class=np.concatenate([p.key_class for p in parts])[order],
    )


def split(cols: EventColumns, sizes: list[int]) -> list[EventColumns]:
    """Cut a batch into consecutive batches of these sizes (the last takes the rest)."""
    bounds = np.cumsum([0, *sizes, len(cols)])
    bounds = np.minimum(bounds, len(cols))
    out = []
    for lo, hi in itertools.pairwise(bounds.tolist()):
        out.append(
            EventColumns(
                t_ms=cols.t_ms[lo:hi],
                kind=cols.kind[lo:hi],
                x=cols.x[lo:hi],
                y=cols.y[lo:hi],
                button=cols.button[lo:hi],
                key_class=cols.key_class[lo:hi],
            )
        )
    return out


def assess_in_batches(
    engine: Engine, events: EventColumns, action: str, device: Device, batches: int = 1
) -> Assessment:
    """``engine``'s verdict (with ``action``'s thresholds) on ``events`` sent in ``batches``
    batches of about equal size."""
    engine = Engine(engine.config.for_action(action), engine.model)
    state = engine.start(SessionContext(action=action, device=device))
    sizes = [len(events) // batches] * (batches - 1)
    for part in split(events, [*sizes, len(events) - sum(sizes)]) if batches > 1 else [events]:
        engine.add(state, part)
    return engine.assess(state)


SAMPLE = Path(__file__).parent / "data" / "sample.jsonl"
"""Real and generated sessions (DELBOT humans and bots, Keystroke100 typists, our generators)."""


@functools.cache
def sample_traces() -> tuple[Trace, ...]:
    """The committed sample (read once)."""
    return tuple(read_traces(SAMPLE))


def human_strokes(source: str = "delbot/human/pc2") -> list[EventColumns]:
    """Real human mouse strokes of one DELBOT recording set (people dragging the pointer; MIT)."""
    return [t.events for t in sample_traces() if t.source == source and len(t.events) >= 20]


def human_mouse(rng: np.random.Generator, strokes: int = 10, t0_ms: float = 0.0) -> EventColumns:
    """Real human strokes of one recording set (one mouse and screen, as in one session), one
    after another, each ending in a click where the stroke ended."""
    pool = human_strokes(("delbot/human/pc1", "delbot/human/pc2", "delbot/human/vm")[int(rng.integers(3))])
    t_all: list[float] = []
    k_all: list[int] = []
    x_all: list[float] = []
    y_all: list[float] = []
    now = t0_ms
    for _ in range(strokes):
        ev = pool[int(rng.integers(len(pool)))]
        moves = ev.kind == int(EventKind.MOVE)
        t = ev.t_ms[moves] - ev.t_ms[moves][0]
        t_all.extend((now + t).tolist())
        k_all.extend([int(EventKind.MOVE)] * int(moves.sum()))
        x_all.extend(ev.x[moves].astype(float).tolist())
        y_all.extend(ev.y[moves].astype(float).tolist())
        now += float(t[-1])
        end = (float(ev.x[moves][-1]), float(ev.y[moves][-1]))
        if rng.random() < 0.8:
            now += rng.uniform(80.0, 250.0)
            t_all.extend([now, now + rng.uniform(60.0, 140.0)])
            k_all.extend([int(EventKind.DOWN), int(EventKind.UP)])
            x_all.extend([end[0]] * 2)
            y_all.extend([end[1]] * 2)
        now += rng.uniform(400.0, 1500.0)
    return columns(t_all, k_all, x_all, y_all)


def minimum_jerk_mouse(rng: np.random.Generator, strokes: int = 10, t0_ms: float = 0.0) -> EventColumns:
    """Curved minimum-jerk strokes with noisy sampling: a tidy generator, not a hand."""
    t_all: list[float] = []
    k_all: list[int] = []
    x_all: list[float] = []
    y_all: list[float] = []
    pos = np.array([400.0, 300.0])
    now = t0_ms
    for _ in range(strokes):
        target = rng.uniform([50.0, 50.0], [1500.0, 900.0])
        duration = rng.uniform(350.0, 900.0)
        dts = 6.0 + rng.gamma(2.0, 5.0, size=400)
        times = np.cumsum(dts)
        times = times[times < duration]
        tau = times / duration
        s = 10 * tau**3 - 15 * tau**4 + 6 * tau**5
        delta = target - pos
        normal = np.array([-delta[1], delta[0]]) / max(float(np.hypot(*delta)), 1.0)
        bow = rng.uniform(0.08, 0.2) * float(np.hypot(*delta)) * rng.choice([-1.0, 1.0])
        path = pos + np.outer(s, delta) + np.outer(np.sin(np.pi * s) * bow, normal)
        path += rng.normal(0.0, 0.6, size=path.shape)
        t_all.extend((now + times).tolist())
        k_all.extend([int(EventKind.MOVE)] * len(times))
        x_all.extend(np.round(path[:, 0]).tolist())
        y_all.extend(np.round(path[:, 1]).tolist())
        now += duration
        pos = np.round(path[-1]) if len(path) else pos
        now += rng.uniform(400.0, 1500.0)
    return columns(t_all, k_all, x_all, y_all)


def bot_mouse_lines(
    targets: int = 6, step_ms: float = 10.0, speed_px_per_ms: float = 1.0, t0_ms: float = 0.0
) -> EventColumns:
    """Straight lines at constant speed on a fixed timer, a click at each target."""
    t_all: list[float] = []
    k_all: list[int] = []
    x_all: list[float] = []
    y_all: list[float] = []
    points = [(100.0, 100.0), (900.0, 200.0), (300.0, 700.0), (1200.0, 650.0), (600.0, 150.0), (80.0, 500.0)]
    pos = np.array(points[0])
    now = t0_ms
    for i in range(targets):
        target = np.array(points[(i + 1) % len(points)])
        delta = target - pos
        n = max(2, int(np.hypot(*delta) / (speed_px_per_ms * step_ms)))
        for j in range(1, n + 1):
            now += step_ms
            p = pos + delta * (j / n)
            t_all.append(now)
            k_all.append(int(EventKind.MOVE))
            x_all.append(float(p[0]))
            y_all.append(float(p[1]))
        pos = target
        for kind in (EventKind.DOWN, EventKind.UP):
            now += step_ms
            t_all.append(now)
            k_all.append(int(kind))
            x_all.append(float(pos[0]))
            y_all.append(float(pos[1]))
        now += step_ms * 30
    return columns(t_all, k_all, x_all, y_all)


def mouse_keys(rng: np.random.Generator, targets: int = 5, t0_ms: float = 0.0) -> EventColumns:
    """A person steering the pointer from the keyboard (Windows Mouse Keys, macOS Mouse Keys):
    each held key moves it along one of the eight compass directions on the system's timer,
    speeding up to a top speed; the person lets go near the target (sometimes a little late),
    nudges it a pixel at a time, and clicks with the keypad."""
    t_all: list[float] = []
    k_all: list[int] = []
    x_all: list[float] = []
    y_all: list[float] = []
    pos = np.array([float(rng.integers(200, 1700)), float(rng.integers(100, 900))])
    top = float(rng.uniform(6.0, 12.0))  # the user's top-speed setting, px per tick
    gain = float(rng.uniform(0.3, 0.8))  # and acceleration, px per tick per tick
    now = t0_ms

    def move_to(p: npt.NDArray[np.float64]) -> None:
        t_all.append(now)
        k_all.append(int(EventKind.MOVE))
        x_all.append(float(p[0]))
        y_all.append(float(p[1]))

    for _ in range(targets):
        target = np.array([float(rng.integers(50, 1850)), float(rng.integers(50, 1000))])
        for _key in range(8):
            delta = target - pos
            if max(abs(delta[0]), abs(delta[1])) < 2.0:
                break
            diagonal = min(abs(delta[0]), abs(delta[1])) >= 2.0
            direction = np.sign(delta) if diagonal else np.sign(delta) * (np.abs(delta) >= 2.0)
            run = min(abs(delta[0]), abs(delta[1])) if diagonal else max(abs(delta[0]), abs(delta[1]))
            moved, ticks, late = 0.0, 0, int(rng.integers(0, 3))
            while moved < run or late > 0:
                if moved >= run:
                    late -= 1
                step = float(round(min(1.0 + gain * ticks, top)))
                if moved < run:
                    step = min(step, run - moved) if late == 0 else step
                moved += step
                ticks += 1
                pos = pos + direction * step
                now += 16.0 + float(rng.normal(0.0, 0.3))  # a system timer, barely jittered
                move_to(pos)
            now += float(rng.uniform(150.0, 450.0))  # finding the next key
        for _nudge in range(int(rng.integers(0, 3))):  # single-pixel taps
            pos = pos + np.array([float(rng.choice([-1.0, 1.0])), 0.0])
            now += float(rng.uniform(200.0, 400.0))
            move_to(pos)
        now += float(rng.uniform(200.0, 600.0))
        for kind, wait in ((EventKind.DOWN, 0.0), (EventKind.UP, float(rng.uniform(80.0, 160.0)))):
            now += wait
            t_all.append(now)
            k_all.append(int(kind))
            x_all.append(float(pos[0]))
            y_all.append(float(pos[1]))
        now += float(rng.uniform(600.0, 2000.0))
    return columns(t_all, k_all, x_all, y_all)


def human_typing(rng: np.random.Generator, keys: int = 60, t0_ms: float = 0.0) -> EventColumns:
    """Real press rhythms (Keystroke100 typists, one password after another with a space between),
    each key held for a log-normal time (median ~95 ms), each kind of key other than letters by
    this typist's own share longer or shorter (log-normal, spread 0.18: how much Aalto's typists'
    kinds of keys differ from their letters)."""
    samples = [t.events for t in sample_traces() if t.source == "keystroke100"]
    times: list[float] = []
    classes: list[int] = []
    now = t0_ms
    while len(times) < keys:
        ev = samples[int(rng.integers(len(samples)))]
        press = ev.kind == int(EventKind.KEY_DOWN)
        times.extend((now + ev.t_ms[press] - ev.t_ms[press][0]).tolist())
        classes.extend(ev.key_class[press].astype(int).tolist())
        now = times[-1] + rng.uniform(180.0, 400.0)
        times.append(now)
        classes.append(int(KeyClass.SPACE))
        now += rng.uniform(150.0, 350.0)
    down = np.array(times[:keys])
    holds = rng.lognormal(np.log(95.0), 0.3, size=keys)
    cls = np.array(classes[:keys])
    # (From a child generator: the caller's draws after this call stay what they were.)
    kind_share = np.exp(rng.spawn(1)[0].normal(0.0, 0.18, int(max(KeyClass)) + 1))
    kind_share[int(KeyClass.LETTER)] = 1.0
    holds *= kind_share[cls]
    return merge(
        columns(down, np.full(keys, int(EventKind.KEY_DOWN)), key_class=cls),
        columns(down + holds, np.full(keys, int(EventKind.KEY_UP)), key_class=cls),
    )


def lognormal_typing(rng: np.random.Generator, keys: int = 60, t0_ms: float = 0.0) -> EventColumns:
    """Independent log-normal flights (median ~170 ms) and holds: a statistical bot."""
    flights = rng.lognormal(np.log(170.0), 0.5, size=keys)
    holds = rng.lognormal(np.log(95.0), 0.3, size=keys)
    down = t0_ms + np.cumsum(flights)
    up = down + holds
    classes = np.where(rng.random(keys) < 0.18, int(KeyClass.SPACE), int(KeyClass.LETTER))
    return merge(
        columns(down, np.full(keys, int(EventKind.KEY_DOWN)), key_class=classes),
        columns(up, np.full(keys, int(EventKind.KEY_UP)), key_class=classes),
    )


def bot_typing(
    keys: int = 60, interval_ms: float = 100.0, hold_ms: float = 0.0, t0_ms: float = 0.0
) -> EventColumns:
    """Presses on a fixed timer, each released after ``hold_ms``."""
    down = t0_ms + interval_ms * np.arange(1, keys + 1)
    classes = np.full(keys, int(KeyClass.LETTER))
    return merge(
        columns(down, np.full(keys, int(EventKind.KEY_DOWN)), key_class=classes),
        columns(down + hold_ms, np.full(keys, int(EventKind.KEY_UP)), key_class=classes),
    )
