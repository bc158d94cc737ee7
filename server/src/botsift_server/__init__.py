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

from typing import TYPE_CHECKING, Any

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
