"""Key timing of PyPI ``humanized-autotyper`` (MIT), driven without a keyboard.

The library types a text through pynput with a typist model of its own: log-normal intervals
shaped by the hands and fingers of each key pair, bursts, a slower key after a sentence end or a
shifted key, typos noticed a few keys later and fixed with backspace, rewrites and long pauses.
Here its own state machine runs unchanged on a virtual clock (its ``time.sleep`` advances the
clock) and presses keys on a recorder shaped like pynput's ``Controller``; each injected key
event takes 0.1-1 ms, as an OS injection does. It types random characters of the wanted classes
(as :func:`botsift_server.evaluation._bot_typing.humantyping` does), with one of two presets a
form filler would pick: "standard" (its defaults) or "rusty ordinary person".
"""

from __future__ import annotations

import contextlib
import io
import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from botsift_server.engine import KeyClass
from botsift_server.evaluation._bot_paths import _Clock, _replaced, _seeded_globals
from botsift_server.evaluation._bot_typing import Key, _characters
from botsift_server.evaluation._import_keys import key_class

PRESETS = ("标准", "手生普通人")
"""The presets drawn per sentence: "standard" (median interval ~110 ms) and "rusty ordinary
person" (~180 ms, erratic); "efficient programmer" is a coder's, not a form filler's."""
EVENT_MS = (0.1, 1.0)
"""Time one injected key event takes (uniform range, ms)."""
# JavaScript keyCodes of the named keys the library taps (as a browser reports them).
_CODES = {"shift": 16, "ctrl": 17, "alt": 18, "cmd": 91, "backspace": 8, "delete": 46, "enter": 13}
_CODES |= {"tab": 9, "esc": 27, "left": 37, "up": 38, "right": 39, "down": 40, "home": 36, "end": 35}


class _Named:
    """A named key (pynput's ``Key.shift``, ``Key.backspace``, ...)."""

    def __init__(self, name: str) -> None:
        self.name = name


class _KeyNames:
    """Stands in for ``pynput.keyboard.Key``: any member is the named key."""

    def __getattr__(self, name: str) -> _Named:
        return _Named(name)


class _KeyCode:
    """Stands in for ``pynput.keyboard.KeyCode``."""

    def __init__(self, char: str) -> None:
        self.char = char

    @classmethod
    def from_char(cls, char: str) -> _KeyCode:
        return cls(char)


class _Recorder:
    """A pynput ``Controller`` that records each press and release on the clock; each takes
    ``cost_ms`` (an OS injection by default)."""

    def __init__(
        self,
        clock: _Clock,
        rng: np.random.Generator,
        shifted: dict[str, str],
        cost_ms: tuple[float, float] = EVENT_MS,
    ) -> None:
        self.clock, self.rng, self.shifted, self.cost_ms = clock, rng, shifted, cost_ms
        self.keys: list[list[float]] = []
        self.open: dict[str, list[int]] = {}
        self.shift = 0

    def _name(self, key: Any) -> tuple[str, KeyClass]:
        if isinstance(key, _Named):
            return key.name, key_class(_CODES.get(key.name, 0), "")
        char = str(key.char if isinstance(key, _KeyCode) else key)
        # A key pressed with Shift held types its shifted character (a digit becomes a symbol).
        typed = (self.shifted.get(char, char.upper())) if self.shift else char
        return char, key_class(0, typed)

    def press(self, key: Any) -> None:
        name, cls = self._name(key)
        self.shift += name == "shift"
        self.open.setdefault(name, []).append(len(self.keys))
        self.keys.append([1000.0 * self.clock.seconds, np.nan, float(cls)])
        self.clock.seconds += float(self.rng.uniform(*self.cost_ms)) / 1000.0

    def release(self, key: Any) -> None:
        name, _ = self._name(key)
        self.shift -= name == "shift" and self.shift > 0
        if self.open.get(name):
            self.keys[self.open[name].pop(0)][1] = 1000.0 * self.clock.seconds
        self.clock.seconds += float(self.rng.uniform(*self.cost_ms)) / 1000.0

    def result(self) -> list[Key]:
        end = 1000.0 * self.clock.seconds
        return [(down, end if np.isnan(up) else up, int(cls)) for down, up, cls in self.keys]


class _NoLog:
    def log(self, *args: Any, **kwargs: Any) -> None:
        pass

    def mark_end(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass


def humanized_autotyper(rng: np.random.Generator, classes: Sequence[KeyClass]) -> list[Key]:
    """``AutoTyper(cfg, text, rng).run()`` with a preset from :data:`PRESETS`, speed 1.0."""
    # (Its modules import pynput only to type for real, which dry-run mode never does.)
    from humanized_autotyper import executor, machine  # type: ignore[import-untyped, import-not-found, unused-ignore]
    from humanized_autotyper.config import Config  # type: ignore[import-untyped, import-not-found, unused-ignore]
    from humanized_autotyper.keymap import SHIFT_SYMBOLS  # type: ignore[import-untyped, import-not-found, unused-ignore]
    from humanized_autotyper.presets import apply_preset  # type: ignore[import-untyped, import-not-found, unused-ignore]

    text = _characters(rng, classes)
    if not text:
        return []
    cfg = Config()
    apply_preset(cfg, PRESETS[int(rng.integers(len(PRESETS)))])
    clock = _Clock()
    keys = _Recorder(
        clock, np.random.default_rng(int(rng.integers(2**63))), {b: s for s, b in SHIFT_SYMBOLS.items()}
    )
    typist_rng = random.Random(int(rng.integers(2**31)))  # noqa: S311  # the library's own typist draws
    with (
        _replaced(machine, time=clock),
        _replaced(executor, time=clock),
        _seeded_globals(int(rng.integers(2**31))),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        typist = machine.AutoTyper(cfg, text, rng=typist_rng, logger=_NoLog())
        typist.executor.controller = keys
        typist.executor._Key = _KeyNames()
        typist.executor._KeyCode = _KeyCode
        summary = typist.run()
    if not summary.get("final_matches_source"):
        raise RuntimeError(f"humanized-autotyper did not finish its text: {summary}")
    return sorted(keys.result())
