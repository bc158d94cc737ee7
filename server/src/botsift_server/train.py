"""The ``train`` subcommand of ``botsift-server``: fit the engine's learned models on traces.

::

    botsift-server train .botsift/data/delbot.jsonl .botsift/data/balabit-movements.jsonl \\
        .botsift/data/keystroke100.jsonl .botsift/data/train-bot-*.jsonl --out model.json

Reproducible: the same files and ``--seed`` give the same model file, byte for byte. Only the
``train`` part of the person split is used (the ``eval`` part is what ``botsift-server eval
--part eval`` reports on), and sources whose licence forbids it are refused (Aalto keystrokes:
non-commercial; they are for evaluation only).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from botsift_server.engine import EventColumns, EventKind, KeyClass
from botsift_server.engine.learned import MODEL_VERSION
from botsift_server.engine.training import Sample, summarise, train_bundle
from botsift_server.evaluation import Trace, delivery_argument, read_traces
from botsift_server.evaluation._split import select

EXCLUDED_SOURCE_PREFIXES = ("aalto",)
"""Sources never trained on: the Aalto keystrokes are licensed for non-commercial use only."""

MAX_PER_SOURCE = 20000
"""Sessions kept per source. Sources weigh the same whatever their size, so the cap only bounds the
work. At 1,500 it kept 3% of Balabit's 46,024 train-part movements; at 20,000, with two seeds,
fewer people score 0.5 or more and more bots reach HIGH, while held-out generators' single
movements rank a little lower (MODEL_CARD.md, "More of Balabit's movements")."""

SHIPPED_MODALITIES = ("pointer",)
"""Modalities whose model the shipped file carries (``--ship`` default); see MODEL_CARD.md."""

NOT_SHIPPED_NOTES = {
    "keystrokes": "trained on Keystroke100 passwords it flagged 70% of Aalto sentence typists as bots: "
    "rules only for keys",
}
"""Why a trained modality is left out of the shipped file, recorded in the file's metrics."""


def add_subcommand(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``train`` on the ``botsift-server`` parser."""
    tr = sub.add_parser("train", help="train the engine's learned models on labelled traces")
    tr.add_argument("traces", nargs="+", type=Path, help="labelled trace JSON Lines files")
    tr.add_argument("--out", type=Path, required=True, help="model file to write (JSON)")
    tr.add_argument("--seed", type=int, default=7, help="seed for sampling, folds and trees (default 7)")
    tr.add_argument(
        "--max-per-source",
        type=int,
        default=MAX_PER_SOURCE,
        help=f"sessions kept per source, sampled with the seed (default {MAX_PER_SOURCE})",
    )
    tr.add_argument("--part", choices=("all", "train"), default="train", help="person split to train on")
    tr.add_argument(
        "--version",
        type=_model_version,
        default=None,
        help="version recorded in the model file and in every verdict it helps make: letters, digits, "
        "'.', '_' and '-' (default: derived from the seed and the number of sessions)",
    )
    tr.add_argument(
        "--as",
        dest="deliveries",
        action="append",
        default=[],
        type=delivery_argument,
        metavar="STEPS",
        help="also train on every chosen session as delivered by STEPS (see eval --as), one copy "
        "per --as, with the session's person and source (repeatable)",
    )
    tr.add_argument(
        "--bots-as",
        dest="bot_deliveries",
        action="append",
        default=[],
        type=delivery_argument,
        metavar="STEPS",
        help="also train on every chosen bot session as delivered by STEPS (see eval --bots-as), "
        "one copy per --bots-as (repeatable)",
    )
    tr.add_argument(
        "--leave-out",
        action="append",
        default=[],
        metavar="PERSON",
        help="leave out every session of this person (its `person`, or its `source` when it names "
        "none), to measure the model on them afterwards with `eval --model` (repeatable)",
    )
    tr.add_argument(
        "--ship",
        action="append",
        choices=("pointer", "keystrokes"),
        help="modality whose model goes into the file (repeatable; default: "
        f"{', '.join(SHIPPED_MODALITIES)}); the others are trained and measured only",
    )


def run(args: argparse.Namespace) -> int:
    """Carry out a parsed ``train`` command."""
    by_source: dict[str, list[Trace]] = defaultdict(list)
    refused = 0
    leave_out = dict.fromkeys(args.leave_out, 0)
    for path in args.traces:
        traces = read_traces(path)
        for trace in select(traces, args.part):
            if trace.label is None:
                continue
            if trace.source.startswith(EXCLUDED_SOURCE_PREFIXES):
                refused += 1
                continue
            if trace.person in leave_out:
                leave_out[trace.person] += 1
                continue
            by_source[trace.source].append(trace)
    if refused:
        print(f"left out {refused} sessions whose licence forbids training (Aalto)", file=sys.stderr)
    absent = [person for person, count in leave_out.items() if count == 0]
    if absent:
        print(f"--leave-out: no session of {', '.join(absent)} to leave out", file=sys.stderr)
        return 2
    for person, count in leave_out.items():
        print(f"left out {count} sessions of {person}", file=sys.stderr)
    rng = random.Random(args.seed)  # noqa: S311 - seeded sampling, not security
    samples: list[Sample] = []
    for source in sorted(by_source):
        chosen = by_source[source]
        if len(chosen) > args.max_per_source:
            chosen = rng.sample(chosen, args.max_per_source)
        # A delivered copy keeps its session's person and id: both land in the same fold.
        bots = [t for t in chosen if t.label == "bot"]
        copies = [(chosen, d) for d in (None, *args.deliveries)] + [(bots, d) for d in args.bot_deliveries]
        for sessions, delivery in copies:
            delivered = sessions if delivery is None else list(delivery.apply(sessions))
            samples.extend(_sample(t) for t in delivered)
    samples.extend(_typing_runs(by_source, rng))
    if not samples:
        print("no labelled sessions to train on", file=sys.stderr)
        return 2
    version = args.version or f"trees-seed{args.seed}-n{len(samples)}"
    ship = tuple(args.ship) if args.ship else SHIPPED_MODALITIES
    bundle = train_bundle(
        samples, seed=args.seed, version=version, ship=ship, not_shipped_notes=NOT_SHIPPED_NOTES
    )
    bundle.save(args.out)
    print(summarise(bundle.metrics))
    print(f"wrote {args.out} ({', '.join(sorted(bundle.models))})", file=sys.stderr)
    return 0


def _sample(trace: Trace) -> Sample:
    person = trace.person or trace.session_id
    return Sample(trace.context, trace.events, trace.label == "bot", trace.source, person, trace.session_id)


def _typing_runs(by_source: dict[str, list[Trace]], rng: random.Random) -> list[Sample]:
    """Longer human typing: each short typing sample (a password, <= 12 presses) followed by
    more of the same person's, with a space and a pause between, as when one retypes or fills
    several fields. Without these the model would only know humans who type 8 keys."""
    out: list[Sample] = []
    for source in sorted(by_source):
        people: dict[str, list[Trace]] = defaultdict(list)
        for trace in by_source[source]:
            presses = int(np.count_nonzero(trace.events.kind == EventKind.KEY_DOWN))
            if trace.label == "human" and 4 <= presses <= 12 and presses == len(trace.events):
                people[trace.person or trace.session_id].append(trace)
        for person in sorted(people):
            runs = people[person]
            for start in range(0, len(runs), 3):
                chosen = runs[start : start + rng.randint(2, 6)]
                if len(chosen) < 2:
                    continue
                t: list[float] = []
                classes: list[int] = []
                now = 0.0
                for trace in chosen:
                    t.extend((now + trace.events.t_ms - trace.events.t_ms[0]).tolist())
                    classes.extend(trace.events.key_class.tolist())
                    now = t[-1] + rng.uniform(150.0, 450.0)
                    t.append(now)
                    classes.append(int(KeyClass.SPACE))
                    now += rng.uniform(150.0, 600.0)
                n = len(t)
                events = EventColumns(
                    np.array(t),
                    np.full(n, int(EventKind.KEY_DOWN), np.uint8),
                    np.zeros(n, np.float32),
                    np.zeros(n, np.float32),
                    np.zeros(n, np.uint8),
                    np.array(classes, np.uint8),
                )
                out.append(Sample(chosen[0].context, events, False, source, person, f"{person}/run{start}"))
    return out


def _model_version(text: str) -> str:
    if not MODEL_VERSION.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} must match {MODEL_VERSION.pattern}")
    return text
