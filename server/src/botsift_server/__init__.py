"""BotSift server: the gRPC service, detection engine, storage and observability.

Run it with the ``botsift-server`` console script; embed it with :class:`App`::

    settings = Settings.load()
    app = await App.start(settings)
    ...
    await app.stop()

The engine (:mod:`botsift_server.engine`) is pure and imports nothing of the server, so
``App`` and ``Settings`` are loaded lazily: importing the engine alone stays light.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# gRPC core's fork handlers (on in grpcio's build unless this says otherwise) run in every child
# the process forks while gRPC is busy, and there they crash it or write to its stderr (18-29 of
# 100 children of a serving process, tests/unit/test_fork.py). The server only forks to exec a
# program (PostgreSQL's initdb and pg_ctl; Node, Java and chromium for the evaluation), which
# needs none of them. Set before any module imports grpc; an operator's own value is kept.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

__version__ = "0.1.0"

__all__ = ["App", "Settings", "__version__"]

if TYPE_CHECKING:
    from botsift_server.app import App
    from botsift_server.config import Settings


def __getattr__(name: str) -> Any:
    if name == "App":
        from botsift_server.app import App

        return App
    if name == "Settings":
        from botsift_server.config import Settings

        return Settings
    raise AttributeError(name)
