"""A model trained with `botsift-server train` can be used: the setting `model.file` (TOML or
`BOTSIFT_MODEL_FILE`) and `eval --model` load it, verdicts name it, and a file that is not a
model this engine can use is refused at once, naming the file and what is wrong."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from botsift_server import App
from botsift_server.cli import main
from botsift_server.config import Settings, describe
from botsift_server.engine import ENGINE_VERSION
from botsift_server.engine.learned import ModelBundle, shipped_model
from botsift_server.errors import ConfigError
from botsift_server.model_file import load_model

SAMPLE = Path(__file__).parent / "engine" / "data" / "sample.jsonl"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pointer model trained by the CLI on the committed sample."""
    out = tmp_path_factory.mktemp("model") / "site.json"
    assert main(["train", str(SAMPLE), "--part", "all", "--version", "site-7", "--out", str(out)]) == 0
    return out


def _incompatible(tmp_path: Path) -> Path:
    data = shipped_model().to_dict()
    data["models"]["pointer"]["features"][0] = "ptr_from_another_version"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    return path


def test_the_setting_comes_from_toml_or_the_environment_and_empty_means_the_shipped_model(
    tmp_path: Path,
) -> None:
    assert Settings.load(environ={}).model.file is None
    toml = tmp_path / "botsift.toml"
    toml.write_text('[model]\nfile = "models/site.json"\n')
    assert Settings.load(toml, environ={}).model.file == Path("models/site.json")
    assert Settings.load(toml, environ={"BOTSIFT_MODEL_FILE": "/srv/m.json"}).model.file == Path(
        "/srv/m.json"
    )
    assert Settings.load(toml, environ={"BOTSIFT_MODEL_FILE": ""}).model.file is None
    documented = {name: (default, doc) for name, default, doc in describe()}
    assert documented["BOTSIFT_MODEL_FILE"][0] == ""  # listed by --help as empty, not "None"
    assert "botsift-server train" in documented["BOTSIFT_MODEL_FILE"][1]


def test_loading_refuses_what_is_not_a_model_for_this_engine(tmp_path: Path) -> None:
    assert load_model(None) is None
    missing = tmp_path / "missing.json"
    with pytest.raises(ConfigError, match=rf"model.file {missing}: cannot read it"):
        load_model(missing)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("not json")
    with pytest.raises(ConfigError, match="not a JSON model file"):
        load_model(garbage)
    with pytest.raises(ConfigError, match=r"trained on other features.*train it again"):
        load_model(_incompatible(tmp_path))


def test_eval_scores_with_a_trained_model_and_names_it(
    trained: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["eval", str(SAMPLE), "--json"]) == 0
    shipped = json.loads(capsys.readouterr().out)
    assert shipped["engine_version"] == ENGINE_VERSION

    assert main(["eval", str(SAMPLE), "--json", "--model", str(trained)]) == 0
    own = json.loads(capsys.readouterr().out)
    assert own["engine_version"] == f"{ENGINE_VERSION}+site-7"
    # Another model, other scores: the per-source means move (the sample's sessions are the same).
    means = {s["source"]: s["mean_score"] for s in shipped["sources"]}
    assert any(abs(s["mean_score"] - means[s["source"]]) > 1e-6 for s in own["sources"])

    # The setting does the same, and --model wins over it.
    monkeypatch.setenv("BOTSIFT_MODEL_FILE", str(trained))
    assert main(["eval", str(SAMPLE), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["engine_version"] == f"{ENGINE_VERSION}+site-7"


def test_eval_refuses_a_bad_model_and_a_model_for_a_server(
    trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _incompatible(tmp_path)
    assert main(["eval", str(SAMPLE), "--model", str(old)]) == 2
    assert (
        f"model.file {old}: model: the pointer model was trained on other features" in capsys.readouterr().err
    )
    args = ["eval", str(SAMPLE), "--model", str(trained), "--target", "127.0.0.1:1", "--key", "pk_x"]
    assert main(args) == 2
    assert "server's own model" in capsys.readouterr().err


def test_train_refuses_a_version_a_verdict_cannot_carry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Without --version the version is derived (as `make model-check` trains), and loads.
    derived = tmp_path / "derived.json"
    assert main(["train", str(SAMPLE), "--part", "all", "--out", str(derived)]) == 0
    assert re.fullmatch(r"trees-seed7-n\d+", ModelBundle.load(derived).version)
    with pytest.raises(SystemExit) as exit_:
        main(["train", str(SAMPLE), "--version", "my model", "--out", str(tmp_path / "m.json")])
    assert exit_.value.code == 2
    assert "'my model' must match" in capsys.readouterr().err
    assert not (tmp_path / "m.json").exists()


async def test_a_server_with_a_bad_model_file_refuses_to_start_before_touching_the_database(
    tmp_path: Path,
) -> None:
    # Nothing listens on port 1: a server that went to the database first would fail on that.
    settings = Settings.load(
        environ={
            "BOTSIFT_DATABASE_URL": "postgresql://botsift@127.0.0.1:1/none",
            "BOTSIFT_MODEL_FILE": str(_incompatible(tmp_path)),
        }
    )
    with pytest.raises(ConfigError, match="train it again"):
        await App.start(settings)


def test_train_leaves_out_the_people_named_so_a_model_can_be_measured_on_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["train", str(SAMPLE), "--part", "all", "--version", "t"]
    assert main([*base, "--out", str(tmp_path / "all.json")]) == 0
    out = tmp_path / "without.json"
    assert (
        main([*base, "--leave-out", "delbot/human/vm", "--leave-out", "delbot/bot/gan", "--out", str(out)])
        == 0
    )
    assert "left out 12 sessions of delbot/human/vm" in capsys.readouterr().err
    every = ModelBundle.load(tmp_path / "all.json").metrics["pointer"]
    without = ModelBundle.load(out).metrics["pointer"]
    assert (without["humans"], without["bots"]) == (every["humans"] - 12, every["bots"] - 12)
    assert "delbot/bot/gan" not in without["per_source_auc_vs_all_humans"]
    # A name that matches no one is a mistake, not a measurement on unseen people.
    assert main([*base, "--leave-out", "delbot/human/typo", "--out", str(tmp_path / "typo.json")]) == 2
    assert "no session of delbot/human/typo" in capsys.readouterr().err
    assert not (tmp_path / "typo.json").exists()
