"""The trace format reads what DESIGN.md shows and writes back the same sessions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from botsift_server.engine import KEY_FLAG_CAPITAL_WITHOUT_SHIFT, EventKind, KeyClass
from botsift_server.evaluation import TraceFormatError, read_traces, trace_from_dict, write_traces

EXAMPLE = {
    "session_id": "s1",
    "label": "human",
    "source": "balabit/user7",
    "device": {"user_agent": "Mozilla/5.0", "webdriver": False, "languages": ["en"], "unknown": 1},
    "events": [
        {"t": 0.0, "type": "move", "x": 10, "y": 20},
        {"t": 12.5, "type": "down", "x": 10, "y": 20, "button": 0},
        {"t": 140.0, "type": "keydown", "key_class": "letter"},
    ],
}


def test_the_design_example_reads_into_columns_and_device() -> None:
    trace = trace_from_dict(EXAMPLE)
    assert trace.label == "human"
    assert trace.person == "balabit/user7"
    assert trace.device.languages == ("en",)
    assert trace.device.webdriver is False
    assert list(trace.events.kind) == [EventKind.MOVE, EventKind.DOWN, EventKind.KEY_DOWN]
    assert trace.events.key_class[2] == KeyClass.LETTER
    assert np.allclose(trace.events.t_ms, [0.0, 12.5, 140.0])


def test_writing_and_reading_back_gives_the_same_sessions(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    original = trace_from_dict(EXAMPLE)
    assert write_traces(path, [original, original]) == 2
    again = list(read_traces(path))
    assert len(again) == 2
    for field in ("t_ms", "kind", "x", "y", "button", "key_class"):
        assert np.array_equal(getattr(again[0].events, field), getattr(original.events, field))
    assert again[0].device == original.device
    assert again[0].label == "human"


def test_a_capital_typed_without_shift_keeps_its_flag_written_and_read(
    tmp_path: Path,
) -> None:
    flagged = {
        "session_id": "s2",
        "events": [
            {"t": 0.0, "type": "keydown", "key_class": "letter", "button": KEY_FLAG_CAPITAL_WITHOUT_SHIFT},
            {"t": 80.0, "type": "keyup", "key_class": "letter"},
        ],
    }
    path = tmp_path / "t.jsonl"
    write_traces(path, [trace_from_dict(flagged)])
    assert json.loads(path.read_text())["events"] == flagged["events"]
    [again] = read_traces(path)
    assert list(again.events.button) == [KEY_FLAG_CAPITAL_WITHOUT_SHIFT, 0]


def test_events_out_of_order_are_sorted_by_time() -> None:
    trace = trace_from_dict({**EXAMPLE, "events": [EXAMPLE["events"][1], EXAMPLE["events"][0]]})  # type: ignore[index]
    assert list(trace.events.t_ms) == [0.0, 12.5]


@pytest.mark.parametrize(
    "line",
    [
        {"label": "human", "events": []},
        {"session_id": "a", "label": "robot"},
        {"session_id": "a", "events": [{"t": 0, "type": "teleport"}]},
        {"session_id": "a", "events": [{"t": 0, "type": "keydown", "key_class": "emoji"}]},
    ],
)
def test_bad_lines_name_the_file_and_line(tmp_path: Path, line: dict[str, object]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(EXAMPLE) + "\n" + json.dumps(line) + "\n")
    with pytest.raises(TraceFormatError, match=r"bad\.jsonl:2"):
        list(read_traces(path))
