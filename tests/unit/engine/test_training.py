"""Training is reproducible: the same traces and seed write the same model file, byte for byte,
a modality left out of the shipped file is still measured and says why it is missing, and the
AUC it reports weighs people as training does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from botsift_server.cli import main
from botsift_server.engine.learned import ModelBundle
from botsift_server.engine.training import Sample, roc_auc, train_bundle

from .traces import sample_traces


def _samples() -> list[Sample]:
    return [
        Sample(t.context, t.events, t.label == "bot", t.source, t.person or t.session_id, t.session_id)
        for t in sample_traces()
        if t.label is not None
    ]


def test_training_twice_with_one_seed_writes_identical_files_and_unshipped_models_say_why(
    tmp_path: Path,
) -> None:
    samples = _samples()[::3]  # a third of the sample keeps this test quick; both labels remain
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    notes = {"keystrokes": "not good enough yet"}
    train_bundle(samples, seed=3, version="t", ship=("pointer",), not_shipped_notes=notes).save(first)
    train_bundle(samples, seed=3, version="t", ship=("pointer",), not_shipped_notes=notes).save(second)
    assert first.read_bytes() == second.read_bytes()
    loaded = ModelBundle.load(first)
    assert set(loaded.models) == {"pointer"}
    # The sample has typing of both labels: keystrokes were trained and measured, not shipped.
    assert loaded.metrics["keystrokes"]["samples"] > 0
    assert loaded.metrics["keystrokes_not_shipped"] == "not good enough yet"


def test_train_as_delivered_adds_a_delivered_copy_of_every_session_and_stays_reproducible(
    tmp_path: Path,
) -> None:
    sample = Path(__file__).parent / "data" / "sample.jsonl"
    args = ["train", str(sample), "--part", "all", "--ship", "pointer", "--version", "t"]
    plain, first, second = tmp_path / "plain.json", tmp_path / "a.json", tmp_path / "b.json"
    assert main([*args, "--out", str(plain)]) == 0
    for out in (first, second):
        assert main([*args, "--as", "frames:60,collector", "--out", str(out)]) == 0
    assert first.read_bytes() == second.read_bytes()
    pointer = ModelBundle.load(plain).metrics["pointer"]
    delivered = ModelBundle.load(first).metrics["pointer"]
    # Each session twice: as recorded and as a 60 Hz page and the web collector deliver it.
    assert (delivered["humans"], delivered["bots"]) == (2 * pointer["humans"], 2 * pointer["bots"])
    # --bots-as adds a copy of the bots' sessions only: what only a script does (await each move).
    paced = tmp_path / "paced.json"
    assert (
        main([*args, "--as", "frames:60,collector", "--bots-as", "paced:60,collector", "--out", str(paced)])
        == 0
    )
    both = ModelBundle.load(paced).metrics["pointer"]
    assert (both["humans"], both["bots"]) == (2 * pointer["humans"], 3 * pointer["bots"])


def test_the_reported_auc_counts_every_person_population_the_same_however_many_sessions_it_has() -> None:
    # 99 sessions of one population are ranked perfectly, the single session of another is ranked
    # below every bot: counted by session the AUC would be 0.99, counted as training weighs them
    # (each population half of the people) it is 0.5.
    scores = np.array([0.0] * 99 + [1.0] + [0.5] * 10)
    is_bot = np.array([False] * 100 + [True] * 10)
    weight = np.array([0.5 / 99] * 99 + [0.5] + [0.1] * 10)
    assert roc_auc(scores, is_bot) == pytest.approx(0.99)
    assert roc_auc(scores, is_bot, weight) == pytest.approx(0.5)
    # Weights are repeats: weight 2 is the same as the sample twice; ties count half.
    tied = np.array([0.2, 0.2, 0.7])
    labels = np.array([False, True, True])
    assert roc_auc(tied, labels, np.array([2.0, 1.0, 1.0])) == pytest.approx(
        roc_auc(np.array([0.2, 0.2, 0.2, 0.7]), np.array([False, False, True, True]))
    )
