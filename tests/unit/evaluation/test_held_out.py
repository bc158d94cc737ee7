"""Held-out bot generators: made for evaluation, never trained on."""

from __future__ import annotations

import re
from pathlib import Path

from botsift_server.evaluation import GENERATORS, HELD_OUT

MAKEFILE = Path(__file__).resolve().parents[3] / "Makefile"


def _make_list(name: str) -> set[str]:
    match = re.search(rf"^{name} := ((?:.*\\\n)*.*)$", MAKEFILE.read_text(), re.MULTILINE)
    assert match, name
    return set(match.group(1).replace("\\\n", " ").split())


def test_held_out_generators_are_made_for_evaluation_and_never_trained_on() -> None:
    # `make train-data` generates $(BOTS); `make data` generates $(BOTS) and $(HELD_OUT_BOTS).
    assert set(HELD_OUT) <= set(GENERATORS)
    assert _make_list("HELD_OUT_BOTS") == set(HELD_OUT)
    assert not _make_list("BOTS") & set(HELD_OUT)
