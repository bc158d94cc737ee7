"""Splits are by person: stable, about the asked share, and never cutting a person in two."""

from __future__ import annotations

from botsift_server.engine import EventColumns
from botsift_server.evaluation import Trace, select, split_of


def test_a_person_always_lands_in_the_same_part() -> None:
    assert split_of("balabit/user7") == split_of("balabit/user7")
    assert split_of("x", eval_fraction=0.0) == "train"
    assert split_of("x", eval_fraction=1.0) == "eval"


def test_about_the_asked_share_of_people_go_to_eval() -> None:
    parts = [split_of(f"person-{i}", eval_fraction=0.3) for i in range(4000)]
    share = parts.count("eval") / len(parts)
    assert 0.27 < share < 0.33


def test_select_keeps_all_sessions_of_a_person_together() -> None:
    traces = [
        Trace(session_id=f"{p}/{i}", events=EventColumns.empty(), person=p)
        for p in ("a", "b", "c", "d")
        for i in range(5)
    ]
    train = list(select(traces, "train"))
    evaluation = list(select(traces, "eval"))
    assert len(train) + len(evaluation) == len(traces)
    assert not {t.person for t in train} & {t.person for t in evaluation}


def test_the_all_part_keeps_every_trace_in_order() -> None:
    traces = [Trace(f"s{i}", EventColumns.empty(), person=f"p{i}") for i in range(20)]
    assert list(select(traces, "all")) == traces
    assert sorted(t.session_id for p in ("train", "eval") for t in select(traces, p)) == sorted(
        t.session_id for t in traces
    )
