"""Benchmark of the detection engine alone: events/s for ``add`` and µs per ``assess``.

Run ``python perf/bench_engine.py``. Synthetic sessions come from a seeded generator, so runs
are comparable; the numbers are printed, never asserted.
"""

from __future__ import annotations

import copy
import time

import numpy as np

from botsift_server.engine import (
    Device,
    Engine,
    EngineConfig,
    EventColumns,
    EventKind,
    ReplayIndex,
    SessionContext,
)

BATCH = 128
SEED = 20240601
DEVICE = Device(
    user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    platform="Win32",
    languages=("en-GB", "en"),
    webdriver=False,
    plugins_count=5,
)
# Roughly what a page sends: mostly moves, some keys, a few clicks and scrolls.
_KINDS = np.array(
    [EventKind.MOVE] * 24
    + [EventKind.KEY_DOWN, EventKind.KEY_UP] * 3
    + [EventKind.DOWN, EventKind.UP, EventKind.WHEEL, EventKind.SCROLL],
    np.uint8,
)
# What a phone sends: mostly touch moves, with touch starts and ends, scrolls, and a few keys.
_PHONE_KINDS = np.array(
    [EventKind.TOUCH_MOVE] * 20
    + [EventKind.TOUCH_START, EventKind.TOUCH_END] * 2
    + [EventKind.SCROLL] * 4
    + [EventKind.KEY_DOWN, EventKind.KEY_UP],
    np.uint8,
)


def synthetic(rng: np.random.Generator, events: int, kinds: np.ndarray = _KINDS) -> EventColumns:
    """A session of ``events`` events: random-walk pointer, gamma-distributed intervals."""
    t = np.cumsum(rng.gamma(2.0, 6.0, size=events))
    x = np.cumsum(rng.normal(0.0, 4.0, size=events)) + 800.0
    y = np.cumsum(rng.normal(0.0, 4.0, size=events)) + 500.0
    return EventColumns(
        t_ms=t,
        kind=rng.choice(kinds, size=events),
        x=x.astype(np.float32),
        y=y.astype(np.float32),
        button=np.zeros(events, np.uint8),
        key_class=rng.integers(1, 10, size=events).astype(np.uint8),
    )


def batches(cols: EventColumns, size: int) -> list[EventColumns]:
    """``cols`` cut into consecutive batches of ``size`` events."""
    out = []
    for lo in range(0, len(cols), size):
        hi = lo + size
        out.append(
            EventColumns(
                cols.t_ms[lo:hi],
                cols.kind[lo:hi],
                cols.x[lo:hi],
                cols.y[lo:hi],
                cols.button[lo:hi],
                cols.key_class[lo:hi],
            )
        )
    return out


def bench_add(
    engine: Engine,
    rng: np.random.Generator,
    sessions: int = 20,
    events: int = 25_600,
    kinds: np.ndarray = _KINDS,
    rounds: int = 3,
) -> tuple[float, float]:
    """Events per second through ``Engine.add`` in batches of :data:`BATCH`, of ``kinds``: the
    best and the worst of ``rounds`` rounds over the same sessions (each started afresh). The
    best is the engine's speed; what the others lost went to whatever else the host ran."""
    work = [batches(synthetic(rng, events, kinds), BATCH) for _ in range(sessions)]
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        for session in work:
            state = engine.start(SessionContext(action="login", device=DEVICE))
            for batch in session:
                engine.add(state, batch)
        rates.append(sessions * events / (time.perf_counter() - started))
    return max(rates), min(rates)


def bench_assess(
    engine: Engine,
    rng: np.random.Generator,
    events: int = 500,
    repeats: int = 2000,
    replay: ReplayIndex | None = None,
) -> float:
    """Microseconds per ``Engine.assess`` of a session of ``events`` events (best of 5 rounds),
    as a final verdict against ``replay`` when given."""
    state = engine.start(SessionContext(action="login", device=DEVICE))
    for batch in batches(synthetic(rng, events), BATCH):
        engine.add(state, batch)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeats // 5):
            engine.assess(state, replay, session_id="bench")
        best = min(best, (time.perf_counter() - started) / (repeats // 5))
    return best * 1e6


def bench_final(
    engine: Engine, rng: np.random.Generator, index: ReplayIndex, sessions: int = 200, events: int = 500
) -> float:
    """Microseconds per final verdict as the server makes it: ``assess(..., remember=True)``
    against a full ``index`` (the look-up, then the session remembered), over ``sessions``
    distinct sessions (best of 5 rounds, each on a fresh copy of the index)."""
    states = []
    for _ in range(sessions):
        state = engine.start(SessionContext(action="login", device=DEVICE))
        for batch in batches(synthetic(rng, events), BATCH):
            engine.add(state, batch)
        states.append(state)
    best = float("inf")
    for _ in range(5):
        replay = copy.deepcopy(index)
        started = time.perf_counter()
        for i, state in enumerate(states):
            engine.assess(state, replay, session_id=f"final-{i}", remember=True)
        best = min(best, (time.perf_counter() - started) / sessions)
    return best * 1e6


def bench_remember(engine: Engine, rng: np.random.Generator, events: int = 500, repeats: int = 2000) -> float:
    """Microseconds per separate ``Engine.remember`` (into an index of its own): what a final
    verdict made with ``assess(..., remember=True)`` no longer spends, since its lookup's
    fingerprint is the one remembered."""
    state = engine.start(SessionContext(action="login", device=DEVICE))
    engine.add(state, synthetic(rng, events))
    index = ReplayIndex(engine.config.replay_index_sessions)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for i in range(repeats // 5):
            engine.remember(state, index, session_id=f"r{i}")
        best = min(best, (time.perf_counter() - started) / (repeats // 5))
    return best * 1e6


def full_index(engine: Engine, rng: np.random.Generator, events: int = 500) -> ReplayIndex:
    """A replay index filled to capacity with finished sessions (what a busy tenant has)."""
    index = ReplayIndex(engine.config.replay_index_sessions)
    for i in range(index.capacity):
        state = engine.start(SessionContext(action="login", device=DEVICE))
        engine.add(state, synthetic(rng, events))
        engine.remember(state, index, session_id=f"s{i}")
    return index


def main() -> None:
    """Print the numbers, with the rules-only engine (no learned model) as the baseline."""
    engine = Engine(EngineConfig())
    rules = Engine(EngineConfig(use_model=False))
    rng = np.random.default_rng(SEED)
    bench_add(engine, rng, sessions=2, events=2560, rounds=1)  # warm-up
    best, worst = bench_add(engine, rng)
    print(f"add:    {best:,.0f} events/s (batches of {BATCH}; best of 3 rounds, the worst {worst:,.0f})")
    best, worst = bench_add(engine, rng, kinds=_PHONE_KINDS)
    print(
        f"add:    {best:,.0f} events/s (batches of {BATCH}, a phone's mix: touches, scrolls, keys; "
        f"the worst {worst:,.0f})"
    )
    full = bench_assess(engine, np.random.default_rng(SEED))
    base = bench_assess(rules, np.random.default_rng(SEED))
    print(f"assess: {full:,.1f} µs per call (500-event session)")
    print(f"assess: {base:,.1f} µs per call (500-event session, rules only: use_model=False)")
    print(f"assess: model costs {full / base:.2f}x the rules-only engine")
    index = full_index(engine, np.random.default_rng(SEED + 1))
    lookup = bench_assess(engine, np.random.default_rng(SEED), replay=index)
    print(
        f"assess: {lookup:,.1f} µs per verdict with a look-up in a full replay index ({len(index)} sessions)"
    )
    final = bench_final(engine, np.random.default_rng(SEED + 2), index)
    print(f"assess: {final:,.1f} µs per final verdict as the server makes it (look-up, then remembered)")
    print(f"assess: the replay index costs {final / full:.2f}x the verdict without it")
    remember = bench_remember(engine, np.random.default_rng(SEED))
    print(
        f"remember: {remember:,.1f} µs when separate (a final verdict with remember=True reuses its lookup's)"
    )
    long_session = bench_assess(engine, rng, events=100_000, repeats=200)
    print(f"assess: {long_session:,.1f} µs per call (100k-event session, full windows)")


if __name__ == "__main__":
    main()
