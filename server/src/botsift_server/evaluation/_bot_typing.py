"""Key timing of bots: ``(down_ms, up_ms, key_class)`` per key, from the start of a field.

Typing models get only the key classes of what they type (never text), except humantyping,
which needs characters to model; it types random characters that are thrown away once each key
is classified.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence

import numpy as np

from botsift_server.engine import KeyClass
from botsift_server.evaluation._bot_paths import _seeded_globals, run_node
from botsift_server.evaluation._import_keys import key_class

Key = tuple[float, float, int]
TypingModel = Callable[[np.random.Generator, Sequence[KeyClass]], list[Key]]


def constant(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """A key every 50 ms, held 20 ms: ``send_keys`` with a fixed delay."""
    return [(50.0 * i, 50.0 * i + 20.0, int(c)) for i, c in enumerate(classes)]


def uniform(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """Press-to-press intervals uniform in 60-180 ms, holds uniform in 30-90 ms."""
    if not classes:
        return []
    t = np.concatenate(([0.0], np.cumsum(rng.uniform(60, 180, len(classes) - 1))))
    return [(float(d), float(d + rng.uniform(30, 90)), int(c)) for d, c in zip(t, classes, strict=True)]


def lognormal(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """Lognormal intervals (median 160 ms) and holds (median 95 ms): human-like marginals,
    but independent draws with none of a typist's rhythm between particular keys."""
    if not classes:
        return []
    gaps = rng.lognormal(np.log(160.0), 0.45, len(classes) - 1)
    t = np.concatenate(([0.0], np.cumsum(gaps)))
    holds = rng.lognormal(np.log(95.0), 0.25, len(classes))
    return [(float(d), float(d + h), int(c)) for d, h, c in zip(t, holds, classes, strict=True)]


def _characters(rng: np.random.Generator, classes: Sequence[KeyClass]) -> str:
    pools = {KeyClass.DIGIT: string.digits, KeyClass.PUNCTUATION: "-_.!@#", KeyClass.SPACE: " "}
    return "".join(
        str(rng.choice(list(pools.get(c, string.ascii_lowercase))))
        for c in classes
        if c is not KeyClass.ENTER
    )


def humantyping(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """humantyping's ``MarkovTyper`` (typos and corrections included); it gives press times only,
    and its Playwright driver presses each key with no hold, so keys are released after 0.5-3 ms."""
    from humantyping.typer import MarkovTyper  # type: ignore[import-untyped]  # ships no types

    text = _characters(rng, classes)
    if not text:
        return []
    with _seeded_globals(int(rng.integers(2**31))):
        _, history = MarkovTyper(text, target_wpm=float(rng.uniform(45, 90))).run()
    keys: list[Key] = []
    previous = 0.0
    for seconds, action, _typed in history[1:]:  # history[0] is the typist's set-up, not a key
        t = 1000.0 * float(seconds)
        if action == "BACKSPACE":
            chars = ["\b"]
        else:
            chars = list(action.split("'", 1)[1][:-1]) if "'" in action else []
        for i, char in enumerate(chars):
            # A swap types two characters in one step: spread them over the step.
            down = t - (len(chars) - 1 - i) * (t - previous) / len(chars)
            cls = KeyClass.BACKSPACE if char == "\b" else key_class(0, char)
            keys.append((down, down + float(rng.uniform(0.5, 3.0)), int(cls)))
        previous = t
    return keys


def puppeteer_humanize(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """npm ``@forad/puppeteer-humanize``'s ``typeInto``, driven through Node
    (tools/generators/typing.mjs): each key held 5-15 ms, 50-150 ms waits between keys, longer
    ones at its "cadence" positions and after punctuation, and mistyped neighbouring keys
    corrected with Backspace. It types random characters of the given classes."""
    text = _characters(rng, classes)
    if not text:
        return []
    request = {"generator": "puppeteer-humanize", "seed": int(rng.integers(2**31)), "texts": [text]}
    typed = run_node("typing.mjs", request)[0]
    keys: list[Key] = []
    for down, up, key in typed:
        cls = KeyClass.BACKSPACE if key == "Backspace" else key_class(0, key)
        keys.append((float(down), float(up), int(cls)))
    return keys
