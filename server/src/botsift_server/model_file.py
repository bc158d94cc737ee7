"""The learned model a server or an evaluation runs on: the one that ships with the package, or
a model file written by ``botsift-server train`` (setting ``model.file``, or ``eval --model``)."""

from __future__ import annotations

from pathlib import Path

from botsift_server.engine import ModelBundle, check_model
from botsift_server.errors import ConfigError


def load_model(path: Path | None) -> ModelBundle | None:
    """The model in ``path``, checked to fit this engine; ``None`` (the shipped model) for no path.

    Raises :class:`ConfigError` naming the file and what is wrong with it: it cannot be read, it
    is not a model file, or it was trained on other features than this engine computes.
    """
    if path is None:
        return None
    try:
        bundle = ModelBundle.load(path)
        check_model(bundle)
    except OSError as exc:
        raise ConfigError(f"model.file {path}: cannot read it ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise ConfigError(f"model.file {path}: {exc}") from None
    return bundle
