"""`eval --as`: traces as a browser, our web collector or a privacy setting would deliver them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from botsift_server.cli import main
from botsift_server.engine import Engine, EventColumns, EventKind, RiskLevel
from botsift_server.evaluation import Trace, import_dataset, parse_delivery, write_traces

MOVE, DOWN, UP, KEY_DOWN = (
    int(k) for k in (EventKind.MOVE, EventKind.DOWN, EventKind.UP, EventKind.KEY_DOWN)
)


def _trace(t: list[float], kind: list[int], x: list[float] | None = None) -> Trace:
    n = len(t)
    xs = np.asarray(x if x is not None else range(n), np.float32)
    return Trace(
        session_id="s1",
        events=EventColumns(
            t_ms=np.asarray(t, np.float64),
            kind=np.asarray(kind, np.uint8),
            x=xs,
            y=xs * 2,
            button=np.zeros(n, np.uint8),
            key_class=np.zeros(n, np.uint8),
        ),
    )


def test_a_display_frame_delivers_the_last_move_of_each_frame_at_its_start() -> None:
    # A 1 kHz mouse for 100 ms, then a click: a 60 Hz page sees about one move per 16.7 ms.
    t = [float(i) for i in range(100)] + [100.5, 180.0]
    trace = _trace(t, [MOVE] * 100 + [DOWN, UP])
    ev = parse_delivery("frames:60")(trace).events
    moves = ev.kind == MOVE
    assert 6 <= np.count_nonzero(moves) <= 8
    # (The last gap ends at the press, part-way through a frame.)
    gaps = np.diff(ev.t_ms[moves])[:-1]
    assert np.all((gaps > 15.6) & (gaps < 17.7))
    # Each delivered move carries the latest position of its frame, and the last one, pending
    # when the button went down, is dispatched before the press at the press's time.
    assert ev.x[moves][-1] == 99.0
    assert ev.t_ms[moves][-1] == pytest.approx(100.5)
    assert list(ev.kind[-2:]) == [DOWN, UP]
    assert list(ev.t_ms[-2:]) == [100.5, 180.0]


def test_coalesced_moves_are_the_same_moves_each_timed_by_when_it_happened() -> None:
    # The same 1 kHz mouse: one move per frame as with frames:60, but each keeps the time its
    # last coalesced input happened (its Event.timeStamp), not the frame's dispatch time.
    t = [float(i) for i in range(100)] + [100.5, 180.0]
    trace = _trace(t, [MOVE] * 100 + [DOWN, UP])
    framed = parse_delivery("frames:60")(trace).events
    ev = parse_delivery("coalesced:60")(trace).events
    moves = ev.kind == MOVE
    assert np.array_equal(ev.x[moves], framed.x[framed.kind == MOVE])
    # Each move is at its own recorded time: x was the time in ms.
    assert np.array_equal(ev.t_ms[moves], ev.x[moves].astype(np.float64))
    # (The last move is the one pending when the button went down.)
    gaps = np.diff(ev.t_ms[moves])[:-1]
    assert np.all((gaps >= 16.0) & (gaps <= 17.0))
    assert ev.t_ms[moves][-1] == 99.0
    assert list(ev.t_ms[-2:]) == [100.5, 180.0]


def test_a_script_awaiting_each_move_gets_one_per_frame_and_its_path_stretched() -> None:
    # A generator's 20 moves 2 ms apart, then a press 10 ms later and a release 80 ms after it.
    # Awaited one by one, each move waits for the next frame: 20 moves over 20 frames, none
    # coalesced, and the press and release come as late as the last move was delayed.
    t = [2.0 * i for i in range(20)] + [48.0, 128.0]
    trace = _trace(t, [MOVE] * 20 + [DOWN, UP])
    ev = parse_delivery("paced:60")(trace).events
    moves = ev.kind == MOVE
    assert np.count_nonzero(moves) == 20
    assert list(ev.x[moves]) == list(range(20))
    assert np.diff(ev.t_ms[moves]) == pytest.approx(np.full(19, 1000.0 / 60.0))
    wait = ev.t_ms[moves][-1] - 38.0
    assert wait > 19 * 1000.0 / 60.0 - 38.0
    assert list(ev.t_ms[-2:]) == pytest.approx([48.0 + wait, 128.0 + wait])
    # Moves 40 ms apart (slower than frames): the script sleeps 40 ms after each acknowledged
    # move, so each interval grows by what the move waited for its frame, less than a frame.
    slow = parse_delivery("paced:60")(_trace([40.0 * i for i in range(10)], [MOVE] * 10)).events
    gaps = np.diff(slow.t_ms)
    assert np.all((gaps >= 40.0) & (gaps < 40.0 + 1000.0 / 60.0))


def test_an_awaited_move_is_timed_when_the_script_sent_it() -> None:
    # The same fast generator: held to one move per frame (each sent when the last was
    # acknowledged, at the next frame), so the stamps are a frame apart as with paced:60.
    t = [2.0 * i for i in range(20)] + [48.0, 128.0]
    ev = parse_delivery("awaited:60")(_trace(t, [MOVE] * 20 + [DOWN, UP])).events
    moves = ev.kind == MOVE
    assert list(ev.x[moves]) == list(range(20))
    assert ev.t_ms[moves][0] == 0.0
    assert np.diff(ev.t_ms[moves])[1:] == pytest.approx(np.full(18, 1000.0 / 60.0))
    # A script stepping every 40 ms is never held back: its moves keep their own rhythm (the
    # browser stamps them on arrival), where paced:60 puts each on the next frame.
    slow = _trace([40.0 + 40.0 * i for i in range(10)], [MOVE] * 10)
    assert list(parse_delivery("awaited:60")(slow).events.t_ms) == [40.0 + 40.0 * i for i in range(10)]
    framed = np.diff(parse_delivery("paced:60")(slow).events.t_ms)
    assert not np.allclose(framed, 40.0)


def test_eval_delivers_bots_by_bots_as_and_people_by_as(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fast = [2.0 * i for i in range(30)]
    person = Trace("person", _trace(fast, [MOVE] * 30).events, label="human", source="p", person="p1")
    bot = Trace("bot", _trace(fast, [MOVE] * 30).events, label="bot", source="b", person="b1")
    path = tmp_path / "both.jsonl"
    write_traces(path, [person, bot])
    assert main(["eval", str(path), "--json", "--as", "frames:60", "--bots-as", "paced:60"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results["mode"] == "offline, as delivered by frames:60, bots as delivered by paced:60"
    # The person's 30 moves in 58 ms arrive coalesced into a few frames; the bot's all 30, one a
    # frame: 30 + at most 5 events scored in all.
    assert {s["source"] for s in results["sources"]} == {"p", "b"}
    assert 31 <= results["timing"]["events"] <= 35


def test_the_web_collector_keeps_a_move_per_interval_and_rounds_to_a_tenth() -> None:
    trace = _trace([0.0, 5.04, 10.0, 16.04, 20.0, 33.0, 33.5], [MOVE] * 5 + [KEY_DOWN, MOVE])
    trace = Trace(
        session_id="s1",
        events=EventColumns(
            t_ms=trace.events.t_ms,
            kind=trace.events.kind,
            x=np.asarray([1.26, 2, 3, 4, 5, 0, -3], np.float32),
            y=trace.events.y,
            button=trace.events.button,
            key_class=trace.events.key_class,
        ),
    )
    ev = parse_delivery("collector")(trace).events
    assert list(ev.kind) == [MOVE, MOVE, KEY_DOWN, MOVE]
    assert list(ev.t_ms) == [0.0, 16.0, 33.0, 33.5]
    assert ev.x[0] == pytest.approx(1.3)
    assert ev.x[-1] == 0.0  # the collector clamps positions at the page's edge
    # A longer interval keeps fewer moves.
    assert list(parse_delivery("collector:30")(trace).events.t_ms) == [0.0, 33.0, 33.5]


def test_clock_scale_and_keys_only_steps_apply_in_order() -> None:
    trace = _trace([0.0, 40.0, 130.0, 250.0], [MOVE, DOWN, KEY_DOWN, MOVE], x=[10, 20, 0, 30])
    ev = parse_delivery("clock:100, scale:1.5")(trace).events
    assert list(ev.t_ms) == [0.0, 0.0, 100.0, 200.0]
    assert list(ev.x) == [15.0, 30.0, 0.0, 45.0]
    only = parse_delivery("keys-only")(trace).events
    assert list(only.kind) == [KEY_DOWN]


def test_a_logger_keeps_a_move_every_so_often_unevenly_and_the_one_before_a_click() -> None:
    # A 100 Hz path for 3 s, then a click: a logger writing about every 110 ms keeps about one
    # move in eleven, its waits spread over a quarter either side of that.
    t = [10.0 * i for i in range(300)] + [2995.0, 3080.0]
    trace = _trace(t, [MOVE] * 300 + [DOWN, UP])
    ev = parse_delivery("logger:110")(trace).events
    moves = ev.t_ms[ev.kind == MOVE]
    assert 20 <= moves.shape[0] <= 40
    gaps = np.diff(moves)[:-1]  # (the last move, before the press, is kept whenever it came)
    assert gaps.min() >= 80.0
    assert gaps.max() <= 150.0
    assert len(set(gaps.tolist())) >= 3  # uneven, as a logger's loop is
    assert moves[0] == 0.0
    assert moves[-1] == 2990.0
    assert list(ev.kind[-2:]) == [DOWN, UP]
    assert ev.x[ev.kind == MOVE][-1] == 299.0


def test_the_same_session_is_delivered_the_same_way_every_run() -> None:
    t = np.cumsum(np.random.default_rng(1).uniform(0.5, 9.0, 300)).tolist()
    trace = _trace(t, [MOVE] * 300)
    a, b = (parse_delivery("frames:144,collector")(trace).events for _ in range(2))
    assert np.array_equal(a.t_ms, b.t_ms)
    assert np.array_equal(a.x, b.x)


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("frames:0", "positive"),
        ("frames:fast", "number"),
        ("warp:2", "unknown step"),
        ("keys-only:3", "unknown step"),
        ("clock:inf", "positive"),
    ],
)
def test_a_bad_delivery_is_refused_with_the_step_named(spec: str, says: str) -> None:
    with pytest.raises(ValueError, match=says) as caught:
        parse_delivery(f"scale:2,{spec}")
    assert spec in str(caught.value)


def test_eval_refuses_a_bad_delivery_before_scoring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["eval", str(tmp_path / "none.jsonl"), "--as", "frames:-60"])
    assert exited.value.code == 2
    assert "frames:-60" in capsys.readouterr().err


@pytest.mark.parametrize("delivery", ["coalesced:60,collector", "frames:60,collector"])
def test_people_stay_people_as_a_60_hz_page_and_the_web_collector_deliver_them(
    delivery: str, tmp_path: Path, fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Balabit's logger and DELBOT's page recorded these hands with their own clocks and rates;
    # through Chrome on a 60 Hz screen and our collector they arrive thinned, one move a frame,
    # timed by their input (collector 1.1.0) or by the frame (1.0.x).
    people = [
        trace
        for dataset, archive in (
            ("balabit", "balabit-mouse-training.tar.xz"),
            ("delbot", "delbot-mouse.tar.gz"),
        )
        for trace in import_dataset(dataset, fixtures / archive)
        if trace.label == "human"
    ]
    delivered = list(parse_delivery(delivery).apply(people))
    engine = Engine()
    for trace in delivered:
        state = engine.start(trace.context)
        engine.add(state, trace.events)
        assert engine.assess(state).risk_level < RiskLevel.HIGH, trace.session_id
    # The same run from the command line says how the traces were delivered.
    path = tmp_path / "people.jsonl"
    write_traces(path, people)
    assert main(["eval", str(path), "--json", "--as", delivery]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results["mode"] == f"offline, as delivered by {delivery}"
    assert results["humans_high_or_above"] == 0.0
