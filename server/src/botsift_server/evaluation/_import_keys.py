"""Keystroke datasets: Aalto "136M Keystrokes" (sentences) and Keystroke100 (one password).

Only timings and key *classes* are kept. The Aalto files also hold the sentence, what was typed
and each key's character: those columns are read only to classify the key and are dropped at
once, since BotSift never handles typed text. The Aalto data is licensed for non-commercial use:
evaluate and test on it, never train the shipped model on it.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Literal

from botsift_server.engine import EventColumns, EventKind, KeyClass
from botsift_server.evaluation._archive import DatasetError, columns, members
from botsift_server.evaluation._traces import Trace

_MODIFIERS = {16, 17, 18, 20, 91, 92, 93, 224, 225}
_NAVIGATION = {9, 33, 34, 35, 36, 37, 38, 39, 40, 45}
_PUNCTUATION_CODES = set(range(186, 193)) | set(range(219, 223)) | {106, 107, 109, 110, 111, 59, 61, 173}


def key_class(keycode: int, character: str) -> KeyClass:
    """The class of a key from its JavaScript ``keyCode`` and the character it produced.

    The character decides for printable keys (a shifted ``1`` is punctuation, as a browser's
    ``event.key`` would say); the code decides for the rest.
    """
    if keycode == 8 or keycode == 46:  # Backspace, Delete: both are corrections
        return KeyClass.BACKSPACE
    if keycode == 13:
        return KeyClass.ENTER
    if keycode == 32:
        return KeyClass.SPACE
    if keycode in _MODIFIERS:
        return KeyClass.MODIFIER
    if keycode in _NAVIGATION:
        return KeyClass.NAVIGATION
    if len(character) == 1:
        if character.isalpha():
            return KeyClass.LETTER
        if character.isdigit():
            return KeyClass.DIGIT
        if character == " ":
            return KeyClass.SPACE
        if character.isprintable():
            return KeyClass.PUNCTUATION
    if 65 <= keycode <= 90:
        return KeyClass.LETTER
    if 48 <= keycode <= 57 or 96 <= keycode <= 105:
        return KeyClass.DIGIT
    if keycode in _PUNCTUATION_CODES:
        return KeyClass.PUNCTUATION
    return KeyClass.OTHER


AaltoSegmentation = Literal["sentences", "participants"]


def import_aalto(archive: Path, segmentation: AaltoSegmentation = "sentences") -> Iterator[Trace]:
    """Aalto typing tests: one trace per typed sentence, or per participant (all sentences)."""
    csv.field_size_limit(sys.maxsize)
    for name, text in members(archive):
        path = PurePosixPath(name)
        if not path.name.endswith("_keystrokes.txt"):
            continue
        participant = path.name.split("_", 1)[0]
        person = f"aalto/{participant}"
        rows: dict[str, list[tuple[float, float, int]]] = {}
        reader = csv.reader(text, delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in reader:
            if len(row) != 9 or row[0] == "PARTICIPANT_ID":
                continue
            try:
                press, release, code = float(row[5]), float(row[6]), int(row[8] or 0)
            except ValueError:
                continue
            # row[7] is the character: classified here, never stored.
            cls = int(key_class(code, row[7]))
            section = row[1] if segmentation == "sentences" else "all"
            rows.setdefault(section, []).append((press, release, cls))
        for section, keys in rows.items():
            trace = _key_trace(keys)
            if trace is None:
                continue
            suffix = f"/{section}" if segmentation == "sentences" else ""
            yield Trace(
                session_id=f"{person}{suffix}",
                events=trace,
                action="typing",
                label="human",
                source="aalto",
                person=person,
            )


def _key_trace(keys: list[tuple[float, float, int]]) -> EventColumns | None:
    t: list[float] = []
    kind: list[int] = []
    cls: list[int] = []
    for press, release, key in keys:
        if release < press:  # a lost key-up; keep the press alone
            t.append(press)
            kind.append(EventKind.KEY_DOWN)
            cls.append(key)
            continue
        t.extend((press, release))
        kind.extend((EventKind.KEY_DOWN, EventKind.KEY_UP))
        cls.extend((key, key))
    if len(t) < 4:
        return None
    return columns(t, kind, key_class=cls)


KEYSTROKE100_PASSWORD_CLASSES = (
    KeyClass.LETTER,  # t
    KeyClass.LETTER,  # r
    KeyClass.LETTER,  # y
    KeyClass.DIGIT,  # 4
    KeyClass.PUNCTUATION,  # -
    KeyClass.LETTER,  # m
    KeyClass.LETTER,  # b
    KeyClass.LETTER,  # s
)
"""Key classes of the password every Keystroke100 participant typed (8 keys, 7 latencies)."""


def import_keystroke100(archive: Path) -> Iterator[Trace]:
    """Keystroke100: one trace per typed password, key-downs only.

    The dataset gives the 7 press-to-press latencies of each sample and no release times, so
    the traces hold key-downs at the cumulative latencies and no key-ups: inventing hold times
    would teach a model our guesses rather than people.
    """
    for name, text in members(archive):
        path = PurePosixPath(name)
        if path.name != "latency.txt":
            continue
        user = path.parent.name
        person = f"keystroke100/{user}"
        for number, line in enumerate(text.read().splitlines()):
            fields = line.split()
            if not fields:
                continue
            latencies = [float(v) for v in fields]
            if len(latencies) != len(KEYSTROKE100_PASSWORD_CLASSES) - 1:
                raise DatasetError(f"{name}:{number + 1}: expected 7 latencies, got {len(latencies)}")
            t = [0.0]
            for gap in latencies:
                t.append(t[-1] + gap)
            yield Trace(
                session_id=f"{person}/{number}",
                events=columns(
                    t,
                    [EventKind.KEY_DOWN] * len(t),
                    key_class=[int(c) for c in KEYSTROKE100_PASSWORD_CLASSES],
                ),
                action="password",
                label="human",
                source="keystroke100",
                person=person,
            )
