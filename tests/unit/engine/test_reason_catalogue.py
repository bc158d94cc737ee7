"""The reason-code catalogue (docs/reasons.md) and the engine agree."""

from __future__ import annotations

import re
from pathlib import Path

import botsift_server.engine

ROOT = Path(__file__).parents[3]
ENGINE_SOURCE = Path(botsift_server.engine.__file__).parent
# A string literal shaped like a reason code, in any engine module.
CODE = re.compile(r"[\"']((?:AUTOMATION|DEVICE|POINTER|KEYS|TIMING|BEHAVIOUR|INSUFFICIENT)_[A-Z0-9_]+)[\"']")


def _engine_codes() -> set[str]:
    """Codes the detectors write (the registry of codes itself left out)."""
    return {
        m
        for path in ENGINE_SOURCE.rglob("*.py")
        if path.name != "_reasons.py"
        for m in CODE.findall(path.read_text())
    }


def _catalogue() -> dict[str, str]:
    rows = re.findall(
        r"^\| `([A-Z0-9_]+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$",
        (ROOT / "docs" / "reasons.md").read_text(),
        re.M,
    )
    return {code: direction.strip() for code, _, direction, _ in rows}


def test_every_reason_the_engine_can_give_is_documented_and_nothing_else_is() -> None:
    assert _engine_codes() == set(_catalogue())


def test_the_registry_of_codes_config_accepts_is_the_catalogue_in_its_order() -> None:
    assert list(botsift_server.engine.REASON_CODES) == list(_catalogue())


def test_every_documented_reason_says_which_way_it_points() -> None:
    assert set(_catalogue().values()) <= {"bot", "human", "either", "information"}
