"""`botsift-server data import|generate` and `botsift-server eval`, end to end on small files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from botsift_server.cli import main
from botsift_server.engine import EngineConfig, RiskLevel
from botsift_server.evaluation import import_dataset, read_traces, score_offline, split_of, write_traces


@pytest.fixture
def sample(tmp_path: Path, fixtures: Path) -> list[Path]:
    """Human traces from the dataset cuts, and bots from two generators, written by the CLI."""
    files = []
    for dataset, archive in (
        ("delbot", "delbot-mouse.tar.gz"),
        ("balabit", "balabit-mouse-training.tar.xz"),
        ("keystroke100", "keystroke100.tar.xz"),
    ):
        out = tmp_path / f"{dataset}.jsonl"
        assert main(["data", "import", dataset, "--archive", str(fixtures / archive), "--out", str(out)]) == 0
        files.append(out)
    for generator in ("linear", "typing-constant"):
        out = tmp_path / f"bot-{generator}.jsonl"
        assert main(["data", "generate", generator, "--count", "5", "--seed", "3", "--out", str(out)]) == 0
        files.append(out)
    return files


def test_eval_prints_the_summary_per_source_table_and_histograms(
    sample: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", *map(str, sample)]) == 0
    out = capsys.readouterr().out
    assert "ROC AUC" in out
    assert "TPR at 1% FPR" in out
    assert "accuracy (bot = HIGH or CRITICAL" in out
    assert "humans at HIGH or CRITICAL" in out
    assert "time per event" in out
    for source in (
        "generated/linear",
        "generated/typing-constant",
        "keystroke100",
        "balabit",
        "delbot/bot/pyhm",
    ):
        assert source in out
    assert "human scores" in out
    assert "bot scores" in out


def test_eval_json_is_machine_readable(sample: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--json", *map(str, sample)]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results["bots"] == 11  # 1 DELBOT bot + 5 + 5 generated
    assert results["humans"] > 20
    assert 0.0 <= results["auc"] <= 1.0
    assert results["timing"]["events"] > 0
    sources = {s["source"]: s for s in results["sources"]}
    assert sources["generated/linear"]["sessions"] == 5
    assert sources["generated/linear"]["auc"] is not None
    assert sum(results["histograms"]["bot"]) == 11


def test_eval_lists_the_people_it_flagged_with_the_reasons_that_pointed_to_a_bot(
    sample: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Five scripted straight lines labelled as people (a mislabelled recording, or a person the
    # engine gets wrong): the report names them, with what pointed to a bot, and no real person.
    mislabelled = tmp_path / "mislabelled.jsonl"
    lines = [dataclasses.replace(t, label="human", source="test/mislabelled") for t in read_traces(sample[3])]
    write_traces(mislabelled, lines)
    people = [str(sample[0]), str(sample[1]), str(mislabelled)]
    assert main(["eval", "--json", *people]) == 0
    flagged = json.loads(capsys.readouterr().out)["flagged_humans"]
    assert flagged["min_score"] == 0.5
    assert flagged["sessions"] == 5
    assert {f["source"] for f in flagged["highest"]} == {"test/mislabelled"}
    scores = [f["score"] for f in flagged["highest"]]
    assert scores == sorted(scores, reverse=True)
    assert min(scores) >= 0.5
    assert all(
        f["reasons"]
        and all(r.startswith(("POINTER_", "BEHAVIOUR_", "TIMING_", "KEYS_")) for r in f["reasons"])
        for f in flagged["highest"]
    )
    assert sum(n["sessions"] for n in flagged["reasons"]) >= 5
    # The terminal and Markdown reports say the same.
    report = tmp_path / "report"
    assert main(["eval", "--report", str(report), *people]) == 0
    out = capsys.readouterr().out
    assert "People scored 0.5 or more, or at HIGH or above: 5" in out
    assert out.count("test/mislabelled") >= 6  # its per-source row and its five sessions
    assert "## People flagged" in (report / "report.md").read_text()


def test_eval_report_writes_markdown_and_plots(
    sample: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report"
    assert main(["eval", "--report", str(report), *map(str, sample)]) == 0
    text = (report / "report.md").read_text()
    assert "| ROC AUC |" in text
    assert "generated/linear" in text
    for name in ("roc.png", "scores.png", "reliability.png"):
        data = (report / name).read_bytes()
        assert data.startswith(b"\x89PNG")
        assert f"({name})" in text


def test_eval_of_a_bad_file_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"session_id": "a", "label": "robot"}\n')
    assert main(["eval", str(bad)]) == 1
    assert "bad.jsonl:1" in capsys.readouterr().err


def test_replay_bots_replay_only_the_people_of_the_requested_split(
    tmp_path: Path, fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moves = tmp_path / "moves.jsonl"
    archive = str(fixtures / "balabit-mouse-training.tar.xz")
    assert main(["data", "import", "balabit-movements", "--archive", archive, "--out", str(moves)]) == 0
    person = next(iter(read_traces(moves))).person
    one = tmp_path / "one-person.jsonl"
    write_traces(one, (t for t in read_traces(moves) if t.person == person))
    own, other = split_of(person), "eval" if split_of(person) == "train" else "train"
    args = ["data", "generate", "replay", "--count", "3", "--seed", "1", "--human", str(one)]
    assert main([*args, "--human-part", own, "--out", str(tmp_path / "a.jsonl")]) == 0
    # Nobody of the other part to replay.
    assert main([*args, "--human-part", other, "--out", str(tmp_path / "b.jsonl")]) == 1
    assert "replay needs human traces" in capsys.readouterr().err


def test_offline_scoring_judges_each_session_by_its_actions_thresholds(fixtures: Path) -> None:
    # A server judges a login by the login thresholds; offline scoring must too, or its risk
    # levels (and every "HIGH+" share) disagree with the server's for the same score.
    person = next(t for t in import_dataset("delbot", fixtures / "delbot-mouse.tar.gz") if t.label == "human")
    (plain,) = score_offline([person])
    assert 0.0 < plain.score < 0.5
    strict = {
        "medium_score": plain.score / 4,
        "high_score": plain.score / 3,
        "critical_score": plain.score / 2,
    }
    config = EngineConfig(actions={"checkout": strict})
    checkout, view = score_offline(
        [
            dataclasses.replace(person, session_id="c", action="checkout"),
            dataclasses.replace(person, session_id="v", action="view"),
        ],
        config,
    )
    assert checkout.score == view.score == plain.score
    assert checkout.risk_level is RiskLevel.CRITICAL
    assert view.risk_level is RiskLevel.LOW
