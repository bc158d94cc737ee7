"""``make eval-chromium``: pointer traces delivered by a real browser, beside the simulated delivery.

``eval --as frames:60,collector`` simulates how a page delivers a person's movements (one move per
display frame at the frame's time, then the web collector's 16 ms throttle and rounding), and the
shipped model is trained on that simulation. This replays a seeded sample of recorded traces into
Debian's headless chromium at their recorded times (``clients/web/test/browser/deliver-traces.mjs``:
real input events, the browser's own dispatch, the collector's own recorder code) and writes

- ``OUT``: the traces as chromium and the collector delivered them,
- ``OUT`` with ``-recorded`` before the suffix: the same traces as recorded,

so ``botsift-server eval`` can score both (``--as frames:60,collector`` on the second for the
simulation). It prints how each delivery spaces the moves. Replaying takes real time: about as long
as the sampled traces last, plus a browser start.

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
SIMULATION = "frames:60,collector"


def sample(paths: Sequence[Path], part: PartOrAll, count: int, max_ms: float, seed: int) -> list[Trace]:
    """Up to ``count`` traces of each file's ``part``, pointer events only, none longer than ``max_ms``."""
    rng = random.Random(seed)  # noqa: S311 - seeded sampling, not security
    chosen: list[Trace] = []
    for path in paths:
        pool = []
        for trace in select(read_traces(path), part):
            keep = np.isin(trace.events.kind, [int(k) for k in POINTER_KINDS])
            events = trace.events.take(keep)
            if len(events) >= 2 and float(events.t_ms[-1] - events.t_ms[0]) <= max_ms:
                pool.append(replace(trace, events=events))
        chosen.extend(rng.sample(pool, min(count, len(pool))))
    return chosen


def deliver(traces: Sequence[Trace], chromium: str) -> list[Trace]:
    """``traces`` as chromium and the collector's recorder deliver them (same ids, labels, people);
    :class:`RuntimeError` with the browser script's errors when it fails."""
    lines = []
    for trace in traces:
        events = trace_to_dict(trace)["events"]
        t0 = events[0]["t"]
        lines.append(
            json.dumps({"session_id": trace.session_id, "events": [{**e, "t": e["t"] - t0} for e in events]})
        )
    done = subprocess.run(
        ["node", str(DRIVER), "--chromium", chromium],
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
        out.append(replace(by_id[reply["session_id"]], events=columns_from_events(reply["events"])))
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


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, deliver the sample through chromium, write both files, print the spacing."""
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
    args = parser.parse_args(argv)
    chosen = sample(args.traces, args.part, args.count, args.max_ms, args.seed)
    if not chosen:
        print("no traces to deliver", file=sys.stderr)
        return 2
    recorded_out = args.out.with_name(f"{args.out.stem}-recorded{args.out.suffix}")
    write_traces(recorded_out, chosen)
    try:
        delivered = deliver(chosen, args.chromium)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    write_traces(args.out, delivered)
    print(f"recorded:                      {spacing(chosen)}")
    print(f"simulated ({SIMULATION}): {spacing(list(parse_delivery(SIMULATION).apply(chosen)))}")
    print(f"chromium + collector:          {spacing(delivered)}")
    print(f"wrote {args.out} and {recorded_out} ({len(delivered)} traces)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
