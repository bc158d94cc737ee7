"""``make eval-chromium``: pointer traces delivered by a real browser, beside the simulated delivery.

``eval --as coalesced:60,collector`` simulates how a page delivers a person's movements (one move
per display frame, timed by its last input, then the web collector's 16 ms throttle and rounding),
and the shipped model is trained on that simulation. This replays a seeded sample of recorded traces into
Debian's headless chromium at their recorded times (``clients/web/test/browser/deliver-traces.mjs``:
real input events, the browser's own dispatch, the collector's own recorder code) and writes

- ``OUT``: the traces as chromium and the collector delivered them,
- ``OUT`` with ``-recorded`` before the suffix: the same traces as recorded,

so ``botsift-server eval`` can score both (``--as coalesced:60,collector`` on the second for the
simulation). It prints how each delivery spaces the moves. Replaying takes real time: about as long
as the sampled traces last, plus a browser start.

:func:`deliver` sends key presses and releases too (a key of each event's class), and can give the
page work of its own on key presses (``busy_ms``), which the collector's key timing must survive.

    python tools/chromium_delivery.py balabit-movements.jsonl movements-bot.jsonl --count 150 --out d.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from botsift_server.engine import EventKind
from botsift_server.evaluation import (
    Trace,
    columns_from_events,
    parse_delivery,
    read_traces,
    select,
    trace_to_dict,
    write_traces,
)
from botsift_server.evaluation._split import PartOrAll

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "clients" / "web"
DRIVER = WEB / "test" / "browser" / "deliver-traces.mjs"
POINTER_KINDS = (EventKind.MOVE, EventKind.DOWN, EventKind.UP)
KEY_KINDS = (EventKind.KEY_DOWN, EventKind.KEY_UP)
SIMULATION = "coalesced:60,collector"


def sample(
    paths: Sequence[Path],
    part: PartOrAll,
    count: int,
    max_ms: float,
    seed: int,
    kinds: Sequence[EventKind] = POINTER_KINDS,
) -> list[Trace]:
    """Up to ``count`` traces of each file's ``part``, events of ``kinds`` only (pointer events by
    default), none longer than ``max_ms``."""
    rng = random.Random(seed)  # noqa: S311 - seeded sampling, not security
    chosen: list[Trace] = []
    for path in paths:
        pool = []
        for trace in select(read_traces(path), part):
            keep = np.isin(trace.events.kind, [int(k) for k in kinds])
            events = trace.events.take(keep)
            if len(events) >= 2 and float(events.t_ms[-1] - events.t_ms[0]) <= max_ms:
                pool.append(replace(trace, events=events))
        chosen.extend(rng.sample(pool, min(count, len(pool))))
    return chosen


def deliver(
    traces: Sequence[Trace],
    chromium: str,
    *,
    busy_ms: float = 0.0,
    busy_every: int = 1,
    await_bots: bool = False,
) -> list[Trace]:
    """``traces`` as chromium and the collector's recorder deliver them (same ids, labels, people),
    on a page whose own key handler keeps the main thread busy ``busy_ms`` on every ``busy_every``-th
    key press; ``await_bots``: bot-labelled traces are sent as a script that awaits each move sends
    them (unstamped, one at a time). :class:`RuntimeError` with the browser script's errors when it
    fails."""
    lines = []
    for trace in traces:
        events = trace_to_dict(trace)["events"]
        t0 = events[0]["t"]
        request = {
            "session_id": trace.session_id,
            "events": [{**e, "t": e["t"] - t0} for e in events],
            "await_moves": await_bots and trace.label == "bot",
        }
        lines.append(json.dumps(request))
    done = subprocess.run(
        [
            "node",
            str(DRIVER),
            "--chromium",
            chromium,
            "--busy-ms",
            str(busy_ms),
            "--busy-every",
            str(busy_every),
        ],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=WEB,
        check=False,
        # playwright-core never downloads a browser; this keeps it from even looking.
        env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"chromium delivery failed:\n{done.stderr}")
    by_id = {t.session_id: t for t in traces}
    out = []
    for line in done.stdout.splitlines():
        reply = json.loads(line)
        original = by_id[reply["session_id"]]
        # On the trace's own clock: its first event where the recording had it (the recorder
        # started just before the replay, which would read as a page acted on at once).
        events = reply["events"]
        shift = float(original.events.t_ms[0]) - (events[0]["t"] if events else 0.0)
        out.append(
            replace(original, events=columns_from_events([{**e, "t": e["t"] + shift} for e in events]))
        )
    return out


def spacing(traces: Sequence[Trace]) -> str:
    """How moves are spaced: median interval and the shares under 15.5 ms and within 15.5-17.5 ms."""
    gaps = np.concatenate(
        [np.diff(t.events.t_ms[t.events.kind == int(EventKind.MOVE)]) for t in traces] or [np.zeros(0)]
    )
    gaps = gaps[gaps > 0.0]
    if gaps.size == 0:
        return "no move intervals"
    fine = float(np.mean(gaps < 15.5))
    frame = float(np.mean((gaps >= 15.5) & (gaps < 17.5)))
    moves = sum(int(np.count_nonzero(t.events.kind == int(EventKind.MOVE))) for t in traces)
    return (
        f"{moves} moves, median interval {float(np.median(gaps)):.1f} ms, "
        f"{fine:.1%} under 15.5 ms, {frame:.1%} at 15.5-17.5 ms"
    )


def key_timing(recorded: Sequence[Trace], delivered: Sequence[Trace]) -> str:
    """How far the delivered key events' intervals (holds included) are from the recorded ones."""
    by_id = {t.session_id: t for t in delivered}
    errors = []
    lost = 0
    for trace in recorded:
        out = by_id.get(trace.session_id)
        if out is None or not np.array_equal(out.events.kind, trace.events.kind):
            lost += 1
            continue
        errors.append(np.abs(np.diff(out.events.t_ms) - np.diff(trace.events.t_ms)))
    gaps = np.concatenate(errors or [np.zeros(0)])
    if gaps.size == 0:
        return f"no key intervals compared ({lost} traces changed their events)"
    return (
        f"{gaps.size} key intervals off by {float(np.median(gaps)):.1f} ms at the median, "
        f"{float(np.percentile(gaps, 99)):.1f} at the 99th percentile, {float(gaps.max()):.1f} at most; "
        f"{lost} of {len(recorded)} traces changed their events"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, deliver the sample through chromium, write both files, print the spacing of
    the moves (or how the key timing fared)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("traces", nargs="+", type=Path, help="trace JSON Lines files")
    parser.add_argument("--out", type=Path, required=True, help="the chromium-delivered traces (JSONL)")
    parser.add_argument("--count", type=int, default=150, help="traces sampled from each file (default 150)")
    parser.add_argument(
        "--part", choices=("train", "eval", "all"), default="eval", help="person split (eval)"
    )
    parser.add_argument(
        "--max-ms", type=float, default=3000.0, help="longest trace replayed (default 3000 ms)"
    )
    parser.add_argument("--seed", type=int, default=1, help="sampling seed (default 1)")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the browser to drive")
    parser.add_argument("--keys", action="store_true", help="replay the key events instead of the pointer's")
    parser.add_argument(
        "--busy-ms", type=float, default=0.0, help="the page's own work per key press it handles (ms)"
    )
    parser.add_argument("--busy-every", type=int, default=1, help="... on every N-th key press (default 1)")
    parser.add_argument(
        "--await-bots",
        action="store_true",
        help="send the bots' moves as a script awaiting each mouse.move does "
        "(simulated: --bots-as paced:60,collector)",
    )
    args = parser.parse_args(argv)
    kinds = KEY_KINDS if args.keys else POINTER_KINDS
    chosen = sample(args.traces, args.part, args.count, args.max_ms, args.seed, kinds)
    if not chosen:
        print("no traces to deliver", file=sys.stderr)
        return 2
    recorded_out = args.out.with_name(f"{args.out.stem}-recorded{args.out.suffix}")
    write_traces(recorded_out, chosen)
    try:
        delivered = deliver(
            chosen,
            args.chromium,
            busy_ms=args.busy_ms,
            busy_every=args.busy_every,
            await_bots=args.await_bots,
        )
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    write_traces(args.out, delivered)
    if args.keys:
        print(f"chromium + collector: {key_timing(chosen, delivered)}")
        print(f"wrote {args.out} and {recorded_out} ({len(delivered)} traces)")
        return 0
    print(f"recorded:                      {spacing(chosen)}")
    print(f"simulated ({SIMULATION}): {spacing(list(parse_delivery(SIMULATION).apply(chosen)))}")
    print(f"chromium + collector:          {spacing(delivered)}")
    print(f"wrote {args.out} and {recorded_out} ({len(delivered)} traces)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
