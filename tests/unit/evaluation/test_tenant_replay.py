"""Offline scoring as one server tenant: replays of earlier sessions are caught, as on a server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from botsift_server.cli import main
from botsift_server.engine import ENGINE_VERSION, ReplayIndex
from botsift_server.evaluation import Trace, generate, import_dataset, score_offline, write_traces

REPLAYED = "POINTER_REPLAYED_TRAJECTORY"


@pytest.fixture(scope="module")
def humans() -> list[Trace]:
    """Balabit sessions with clicks: the recordings the replay bots are cut from."""

    archive = Path(__file__).parent / "data" / "balabit-mouse-training.tar.xz"
    return list(import_dataset("balabit", archive))


@pytest.fixture(scope="module")
def replays(humans: list[Trace]) -> list[Trace]:
    """Bots that replay those recordings with jitter, onto new starts and targets."""
    return list(generate("replay", 12, seed=4, human=humans))


def test_a_replay_scored_after_its_original_is_flagged_as_one_tenant(
    humans: list[Trace], replays: list[Trace]
) -> None:
    scored = score_offline([*humans, *replays], replay=ReplayIndex(1000))
    bots = [s for s in scored if s.label == "bot"]
    assert any(REPLAYED in s.reasons for s in bots)
    # The originals came first: nothing was there for them to repeat.
    assert not any(REPLAYED in s.reasons for s in scored if s.label != "bot")


def test_without_the_tenant_index_the_same_replays_are_not_flagged(
    humans: list[Trace], replays: list[Trace]
) -> None:
    scored = score_offline([*humans, *replays])
    assert not any(REPLAYED in s.reasons for s in scored)


def test_warm_up_sessions_are_remembered_but_not_scored(humans: list[Trace], replays: list[Trace]) -> None:
    scored = score_offline(replays, replay=ReplayIndex(1000), warmup=humans)
    assert [s.session_id for s in scored] == [t.session_id for t in replays]
    assert any(REPLAYED in s.reasons for s in scored)


def test_a_replay_before_its_original_is_not_flagged(humans: list[Trace], replays: list[Trace]) -> None:
    scored = score_offline([*replays[:1], *humans], replay=ReplayIndex(1000))
    assert REPLAYED not in scored[0].reasons


def test_eval_tenant_replay_on_the_command_line(
    humans: list[Trace], replays: list[Trace], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    human_file, bot_file = tmp_path / "human.jsonl", tmp_path / "replay.jsonl"
    write_traces(human_file, humans)
    write_traces(bot_file, replays)

    def replay_mean_score(*flags: str) -> float:
        assert main(["eval", "--json", *flags, str(human_file), str(bot_file)]) == 0
        out = json.loads(capsys.readouterr().out)
        # Scored offline either way: the report names the engine that scored.
        assert out["engine_version"] == ENGINE_VERSION
        return float(next(s["mean_score"] for s in out["sources"] if s["source"] == "generated/replay"))

    alone = replay_mean_score()
    assert replay_mean_score("--tenant-replay") > alone
    assert replay_mean_score("--replay-warmup", str(human_file), "--replay-capacity", "50") > alone


def test_tenant_replay_cannot_be_combined_with_a_server_target(humans: list[Trace], tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    write_traces(path, humans[:1])
    assert main(["eval", "--tenant-replay", "--target", "127.0.0.1:1", "--key", "k", str(path)]) == 2
