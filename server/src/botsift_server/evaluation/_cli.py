"""The ``eval`` and ``data`` subcommands of ``botsift-server`` (parsing here, work elsewhere)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from botsift_server.engine import EngineConfig, ModelBundle, ReplayIndex
from botsift_server.errors import ConfigError
from botsift_server.evaluation._archive import DatasetError
from botsift_server.evaluation._composite import COMPOSITE_HUMAN
from botsift_server.evaluation._cut import movements
from botsift_server.evaluation._delivery import delivery_argument
from botsift_server.evaluation._generators import GENERATOR_NAMES, generate
from botsift_server.evaluation._importers import DATASETS, default_archive, import_dataset
from botsift_server.evaluation._report import render_text, write_report
from botsift_server.evaluation._results import summarize
from botsift_server.evaluation._runner import RemoteError, Scored, score_offline, score_remote
from botsift_server.evaluation._split import PARTS, select
from botsift_server.evaluation._traces import Trace, TraceFormatError, read_traces, write_traces
from botsift_server.model_file import load_model


def add_subcommands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``eval`` and ``data`` on the ``botsift-server`` parser."""
    ev = sub.add_parser("eval", help="score trace files with the engine (or a server) and report accuracy")
    ev.add_argument("traces", nargs="+", type=Path, help="trace JSON Lines files (labels optional)")
    ev.add_argument("--target", help="host:port of a running server: score through its Analyze stream")
    ev.add_argument("--key", help="publishable key for --target")
    ev.add_argument("--part", choices=PARTS, default="all", help="person split to score")
    ev.add_argument("--report", type=Path, metavar="DIR", help="also write report.md and PNG plots here")
    ev.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    ev.add_argument(
        "--model",
        type=Path,
        metavar="FILE",
        help="score offline with this model file (from `botsift-server train`) instead of the "
        "setting model.file, or the shipped model when that is empty",
    )
    ev.add_argument(
        "--as",
        dest="delivery",
        type=delivery_argument,
        metavar="STEPS",
        help="score the traces as another browser or device would deliver them, steps in order, "
        "comma-separated: frames:HZ (pointer moves once per display frame, as Chrome dispatches "
        "them, timed by the dispatch), coalesced:HZ (the same moves, each timed by when it "
        "happened, as the web collector records them since 1.1.0), collector[:MS] (the web "
        "collector: a move per MS, default 16; times and "
        "positions to 0.1), clock:MS (times rounded down to MS), scale:F (coordinates times F), "
        "keys-only (no pointer events)",
    )
    ev.add_argument(
        "--bots-as",
        dest="bot_delivery",
        type=delivery_argument,
        metavar="STEPS",
        help="deliver the bot-labelled traces by STEPS instead of --as, for what only a script "
        "does: awaited:HZ (each pointer move awaited, at most one per display frame, as "
        "Puppeteer/Playwright scripts moving point by point get them dispatched, timed when sent, "
        "as the web collector records them since 1.1.0), paced:HZ (the same, timed by the frame), "
        "logger:MS (a move kept about every MS, as a desktop logger records them; the shipped "
        "model trains bots so)",
    )
    tenant = ev.add_argument_group("replays across sessions (offline only)")
    tenant.add_argument(
        "--tenant-replay",
        action="store_true",
        help="score in file order as one tenant of a server: each session is checked against "
        "the replay index of the sessions before it, then added to it",
    )
    tenant.add_argument(
        "--replay-warmup",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="traces the tenant saw before: remembered first, never scored (implies --tenant-replay)",
    )
    tenant.add_argument(
        "--replay-warmup-part",
        choices=PARTS,
        default="all",
        help="person split of the warm-up traces to remember (default all)",
    )
    tenant.add_argument(
        "--replay-capacity",
        type=int,
        metavar="N",
        help="sessions the index remembers (default: the engine's replay_index_sessions)",
    )

    data = sub.add_parser("data", help="import datasets and generate bot traces as trace JSON Lines")
    verbs = data.add_subparsers(dest="data_command", metavar="VERB", required=True)
    imp = verbs.add_parser("import", help="convert a dataset archive into traces")
    imp.add_argument("dataset", choices=sorted(DATASETS))
    imp.add_argument("--archive", type=Path, help="archive path (default: ../shared/data/<file>)")
    imp.add_argument("--out", type=Path, required=True, help="trace JSON Lines file to write")
    gen = verbs.add_parser("generate", help="write bot sessions of one generator")
    gen.add_argument("generator", choices=(*GENERATOR_NAMES, COMPOSITE_HUMAN))
    gen.add_argument("--count", type=int, default=100, help="how many sessions (default 100)")
    gen.add_argument("--seed", type=int, default=0, help="seed: the same seed gives the same traces")
    gen.add_argument(
        "--human",
        type=Path,
        action="append",
        default=[],
        help="human traces to replay (replay) or to compose (composite-human)",
    )
    gen.add_argument(
        "--human-part",
        choices=PARTS,
        default="all",
        help="only the --human traces of this side of the person split (default all)",
    )
    gen.add_argument("--out", type=Path, required=True, help="trace JSON Lines file to write")
    mv = verbs.add_parser(
        "movements", help="cut sessions into single movements between clicks (pointer events)"
    )
    mv.add_argument("traces", nargs="+", type=Path, help="trace JSON Lines files to cut")
    mv.add_argument("--out", type=Path, required=True, help="trace JSON Lines file to write")


def run(args: argparse.Namespace, engine_config: EngineConfig, model_file: Path | None = None) -> int:
    """Carry out a parsed ``eval`` or ``data`` command; ``model_file`` is the setting
    ``model.file`` (``eval --model`` wins over it)."""
    try:
        if args.command == "eval":
            return _eval(args, engine_config, args.model or model_file)
        if args.data_command == "import":
            archive = args.archive or default_archive(args.dataset)
            count = write_traces(args.out, import_dataset(args.dataset, archive))
            print(f"{args.dataset}: wrote {count} traces to {args.out}", file=sys.stderr)
            return 0
        if args.data_command == "generate":
            human = [t for t in select(read_traces(*args.human), args.human_part) if t.label != "bot"]
            count = write_traces(args.out, generate(args.generator, args.count, args.seed, human))
            print(f"{args.generator}: wrote {count} traces to {args.out}", file=sys.stderr)
            return 0
        if args.data_command == "movements":
            count = write_traces(args.out, movements(read_traces(*args.traces)))
            print(f"movements: wrote {count} traces to {args.out}", file=sys.stderr)
            return 0
    except (DatasetError, TraceFormatError, RemoteError, ValueError, OSError, RuntimeError) as exc:
        print(f"botsift-server: {exc}", file=sys.stderr)
        return 1
    raise AssertionError(args)


def _eval(args: argparse.Namespace, engine_config: EngineConfig, model_file: Path | None) -> int:
    tenant_replay = args.tenant_replay or bool(args.replay_warmup) or args.replay_capacity is not None
    if args.target and tenant_replay:
        print("botsift-server: --target uses the server's own replay index", file=sys.stderr)
        return 2
    if args.target and args.model:
        print("botsift-server: --target scores with the server's own model (its model.file)", file=sys.stderr)
        return 2
    try:
        model = None if args.target else load_model(model_file)
    except ConfigError as exc:
        print(f"botsift-server: {exc}", file=sys.stderr)
        return 2
    traces = [_delivered(args, trace) for trace in select(read_traces(*args.traces), args.part)]
    if not traces:
        print("botsift-server: no traces to score", file=sys.stderr)
        return 1
    progress = Progress(len(traces), sys.stderr)
    if args.target:
        if not args.key:
            print("botsift-server: --target needs --key", file=sys.stderr)
            return 2
        scored = asyncio.run(score_remote(traces, args.target, args.key, progress=progress.advance))
        mode = f"server {args.target}"
    elif tenant_replay:
        scored, mode = _score_as_tenant(args, traces, engine_config, model, progress)
    else:
        scored = score_offline(traces, engine_config, progress=progress.advance, model=model)
        mode = "offline"
    progress.close()
    if args.delivery is not None:
        mode += f", as delivered by {args.delivery.spec}"
    if args.bot_delivery is not None:
        mode += f", bots as delivered by {args.bot_delivery.spec}"
    results = summarize(scored, engine_config, mode=mode)
    if args.json:
        print(json.dumps(results.to_json(), indent=2))
    else:
        print(render_text(results), end="")
    if args.report:
        for path in write_report(results, scored, args.report):
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _delivered(args: argparse.Namespace, trace: Trace) -> Trace:
    """``trace`` as ``--as`` delivers it, or ``--bots-as`` when it is a bot's and that is given."""
    delivery = args.bot_delivery if trace.label == "bot" and args.bot_delivery is not None else args.delivery
    return trace if delivery is None else delivery(trace)


def _score_as_tenant(
    args: argparse.Namespace,
    traces: list[Trace],
    engine_config: EngineConfig,
    model: ModelBundle | None,
    progress: Progress,
) -> tuple[list[Scored], str]:
    """Score ``traces`` as one tenant with a replay index, after the warm-up traces."""
    capacity = args.replay_capacity or engine_config.replay_index_sessions
    index = ReplayIndex(capacity)
    warmed = 0

    def warmup() -> Iterator[Trace]:
        # Streamed: warm-up files can be far larger than the traces scored.
        nonlocal warmed
        for trace in select(read_traces(*args.replay_warmup), args.replay_warmup_part):
            warmed += 1
            # The tenant saw them through the same browser (and bots' scripts) as the traces scored.
            yield _delivered(args, trace)

    scored = score_offline(
        traces, engine_config, progress.advance, replay=index, warmup=warmup(), model=model
    )
    return scored, f"offline, one tenant's replay index ({capacity} sessions, {warmed} warm-up)"


class Progress:
    """A one-line progress counter on a terminal (silent when the stream is not one)."""

    def __init__(self, total: int, stream: TextIO, every_s: float = 0.5) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.every_s = every_s
        self.began = self.shown = time.monotonic()
        self.live = stream.isatty()

    def advance(self, count: int) -> None:
        """Count ``count`` more finished traces."""
        self.done += count
        now = time.monotonic()
        if self.live and now - self.shown >= self.every_s:
            self.shown = now
            rate = self.done / max(now - self.began, 1e-9)
            left = (self.total - self.done) / max(rate, 1e-9)
            self.stream.write(f"\rscored {self.done}/{self.total} sessions, {rate:.0f}/s, {left:.0f} s left ")
            self.stream.flush()

    def close(self) -> None:
        """End the progress line."""
        if self.live and self.done:
            self.stream.write(
                f"\rscored {self.done}/{self.total} sessions in {time.monotonic() - self.began:.1f} s\n"
            )
            self.stream.flush()
