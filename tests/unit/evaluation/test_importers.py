"""Each importer turns its dataset's archive into traces a person can be split by."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest

from botsift_server.engine import EventKind, KeyClass
from botsift_server.evaluation import DatasetError, import_dataset, key_class, read_traces, write_traces


def test_delbot_traces_carry_label_setup_and_pixel_positions(fixtures: Path) -> None:
    traces = {t.label: t for t in import_dataset("delbot", fixtures / "delbot-mouse.tar.gz")}
    assert set(traces) == {"human", "bot"}
    human, bot = traces["human"], traces["bot"]
    assert human.person == human.source == "delbot/human/pc1"
    assert bot.person == "delbot/bot/pyhm"
    assert human.events.t_ms[0] == 0.0
    assert np.all(np.diff(human.events.t_ms) >= 0)
    assert human.events.kind[0] == EventKind.DOWN  # the drawing starts with a press
    assert len(human.events) == 74  # 71 moves, 1 press, 2 releases in the cut
    assert human.events.x.max() > 100  # pixels, not fractions of the screen


def test_a_finger_lifted_without_a_position_ends_its_touch_where_it_last_touched(tmp_path: Path) -> None:
    # DELBOT's phone recorder writes the touch end as "NaN,NaN": the lift's time is kept (a
    # touch's duration needs it), at the finger's last position.
    body = "\n".join(
        [
            "resolution:412,732",
            "100.5,PressedTouch,200.0,300.0",
            "140.5,MoveTouch,210.0,305.0",
            "180.5,MoveTouch,220.0,312.0",
            "900,ReleasedTouch,NaN,NaN",
            "1500,ReleasedTouch,NaN,NaN",
            "1500,Released,475,956",
        ]
    ).encode()
    archive = tmp_path / "delbot-phone.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("circles_human_tel/circleHide_1.txt")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    (trace,) = import_dataset("delbot", archive)
    ev = trace.events
    ends = np.flatnonzero(ev.kind == EventKind.TOUCH_END)
    assert ev.t_ms[ends].tolist() == [799.5, 1399.5]
    assert ev.x[ends].tolist() == [220.0, 220.0]
    assert ev.y[ends].tolist() == [312.0, 312.0]
    assert np.count_nonzero(ev.kind == EventKind.UP) == 1


def test_balabit_windows_are_cut_by_size_and_belong_to_their_user(fixtures: Path) -> None:
    traces = list(import_dataset("balabit", fixtures / "balabit-mouse-training.tar.xz"))
    assert traces
    assert {t.person for t in traces} == {"balabit/user7"}
    assert {t.source for t in traces} == {"balabit"}
    assert all(20 <= len(t.events) <= 1000 for t in traces)
    assert sum(len(t.events) for t in traces) > 2500
    assert all(t.events.t_ms[0] == 0.0 for t in traces)


def test_balabit_movements_each_end_with_one_click(fixtures: Path) -> None:
    traces = list(import_dataset("balabit-movements", fixtures / "balabit-mouse-training.tar.xz"))
    assert len(traces) > 5
    for trace in traces:
        kinds = trace.events.kind
        assert kinds[-1] == EventKind.UP
        assert np.count_nonzero(kinds == EventKind.UP) == 1
        assert EventKind.DOWN in kinds
        assert EventKind.MOVE in kinds
    assert {t.source for t in traces} == {"balabit/movements"}


def test_aalto_keeps_key_classes_and_times_and_drops_the_text(fixtures: Path, tmp_path: Path) -> None:
    traces = list(import_dataset("aalto", fixtures / "aalto-keystrokes-dev.tar.xz"))
    assert {t.person for t in traces} == {"aalto/1002"}
    first = traces[0]
    assert first.session_id == "aalto/1002/10319"
    kinds = first.events.kind
    assert np.count_nonzero(kinds == EventKind.KEY_DOWN) == np.count_nonzero(kinds == EventKind.KEY_UP)
    classes = set(first.events.key_class.tolist())
    assert {KeyClass.LETTER, KeyClass.SPACE, KeyClass.MODIFIER} <= classes
    out = tmp_path / "aalto.jsonl"
    write_traces(out, traces)
    written = out.read_text()
    # Neither the sentence nor any character reaches the traces.
    assert "results" not in written
    assert "Tuesday" not in written
    assert '"letter"' in written


@pytest.mark.parametrize(
    ("keycode", "character", "expected"),
    [
        (84, "T", KeyClass.LETTER),
        (49, "1", KeyClass.DIGIT),
        (49, "!", KeyClass.PUNCTUATION),
        (32, " ", KeyClass.SPACE),
        (8, "BKSP", KeyClass.BACKSPACE),
        (16, "SHIFT", KeyClass.MODIFIER),
        (13, "", KeyClass.ENTER),
        (37, "", KeyClass.NAVIGATION),
        (190, ".", KeyClass.PUNCTUATION),
        (229, "", KeyClass.OTHER),
    ],
)
def test_keys_are_classified_from_code_and_character(
    keycode: int, character: str, expected: KeyClass
) -> None:
    assert key_class(keycode, character) is expected


def test_keystroke100_gives_key_downs_at_the_cumulative_latencies(fixtures: Path) -> None:
    traces = list(import_dataset("keystroke100", fixtures / "keystroke100.tar.xz"))
    assert len(traces) == 20
    assert {t.person for t in traces} == {"keystroke100/user8", "keystroke100/user9"}
    trace = next(t for t in traces if t.session_id == "keystroke100/user8/0")
    assert np.allclose(trace.events.t_ms, np.cumsum([0, 187, 141, 234, 578, 360, 609, 141]))
    assert set(trace.events.kind.tolist()) == {EventKind.KEY_DOWN}
    assert trace.events.key_class[3] == KeyClass.DIGIT
    assert trace.events.key_class[4] == KeyClass.PUNCTUATION


def test_browser_profiles_become_device_signals_without_events_or_label(fixtures: Path) -> None:
    (trace,) = import_dataset("browser-profiles", fixtures / "browser-profiles.tar.xz")
    device = trace.device
    assert trace.label is None
    assert len(trace.events) == 0
    assert trace.person == "browser-profiles/windows-10--chrome-86"
    assert "Chrome/86" in device.user_agent
    assert device.platform == "Win32"
    assert device.webdriver is True  # collected through WebDriver: kept as recorded
    assert device.languages[0].startswith("en")
    assert device.screen_width is not None
    assert device.screen_height is not None
    assert device.screen_width >= device.screen_height
    assert device.plugins_count is not None
    assert device.plugins_count > 0


def test_imported_traces_read_back_through_the_trace_format(fixtures: Path, tmp_path: Path) -> None:
    out = tmp_path / "k.jsonl"
    write_traces(out, import_dataset("keystroke100", fixtures / "keystroke100.tar.xz"))
    again = list(read_traces(out))
    assert len(again) == 20
    assert json.loads(out.read_text().splitlines()[0])["person"] == again[0].person == "keystroke100/user8"


def test_a_missing_archive_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"nope\.tar\.xz"):
        list(import_dataset("balabit", tmp_path / "nope.tar.xz"))
