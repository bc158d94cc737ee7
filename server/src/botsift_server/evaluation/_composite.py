"""Composite human sessions: a real person's pointer movements followed by a real person's typing.

No public dataset records one person both moving a mouse and typing in the same session, yet a
login is both. A composite session is built honestly from real recordings only: one human
pointer trace (Balabit or DELBOT: movements and clicks, times as recorded) followed, after a
pause, by real typing (two Keystroke100 password entries of one typist, standing for a user
name and a password, or one Aalto sentence). Nothing is synthesised but the pause between the
two parts and the device, which is the same ordinary desktop Chrome the bot generators report,
so that only behaviour is judged.

``person`` is ``composite/<pointer person>+<typist>``. Splits stay honest: both recordings come
from people of the same part (train or eval), and the composite person's own part is that part
too (a ``~n`` suffix is added until the hash agrees), so ``eval --part eval`` never scores a
composite made from a person the model was trained on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

import numpy as np

from botsift_server.engine import EventColumns, EventKind
from botsift_server.evaluation._archive import columns
from botsift_server.evaluation._split import Part, split_of
from botsift_server.evaluation._traces import Trace

COMPOSITE_HUMAN = "composite-human"
"""The ``data generate`` name of composite human sessions."""

_POINTER = (int(EventKind.MOVE), int(EventKind.DOWN), int(EventKind.UP), int(EventKind.WHEEL))
_KEYS = (int(EventKind.KEY_DOWN), int(EventKind.KEY_UP))
MIN_MOVES = 20
"""A pointer recording needs this many moves and a click to stand for a login's pointer part."""
MIN_KEYS = 6
"""A typing recording needs this many key presses."""
SCREENS = ((1280, 720), (1366, 768), (1440, 900), (1536, 864), (1920, 1080), (2560, 1440))


def _who(trace: Trace) -> str:
    # What the split hashes (see select()).
    return trace.person or trace.session_id


def _is_pointer(trace: Trace) -> bool:
    kind = trace.events.kind
    return bool(
        np.count_nonzero(kind == int(EventKind.MOVE)) >= MIN_MOVES
        and np.any(kind == int(EventKind.DOWN))
        and not np.isin(kind, _KEYS).any()
    )


def _is_typing(trace: Trace) -> bool:
    kind = trace.events.kind
    return bool(
        np.count_nonzero(kind == int(EventKind.KEY_DOWN)) >= MIN_KEYS and not np.isin(kind, _POINTER).any()
    )


def _person(pointer: str, typist: str, part: Part) -> str:
    base = f"composite/{pointer}+{typist}"
    name, n = base, 0
    while split_of(name) != part:
        n += 1
        name = f"{base}~{n}"
    return name


def _viewport(events: EventColumns) -> tuple[int, int]:
    width, height = float(events.x.max(initial=0.0)), float(events.y.max(initial=0.0))
    for w, h in SCREENS:
        if w > width and h > height:
            return w, h
    return int(width) + 1, int(height) + 1


def compose_humans(human: Sequence[Trace], count: int, seed: int) -> Iterator[Trace]:
    """``count`` composite human login sessions from the pointer and typing recordings in ``human``.

    Typists with several short recordings (Keystroke100) type two of them (user name, password);
    a longer recording (an Aalto sentence) is typed alone. Each session picks a typing dataset
    first (so a small one is not drowned by a large one), then a typist. No recording is used
    twice: people never produce the same movement or rhythm twice, and a repeated recording
    would rightly be judged a replay when the sessions are scored as one tenant.
    """
    from botsift_server.evaluation._generators import desktop_device

    pointers: dict[Part, list[Trace]] = defaultdict(list)
    # part -> typing dataset -> typist -> their unused recordings
    typists: dict[Part, dict[str, dict[str, list[Trace]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for trace in human:
        if trace.label == "bot":
            continue
        if _is_pointer(trace):
            pointers[split_of(_who(trace))].append(trace)
        elif _is_typing(trace):
            dataset = trace.source.split("/")[0] or "typing"
            typists[split_of(_who(trace))][dataset][_who(trace)].append(trace)
    parts: list[Part] = [p for p in ("train", "eval") if pointers[p] and typists[p]]
    if not parts:
        raise ValueError(
            "composite-human needs human pointer traces (with clicks) and human typing traces "
            "of people in the same split (--human FILE, several times)"
        )
    rng = np.random.default_rng([seed, sum(map(ord, COMPOSITE_HUMAN))])
    for part in parts:
        order = rng.permutation(len(pointers[part]))
        pointers[part] = [pointers[part][int(j)] for j in order]
    # Each part gets sessions in proportion to its pointer recordings, like the datasets' split.
    sizes = np.array([len(pointers[p]) for p in parts], np.float64)
    for i in range(count):
        part = parts[int(rng.choice(len(parts), p=sizes / sizes.sum()))]
        if not pointers[part]:
            raise ValueError(
                f"composite-human: only {i} sessions possible without reusing a pointer recording"
            )
        pointer = pointers[part].pop()
        datasets = sorted(d for d, people in typists[part].items() if people)
        if not datasets:
            raise ValueError(
                f"composite-human: only {i} sessions possible without reusing a typing recording"
            )
        people = typists[part][datasets[int(rng.integers(len(datasets)))]]
        names = sorted(people)
        typist = names[int(rng.integers(len(names)))]
        recordings = people[typist]
        short = int(np.count_nonzero(recordings[0].events.kind == int(EventKind.KEY_DOWN))) < 20
        picks = sorted(
            (
                int(j)
                for j in rng.choice(len(recordings), 2 if short and len(recordings) > 1 else 1, replace=False)
            ),
            reverse=True,
        )
        typed = [recordings.pop(j) for j in picks]
        if not recordings:
            del people[typist]
        events = _concatenate(rng, [pointer.events] + [r.events for r in typed])
        typed_source = typed[0].source.split("/")[0] or "typing"
        yield Trace(
            session_id=f"composite/seed{seed}/{i}",
            events=events,
            device=desktop_device(_viewport(pointer.events)),
            action="login",
            label="human",
            source=f"composite/{pointer.source.split('/')[0]}+{typed_source}",
            person=_person(_who(pointer), typist, part),
        )


def _concatenate(rng: np.random.Generator, pieces: Sequence[EventColumns]) -> EventColumns:
    """The recordings one after another, each after a pause of 0.3-1.5 s (moving to a field)."""
    t: list[np.ndarray] = []
    now = 0.0
    for piece in pieces:
        rel = piece.t_ms - piece.t_ms[0]
        t.append(rel + now)
        now += float(rel[-1]) + float(rng.uniform(300.0, 1500.0))
    return columns(
        np.concatenate(t),
        np.concatenate([p.kind for p in pieces]),
        np.concatenate([p.x for p in pieces]),
        np.concatenate([p.y for p in pieces]),
        np.concatenate([p.button for p in pieces]),
        np.concatenate([p.key_class for p in pieces]),
    )
