"""Held-out Java mouse library NaturalMouseMotion 2.0.3 (MIT, Maven Central), run unchanged on a
virtual clock through ``tools/generators/java/NaturalMouseDriver.java``.

Java desktop bots move the system pointer with ``java.awt.Robot``, and NaturalMouseMotion is the
library they use to make those moves look like a hand's. For each move it plans the movement in
one to four parts (overshoots past the target, each corrected after a 20-140 ms "reaction time"),
picks a speed "flow" (an array of speeds over the movement: jagged, interrupted, slow start,
stopping, ...) and a duration, then takes equal-time steps (one per 8 ms of the planned time,
about 7 ms apart as its whole-millisecond sleeps fall), each with a
sinusoidal sideways deviation, random noise and a fade-out near the target, set with
``Robot.mouseMove`` and a ``Thread.sleep`` to the step's end. The driver gives it a desktop whose
moves take 0.05-0.2 ms and whose sleeps wake 0.05-0.15 ms late, and records every position.

Each move uses one of the library's ``FactoryTemplates``, drawn for it: its default nature, the
average computer user, the fast gamer or the granny (the robotic demo, a constant speed on a
straight line, is left out: the linear bots already are that). A script keeps one, but a path
model is given the moves of all sessions at once, without where one session ends.
"""

from __future__ import annotations

import atexit
import subprocess
from collections.abc import Sequence
from functools import cache

import numpy as np

from botsift_server.evaluation._bot_paths import NODE_GENERATORS, Move, Path3

JAVA_GENERATORS = NODE_GENERATORS / "java"
TEMPLATES = ("default", "average", "gamer", "granny")
"""NaturalMouseMotion's factory templates, one drawn for each move (see the driver)."""


@cache
def _driver() -> subprocess.Popen[str]:
    """The Java driver, started once per process and answering one request per line."""
    classes = JAVA_GENERATORS / "build"
    if not (classes / "NaturalMouseDriver.class").exists():
        raise RuntimeError("naturalmouse: the Java driver is not built (run `make generators`)")
    process = subprocess.Popen(
        [
            "java",
            "--add-opens",
            "java.base/java.lang=ALL-UNNAMED",  # to seed Math.random, which the library draws from
            "-cp",
            f"{classes}:{JAVA_GENERATORS / 'lib'}/*",
            "NaturalMouseDriver",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    atexit.register(_stop, process)
    return process


def _stop(process: subprocess.Popen[str]) -> None:
    """End the driver: it leaves when its input ends (killed if it does not within 5 s)."""
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            pipe.close()
    try:
        process.wait(timeout=5.0)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _ask(line: str) -> str:
    process = _driver()
    assert process.stdin is not None  # both are pipes (for the type checker)
    assert process.stdout is not None
    process.stdin.write(line + "\n")
    process.stdin.flush()
    answer = process.stdout.readline()
    if not answer:
        _driver.cache_clear()
        raise RuntimeError(f"naturalmouse: the Java driver stopped (exit code {process.wait()})")
    return answer


def naturalmouse(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
    """NaturalMouseMotion's ``MouseMotionFactory.move`` for each move, each with one of its
    templates (see the module docstring)."""
    if not moves:
        return []
    seed = int(rng.integers(2**31))
    templates = rng.integers(len(TEMPLATES), size=len(moves))
    request = " ".join(
        f"{TEMPLATES[int(k)]} {' '.join(str(round(v)) for v in move)}"
        for k, move in zip(templates, moves, strict=True)
    )
    answer = _ask(f"{seed} {request}")
    return [np.asarray(part.split(), np.float64).reshape(-1, 3) for part in answer.strip().split("|")]
