"""Train/eval splits by person, never by event or session.

A person (a user of a dataset, or a bot generator's run) lands wholly in one part, so a model
never sees in training the same hand it is judged on. The part is a hash of the person's name:
deterministic across machines and runs, and stable when other people are added.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Literal

from botsift_server.evaluation._traces import Trace

Part = Literal["train", "eval"]
PartOrAll = Literal["all", "train", "eval"]
PARTS: tuple[PartOrAll, ...] = ("all", "train", "eval")
"""What a ``--part`` option takes: both parts, or one."""

EVAL_FRACTION = 0.3
"""Share of people (not of sessions) that go to the evaluation part by default."""


def split_of(person: str, eval_fraction: float = EVAL_FRACTION, salt: str = "botsift-split-1") -> Part:
    """The part ``person`` belongs to: ``"eval"`` for about ``eval_fraction`` of people.

    >>> split_of("balabit/user7") == split_of("balabit/user7")
    True
    """
    if not 0.0 <= eval_fraction <= 1.0:
        raise ValueError("eval_fraction: must be in [0, 1]")
    digest = hashlib.sha256(f"{salt}\0{person}".encode()).digest()
    unit = int.from_bytes(digest[:8], "big") / 2**64
    return "eval" if unit < eval_fraction else "train"


def select(traces: Iterable[Trace], part: PartOrAll, eval_fraction: float = EVAL_FRACTION) -> Iterator[Trace]:
    """The traces whose person (or, lacking one, session id) falls in ``part`` (all for ``"all"``)."""
    if part == "all":
        yield from traces
        return
    for trace in traces:
        if split_of(trace.person or trace.session_id, eval_fraction) == part:
            yield trace
